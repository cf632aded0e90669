"""Pointage for a site and a day: present / absent justified / absent, the hours of
the multi-accueil, « tous présents »; what billing then reads; closed periods and
days to come refused with a French message."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import select
from test_planning import MONDAY, build_world, make_actor

from backoffice.models import (
    Activity,
    Attendance,
    AuditEvent,
    Booking,
    BookingState,
    ClosedPeriod,
    Regie,
)
from backoffice.services.billing.guards import PeriodClosed
from backoffice.services.billing.lines import decide
from backoffice.services.bookings.attendance import (
    AttendanceError,
    AttendanceMark,
    all_present,
    attendance_sheet,
    record_attendance,
)
from backoffice.services.bookings.planning import book_days

LATER = date(2026, 12, 1)  # the day after MONDAY: attendance is entered afterwards
WEEK_BEFORE = date(2026, 11, 23)


@pytest.fixture
def world(db):
    return build_world(db)


@pytest.fixture
def booked(db, world):
    """Zoé and Noé in the morning, Zoé in the evening, Jules at the crèche, Monday 30/11."""
    agent = make_actor(db)
    kids = world.children
    with db.session() as s:
        for name in ("Zoé", "Noé"):
            book_days(s, agent, kids[name], world.matin, [MONDAY], date(2026, 11, 27))
        book_days(s, agent, kids["Zoé"], world.soir, [MONDAY], date(2026, 11, 27))
        book_days(s, agent, kids["Jules"], world.heure, [MONDAY], date(2026, 11, 27))
    return agent


def _attendance(db) -> dict[tuple[int, int], tuple]:
    with db.session() as s:
        return {
            (b.child_id, b.unit_id): (b.attendance, b.arrival_time, b.departure_time)
            for b in s.scalars(select(Booking))
        }


@pytest.mark.postgres
def test_pointage_is_what_billing_reads(db, world, booked):
    agent = booked
    with db.session() as s:
        sheet = attendance_sheet(s, world.site, MONDAY)
    assert [(r.activity_name, r.unit_name, r.child_name, r.hourly) for r in sheet] == [
        ("Multi-accueil Les Lutins", "Accueil à l'heure", "PETIT Jules", True),
        ("Périscolaire du Lude", "Matin", "DURAND Noé", False),
        ("Périscolaire du Lude", "Matin", "MARTIN Zoé", False),
        ("Périscolaire du Lude", "Soir", "MARTIN Zoé", False),
    ]
    jules, noe, zoe_matin, zoe_soir = (r.booking_id for r in sheet)
    marks = [
        AttendanceMark(jules, Attendance.PRESENT, time(8, 15), time(12, 5)),
        AttendanceMark(noe, Attendance.ABSENT_JUSTIFIED),
        AttendanceMark(zoe_matin, Attendance.ABSENT, time(7, 30), time(8, 0)),  # hours dropped
    ]
    with db.session() as s:
        assert record_attendance(s, agent, MONDAY, marks, LATER) == 3
    with db.session() as s:
        assert record_attendance(s, agent, MONDAY, marks, LATER) == 0  # nothing new
        assert all_present(s, agent, world.site, MONDAY, LATER) == 1  # Zoé's evening
    kids = world.children
    recorded = _attendance(db)
    assert recorded[(kids["Jules"], world.heure)] == (Attendance.PRESENT, time(8, 15), time(12, 5))
    assert recorded[(kids["Noé"], world.matin)] == (Attendance.ABSENT_JUSTIFIED, None, None)
    assert recorded[(kids["Zoé"], world.matin)] == (Attendance.ABSENT, None, None)
    assert recorded[(kids["Zoé"], world.soir)][0] is Attendance.PRESENT
    # Billing (périscolaire: attendance basis): present and unjustified absence are due.
    with db.session() as s:
        rows = {b.id: b for b in s.scalars(select(Booking))}
        basis = s.scalar(select(Activity.billing_basis).where(Activity.id == world.aps))
        due = {
            i: decide(basis, False, rows[i].state, rows[i].attendance, False).quantity
            for i in (noe, zoe_matin, zoe_soir)
        }
        hours = decide(
            basis, True, BookingState.ACCEPTED, rows[jules].attendance, False,
            rows[jules].arrival_time, rows[jules].departure_time,
        ).quantity  # fmt: skip
        events = s.scalars(select(AuditEvent).where(AuditEvent.field == "attendance")).all()
    assert due[noe] is None and due[zoe_matin] == 1 and due[zoe_soir] == 1
    assert hours == 4  # 8:15 → 12:05, each quarter hour started is due
    assert len(events) == 4 and {e.staff_user_id for e in events} == {agent.staff_id}


def test_pointage_refusals(db, world, booked):
    agent = booked
    with db.session() as s:
        [jules, noe, *_] = (r.booking_id for r in attendance_sheet(s, world.site, MONDAY))
    with db.session() as s, pytest.raises(AttendanceError, match="à l'avance"):
        record_attendance(s, agent, MONDAY, [AttendanceMark(noe, Attendance.PRESENT)], WEEK_BEFORE)
    with db.session() as s, pytest.raises(AttendanceError, match="doit suivre l'heure d'arrivée"):
        record_attendance(
            s, agent, MONDAY, [AttendanceMark(jules, Attendance.PRESENT, time(9), time(8))], LATER
        )
    with db.session() as s, pytest.raises(AttendanceError, match="actualisez le pointage"):
        record_attendance(s, agent, LATER, [AttendanceMark(noe, Attendance.PRESENT)], LATER)
    with db.session() as s:
        regie = s.scalar(select(Regie).where(Regie.code == "APS"))
        s.add(ClosedPeriod(regie_id=regie.id, start_date=date(2026, 11, 1), end_date=MONDAY))
    with db.session() as s, pytest.raises(PeriodClosed, match="clôturée"):
        record_attendance(s, agent, MONDAY, [AttendanceMark(noe, Attendance.PRESENT)], LATER)
    assert all(a == (None, None, None) for a in _attendance(db).values())


def test_pointage_shows_in_the_family_history(db, world, booked):
    from backoffice.services.families.history import family_history

    agent = booked
    with db.session() as s:
        sheet = attendance_sheet(s, world.site, MONDAY)
        jules = next(r for r in sheet if r.hourly)
        record_attendance(
            s, agent, MONDAY, [AttendanceMark(jules.booking_id, Attendance.PRESENT)], LATER
        )
    with db.session() as s:
        lines = family_history(s, agent, jules.family_id)
    assert [(e.element, e.old_value, e.new_value) for e in lines][:1] == [
        ("Jules PETIT — Pointage Accueil à l'heure du 30/11/2026 : présence", "—", "Présent")
    ]


def test_pointage_opens_on_the_site_where_children_are_expected(db, world, booked):
    from backoffice.services.bookings.attendance import busiest_site

    with db.session() as s:
        assert busiest_site(s, MONDAY) == world.site
        assert busiest_site(s, MONDAY.replace(day=29)) is None  # a Sunday: nobody
