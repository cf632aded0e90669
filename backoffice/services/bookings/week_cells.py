"""The cells of a child's week (states, closures, places left), shared by the desk's
planning (:mod:`.planning`) and its actions.

The states and their French labels are the parents' planning's on the portal
(guide §6.1), so agent and parent read the same words.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from backoffice.dates import WEEKDAYS
from backoffice.models import (
    ATTENDANCE_LABELS,
    Attendance,
    Booking,
    BookingState,
    Capacity,
    Closure,
    Registration,
    RegistrationState,
    Source,
    Unit,
    WhenFull,
)
from backoffice.services.requests.recording import HOLDING

# Cell states, as on the portal (``portal.bookings.states.CELL_LABELS``).
CELL_LABELS = {
    "closed": "Fermé",
    "open": "Ouvert à la réservation",
    "full": "Complet",
    "booked": "Réservation acceptée",
    "requested": "Demande de réservation en attente",
    "waiting_list": "Liste d'attente",
    "refused": "Refusée",
    "cancel_requested": "Demande d'annulation en attente",
}
ACTIVE = (
    BookingState.ACCEPTED,
    BookingState.REQUESTED,
    BookingState.WAITING_LIST,
    BookingState.CANCEL_REQUESTED,
)
CANCELLABLE = (BookingState.ACCEPTED, BookingState.WAITING_LIST)
STRUCTURAL = frozenset({"out_of_period", "weekday"})
# A past day says what happened rather than « Fermé » (from the pointage).
NOT_POINTED = "Non pointé"
NOT_BOOKED = "Non réservé"
CANCELLED = "Annulé"


@lru_cache(maxsize=16)
def _holidays(year: int) -> dict[date, str]:
    import holidays  # 0.3 s: when a week is first drawn, not at start-up

    return dict(holidays.France(years=year, language="fr"))


def public_holiday(day: date) -> str | None:
    """The French public holiday's name that day (closed, as on the portal by default)."""
    return _holidays(day.year).get(day)


@dataclass(frozen=True, slots=True)
class PlanningCell:
    unit_id: int
    day: date
    state: str  # a key of CELL_LABELS
    reason: str = ""
    # Why closed: out_of_period, weekday, holiday, closure, past, registration.
    reason_code: str = ""
    booking_state: BookingState | None = None
    can_book: bool = False
    can_unbook: bool = False
    places_left: int | None = None  # None: no capacity set
    source: Source | None = None
    attendance: Attendance | None = None  # what the pointage recorded

    @property
    def label(self) -> str:
        return self.happened or CELL_LABELS[self.state]

    @property
    def happened(self) -> str | None:
        """On a past day the unit was open: « Présent », « Absent justifié », « Absent »,
        « Non pointé » (expected, not pointed yet), « Annulé » or « Non réservé »;
        None on other days (closed days stay « Fermé » with their reason)."""
        if self.reason_code != "past":
            return None
        if self.booking_state in (BookingState.ACCEPTED, BookingState.CANCEL_REQUESTED):
            return ATTENDANCE_LABELS[self.attendance] if self.attendance else NOT_POINTED
        if self.booking_state is BookingState.CANCELLED:
            return CANCELLED
        return NOT_BOOKED


