"""« Pointage » standalone: the day's expected children, P / J / A by keyboard going down
the list, « Tous présents », hours typed for the multi-accueil, Ctrl+S; a day to come and a
closed billing period refused in French. Screenshot docs/screenshots/attendance-*.png."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest
from sqlalchemy import select
from test_planning import MONDAY, build_world, make_actor

from backoffice.models import Attendance, Booking, ClosedPeriod, Regie
from backoffice.services.bookings.planning import book_days
from backoffice.ui.attendance import AttendanceArea
from backoffice.ui.attendance.model import parse_time
from backoffice.ui.qt import QApplication, Qt

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TUESDAY = date(2026, 12, 1)


@pytest.fixture
def world(sqlite_db):
    world = build_world(sqlite_db)
    agent = make_actor(sqlite_db, login="planning")
    with sqlite_db.session() as s:
        for name in ("Zoé", "Noé"):
            book_days(s, agent, world.children[name], world.matin, [MONDAY], date(2026, 11, 27))
        book_days(s, agent, world.children["Zoé"], world.soir, [MONDAY], date(2026, 11, 27))
        book_days(s, agent, world.children["Jules"], world.heure, [MONDAY], date(2026, 11, 27))
    return world


def _area(qtbot, db, runner, today=TUESDAY) -> AttendanceArea:
    area = AttendanceArea(db, make_actor(db), runner, today=today)
    qtbot.addWidget(area)
    area.resize(1280, 800)
    area.show()
    qtbot.waitExposed(area)
    area.reload()
    return area


def _column(area, column: int) -> list[str]:
    return [area.model.index(r, column).data() for r in range(area.model.rowCount())]


def _recorded(db) -> dict[int, tuple]:
    with db.session() as s:
        return {
            b.id: (b.attendance, b.arrival_time, b.departure_time)
            for b in s.scalars(select(Booking))
        }


def test_point_a_day_by_keyboard_and_save(qtbot, sqlite_db, world, sync_runner, no_dialogs):
    area = _area(qtbot, sqlite_db, sync_runner)
    assert area.date.text() == "01/12/2026"
    area.shift(-1)  # Monday 30/11
    assert area.title.text() == "<b>Lundi 30 novembre 2026</b>"
    assert _column(area, 1) == ["PETIT Jules", "DURAND Noé", "MARTIN Zoé", "MARTIN Zoé"]
    assert _column(area, 0)[0] == "Multi-accueil Les Lutins — Accueil à l'heure"
    assert _column(area, 2) == ["À pointer"] * 4
    assert _column(area, 3) == ["", "—", "—", "—"]

    # Jules at the crèche: his hours typed in the cells (a time typed marks him present).
    model = area.model
    assert model.setData(model.index(0, 3), "8h15")
    assert model.setData(model.index(0, 4), "1205")
    assert not model.setData(model.index(0, 4), "25:00")
    assert no_dialogs[-1].text == "« 25:00 » n'est pas une heure valide."
    # Noé (row 1): J; the cursor goes down to Zoé's morning: A.
    area.table.setFocus()
    area.table.setCurrentIndex(model.index(1, 2))
    qtbot.keyClick(area.table, Qt.Key.Key_J)
    assert area.table.currentIndex().row() == 2
    qtbot.keyClick(area.table, Qt.Key.Key_A)
    area.all_present()  # Zoé's evening, not yet pointed
    assert _column(area, 2) == ["Présent", "Absent justifié", "Absent", "Présent"]
    assert area.counts.text() == (
        "4 enfant(s) attendu(s) · 2 présent(s) · 1 absent(s) justifié(s) · 1 absent(s) · "
        "0 à pointer — 4 modification(s) non enregistrée(s)"
    )
    QApplication.processEvents()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    area.grab().save(str(SCREENSHOTS / "attendance-day.png"))
    assert not area._may_leave()  # unsaved changes: the question, answered "keep"
    opened = []
    area.open_child.connect(opened.append)
    area.table.doubleClicked.emit(model.index(1, 1))
    assert opened == [world.children["Noé"]]

    area.save_button.click()
    assert area.status.text() == "Pointage enregistré : 4 enfant(s)."
    recorded = _recorded(sqlite_db)
    jules, noe, zoe_matin, zoe_soir = (line.row.booking_id for line in model.lines)
    assert recorded[jules] == (Attendance.PRESENT, time(8, 15), time(12, 5))
    assert recorded[noe][0] is Attendance.ABSENT_JUSTIFIED
    assert recorded[zoe_matin][0] is Attendance.ABSENT
    assert recorded[zoe_soir][0] is Attendance.PRESENT
    assert model.changed_marks() == []
    # Back to « à pointer » with Suppr, saved.
    area.table.setCurrentIndex(model.index(3, 2))
    qtbot.keyClick(area.table, Qt.Key.Key_Delete)
    area.save()
    assert _recorded(sqlite_db)[zoe_soir] == (None, None, None)


def test_future_day_and_closed_period(qtbot, sqlite_db, world, sync_runner, no_dialogs):
    area = _area(qtbot, sqlite_db, sync_runner, today=date(2026, 11, 27))
    area.show_day(MONDAY)
    assert area.status.text() == "Jour à venir : le pointage se saisit le jour même ou après."
    assert not area.save_button.isEnabled()
    area.table.setCurrentIndex(area.model.index(1, 2))
    qtbot.keyClick(area.table, Qt.Key.Key_P)
    assert _column(area, 2)[1] == "À pointer"

    with sqlite_db.session() as s:
        regie = s.scalar(select(Regie).where(Regie.code == "APS"))
        s.add(ClosedPeriod(regie_id=regie.id, start_date=date(2026, 11, 1), end_date=MONDAY))
    area.today = TUESDAY
    area.load()
    area.table.setCurrentIndex(area.model.index(1, 2))
    qtbot.keyClick(area.table, Qt.Key.Key_P)
    area.save()
    assert no_dialogs[-1].kind == "warning"
    assert "est clôturée : la réservation du 30/11/2026 ne peut plus changer" in no_dialogs[-1].text
    assert all(v == (None, None, None) for v in _recorded(sqlite_db).values())
    assert len(area.model.changed_marks()) == 1  # nothing lost: still there to correct


def test_parse_time():
    assert parse_time("8:05") == time(8, 5)
    assert parse_time(" 17h ") == time(17, 0)
    assert parse_time("0930") == time(9, 30)
    assert parse_time("") is None
    with pytest.raises(ValueError, match="n'est pas une heure"):
        parse_time("midi")
