"""The figures the CAF asks for each year, from the bookings and their attendance.

**Multi-accueil (PSU)**, per month and per child:

- *heures réservées*: each accepted booking (or one awaiting cancellation) counts the
  span of its unit (start → end time): the booking has no times of its own;
- *heures réalisées*: bookings marked present with an arrival and a departure time,
  departure − arrival;
- *heures facturées*: the quantities of the invoice lines billed by the hour for that
  child and month (credit notes are not deducted: they correct amounts, not hours).

**ALSH and périscolaire**, per activity and period (the catalogue's periods of the
activity; they do not overlap), by age on the day (*moins de 6 ans* / *6 ans et plus*):

- *journées-enfants*: days a child was present at least once (a child present in the
  morning and in the evening counts one day);
- *heures-enfants*: the span of each unit the child was present at.

Everything is computed by the database (GROUP BY, no Python loop over bookings): a year
of a 2,000-family collectivity takes well under a second (``bench/bench_caf.py``).
Régisseur, director or administrator (:func:`require_billing_role`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Integer, and_, case, cast, extract, func, literal, select
from sqlalchemy.orm import Session

from backoffice.models import (
    Activity,
    ActivityKind,
    Attendance,
    BillingUnit,
    Booking,
    BookingState,
    Child,
    Family,
    InvoiceLine,
    Period,
    Unit,
)
from backoffice.services.billing.common import BillingError, require_billing_role
from backoffice.services.common.actors import Actor

BOOKED = (BookingState.ACCEPTED, BookingState.CANCEL_REQUESTED)
CENT = Decimal("0.01")
UNDER_6 = "Moins de 6 ans"
SIX_AND_OVER = "6 ans et plus"
KIND_LABELS = {ActivityKind.ALSH: "ALSH", ActivityKind.PERISCOLAIRE: "Périscolaire"}


@dataclass(frozen=True, slots=True)
class MacRow:
    month: str  # 2026-03
    child_id: int
    child_name: str
    family_code: str
    hours_booked: Decimal
    hours_attended: Decimal
    hours_billed: Decimal


@dataclass(frozen=True, slots=True)
class AlshRow:
    kind: str  # ALSH | Périscolaire
    activity: str
    period: str
    period_start: date
    age_class: str
    child_days: int
    child_hours: Decimal


@dataclass(frozen=True)
class CafFigures:
    start: date
    end: date
    mac: tuple[MacRow, ...]
    alsh: tuple[AlshRow, ...]

    def mac_totals(self) -> tuple[Decimal, Decimal, Decimal]:
        return (
            sum((r.hours_booked for r in self.mac), Decimal("0.00")),
            sum((r.hours_attended for r in self.mac), Decimal("0.00")),
            sum((r.hours_billed for r in self.mac), Decimal("0.00")),
        )

    def alsh_totals(self) -> tuple[int, Decimal]:
        return (
            sum(r.child_days for r in self.alsh),
            sum((r.child_hours for r in self.alsh), Decimal("0.00")),
        )


def _minutes(t) -> int | None:
    if t is None:
        return None
    return t.hour * 60 + t.minute


def _unit_minutes(session: Session, kinds: tuple[ActivityKind, ...]):
    """``CASE unit_id WHEN … THEN minutes`` for the units of these kinds (a handful)."""
    spans = {}
    for unit_id, start, end in session.execute(
        select(Unit.id, Unit.start_time, Unit.end_time)
        .join(Activity, Activity.id == Unit.activity_id)
        .where(Activity.kind.in_(kinds))
    ):
        a, b = _minutes(start), _minutes(end)
        spans[unit_id] = (b - a) if a is not None and b is not None and b > a else 0
    if not spans:
        return literal(0), []
    return case(spans, value=Booking.unit_id, else_=0), list(spans)


def time_minutes(session: Session, column):
    """Minutes since midnight of a TIME column, in the database's own dialect."""
    if session.get_bind().dialect.name == "sqlite":
        return cast(func.strftime("%H", column), Integer) * 60 + cast(
            func.strftime("%M", column), Integer
        )
    return cast(extract("hour", column), Integer) * 60 + cast(extract("minute", column), Integer)


def _ymd(column):
    return (
        cast(extract("year", column), Integer) * 10000
        + cast(extract("month", column), Integer) * 100
        + cast(extract("day", column), Integer)
    )


def _hours(minutes) -> Decimal:
    return (Decimal(int(minutes or 0)) / 60).quantize(CENT)