@dataclass
class WeekContext:
    """The rows a range of days needs, loaded once: the child's bookings, closures,
    capacities and the places taken."""

    today: date
    bookings: dict[tuple[int, date], Booking] = field(default_factory=dict)
    closures: list[Closure] = field(default_factory=list)
    capacities: dict[int, list[Capacity]] = field(default_factory=dict)
    taken: Counter = field(default_factory=Counter)  # (unit, day, group or None) → count

    @classmethod
    def load(
        cls,
        session: Session,
        child_id: int,
        registrations: Sequence[Registration],
        first: date,
        last: date,
        today: date,
    ) -> WeekContext:
        ctx = cls(today)
        activity_ids = {r.activity_id for r in registrations}
        if not activity_ids:
            return ctx
        unit_ids = list(session.scalars(select(Unit.id).where(Unit.activity_id.in_(activity_ids))))
        ctx.bookings = {
            (b.unit_id, b.day): b
            for b in session.scalars(
                select(Booking).where(
                    Booking.child_id == child_id,
                    Booking.unit_id.in_(unit_ids),
                    Booking.day >= first,
                    Booking.day <= last,
                )
            )
        }
        ctx.closures = list(
            session.scalars(
                select(Closure).where(
                    or_(Closure.activity_id.is_(None), Closure.activity_id.in_(activity_ids)),
                    Closure.start_date <= last,
                    Closure.end_date >= first,
                )
            )
        )
        for capacity in session.scalars(
            select(Capacity).where(
                Capacity.unit_id.in_(unit_ids),
                Capacity.start_date <= last,
                Capacity.end_date >= first,
            )
        ):
            ctx.capacities.setdefault(capacity.unit_id, []).append(capacity)
        rows = session.execute(
            select(Booking.unit_id, Booking.day, Registration.age_group_id, func.count(Booking.id))
            .outerjoin(Registration, Registration.id == Booking.registration_id)
            .where(
                Booking.unit_id.in_(unit_ids),
                Booking.day >= first,
                Booking.day <= last,
                Booking.state.in_(HOLDING),
            )
            .group_by(Booking.unit_id, Booking.day, Registration.age_group_id)
        )
        for unit_id, day, group, count in rows:
            ctx.taken[(unit_id, day, None)] += count
            if group is not None:
                ctx.taken[(unit_id, day, group)] += count
        return ctx

    def places_left(self, unit_id: int, day: date, group: int | None) -> int | None:
        """The fewest places left over the capacities that apply (all ages, the group)."""
        left = None
        for c in self.capacities.get(unit_id, ()):
            if not c.start_date <= day <= c.end_date:
                continue
            if c.age_group_id is not None and c.age_group_id != group:
                continue
            free = c.places - self.taken[(unit_id, day, c.age_group_id)]
            left = free if left is None else min(left, free)
        return left

    def closed(self, reg: Registration, unit: Unit, day: date) -> tuple[str, str] | None:
        period = reg.period
        if not period.start_date <= day <= period.end_date:
            return "out_of_period", f"Hors de la période « {period.name} »."
        if day.isoweekday() not in unit.weekday_set:
            return "weekday", f"Pas d'accueil le {WEEKDAYS[day.weekday()]} ({unit.name})."
        holiday = public_holiday(day)
        if holiday:
            return "holiday", f"Fermé : jour férié ({holiday})."
        for closure in self.closures:
            if closure.activity_id in (None, unit.activity_id) and (
                closure.start_date <= day <= closure.end_date
            ):
                return "closure", f"Fermé : {closure.label or 'fermeture'}."
        if day < self.today:
            return "past", "Date passée."
        if reg.state is not RegistrationState.ACCEPTED:
            return "registration", "Inscription non acceptée : réservation impossible."
        return None

    def cell(self, reg: Registration, unit: Unit, day: date) -> PlanningCell:
        booking = self.bookings.get((unit.id, day))
        state = booking.state if booking is not None else None
        closed = self.closed(reg, unit, day)
        left = self.places_left(unit.id, day, reg.age_group_id)
        source = booking.source if booking is not None else None
        decision_reason = booking.decision_reason if booking is not None else ""
        if state in ACTIVE:
            name = "booked" if state is BookingState.ACCEPTED else state.value
            past = closed is not None and closed[0] == "past"
            return PlanningCell(
                unit.id,
                day,
                name,
                decision_reason,
                closed[0] if closed else "",
                state,
                can_unbook=state in CANCELLABLE and not past,
                places_left=left,
                source=source,
                attendance=booking.attendance if booking is not None else None,
            )
        if closed is not None:
            return PlanningCell(
                unit.id,
                day,
                "closed",
                closed[1],
                closed[0],
                state,
                source=source,
                attendance=booking.attendance if booking is not None else None,
            )
        if left is not None and left <= 0:
            rule = unit.activity.rule
            waiting = rule is None or rule.when_full is WhenFull.WAITING_LIST
            reason = (
                "Complet : une réservation ira en liste d'attente."
                if waiting
                else "Complet : plus de réservation possible."
            )
            return PlanningCell(
                unit.id, day, "full", reason, "", state, waiting, places_left=left, source=source
            )
        if state is BookingState.REFUSED:
            return PlanningCell(
                unit.id,
                day,
                "refused",
                decision_reason,
                "",
                state,
                True,
                places_left=left,
                source=source,
            )
        return PlanningCell(
            unit.id, day, "open", "", "", state, True, places_left=left, source=source
        )
