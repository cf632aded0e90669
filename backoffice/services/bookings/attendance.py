"""Pointage: who came, for a site and a day. What billing reads for périscolaire
(attendance) and multi-accueil (hours), see :mod:`.billing.lines`.

- :func:`attendance_sheet`: the accepted days of the site that day (a
  cancellation asked but not decided still expects the child), per activity
  and unit, by child name, with the attendance recorded so far and, for a unit
  billed by the hour, the arrival and departure times.
- :func:`sheet_alerts`: the health alerts of the children on the sheet — the flags
  (« PAI », « Allergie alimentaire ») for everybody, as on the family card; the
  details (« arachide ») only for the roles that may see health data, each child's
  access then recorded like the child file's.
- :func:`record_attendance`: present / absent justified / absent (or nothing)
  for some of those days, with the times; :func:`all_present` marks every day
  not yet pointed as present.

A day to come cannot be pointed; a day inside a closed billing period of its
régie cannot change (the billing guards refuse it with their message). Bookings
are not among the audit trail's automatically followed entities
(:data:`.audit.AUDITED`), so each change of attendance or hours is written here as
an ``audit_event`` (entity ``booking``) with the session's actor, in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from backoffice.errors import UserError
from backoffice.models import (
    Activity,
    Attendance,
    AuditAction,
    AuditEvent,
    BillingUnit,
    Booking,
    BookingState,
    Child,
    Unit,
    utcnow,
)
from backoffice.services.bookings.occupancy import health_alerts
from backoffice.services.common import audit
from backoffice.services.common.actors import Actor, bind
from backoffice.services.common.permissions import Permission, require
from backoffice.services.families.queries import child_alerts

EXPECTED = (BookingState.ACCEPTED, BookingState.CANCEL_REQUESTED)
FIELDS = ("attendance", "arrival_time", "departure_time")


class AttendanceError(UserError):
    """Pointage that cannot be recorded (French message); nothing was changed."""


@dataclass(frozen=True, slots=True)
class AttendanceRow:
    booking_id: int
    child_id: int
    family_id: int
    child_name: str  # « NOM Prénom »
    activity_name: str
    unit_name: str
    hourly: bool
    attendance: Attendance | None
    arrival: time | None
    departure: time | None
    cancel_requested: bool


@dataclass(frozen=True, slots=True)
class AttendanceMark:
    booking_id: int
    attendance: Attendance | None
    arrival: time | None = None
    departure: time | None = None


def attendance_sheet(
    session: Session, site_id: int, day: date, activity_id: int | None = None
) -> list[AttendanceRow]:
    stmt = (
        select(Booking)
        .join(Unit, Unit.id == Booking.unit_id)
        .join(Activity, Activity.id == Unit.activity_id)
        .join(Child, Child.id == Booking.child_id)
        .where(Activity.site_id == site_id, Booking.day == day, Booking.state.in_(EXPECTED))
        .options(
            selectinload(Booking.unit).selectinload(Unit.activity), selectinload(Booking.child)
        )
        .order_by(Activity.name, Unit.position, Unit.id, Child.last_name, Child.first_name)
    )
    if activity_id is not None:
        stmt = stmt.where(Activity.id == activity_id)
    return [
        AttendanceRow(
            booking_id=b.id,
            child_id=b.child_id,
            family_id=b.child.family_id,
            child_name=f"{b.child.last_name.upper()} {b.child.first_name}",
            activity_name=b.unit.activity.name,
            unit_name=b.unit.name,
            hourly=b.unit.billing_unit is BillingUnit.HOUR,
            attendance=b.attendance,
            arrival=b.arrival_time,
            departure=b.departure_time,
            cancel_requested=b.state is BookingState.CANCEL_REQUESTED,
        )
        for b in session.scalars(stmt)
    ]


@dataclass(frozen=True, slots=True)
class HealthAlert:
    """What the pointage shows of a child's health: ``details`` is None for the roles
    that may not see health data (they see that there is an alert, and its kind)."""

    flags: tuple[str, ...]
    details: tuple[str, ...] | None


def sheet_alerts(
    session: Session, actor: Actor, child_ids: Iterable[int]
) -> dict[int, HealthAlert]:
    """The children of ``child_ids`` that have a health alert → the alert (see the
    module docstring); with the details, a medical-access entry per child."""
    require(
        session, actor, Permission.ATTENDANCE, "consulter les alertes de la feuille de présence"
    )
    ids = set(child_ids)
    if not ids:
        return {}
    children = session.scalars(
        select(Child).where(Child.id.in_(ids)).options(selectinload(Child.medical_record))
    )
    alerts: dict[int, HealthAlert] = {}
    for child in children:
        flags = tuple(child_alerts(child))
        if not flags:
            continue
        details = None
        if actor.sees_medical_data:
            details = health_alerts(child)
            audit.record_medical_access(session, actor, child)
        alerts[child.id] = HealthAlert(flags, details)
    return alerts


def busiest_site(session: Session, day: date) -> int | None:
    """The site with the most children expected on ``day`` (the pointage opens on it)."""
    return session.scalar(
        select(Activity.site_id)
        .join(Unit, Unit.activity_id == Activity.id)
        .join(Booking, Booking.unit_id == Unit.id)
        .where(Booking.day == day, Booking.state.in_(EXPECTED))
        .group_by(Activity.site_id)
        .order_by(func.count(Booking.id).desc(), Activity.site_id)
        .limit(1)
    )


def _check_day(day: date, today: date) -> None:
    if day > today:
        raise AttendanceError(
            f"Le pointage du {day:%d/%m/%Y} ne peut pas être saisi à l'avance "
            f"(nous sommes le {today:%d/%m/%Y})."
        )


def record_attendance(
    session: Session, actor: Actor, day: date, marks: Iterable[AttendanceMark], today: date
) -> int:
    """Record these marks for ``day``; returns how many days changed."""
    require(session, actor, Permission.ATTENDANCE, "pointer les présences")
    bind(session, actor)
    _check_day(day, today)
    marks = list(marks)
    if not marks:
        return 0
    bookings = {
        b.id: b
        for b in session.scalars(
            select(Booking)
            .where(Booking.id.in_([m.booking_id for m in marks]))
            .options(selectinload(Booking.child))
        )
    }
    touched: list[Booking] = []
    events: list[AuditEvent] = []
    for mark in marks:
        booking = bookings.get(mark.booking_id)
        if booking is None or booking.day != day or booking.state not in EXPECTED:
            raise AttendanceError(
                "Une réservation de la liste a changé entre-temps (annulée, déplacée) : "
                "actualisez le pointage."
            )
        if mark.arrival and mark.departure and mark.departure <= mark.arrival:
            raise AttendanceError(
                f"{booking.child.full_name} : l'heure de départ ({mark.departure:%H:%M}) doit "
                f"suivre l'heure d'arrivée ({mark.arrival:%H:%M})."
            )
        arrival, departure = mark.arrival, mark.departure
        if mark.attendance is not Attendance.PRESENT:
            arrival = departure = None  # nobody came: no hours
        before = (booking.attendance, booking.arrival_time, booking.departure_time)
        after = (mark.attendance, arrival, departure)
        if before != after:
            booking.attendance = mark.attendance
            booking.arrival_time, booking.departure_time = arrival, departure
            events += _audit(session, actor, booking, before, after)
            touched.append(booking)
    try:
        session.flush()  # a closed billing period refuses here (billing guards)
    except UserError:
        # Nothing recorded: the session stays usable and clean for the caller.
        for event in events:
            session.expunge(event)
        for booking in touched:
            session.expire(booking)
        raise
    return len(touched)


def _text(value) -> str | None:
    if value is None:
        return None
    return value.value if isinstance(value, Attendance) else f"{value:%H:%M}"


def _audit(
    session: Session, actor: Actor, booking: Booking, before: tuple, after: tuple
) -> list[AuditEvent]:
    now, events = utcnow(), []
    for name, old, new in zip(FIELDS, before, after, strict=True):
        if old != new:
            events.append(
                AuditEvent(
                    at=now,
                    staff_user_id=actor.staff_id,
                    actor=actor.login,
                    action=AuditAction.UPDATE,
                    entity="booking",
                    entity_id=booking.id,
                    family_id=booking.child.family_id,
                    child_id=booking.child_id,
                    field=name,
                    old_value=_text(old),
                    new_value=_text(new),
                )
            )
    session.add_all(events)
    return events


def all_present(
    session: Session,
    actor: Actor,
    site_id: int,
    day: date,
    today: date,
    activity_id: int | None = None,
) -> int:
    """Every expected day not pointed yet becomes present; returns how many."""
    require(session, actor, Permission.ATTENDANCE, "pointer les présences")
    rows = attendance_sheet(session, site_id, day, activity_id)
    marks = [
        AttendanceMark(r.booking_id, Attendance.PRESENT, r.arrival, r.departure)
        for r in rows
        if r.attendance is None
    ]
    return record_attendance(session, actor, day, marks, today)
