"""What the requests desk shows beside the selection, and the refusal reasons.

- :func:`capacity_for`: per unit and day concerned, the places, those taken
  (accepted days and days whose cancellation is only requested hold a place, as
  :func:`~.decisions._full` and the portal count them; one line per capacity row:
  all ages and each age group), the waiting list, and the projection « if the
  selected requests were accepted » (bookings add a place, cancellations free one);
- :func:`child_alerts`: allergies / PAI (details only for roles that see health
  data — the access is then recorded like the child file does; other roles read
  that an alert exists), missing mandatory information, authorised pick-up persons;
- :func:`family_unpaid`: the family's balance over its régies;
- :func:`late_cancellations`: cancellations asked after the activity's deadline
  (accepted « billed » — absence non justifiée — or not, as the agent says);
- :func:`side_data`: all of it for a selection (:class:`SideData`, what the panel shows).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from backoffice.models import (
    Activity,
    AgeGroup,
    Booking,
    BookingState,
    Capacity,
    Child,
    ChildContact,
    Family,
    PortalRequest,
    ProcessingRule,
    Registration,
    RequestBooking,
    RequestKind,
    SyncConflict,
    Unit,
    WhenFull,
)
from backoffice.services.billing.balances import family_balance
from backoffice.services.bookings.occupancy import health_alerts
from backoffice.services.child_file.completeness import missing_for_child
from backoffice.services.child_file.editing import active_consents
from backoffice.services.common import audit
from backoffice.services.common.actors import Actor
from backoffice.services.common.permissions import Permission, require
from backoffice.services.families.queries import NotFound
from backoffice.services.families.queries import child_alerts as alert_flags
from backoffice.services.requests.queue import QueueRow

PARIS = ZoneInfo("Europe/Paris")

# Reasons offered when refusing (parents read them on the portal and by e-mail).
REFUSAL_REASONS: tuple[str, ...] = (
    "Complet",
    "Dossier incomplet",
    "Hors délai",
    "Enfant non inscrit à la période",
    "Âge de l'enfant hors de la tranche d'âge",
    "Jour de fermeture de la structure",
    "Factures impayées : merci de régulariser auprès de la régie",
    "Demande en double",
)

ALL_AGES = "Tous âges"
STALE_NOTE = "stale_decision"  # in a request's payload (backoffice.sync.push_decisions)
HOLDING = (BookingState.ACCEPTED, BookingState.CANCEL_REQUESTED)
ASKED = (BookingState.REQUESTED, BookingState.WAITING_LIST)


# -- capacity ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CapacityLine:
    unit_id: int
    day: date
    unit_name: str
    activity_name: str
    group_name: str  # "Tous âges" or the age group's name
    places: int | None  # None: no capacity set (not limited)
    taken: int
    waiting: int
    accepting: int  # days the selection would add (cancellations: minus the days freed)
    when_full: WhenFull = WhenFull.WAITING_LIST  # the activity's rule for a full day

    @property
    def projected(self) -> int:
        return self.taken + self.accepting

    @property
    def left(self) -> int | None:
        return None if self.places is None else self.places - self.taken

    @property
    def left_after(self) -> int | None:
        return None if self.places is None else self.places - self.projected

    @property
    def overfull(self) -> bool:
        """Accepting the selection would exceed the places (the excess waits)."""
        return self.places is not None and self.projected > self.places


def unit_days_of(session: Session, request_ids: Iterable[int]) -> list[tuple[int, date]]:
    """The (unit, day) pairs these requests are about, in day order."""
    ids = list(request_ids)
    if not ids:
        return []
    rows = session.execute(
        select(Booking.unit_id, Booking.day)
        .join(RequestBooking, RequestBooking.booking_id == Booking.id)
        .where(RequestBooking.request_id.in_(ids))
        .distinct()
        .order_by(Booking.day, Booking.unit_id)
    )
    return [(u, d) for u, d in rows]


def _counts(session: Session, units: set[int], days: set[date], states) -> Counter:
    """(unit, day, age group or None) → bookings in ``states``."""
    rows = session.execute(
        select(Booking.unit_id, Booking.day, Registration.age_group_id, func.count(Booking.id))
        .outerjoin(Registration, Registration.id == Booking.registration_id)
        .where(Booking.unit_id.in_(units), Booking.day.in_(days), Booking.state.in_(states))
        .group_by(Booking.unit_id, Booking.day, Registration.age_group_id)
    )
    return Counter({(u, d, g): n for u, d, g, n in rows})


def _selected(session: Session, request_ids: list[int], units: set[int]) -> Counter:
    """(unit, day, age group) → places the selection would take (+) or free (−)."""
    result: Counter = Counter()
    if not request_ids:
        return result
    rows = session.execute(
        select(
            PortalRequest.kind,
            Booking.unit_id,
            Booking.day,
            Booking.state,
            Registration.age_group_id,
        )
        .join(RequestBooking, RequestBooking.request_id == PortalRequest.id)
        .join(Booking, Booking.id == RequestBooking.booking_id)
        .outerjoin(Registration, Registration.id == Booking.registration_id)
        .where(PortalRequest.id.in_(request_ids), Booking.unit_id.in_(units))
    )
    for kind, unit_id, day, state, group in rows:
        if kind is RequestKind.BOOKING and state in ASKED:
            result[(unit_id, day, group)] += 1
        elif kind is RequestKind.CANCELLATION and state is BookingState.CANCEL_REQUESTED:
            result[(unit_id, day, group)] -= 1
    return result


def _sum(counter: Counter, unit_id: int, day: date, group: int | None) -> int:
    return sum(
        n for (u, d, g), n in counter.items() if u == unit_id and d == day and group in (None, g)
    )


def capacity_for(
    session: Session, unit_days: Iterable[tuple[int, date]], accepting: Iterable[int] = ()
) -> list[CapacityLine]:
    """Places per (unit, day) and capacity row, with the projection if the requests
    ``accepting`` were accepted (see the module docstring)."""
    pairs = list(dict.fromkeys(unit_days))
    if not pairs:
        return []
    units = {u for u, _ in pairs}
    days = {d for _, d in pairs}
    names = {
        u: (unit, activity, rule or WhenFull.WAITING_LIST)
        for u, unit, activity, rule in session.execute(
            select(Unit.id, Unit.name, Activity.name, ProcessingRule.when_full)
            .join(Activity, Activity.id == Unit.activity_id)
            .outerjoin(ProcessingRule, ProcessingRule.activity_id == Activity.id)
            .where(Unit.id.in_(units))
        )
    }
    capacities = session.execute(
        select(
            Capacity.unit_id,
            Capacity.start_date,
            Capacity.end_date,
            Capacity.places,
            Capacity.age_group_id,
            AgeGroup.name,
        )
        .outerjoin(AgeGroup, AgeGroup.id == Capacity.age_group_id)
        .where(
            Capacity.unit_id.in_(units),
            Capacity.start_date <= max(days),
            Capacity.end_date >= min(days),
        )
        .order_by(Capacity.age_group_id.is_not(None), AgeGroup.min_age_months, Capacity.id)
    ).all()
    taken = _counts(session, units, days, HOLDING)
    waiting = _counts(session, units, days, (BookingState.WAITING_LIST,))
    selected = _selected(session, list(dict.fromkeys(accepting)), units)
    lines = []
    for unit_id, day in pairs:
        unit_name, activity_name, when_full = names.get(unit_id, ("?", "?", WhenFull.WAITING_LIST))
        rows = [c for c in capacities if c.unit_id == unit_id and c.start_date <= day <= c.end_date]
        tightest: dict[int | None, tuple] = {}  # per age group, the fewest places decide
        for c in rows:
            if c.age_group_id not in tightest or c.places < tightest[c.age_group_id][2]:
                tightest[c.age_group_id] = (c.age_group_id, c.name or ALL_AGES, c.places)
        targets = list(tightest.values())
        if not targets:
            targets = [(None, ALL_AGES, None)]
        for group, group_name, places in targets:
            lines.append(
                CapacityLine(
                    unit_id,
                    day,
                    unit_name,
                    activity_name,
                    group_name,
                    places,
                    _sum(taken, unit_id, day, group),
                    _sum(waiting, unit_id, day, group),
                    _sum(selected, unit_id, day, group),
                    when_full,
                )
            )
    return lines


# -- the child and the family -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChildAlerts:
    child_id: int
    child_name: str
    flags: tuple[str, ...]  # « PAI », « Allergie alimentaire »… (everybody sees these)
    medical_details: tuple[str, ...] | None  # None: the actor's role does not see them
    missing: tuple[str, ...]  # mandatory information missing from the file
    pickups: tuple[str, ...]  # authorised pick-up persons, « Odette BERTIN (grand-mère) »


def child_alerts(session: Session, child_id: int, actor: Actor, today: date) -> ChildAlerts:
    """The child's alerts for the desk; medical details only for roles allowed to see
    them (and then the access is recorded in the audit trail, like the child file)."""
    require(session, actor, Permission.FAMILIES_VIEW, "consulter les alertes d'un enfant")
    child = session.scalars(
        select(Child)
        .where(Child.id == child_id)
        .options(
            selectinload(Child.medical_record),
            selectinload(Child.vaccinations),
            selectinload(Child.consents),
            selectinload(Child.contacts).selectinload(ChildContact.person),
        )
    ).one()
    flags = tuple(alert_flags(child))
    details: tuple[str, ...] | None = None  # None: the actor's role does not see them
    record = child.medical_record
    if actor.sees_medical_data:
        details = ()
        if record is not None and flags:
            # Worded as on the occupancy list and the expected-children PDF.
            parts = [a for a in health_alerts(child) if a not in flags]  # not bare flags
            details = tuple(parts)
            if parts:
                audit.record_medical_access(session, actor, child)
                session.flush()
    pickups = []
    for link in child.contacts:
        if link.authorised_pickup:
            person = link.person
            label = person.full_name
            if person.relationship_label:
                label += f" ({person.relationship_label})"
            pickups.append(label)
    return ChildAlerts(
        child.id,
        child.full_name,
        flags,
        details,
        tuple(missing_for_child(child, active_consents(session), today)),
        tuple(pickups),
    )


def family_unpaid(session: Session, family_code: str) -> Decimal:
    """What the family owes over all its régies (negative: credit)."""
    return family_balance(session, family_code).balance


# -- late cancellations -----------------------------------------------------------------------


@lru_cache(maxsize=8)
def _public_holidays(year: int) -> frozenset[date]:
    import holidays  # 0.3 s: when first needed, not at start-up

    return frozenset(holidays.France(years=[year - 1, year, year + 1]))


def cancel_deadline(day: date, rule: ProcessingRule) -> datetime:
    """The last moment (aware UTC) to cancel ``day`` under ``rule`` (« J-2 à 12:00 »)."""
    current, left = day, rule.cancel_notice_days
    while left > 0:
        current -= timedelta(days=1)
        if rule.skip_weekends and current.weekday() >= 5:
            continue
        if rule.skip_public_holidays and current in _public_holidays(current.year):
            continue
        left -= 1
    local = datetime.combine(current, rule.cancel_notice_time, tzinfo=PARIS)
    return local.astimezone(UTC)


def late_cancellations(session: Session, request_ids: Iterable[int]) -> set[int]:
    """The cancellation requests among ``request_ids`` asked after a day's deadline."""
    ids = list(request_ids)
    if not ids:
        return set()
    rows = session.execute(
        select(
            PortalRequest.id,
            PortalRequest.received_at,
            Booking.day,
            Booking.cancel_requested_at,
            ProcessingRule,
        )
        .join(RequestBooking, RequestBooking.request_id == PortalRequest.id)
        .join(Booking, Booking.id == RequestBooking.booking_id)
        .join(ProcessingRule, ProcessingRule.activity_id == PortalRequest.activity_id)
        .where(PortalRequest.id.in_(ids), PortalRequest.kind == RequestKind.CANCELLATION)
    )
    late = set()
    for request_id, received_at, day, asked_at, rule in rows:
        if (asked_at or received_at) > cancel_deadline(day, rule):
            late.add(request_id)
    return late


