"""Occupancy of a site on a day: per unit, places booked against capacity, the waiting
list; and the children expected, with what the team must know (alerts).

- :func:`occupancy`: one :class:`UnitOccupancy` per unit running that day at the
  site (each active activity with a period covering the day), with the accepted
  days (a cancellation asked but not decided still holds its place), the
  capacity (all ages; else the sum of the age groups'), the waiting list and the
  requests still to decide; a closed day (public holiday, closure) says why.
- :func:`expected_children`: the children booked (accepted) that day, per unit:
  name, age, age group, class, and **alerts**. PAI and allergies are health
  data: they are shown only to the roles allowed to read medical records
  (``Actor.sees_medical_data``); everyone sees what is missing from a file
  (the same words as « Dossiers incomplets »).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from backoffice.models import (
    Activity,
    AgeGroup,
    Booking,
    BookingState,
    Capacity,
    Child,
    ChildContact,
    Closure,
    ConsentDefinition,
    Period,
    Registration,
    Site,
    Unit,
)
from backoffice.services.bookings.week_cells import public_holiday
from backoffice.services.child_file.completeness import missing_for_child
from backoffice.services.common.actors import Actor
from backoffice.services.common.permissions import Permission, require
from backoffice.services.families.queries import child_alerts
from backoffice.text import fold

HOLDING = (BookingState.ACCEPTED, BookingState.CANCEL_REQUESTED)


@dataclass(frozen=True, slots=True)
class Choice:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class UnitOccupancy:
    activity_id: int
    activity_name: str
    unit_id: int
    unit_name: str
    times: str
    booked: int
    capacity: int | None  # None: no capacity set
    waiting: int
    requested: int
    closed: str = ""  # why the day is closed, if it is

    @property
    def free(self) -> int | None:
        return None if self.capacity is None else self.capacity - self.booked

    @property
    def rate_text(self) -> str:
        if self.capacity is None:
            return f"{self.booked} (sans limite)"
        return f"{self.booked} / {self.capacity}"


@dataclass(frozen=True, slots=True)
class ExpectedChild:
    unit_id: int
    unit_name: str
    activity_name: str
    booking_id: int
    child_id: int
    family_id: int
    family_code: str
    child_name: str  # « NOM Prénom », sorted on it
    age: str
    age_group: str
    school_class: str
    alerts: tuple[str, ...]  # PAI, allergies: only for roles allowed medical data
    missing: tuple[str, ...]


def sites(session: Session) -> list[Choice]:
    rows = session.execute(select(Site.id, Site.name).order_by(Site.name))
    return [Choice(i, n) for i, n in rows]


def activities_of_site(session: Session, site_id: int) -> list[Choice]:
    rows = session.execute(
        select(Activity.id, Activity.name)
        .where(Activity.site_id == site_id, Activity.active.is_(True))
        .order_by(Activity.name)
    )
    return [Choice(i, n) for i, n in rows]


def _times(unit: Unit) -> str:
    if unit.start_time is None or unit.end_time is None:
        return ""
    return f"{unit.start_time:%H:%M}–{unit.end_time:%H:%M}"


def running_units(
    session: Session, site_id: int, day: date, activity_id: int | None = None
) -> list[Unit]:
    """Units of the site's active activities that run on ``day`` (a period covers it
    and it is one of the unit's weekdays), in activity then unit order."""
    stmt = (
        select(Unit)
        .join(Activity, Activity.id == Unit.activity_id)
        .where(
            Activity.site_id == site_id,
            Activity.active.is_(True),
            select(Period.id)
            .where(
                Period.activity_id == Activity.id,
                Period.start_date <= day,
                Period.end_date >= day,
            )
            .exists(),
        )
        .options(selectinload(Unit.activity))
        .order_by(Activity.name, Unit.position, Unit.id)
    )
    if activity_id is not None:
        stmt = stmt.where(Activity.id == activity_id)
    return [u for u in session.scalars(stmt) if day.isoweekday() in u.weekday_set]


def _closed(closures: list[Closure], unit: Unit, day: date) -> str:
    holiday = public_holiday(day)
    if holiday:
        return f"Jour férié ({holiday})"
    for closure in closures:
        if closure.activity_id in (None, unit.activity_id):
            return closure.label or "Fermeture"
    return ""


