"""« Tarifs » (tab of « Facturation »), standalone on the hand-made billing world:
pick a unit, see its grid, plan a new set from a date, errors beside the grid with
nothing lost, delete a planned change, roles."""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

TESTS = Path(__file__).resolve().parent.parent
if "billing_world" not in sys.modules:
    _spec = importlib.util.spec_from_file_location(
        "billing_world", TESTS / "billing" / "billing_world.py"
    )
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["billing_world"] = _module
    _spec.loader.exec_module(_module)

from billing_world import build  # noqa: E402

from backoffice.models import Role, Tariff, Unit  # noqa: E402
from backoffice.ui import dialogs  # noqa: E402
from backoffice.ui.billing import BillingArea  # noqa: E402
from backoffice.ui.billing.table import RIGHT  # noqa: E402
from backoffice.ui.billing.tariff_dialog import PRICE, QF_MAX, QF_MIN  # noqa: E402
from backoffice.ui.billing.tariffs import TariffsPanel  # noqa: E402
from backoffice.ui.qt import QApplication, QDialog, Qt  # noqa: E402

from .conftest import add_agent  # noqa: E402

SHOTS = TESTS.parent / "docs" / "screenshots"
TODAY = date(2026, 6, 26)
JOURNEE = "ALSH › Accueil de loisirs › Journée"
D = Decimal


@pytest.fixture
def world(sqlite_db):
    import backoffice.services.billing  # noqa: F401  (ORM guards)

    with sqlite_db.session() as s:
        return build(s)


@pytest.fixture
def accountant(sqlite_db, world):
    return add_agent(sqlite_db, "rdubois", "René Dubois", Role.ACCOUNTANT)


@pytest.fixture(autouse=True)
def no_scripted_answers():
    dialogs.scripted_answers.clear()
    yield
    dialogs.scripted_answers.clear()


def make_panel(qtbot, db, actor, runner) -> TariffsPanel:
    panel = TariffsPanel(db, actor, runner, today=TODAY)
    qtbot.addWidget(panel)
    panel.resize(1280, 800)
    panel.show()  # loads the units and the first grid
    return panel


def texts(model, column) -> list[str]:
    return [model.data(model.index(n, column)) for n in range(model.rowCount())]