def family_code_of(session: Session, family_id: int) -> str:
    code = session.scalar(select(Family.code).where(Family.id == family_id))
    if code is None:
        raise NotFound(f"Aucune famille n'a l'identifiant {family_id}.")
    return code


# -- the panel beside the selection ------------------------------------------------------

MAX_PROJECTED = 500  # selected requests the side panel projects
MAX_UNIT_DAYS = 60  # unit-days it lists


@dataclass(frozen=True)
class SideData:
    selected: int = 0  # requests the projection is about
    capacity: tuple[CapacityLine, ...] = ()
    more_days: int = 0  # unit-days not shown (too many)
    alerts: ChildAlerts | None = None
    family_label: str = ""
    balance: Decimal | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def side_data(
    session: Session,
    actor: Actor,
    today: date,
    selected: Iterable[QueueRow],
    current: QueueRow | None,
) -> SideData:
    """What sits beside the selection: the places of the unit-days the decidable
    ``selected`` requests are about (at most :data:`MAX_PROJECTED` requests,
    :data:`MAX_UNIT_DAYS` unit-days), the ``current`` request's child alerts (its
    access recorded as :func:`child_alerts` does) and its family's unpaid balance."""
    require(session, actor, Permission.FAMILIES_VIEW, "consulter les demandes des familles")
    ids = [r.id for r in selected if r.decidable][:MAX_PROJECTED]
    pairs = unit_days_of(session, ids)
    shown = pairs[:MAX_UNIT_DAYS]
    lines = capacity_for(session, shown, accepting=ids)
    alerts = balance = None
    label = ""
    notes: tuple[str, ...] = ()
    if current is not None:
        if current.child_id is not None:
            alerts = child_alerts(session, current.child_id, actor, today)
        label = f"{current.family_name} ({current.family_code})"
        balance = family_unpaid(session, current.family_code)
        notes = request_notes(session, current.id)
    return SideData(
        selected=len(ids),
        capacity=tuple(lines),
        more_days=len(pairs) - len(shown),
        alerts=alerts,
        family_label=label,
        balance=balance,
        notes=notes,
    )


