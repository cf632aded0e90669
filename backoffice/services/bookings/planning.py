"""A child's week at the desk: what is booked, what can be, and booking on the family's behalf.

The week view (:func:`week_planning`) shows, for each unit of the child's
registrations whose period meets the ISO week, one cell per day (Monday to
Sunday) with the same states as the parents' planning on the portal
(``closed``, ``open``, ``full``, ``booked``, ``requested``, ``waiting_list``,
``refused``, ``cancel_requested``), whether the agent may book or un-book it,
and the places left.

An agent books for the family (:func:`book_days`) within the unit's capacity
(the same count as :mod:`.decisions`): when the day is full, the activity's
``ProcessingRule.when_full`` decides — ``waiting_list`` puts the day on the
waiting list, ``request`` refuses it with a French reason. The desk is not held
to the parents' notice or booking window, but never books a past or closed day,
nor without an accepted registration. Un-booking (:func:`unbook_days`) cancels
the day (not billed) and offers the freed place to the waiting list
(:func:`.decisions.offer_freed_places`).

The desk's own actions compose these: :func:`book_cells` books (or un-books) the
cells the agent chose in the week, unit by unit, as one result; :func:`book_bulk`
books (or un-books) chosen weekdays of the week shown or of the whole period.

Each call tells the portal in the same transaction: one ``booking.desk`` outbox
item per family (``PUT /staff/bookings/desk``), so the parents' planning shows
the days booked at the desk.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from backoffice.dates import iso_monday
from backoffice.models import (
    Booking,
    BookingState,
    Child,
    Period,
    Registration,
    Source,
    Unit,
    WhenFull,
    utcnow,
)
from backoffice.services.bookings.desk_push import DeskPush
from backoffice.services.bookings.week import (
    ChildChoice,
    PlanningError,
    PlanningRow,
    WeekPlanning,
    _child,
    find_children,
    week_planning,
)
from backoffice.services.bookings.week_cells import (
    ACTIVE,
    CANCELLABLE,
    CELL_LABELS,
    STRUCTURAL,
    PlanningCell,
    WeekContext,
)
from backoffice.services.common.actors import Actor, bind
from backoffice.services.common.permissions import Permission, require
from backoffice.services.requests.capacity import Places
from backoffice.services.requests.decisions import HOLDING, day_label, offer_freed_places

ALREADY = {
    BookingState.ACCEPTED: "Déjà réservé.",
    BookingState.WAITING_LIST: "Déjà en liste d'attente.",
    BookingState.REQUESTED: "Demande des parents en attente : décidez-la dans les demandes.",
    BookingState.CANCEL_REQUESTED: "Annulation demandée par les parents : décidez-la dans "
    "les demandes.",
}
__all__ = [
    "CELL_LABELS",
    "ChildChoice",
    "DeskResult",
    "PlanningCell",
    "PlanningError",
    "PlanningRow",
    "WeekPlanning",
    "book_bulk",
    "book_cells",
    "book_days",
    "days_between",
    "find_children",
    "period_days",
    "period_of",
    "unbook_days",
    "week_days",
    "week_planning",
]


@dataclass
class DeskResult:
    """What one booking or un-booking call did."""

    booked: list[date] = field(default_factory=list)
    waiting: list[date] = field(default_factory=list)
    cancelled: list[date] = field(default_factory=list)
    freed_accepted: int = 0  # waiting-list days accepted on the places freed
    skipped: list[tuple[date, str]] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return len(self.booked) + len(self.waiting) + len(self.cancelled)

    def summary(self) -> str:
        parts = []
        if self.booked:
            parts.append(f"{len(self.booked)} jour(s) réservé(s)")
        if self.waiting:
            parts.append(f"{len(self.waiting)} jour(s) en liste d'attente (complet)")
        if self.cancelled:
            parts.append(f"{len(self.cancelled)} jour(s) annulé(s)")
        if self.freed_accepted:
            parts.append(
                f"{self.freed_accepted} place(s) libérée(s) donnée(s) à la liste d'attente"
            )
        if not parts:
            parts.append("Aucun changement")
        text = ", ".join(parts) + "."
        if self.skipped:
            text += "\n" + "\n".join(f"{day_label(d)} : {why}" for d, why in self.skipped[:12])
            if len(self.skipped) > 12:
                text += f"\n… et {len(self.skipped) - 12} autre(s) jour(s)."
        return text


# -- the days a bulk action covers ---------------------------------------------------------


def period_of(session: Session, child_id: int, unit_id: int, day: date) -> Period:
    """The period of the child's registration to the unit's activity around ``day``."""
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise PlanningError("Cette unité n'existe plus : actualisez le planning.")
    period = session.scalar(
        select(Period)
        .join(Registration, Registration.period_id == Period.id)
        .where(
            Registration.child_id == child_id,
            Period.activity_id == unit.activity_id,
            Period.start_date <= day,
            Period.end_date >= day,
        )
    )
    if period is None:
        raise PlanningError(
            f"L'enfant n'est inscrit à « {unit.activity.name} » pour aucune période "
            f"comprenant le {day:%d/%m/%Y}."
        )
    return period


def days_between(first: date, last: date, weekdays: Iterable[int] | None = None) -> list[date]:
    """Every day from ``first`` to ``last``, only the ISO ``weekdays`` given (1 = lundi)."""
    keep = set(weekdays) if weekdays else None
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [d for d in days if keep is None or d.isoweekday() in keep]


def period_days(period: Period, weekdays: Iterable[int] | None = None) -> list[date]:
    return days_between(period.start_date, period.end_date, weekdays)


def week_days(monday: date, weekdays: Iterable[int] | None = None) -> list[date]:
    monday = iso_monday(monday)
    return days_between(monday, monday + timedelta(days=6), weekdays)


# -- booking and un-booking at the desk -----------------------------------------------------


def _desk_context(
    session: Session, child_id: int, unit_id: int, days: list[date], today: date
) -> tuple[Child, Unit, list[date], Sequence[Registration], WeekContext]:
    child = _child(session, child_id)
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise PlanningError("Cette unité n'existe plus : actualisez le planning.")
    days = sorted(set(days))
    if not days:
        raise PlanningError("Aucun jour choisi.")
    registrations = session.scalars(
        select(Registration)
        .join(Period, Period.id == Registration.period_id)
        .where(
            Registration.child_id == child_id,
            Registration.activity_id == unit.activity_id,
            Period.start_date <= days[-1],
            Period.end_date >= days[0],
        )
        .options(selectinload(Registration.period), selectinload(Registration.activity))
    ).all()
    ctx = WeekContext.load(session, child_id, registrations, days[0], days[-1], today)
    return child, unit, days, registrations, ctx


def _registration_on(registrations: Sequence[Registration], day: date) -> Registration | None:
    for reg in registrations:
        if reg.period.start_date <= day <= reg.period.end_date:
            return reg
    return None


def book_days(
    session: Session,
    actor: Actor,
    child_id: int,
    unit_id: int,
    days: Iterable[date],
    today: date,
    *,
    explicit: bool = True,
) -> DeskResult:
    """Book these days of ``unit_id`` for the child (see the module docstring). With
    ``explicit`` False (a bulk action), days that are not days of the unit or of the
    period are passed over silently; every other day not booked says why."""
    require(session, actor, Permission.BOOKINGS_EDIT, "réserver ou annuler des jours")
    bind(session, actor)
    child, unit, days, registrations, ctx = _desk_context(
        session, child_id, unit_id, list(days), today
    )
    rule = unit.activity.rule
    when_full = rule.when_full if rule is not None else WhenFull.WAITING_LIST
    result, push, now = DeskResult(), DeskPush(session), utcnow()
    places = Places(session)
    places.preload(unit.id, days)  # one count for all the days, not one per day
    for day in days:
        reg = _registration_on(registrations, day)
        if reg is None:
            if explicit:
                result.skipped.append((day, "Hors des périodes d'inscription de l'enfant."))
            continue
        cell = ctx.cell(reg, unit, day)
        if cell.booking_state in ACTIVE:
            if explicit:
                result.skipped.append((day, ALREADY[cell.booking_state]))
            continue
        if not cell.can_book:
            if explicit or cell.reason_code not in STRUCTURAL:
                result.skipped.append((day, cell.reason or cell.label))
            continue
        booking = ctx.bookings.get((unit.id, day))
        # The capacity is read before anything changes: a day refused as full leaves no row.
        probe = booking or Booking(child_id=child.id, unit_id=unit.id, day=day)
        probe.registration_id = reg.id
        full = places.full(probe)
        state, reason = BookingState.ACCEPTED, "Réservé à l'accueil."
        if full is not None:
            seats = f"{full.places} place" + ("s" if full.places > 1 else "")
            if when_full is not WhenFull.WAITING_LIST:
                result.skipped.append((day, f"Complet ({unit.name}, {seats})."))
                continue
            state = BookingState.WAITING_LIST
            reason = f"Liste d'attente : complet le {day_label(day)} ({unit.name}, {seats})."
        if booking is None:
            booking = probe
            session.add(booking)
            ctx.bookings[(unit.id, day)] = booking
        booking.state = state
        booking.source = Source.DESK
        booking.requested_at = now
        booking.decided_at, booking.decided_by_id = now, actor.staff_id
        booking.decision_reason = reason
        booking.cancellation_billed = False
        booking.cancel_requested_at = None
        (result.booked if state is BookingState.ACCEPTED else result.waiting).append(day)
        push.add(booking)  # flushed once below: the rows go in batches
    push.flush()
    session.flush()
    return result


def unbook_days(
    session: Session,
    actor: Actor,
    child_id: int,
    unit_id: int,
    days: Iterable[date],
    today: date,
    *,
    explicit: bool = True,
    billed: bool = False,
) -> DeskResult:
    """Cancel these booked (or waiting-list) days; a freed place goes to the waiting list."""
    require(session, actor, Permission.BOOKINGS_EDIT, "réserver ou annuler des jours")
    bind(session, actor)
    child, unit, days, registrations, ctx = _desk_context(
        session, child_id, unit_id, list(days), today
    )
    result, push, now = DeskResult(), DeskPush(session), utcnow()
    freed: list[tuple[int, date]] = []
    for day in days:
        booking = ctx.bookings.get((unit.id, day))
        state = booking.state if booking is not None else None
        if booking is None or state not in CANCELLABLE:
            if explicit:
                why: dict[BookingState | None, str] = {
                    BookingState.REQUESTED: "Demande des parents en attente : décidez-la dans "
                    "les demandes.",
                    BookingState.CANCEL_REQUESTED: "Annulation demandée par les parents : "
                    "décidez-la dans les demandes.",
                }
                result.skipped.append((day, why.get(state, "Aucune réservation ce jour.")))
            continue
        if day < today:
            result.skipped.append((day, "Date passée : le jour se règle au pointage."))
            continue
        if booking.registration_id is None:
            reg = _registration_on(registrations, day)
            if reg is None:
                result.skipped.append((day, "Hors des périodes d'inscription de l'enfant."))
                continue
            booking.registration_id = reg.id
        if state in HOLDING:
            freed.append((unit.id, day))
        booking.state = BookingState.CANCELLED
        booking.decided_at, booking.decided_by_id = now, actor.staff_id
        booking.decision_reason = "Annulé à l'accueil."
        booking.cancellation_billed = billed
        result.cancelled.append(day)
        session.flush()
        push.add(booking)
    push.flush()
    if freed:  # desk days given a freed place are told to the portal by decisions
        result.freed_accepted = len(offer_freed_places(session, actor, freed))
    session.flush()
    return result


# -- the desk's actions ---------------------------------------------------------------------


def book_cells(
    session: Session,
    actor: Actor,
    child_id: int,
    days_by_unit: Mapping[int, Iterable[date]],
    today: date,
    *,
    book: bool = True,
    explicit: bool = True,
) -> DeskResult:
    """Book (``book``) or un-book the days chosen in each unit, in the caller's
    transaction; one :class:`DeskResult` for them all."""
    require(session, actor, Permission.BOOKINGS_EDIT, "réserver ou annuler des jours")
    action = book_days if book else unbook_days
    total = DeskResult()
    for unit_id, days in days_by_unit.items():
        result = action(session, actor, child_id, unit_id, days, today, explicit=explicit)
        total.booked += result.booked
        total.waiting += result.waiting
        total.cancelled += result.cancelled
        total.freed_accepted += result.freed_accepted
        total.skipped += result.skipped
    return total


def book_bulk(
    session: Session,
    actor: Actor,
    child_id: int,
    unit_id: int,
    *,
    book: bool,
    weekdays: Iterable[int] | None,
    whole_period: bool,
    monday: date,
    today: date,
) -> DeskResult:
    """« Réservation groupée »: book (or un-book) the ISO ``weekdays`` of the week of
    ``monday``, or, with ``whole_period``, of the period of the child's registration
    around that week (from today on). Days that are not the unit's are passed over."""
    require(session, actor, Permission.BOOKINGS_EDIT, "réserver ou annuler des jours")
    if whole_period:
        period = period_of(session, child_id, unit_id, max(monday, today))
        days = period_days(period, weekdays)
    else:
        days = week_days(monday, weekdays)
    action = book_days if book else unbook_days
    return action(session, actor, child_id, unit_id, days, today, explicit=False)