def mac_figures(session: Session, start: date, end: date) -> list[MacRow]:
    unit_minutes, unit_ids = _unit_minutes(session, (ActivityKind.MULTI_ACCUEIL,))
    if not unit_ids:
        return []
    year = cast(extract("year", Booking.day), Integer)
    month = cast(extract("month", Booking.day), Integer)
    present = and_(
        Booking.attendance == Attendance.PRESENT,
        Booking.arrival_time.is_not(None),
        Booking.departure_time.is_not(None),
    )
    attended = time_minutes(session, Booking.departure_time) - time_minutes(
        session, Booking.arrival_time
    )
    booked_q = (
        select(
            Booking.child_id,
            year.label("y"),
            month.label("m"),
            func.sum(case((Booking.state.in_(BOOKED), unit_minutes), else_=0)),
            func.sum(case((present, attended), else_=0)),
        )
        .where(Booking.unit_id.in_(unit_ids), Booking.day.between(start, end))
        .group_by(Booking.child_id, year, month)
    )
    figures: dict[tuple[int, int, int], list] = {}
    for child_id, y, m, booked, done in session.execute(booked_q):
        figures[(child_id, y, m)] = [booked or 0, done or 0, Decimal("0.00")]
    lyear = cast(extract("year", InvoiceLine.day), Integer)
    lmonth = cast(extract("month", InvoiceLine.day), Integer)
    billed_q = (
        select(InvoiceLine.child_id, lyear, lmonth, func.sum(InvoiceLine.quantity))
        .join(Unit, Unit.id == InvoiceLine.unit_id)
        .where(
            InvoiceLine.unit_id.in_(unit_ids),
            Unit.billing_unit == BillingUnit.HOUR,
            InvoiceLine.day.between(start, end),
            InvoiceLine.child_id.is_not(None),
        )
        .group_by(InvoiceLine.child_id, lyear, lmonth)
    )
    for child_id, y, m, quantity in session.execute(billed_q):
        if child_id is None:
            continue
        row = figures.setdefault((child_id, y, m), [0, 0, Decimal("0.00")])
        row[2] = Decimal(quantity or 0).quantize(CENT)
    names = {
        cid: (f"{last.upper()} {first}", code)
        for cid, last, first, code in session.execute(
            select(Child.id, Child.last_name, Child.first_name, Family.code)
            .join(Family, Family.id == Child.family_id)
            .where(Child.id.in_({k[0] for k in figures}))
        )
    }
    rows = [
        MacRow(f"{y:04d}-{m:02d}", cid, *names.get(cid, ("?", "")), _hours(b), _hours(d), billed)
        for (cid, y, m), (b, d, billed) in figures.items()
    ]
    return sorted(rows, key=lambda r: (r.month, r.child_name, r.child_id))


def by_child(session: Session, unit_id):
    """SQLite: the unit filter written so it cannot pick the (unit, day) index, and the
    year's bookings are read child by child (the child index): the GROUP BY's temporary
    B-tree then fills in order. By unit and day it filled at random and took 46× longer
    for 10× the bookings (``bench/bench_caf.py`` at 20,000 families). PostgreSQL plans
    its own way (hash aggregate)."""
    bind = session.get_bind()
    return unit_id + 0 if bind.dialect.name == "sqlite" else unit_id


def alsh_figures(session: Session, start: date, end: date) -> list[AlshRow]:
    kinds = (ActivityKind.ALSH, ActivityKind.PERISCOLAIRE)
    unit_minutes, unit_ids = _unit_minutes(session, kinds)
    if not unit_ids:
        return []
    under6 = case((_ymd(Booking.day) - _ymd(Child.birth_date) < 60000, 1), else_=0)
    per_day = (
        select(
            Booking.child_id,
            Booking.day,
            Period.id.label("period_id"),
            under6.label("under6"),
            func.sum(unit_minutes).label("minutes"),
        )
        .join(Child, Child.id == Booking.child_id)
        .join(Unit, Unit.id == Booking.unit_id)
        .join(
            Period,
            and_(
                Period.activity_id == Unit.activity_id,
                Booking.day >= Period.start_date,
                Booking.day <= Period.end_date,
            ),
        )
        .where(
            by_child(session, Booking.unit_id).in_(unit_ids),
            Booking.day.between(start, end),
            Booking.attendance == Attendance.PRESENT,
        )
        .group_by(Booking.child_id, Booking.day, Period.id, under6)
        .subquery()
    )
    totals = select(
        per_day.c.period_id,
        per_day.c.under6,
        func.count(),
        func.sum(per_day.c.minutes),
    ).group_by(per_day.c.period_id, per_day.c.under6)
    periods = {
        pid: (KIND_LABELS[kind], activity, name, pstart)
        for pid, kind, activity, name, pstart in session.execute(
            select(Period.id, Activity.kind, Activity.name, Period.name, Period.start_date)
            .join(Activity, Activity.id == Period.activity_id)
            .where(Activity.kind.in_(kinds))
        )
    }
    rows = []
    for pid, young, days, minutes in session.execute(totals):
        kind, activity, name, pstart = periods[pid]
        rows.append(
            AlshRow(
                kind, activity, name, pstart, UNDER_6 if young else SIX_AND_OVER, int(days),
                _hours(minutes),
            )
        )  # fmt: skip
    return sorted(rows, key=lambda r: (r.kind, r.activity, r.period_start, r.period, r.age_class))


def caf_figures(session: Session, actor: Actor, start: date, end: date) -> CafFigures:
    """The CAF figures for bookings dated ``start`` to ``end`` inclusive."""
    require_billing_role(actor, "consulter les statistiques CAF", session)
    if end < start:
        raise BillingError("Période invalide : la fin précède le début.")
    return CafFigures(
        start,
        end,
        tuple(mac_figures(session, start, end)),
        tuple(alsh_figures(session, start, end)),
    )