def occupancy(
    session: Session, site_id: int, day: date, activity_id: int | None = None
) -> list[UnitOccupancy]:
    units = running_units(session, site_id, day, activity_id)
    if not units:
        return []
    unit_ids = [u.id for u in units]
    counts: Counter = Counter()
    for unit_id, state, count in session.execute(
        select(Booking.unit_id, Booking.state, func.count(Booking.id))
        .where(Booking.unit_id.in_(unit_ids), Booking.day == day)
        .group_by(Booking.unit_id, Booking.state)
    ):
        counts[(unit_id, state)] += count
    capacities: dict[int, list[Capacity]] = {}
    for c in session.scalars(
        select(Capacity).where(
            Capacity.unit_id.in_(unit_ids), Capacity.start_date <= day, Capacity.end_date >= day
        )
    ):
        capacities.setdefault(c.unit_id, []).append(c)
    closures = list(
        session.scalars(
            select(Closure).where(
                or_(
                    Closure.activity_id.is_(None),
                    Closure.activity_id.in_({u.activity_id for u in units}),
                ),
                Closure.start_date <= day,
                Closure.end_date >= day,
            )
        )
    )
    out = []
    for unit in units:
        caps = capacities.get(unit.id, [])
        general = [c.places for c in caps if c.age_group_id is None]
        capacity = min(general) if general else (sum(c.places for c in caps) if caps else None)
        out.append(
            UnitOccupancy(
                activity_id=unit.activity_id,
                activity_name=unit.activity.name,
                unit_id=unit.id,
                unit_name=unit.name,
                times=_times(unit),
                booked=sum(counts[(unit.id, s)] for s in HOLDING),
                capacity=capacity,
                waiting=counts[(unit.id, BookingState.WAITING_LIST)],
                requested=counts[(unit.id, BookingState.REQUESTED)],
                closed=_closed(closures, unit, day),
            )
        )
    return out


def age_text(child: Child, day: date) -> str:
    years = child.age_on(day)
    if years < 2:
        return f"{child.age_months_on(day)} mois"
    return f"{years} ans"


def health_alerts(child: Child) -> tuple[str, ...]:
    """PAI and allergies of a child, in words (health data: callers check the role)."""
    record = child.medical_record
    if record is None:
        return ()
    alerts = []
    if record.has_pai:
        detail = record.pai_detail.strip()
        # A detail that names itself (« PAI gluten : … ») is not prefixed again.
        if fold(detail).startswith("pai"):
            alerts.append(detail)
        else:
            alerts.append("PAI" + (f" : {detail}" if detail else ""))
    # The same words as the flags everybody sees (« Allergie alimentaire », « Asthme »).
    kinds = [flag for flag in child_alerts(child) if flag != "PAI"]
    if kinds:
        detail = record.allergy_detail.strip()
        if detail and any(word in fold(detail) for word in ("allergi", "asthme")):
            alerts.append(detail)  # « Allergie alimentaire : gluten » already says it
        else:
            alerts.append(", ".join(kinds) + (f" : {detail}" if detail else ""))
    return tuple(alerts)


def expected_children(
    session: Session,
    actor: Actor,
    site_id: int,
    day: date,
    activity_id: int | None = None,
    unit_id: int | None = None,
) -> list[ExpectedChild]:
    """The children booked (accepted) that day, per unit in occupancy order, by name."""
    require(session, actor, Permission.ATTENDANCE, "consulter la liste des enfants attendus")
    units = running_units(session, site_id, day, activity_id)
    if unit_id is not None:
        units = [u for u in units if u.id == unit_id]
    if not units:
        return []
    order = {u.id: i for i, u in enumerate(units)}
    bookings = session.scalars(
        select(Booking)
        .where(
            Booking.unit_id.in_(list(order)),
            Booking.day == day,
            Booking.state.in_(HOLDING),
        )
        .options(
            selectinload(Booking.child).selectinload(Child.family),
            selectinload(Booking.child).selectinload(Child.medical_record),
            selectinload(Booking.child).selectinload(Child.vaccinations),
            selectinload(Booking.child)
            .selectinload(Child.contacts)
            .selectinload(ChildContact.person),
            selectinload(Booking.child).selectinload(Child.consents),
        )
    ).all()
    groups = _age_groups(session, [b.registration_id for b in bookings if b.registration_id])
    consents = session.scalars(select(ConsentDefinition)).all()
    by_unit = {u.id: u for u in units}
    medical = actor.sees_medical_data
    rows = []
    for b in bookings:
        child, unit = b.child, by_unit[b.unit_id]
        rows.append(
            ExpectedChild(
                unit_id=unit.id,
                unit_name=unit.name,
                activity_name=unit.activity.name,
                booking_id=b.id,
                child_id=child.id,
                family_id=child.family_id,
                family_code=child.family.code,
                child_name=f"{child.last_name.upper()} {child.first_name}",
                age=age_text(child, day),
                age_group=groups.get(b.registration_id, "") if b.registration_id else "",
                school_class=child.school_class,
                alerts=health_alerts(child) if medical else (),
                missing=tuple(missing_for_child(child, consents, day)),
            )
        )
    rows.sort(key=lambda r: (order[r.unit_id], r.child_name.casefold(), r.child_id))
    return rows


def _age_groups(session: Session, registration_ids: list[int]) -> dict[int, str]:
    if not registration_ids:
        return {}
    rows = session.execute(
        select(Registration.id, AgeGroup.name)
        .join(AgeGroup, AgeGroup.id == Registration.age_group_id)
        .where(Registration.id.in_(registration_ids))
    )
    return dict(rows.all())