def shot(widget, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()
    assert widget.grab().save(str(SHOTS / name))


def tinted(dialog) -> list[int]:
    return [
        n
        for n in range(dialog.table.rowCount())
        if dialog.table.item(n, QF_MIN).background().color().name() == "#fbe3e3"
    ]


def stored(db, unit_id, valid_from) -> list[tuple]:
    with db.session() as s:
        return sorted(
            (t.child_rank, t.qf_min, t.qf_max, t.price)
            for t in s.scalars(
                select(Tariff).where(Tariff.unit_id == unit_id, Tariff.valid_from == valid_from)
            )
        )


def test_pick_a_unit_and_see_its_grid(qtbot, sqlite_db, accountant, sync_runner):
    panel = make_panel(qtbot, sqlite_db, accountant, sync_runner)
    assert panel.unit.count() == 4
    panel.select_unit(JOURNEE)
    current = panel.current
    assert current.rowCount() == 9
    assert texts(current, 0)[:4] == ["1er", "1er", "1er", "2e"]
    assert texts(current, 0)[-1] == "3e et suivants"
    assert texts(current, 2)[:3] == ["600", "900", "et plus"]
    assert texts(current, 3)[:3] == ["8,50\u00a0€", "11,20\u00a0€", "14,60\u00a0€"]
    assert current.data(current.index(0, 3), Qt.ItemDataRole.TextAlignmentRole) == RIGHT
    assert texts(current, 4)[0] == "01/09/2025"
    assert panel.current_title.text() == "Tarifs en vigueur le 26/06/2026"
    assert texts(panel.future, 0) == ["15/07/2026", "15/07/2026"]
    assert texts(panel.future, 4) == ["11,50\u00a0€", "10,35\u00a0€"]
    assert texts(panel.future, 1) == ["1er", "2e et suivants"]
    assert "par rang de l'enfant" in panel.info.text()
    assert not panel.current_view.isColumnHidden(0)
    shot(panel, "billing-tariffs.png")

    panel.on.setText("31/02/2026")
    panel.on.editingFinished.emit()
    assert "n'est pas une date valide" in panel.status.text()
    assert panel.current_title.text() == "Tarifs en vigueur le 26/06/2026"  # grid kept
    panel.on.setText("20/07/2026")
    panel.on.editingFinished.emit()
    assert panel.status.text() == ""
    assert panel.current_title.text() == "Tarifs en vigueur le 20/07/2026"
    assert "11,50\u00a0€" in texts(panel.current, 3)
    assert panel.future.rowCount() == 0

    panel.select_unit("PERI › Périscolaire › Accueil du soir")
    assert texts(panel.current, 3) == ["1,60\u00a0€", "2,05\u00a0€", "2,50\u00a0€"]
    assert panel.current_view.isColumnHidden(0)  # no rank pricing
    assert "sans rang" in panel.info.text()


def test_new_set_from_a_date_error_shown_nothing_lost(
    qtbot, sqlite_db, world, accountant, sync_runner, no_dialogs
):
    panel = make_panel(qtbot, sqlite_db, accountant, sync_runner)
    panel.select_unit(JOURNEE)
    dialog = panel.open_new_tariffs()
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 9
    assert dialog.start.text() == "01/07/2026"  # the 1st of next month
    assert [dialog.cell(n, PRICE) for n in range(3)] == ["8,50", "11,20", "14,60"]
    dialog.start.setText("01/09/2026")
    dialog.set_cell(0, PRICE, "9,005")
    dialog.set_cell(1, QF_MIN, "550")
    dialog.submit()
    assert dialog.isVisible() and dialog.errors.isVisible()
    assert "Ligne 1 : prix « 9,005 » avec plus de deux décimales." in dialog.errors.text()
    assert tinted(dialog) == [0]  # the row named by the error
    shot(dialog, "billing-tariffs-errors.png")
    assert stored(sqlite_db, world.units["journee"], date(2026, 9, 1)) == []
    assert dialog.cell(0, PRICE) == "9,005"  # nothing lost: the agent corrects

    dialog.set_cell(0, PRICE, "9,00")
    dialog.submit()
    assert "chevauchent" in dialog.errors.text()
    assert "lignes 1 et 2" in dialog.errors.text()
    assert tinted(dialog) == [0, 1]
    dialog.set_cell(1, QF_MIN, "601")
    dialog.set_cell(1, PRICE, "12")
    dialog.submit()
    assert dialog.result() == QDialog.DialogCode.Accepted
    rows = stored(sqlite_db, world.units["journee"], date(2026, 9, 1))
    assert len(rows) == 9
    assert rows[:3] == [
        (1, 0, 600, D("9.00")),
        (1, 601, 900, D("12.00")),
        (1, 901, None, D("14.60")),
    ]
    assert "à partir du 01/09/2026" in panel.status.text()
    assert no_dialogs[-1].kind == "information"
    assert texts(panel.future, 0).count("01/09/2026") == 9
    shot(panel, "billing-tariffs-planned.png")


def test_new_set_for_a_unit_without_ranks_and_an_added_bracket(
    qtbot, sqlite_db, world, accountant, sync_runner
):
    panel = make_panel(qtbot, sqlite_db, accountant, sync_runner)
    panel.select_unit("PERI › Périscolaire › Accueil du soir")
    dialog = panel.open_new_tariffs()
    qtbot.addWidget(dialog)
    assert dialog.table.isColumnHidden(2)
    dialog.set_cell(2, QF_MAX, "1200")
    n = dialog.add_row("1201", "", "", "2,90")
    assert n == 3
    dialog.submit()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert stored(sqlite_db, world.units["soir"], date(2026, 7, 1))[-2:] == [
        (None, 901, 1200, D("2.50")),
        (None, 1201, None, D("2.90")),
    ]


def test_delete_a_planned_change(qtbot, sqlite_db, world, accountant, sync_runner):
    panel = make_panel(qtbot, sqlite_db, accountant, sync_runner)
    panel.select_unit(JOURNEE)
    assert not panel.delete_button.isEnabled()
    panel.future_view.selectRow(0)
    assert panel.delete_button.isEnabled()
    dialogs.scripted_answers.append(True)
    panel.delete_planned()
    assert panel.status.text() == "2 tarif(s) prévu(s) à partir du 15/07/2026 supprimé(s)."
    assert panel.future.rowCount() == 0
    assert stored(sqlite_db, world.units["journee"], date(2026, 7, 15)) == []


def test_a_desk_agent_sees_but_cannot_change(qtbot, sqlite_db, world, sync_runner):
    agent = add_agent(sqlite_db)
    panel = make_panel(qtbot, sqlite_db, agent, sync_runner)
    panel.select_unit(JOURNEE)
    assert panel.current.rowCount() == 9
    assert panel.role_note.isVisible()
    assert not panel.new_button.isEnabled()
    panel.future_view.selectRow(0)
    assert not panel.delete_button.isEnabled()
    assert "Réservé au régisseur" in panel.new_button.toolTip()


def test_tab_of_the_billing_area(qtbot, sqlite_db, accountant, sync_runner):
    area = BillingArea(sqlite_db, accountant, sync_runner, today=TODAY)
    qtbot.addWidget(area)
    area.resize(1280, 800)
    area.show()
    area.reload()
    assert [area.tabs.tabText(n) for n in range(area.tabs.count())][-1] == "Tarifs"
    assert area.tariffs.unit.count() == 0  # loaded when first shown
    area.tabs.setCurrentWidget(area.tariffs)
    assert area.tariffs.unit.count() == 4
    assert area.tariffs.current.rowCount() == 9  # ALSH › … › Journée comes first
    shot(area, "billing-tariffs-area.png")


def test_first_tariffs_of_a_new_unit(qtbot, sqlite_db, world, accountant, sync_runner):
    with sqlite_db.session() as s:
        peri = s.get(Unit, world.units["soir"]).activity
        s.add(Unit(activity=peri, code="repas", name="Repas", position=3))
    panel = make_panel(qtbot, sqlite_db, accountant, sync_runner)
    panel.select_unit("PERI › Périscolaire › Repas")
    assert panel.current.rowCount() == 0
    assert panel.current_title.text().startswith("Aucun tarif en vigueur le 26/06/2026")
    dialog = panel.open_new_tariffs()
    qtbot.addWidget(dialog)
    assert [dialog.cell(0, c) for c in (QF_MIN, QF_MAX, PRICE)] == ["0", "", ""]
    dialog.submit()
    assert dialog.errors.text().count("<li>") == 1 and "prix manquant" in dialog.errors.text()
    dialog.set_cell(0, PRICE, "3,10 €")
    dialog.submit()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert texts(panel.future, 4) == ["3,10\u00a0€"]
    panel.on.setText("01/07/2026")
    panel.on.editingFinished.emit()
    assert texts(panel.current, 3) == ["3,10\u00a0€"]
