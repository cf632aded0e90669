"""Places left for a day, and what the activity's rule does with a full one.

A day fits when every ``Capacity`` row covering its unit and date (all ages, and
the child's age group) still has a place, counting the days holding one
(``accepted``, ``cancel_requested``) — those accepted earlier in the same call
included (counted once, then moved by each decision of the call). On PostgreSQL the unit's row is
locked first (``SELECT … FOR UPDATE``), so two agents accepting the last place at
the same moment are served one after the other; SQLite serialises writers itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.models import (
    Booking,
    BookingState,
    Capacity,
    ProcessingRule,
    Registration,
    Unit,
    WhenFull,
)
from backoffice.services.requests.recording import HOLDING, day_label


class Places:
    """Capacity questions of one call. Unit locks, capacity rows, age groups and the
    places taken per (unit, day, age group) are read once; the decisions of the call
    then move the counts (:meth:`moved`) instead of counting again."""

    def __init__(self, session: Session):
        self.session = session
        self.capacities: dict[int, list[Capacity]] = {}  # unit id → its rows (locked)
        self.rules: dict[int, WhenFull] = {}
        self.groups: dict[int | None, int | None] = {None: None}  # registration → age group
        self.taken: dict[tuple[int, date, int | None], int] = {}

    def _rows(self, unit_id: int) -> list[Capacity]:
        if unit_id not in self.capacities:
            self.session.execute(select(Unit.id).where(Unit.id == unit_id).with_for_update())
            self.capacities[unit_id] = list(
                self.session.scalars(select(Capacity).where(Capacity.unit_id == unit_id))
            )
        return self.capacities[unit_id]

    def know(self, bookings: Iterable[Booking]) -> None:
        """Read the age groups of these days' registrations in one query."""
        wanted = {b.registration_id for b in bookings} - set(self.groups)
        if wanted:
            self.groups.update(
                self.session.execute(
                    select(Registration.id, Registration.age_group_id).where(
                        Registration.id.in_(wanted)
                    )
                ).all()
            )
            self.groups.update({i: None for i in wanted if i not in self.groups})

    def _group(self, registration_id: int | None) -> int | None:
        if registration_id not in self.groups:
            self.groups[registration_id] = self.session.scalar(
                select(Registration.age_group_id).where(Registration.id == registration_id)
            )
        return self.groups[registration_id]

    def _taken(self, unit_id: int, day: date, group: int | None) -> int:
        key = (unit_id, day, group)
        if key not in self.taken:  # the query autoflushes: this call's decisions count
            taken = select(func.count(Booking.id)).where(
                Booking.unit_id == unit_id, Booking.day == day, Booking.state.in_(HOLDING)
            )
            if group is not None:
                taken = taken.join(Registration, Registration.id == Booking.registration_id).where(
                    Registration.age_group_id == group
                )
            self.taken[key] = self.session.execute(taken).scalar_one()
        return self.taken[key]

    def preload(self, unit_id: int, days: Iterable[date]) -> None:
        """Count the places taken on these days of the unit in one query (after its lock),
        instead of one query per day: for the desk's bookings over many days."""
        days = sorted(set(days))
        rows = self._rows(unit_id)
        if not days or not rows:
            return
        counted = select(Booking.day, Registration.age_group_id, func.count(Booking.id))
        counted = (
            counted.outerjoin(Registration, Registration.id == Booking.registration_id)
            .where(
                Booking.unit_id == unit_id,
                Booking.day >= days[0],
                Booking.day <= days[-1],
                Booking.state.in_(HOLDING),
            )
            .group_by(Booking.day, Registration.age_group_id)
        )
        scopes = {None} | {c.age_group_id for c in rows if c.age_group_id is not None}
        taken = {(unit_id, d, scope): 0 for d in days for scope in scopes}
        for day, group, count in self.session.execute(counted):
            if (unit_id, day, None) in taken:
                taken[(unit_id, day, None)] += count
            if group is not None and (unit_id, day, group) in taken:
                taken[(unit_id, day, group)] += count
        for key, count in taken.items():
            self.taken.setdefault(key, count)

    def full(self, booking: Booking) -> Capacity | None:
        """The capacity row with no place left for ``booking``'s unit and day, if any
        (places held by days other than this one)."""
        rows = [c for c in self._rows(booking.unit_id) if c.start_date <= booking.day <= c.end_date]
        if not rows:
            return None
        group = self._group(booking.registration_id)
        itself = 1 if booking.id is not None and booking.state in HOLDING else 0
        for capacity in sorted(rows, key=lambda c: c.places):
            if capacity.age_group_id is not None and capacity.age_group_id != group:
                continue
            taken = self._taken(booking.unit_id, booking.day, capacity.age_group_id)
            if taken - itself >= capacity.places:
                return capacity
        return None

    def moved(self, booking: Booking, before: BookingState, after: BookingState) -> None:
        """``booking`` went from ``before`` to ``after``: the counts follow."""
        delta = (after in HOLDING) - (before in HOLDING)
        if not delta:
            return
        group = self._group(booking.registration_id)
        for scope in {None, group}:
            key = (booking.unit_id, booking.day, scope)
            if key in self.taken:
                self.taken[key] += delta

    def when_full(self, unit_id: int) -> WhenFull:
        """The activity's rule for a full day (waiting list when it has no rule)."""
        if unit_id not in self.rules:
            rule = self.session.scalar(
                select(ProcessingRule.when_full)
                .join(Unit, Unit.activity_id == ProcessingRule.activity_id)
                .where(Unit.id == unit_id)
            )
            self.rules[unit_id] = rule or WhenFull.WAITING_LIST
        return self.rules[unit_id]


def _places(capacity: Capacity) -> str:
    return f"{capacity.places} place" + ("s" if capacity.places > 1 else "")


def waiting_answer(booking: Booking, capacity: Capacity, answer: str = "") -> str:
    text = (
        f"Liste d'attente : plus de place le {day_label(booking.day)} "
        f"({booking.unit.name}, {_places(capacity)}). "
        "La réservation sera acceptée si une place se libère, dans l'ordre des demandes."
    )
    return f"{text} {answer}" if answer else text


def full_answer(booking: Booking, capacity: Capacity, answer: str = "") -> str:
    text = (
        f"Réservation refusée : plus de place le {day_label(booking.day)} "
        f"({booking.unit.name}, {_places(capacity)})."
    )
    return f"{text} {answer}" if answer else text