def request_notes(session: Session, request_id: int) -> tuple[str, ...]:
    """What the sync said about the request and its family: a decision the portal refused
    because the family withdrew (or changed) the day meanwhile — on this request
    (``payload["stale_decision"]``) or, still to be noted in the Synchronisation area,
    on another request of the family (closed, hence no longer in the queue)."""
    request = session.get(PortalRequest, request_id)
    if request is None:
        return ()
    note = request.payload.get(STALE_NOTE)
    notes = [note] if isinstance(note, str) and note else []
    others = session.scalars(
        select(SyncConflict)
        .where(
            SyncConflict.family_id == request.family_id,
            SyncConflict.entity == "portal_request",
            SyncConflict.field == "decision",
            SyncConflict.entity_id != request.id,
            SyncConflict.resolved_at.is_(None),
        )
        .order_by(SyncConflict.id)
    )
    for conflict in others:
        extra = conflict.extra or {}
        other = session.get(PortalRequest, conflict.entity_id)
        day = other.payload.get("date") if other is not None else None
        when = ""
        try:
            when = f" du {date.fromisoformat(day):%d/%m/%Y}" if isinstance(day, str) else ""
        except ValueError:
            pass  # an unreadable date from the feed: the request's number says enough
        notes.append(
            f"Demande {extra.get('request') or conflict.entity_id}{when} : {extra.get('note')}"
        )
    return tuple(notes)
