"""The « Planning » area standalone: find a child, read the week (states, legend), book and
cancel by keyboard, change week with Page suiv., bulk booking; « Occupation » with the
children expected and the PDF printed. Screenshots in docs/screenshots/planning-*.png and
occupancy-*.png."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from test_planning import MONDAY, build_world, make_actor

from backoffice.models import Booking, BookingState, OutboxItem, Role
from backoffice.ui import files
from backoffice.ui.planning import PlanningArea
from backoffice.ui.planning.bulk_dialog import BulkChoice, BulkDialog
from backoffice.ui.qt import QApplication, QItemSelectionModel, Qt

from .conftest import TODAY
from .keyboard import keyboard

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def world(sqlite_db):
    return build_world(sqlite_db)


def _area(qtbot, db, runner, role=Role.AGENT, login="mhuet") -> PlanningArea:
    actor = make_actor(db, role, login)
    area = PlanningArea(db, actor, runner, today=TODAY)
    qtbot.addWidget(area)
    area.resize(1280, 800)
    area.show()
    qtbot.waitExposed(area)
    area.reload()
    return area


def _shot(widget, name: str) -> None:
    QApplication.processEvents()  # pending layouts (a list just hidden)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(SCREENSHOTS / f"{name}.png"))


def _states(db) -> dict[tuple[int, date], BookingState]:
    with db.session() as s:
        return {(b.unit_id, b.day): b.state for b in s.scalars(select(Booking))}


def _select(page, row: int, columns: list[int]) -> None:
    model, selection = page.model, page.table.selectionModel()
    page.table.setCurrentIndex(model.index(row, columns[0]))
    selection.clearSelection()
    for c in columns:
        selection.select(model.index(row, c), QItemSelectionModel.SelectionFlag.Select)


def test_find_a_child_book_by_keyboard_and_change_week(qtbot, sqlite_db, world, sync_runner):
    area = _area(qtbot, sqlite_db, sync_runner)
    page = area.child_page
    page.search.setFocus()
    keyboard(qtbot, page.search, "martin zo")
    page._timer.timeout.emit()
    assert page.results.count() == 1
    assert page.results.item(0).text() == "Zoé MARTIN (9 ans) — famille MARTIN F00001"
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    assert page.child_label.text() == "Zoé MARTIN"
    assert page.week_label.text() == "semaine 48 — du 23/11 au 29/11/2026"
    qtbot.keyClick(page.table, Qt.Key.Key_PageDown)
    assert page.week_label.text() == "semaine 49 — du 30/11 au 06/12/2026"
    model = page.model
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(8)] == [
        "Unité", "lun. 30/11", "mar. 01/12", "mer. 02/12", "jeu. 03/12", "ven. 04/12",
        "sam. 05/12", "dim. 06/12",
    ]  # fmt: skip
    assert model.index(0, 0).data() == "Matin 07:30–08:30\nPériscolaire du Lude"
    assert model.index(0, 1).data() == "Libre\n2 places"
    assert model.index(0, 3).data() == "Fermé"
    assert "Pas d'accueil le mercredi (Matin)." in model.index(0, 3).data(
        Qt.ItemDataRole.ToolTipRole
    )

    # Monday and Tuesday morning selected, Space books them.
    _select(page, 0, [1, 2])
    qtbot.keyClick(page.table, Qt.Key.Key_Space)
    assert page.status.text() == "2 jour(s) réservé(s)."
    states = _states(sqlite_db)
    assert states[(world.matin, MONDAY)] is BookingState.ACCEPTED
    assert model.index(0, 1).data() == "Réservé"
    assert model.index(0, 4).data() == "Libre\n2 places"
    with sqlite_db.session() as s:
        assert s.scalar(select(OutboxItem.topic)) == "booking.desk"
    _shot(area, "planning-week")

    # Delete cancels Tuesday; Enter on a closed day explains why nothing happened.
    _select(page, 0, [2])
    qtbot.keyClick(page.table, Qt.Key.Key_Delete)
    assert page.status.text() == "1 jour(s) annulé(s)."
    assert _states(sqlite_db)[(world.matin, date(2026, 12, 1))] is BookingState.CANCELLED
    _select(page, 0, [3])
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert page.status.text() == (
        "Aucun changement.\nmercredi 02/12/2026 : Pas d'accueil le mercredi (Matin)."
    )
    qtbot.keyClick(page.table, Qt.Key.Key_PageUp)
    assert page.week_label.text().startswith("semaine 48")


def test_bulk_booking_over_the_period(qtbot, sqlite_db, world, sync_runner):
    area = _area(qtbot, sqlite_db, sync_runner)
    page = area.child_page
    area.show_child(world.children["Noé"], date(2026, 12, 21))
    assert page.week_label.text() == "semaine 52 — du 21/12 au 27/12/2026"
    assert [r.unit_name for r in page.model.rows] == ["Matin", "Soir", "Journée"]
    dialog = BulkDialog(page.model.rows, page.week_label.text(), page)
    qtbot.addWidget(dialog)
    dialog.select_unit(world.journee)
    dialog.days[1].setChecked(False)  # not on Tuesdays
    dialog.resize(760, 300)
    _shot(dialog, "planning-bulk")
    choice = dialog.choice()
    assert choice == BulkChoice(world.journee, True, True, (1, 3, 4, 5))
    page.run_bulk(choice)
    # 21/12 → 01/01 without Tuesdays: 21, 23, 24, 28, 30 (25/12 Noël, 31/12 and 01/01 closed).
    assert page.status.text().startswith("5 jour(s) réservé(s).")
    assert "vendredi 25/12/2026 : Fermé : jour férié (Noël)." in page.status.text()
    booked = sorted(d for (u, d), s in _states(sqlite_db).items() if u == world.journee)
    assert [d.day for d in booked] == [21, 23, 24, 28, 30]
    page.open_bulk()  # dialogs switched off: recorded, nothing applied
    _shot(area, "planning-holidays")


def test_occupancy_lists_and_prints_the_children_expected(qtbot, sqlite_db, world, sync_runner):
    from backoffice.services.bookings.planning import book_days

    agent = make_actor(sqlite_db, Role.AGENT, "accueil")
    with sqlite_db.session() as s:
        for name in ("Zoé", "Noé", "Lina"):
            book_days(s, agent, world.children[name], world.matin, [MONDAY], TODAY)
        book_days(s, agent, world.children["Zoé"], world.soir, [MONDAY], TODAY)
    area = _area(qtbot, sqlite_db, sync_runner, Role.DIRECTOR, "direction")
    opened = []
    area.open_child.connect(opened.append)
    area.tabs.setCurrentIndex(1)
    page = area.occupancy_page
    page.date.set_date(MONDAY)
    page.load()
    units = [[page.units.item(r, c).text() for c in range(7)] for r in range(page.units.rowCount())]
    assert units == [
        ["Multi-accueil Les Lutins", "Accueil à l'heure", "08:00–18:00", "0 (sans limite)", "—", "0", "0"],
        ["Périscolaire du Lude", "Matin", "07:30–08:30", "2 / 2", "0", "1", "0"],
        ["Périscolaire du Lude", "Soir", "16:30–18:30", "1 / 30", "29", "0", "0"],
    ]  # fmt: skip
    assert page.units.item(1, 3).textAlignment() & Qt.AlignmentFlag.AlignRight
    assert page.children.rowCount() == 3
    assert page.children_title.text() == "Enfants attendus : 3"
    page.units.selectRow(1)
    assert page.children_title.text() == "Enfants attendus — Matin : 2"
    assert page.children.item(1, 1).text() == "MARTIN Zoé"
    assert page.children.item(0, 5).text().startswith("Fiche sanitaire · ")
    assert (
        page.children.item(1, 4).text()
        == "PAI : protocole asthme ; Allergie alimentaire : arachide"
    )
    page.children.setCurrentCell(1, 1)
    page.children.itemActivated.emit(page.children.item(1, 1))
    assert opened == [world.children["Zoé"]]
    _shot(area, "occupancy-day")
    files.opened.clear()
    page.print_button.click()
    [pdf] = files.opened
    assert pdf.name == f"enfants-attendus-{world.site}-2026-11-30.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    # The next day, by keyboard: Wednesday has no périscolaire.
    page.shift(2)
    assert page.date.text() == "02/12/2026"
    assert page.units.rowCount() == 1


def test_a_list_that_cannot_be_written_shows_a_french_message(
    qtbot, sqlite_db, world, sync_runner, no_dialogs
):
    from backoffice.paths import expected_lists_dir

    blocker = expected_lists_dir()
    blocker.write_text("un fichier là où devrait être le dossier des listes")
    area = _area(qtbot, sqlite_db, sync_runner, Role.AGENT, "accueil")
    area.tabs.setCurrentIndex(1)
    page = area.occupancy_page
    page.date.set_date(MONDAY)
    page.load()
    files.opened.clear()
    page.print_button.click()  # said, not raised: no crash report
    assert files.opened == []
    assert [(r.kind, r.text) for r in no_dialogs] == [
        (
            "warning",
            f"Impossible de créer le dossier {blocker} : "
            "un fichier porte déjà ce nom à la place du dossier.",
        )
    ]


def test_occupancy_hides_health_alerts_from_the_desk(qtbot, sqlite_db, world, sync_runner):
    from backoffice.services.bookings.planning import book_days

    area = _area(qtbot, sqlite_db, sync_runner)
    with sqlite_db.session() as s:
        book_days(s, area.child_page.actor, world.children["Zoé"], world.matin, [MONDAY], TODAY)
    area.tabs.setCurrentIndex(1)
    page = area.occupancy_page
    page.date.set_date(MONDAY)
    page.load()
    assert page.children.item(0, 1).text() == "MARTIN Zoé"
    assert page.children.item(0, 4).text() == ""
    assert (
        page.health.text()
        == "Alertes santé (PAI, allergies) : visibles par la direction seulement."
    )
    _shot(area, "occupancy-desk")
