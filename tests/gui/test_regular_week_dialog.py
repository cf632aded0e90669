"""« Semaine type… » from the child's planning (1280×800): the dialog previews a month of
lundi, mardi, jeudi, vendredi matin et soir (full mornings on the waiting list, Noël and
the inventory closed), « Enregistrer » is offered only for the preview shown, and the
bookings then show in the child's planning. Screenshot docs/screenshots/
planning-regular-week.png."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from test_planning import MONDAY, build_world, make_actor

from backoffice.models import Booking, BookingState, OutboxItem, Role
from backoffice.services.bookings.planning import book_days
from backoffice.ui.planning import PlanningArea
from backoffice.ui.qt import QApplication, Qt

from .conftest import TODAY

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def world(sqlite_db):
    return build_world(sqlite_db)


def _area(qtbot, db, runner, role=Role.AGENT) -> PlanningArea:
    actor = make_actor(db, role)
    area = PlanningArea(db, actor, runner, today=TODAY)
    qtbot.addWidget(area)
    area.resize(1280, 800)
    area.show()
    qtbot.waitExposed(area)
    area.reload()
    return area


def test_semaine_type_for_a_month_then_seen_in_the_planning(
    qtbot, sqlite_db, world, sync_runner, no_dialogs
):
    zoe = world.children["Zoé"]
    with sqlite_db.session() as s:  # the morning's 2 places taken on Monday 7 December
        agent = make_actor(sqlite_db, Role.AGENT, "autre")
        for other in (world.children["Noé"], world.children["Lina"]):
            book_days(s, agent, other, world.matin, [date(2026, 12, 7)], TODAY)
    area = _area(qtbot, sqlite_db, sync_runner)
    page = area.child_page
    area.show_child(zoe, MONDAY)
    assert page.week_type_button.isEnabled()
    qtbot.mouseClick(page.week_type_button, Qt.MouseButton.LeftButton)
    assert [r.title for r in no_dialogs] == ["Semaine type"]
    dialog = page.regular_week_dialog
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.windowTitle() == "Semaine type — Zoé MARTIN"
    assert dialog.activity.currentText() == (
        "Périscolaire du Lude (inscription jusqu'au 03/07/2027)"
    )
    # The unit's weekdays are ticked; Wednesday is not a day of the périscolaire.
    assert dialog.pattern() == {world.matin: (1, 2, 4, 5), world.soir: (1, 2, 4, 5)}
    assert not dialog.boxes[(world.matin, 3)].isEnabled()
    assert not dialog.save_button.isEnabled()

    dialog.first.setText("30/11/2026")
    dialog.last.setText("31/12/2026")
    qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    assert dialog.summary.text() == (
        "Du 30/11/2026 au 31/12/2026 : 33 jour(s) à réserver, 1 en liste d'attente "
        "(complet), 4 fermé(s)."
    )
    assert dialog.table.rowCount() == 38
    texts = [
        [dialog.table.item(r, c).text() for c in range(5)] for r in range(dialog.table.rowCount())
    ]
    assert texts[0] == ["lun. 30/11/2026", "Matin", "Sera réservé", "", "2"]
    assert texts[8] == [
        "lun. 07/12/2026",
        "Matin",
        "Liste d'attente (complet)",
        "Complet : une réservation ira en liste d'attente.",
        "0",
    ]
    assert ["ven. 25/12/2026", "Soir", "Fermé", "Fermé : jour férié (Noël).", ""] in texts
    assert dialog.save_button.isEnabled()
    dialog.resize(1280, 800)
    QApplication.processEvents()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(SCREENSHOTS / "planning-regular-week.png"))

    # A change makes the preview stale: nothing can be saved until it is shown again.
    dialog.boxes[(world.soir, 5)].setChecked(False)
    assert not dialog.save_button.isEnabled() and dialog.table.rowCount() == 0
    dialog.boxes[(world.soir, 5)].setChecked(True)
    qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    assert page.status.text().splitlines()[:2] == [
        "33 jour(s) réservé(s), 1 jour(s) en liste d'attente (complet).",
        "vendredi 25/12/2026 : Fermé : jour férié (Noël).",
    ]
    with sqlite_db.session() as s:
        states = {
            (b.unit_id, b.day): b.state
            for b in s.scalars(select(Booking).where(Booking.child_id == zoe))
        }
        assert s.scalar(select(OutboxItem.topic).order_by(OutboxItem.id.desc())) == ("booking.desk")
    assert len(states) == 34
    assert states[(world.matin, date(2026, 12, 7))] is BookingState.WAITING_LIST
    # The child's planning shows them: week 50, Monday morning waiting, the rest booked.
    page.show_week(date(2026, 12, 7))
    model = page.model
    assert page.week_label.text() == "semaine 50 — du 07/12 au 13/12/2026"
    assert model.index(0, 1).data().startswith("Liste d'attente")
    assert [model.index(0, c).data().split("\n")[0] for c in (2, 4, 5)] == ["Réservé"] * 3
    assert [model.index(1, c).data().split("\n")[0] for c in (1, 2, 4, 5)] == ["Réservé"] * 4


def test_an_error_is_said_in_french_and_nothing_saved(qtbot, sqlite_db, world, sync_runner):
    area = _area(qtbot, sqlite_db, sync_runner)
    page = area.child_page
    area.show_child(world.children["Zoé"], MONDAY)
    qtbot.mouseClick(page.week_type_button, Qt.MouseButton.LeftButton)
    dialog = page.regular_week_dialog
    qtbot.addWidget(dialog)
    dialog.first.setText("31/02/2027")
    qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    assert dialog.summary.text() == (
        "« 31/02/2027 » n'est pas une date valide, écrivez-la jj/mm/aaaa (date de début)."
    )
    dialog.first.setText("30/11/2026")
    dialog.set_days({})
    qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    assert dialog.summary.text() == "Aucun jour choisi : cochez au moins un jour d'une unité."
    assert not dialog.save_button.isEnabled()
    with sqlite_db.session() as s:
        assert s.scalar(select(Booking.id)) is None
