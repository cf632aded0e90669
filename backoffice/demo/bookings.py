# Long module: one generator for registrations, bookings, attendance and requests, which share their draws.
"""Demo registrations, bookings (with attendance) and pending portal requests.

Works against whatever catalogue is in the database: :class:`CatalogueView`
reads activities, age groups, periods, units, capacities and closures once,
and :class:`BookingMaker` turns one child into rows, respecting closures, unit
weekdays, age groups and capacities.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.models import (
    Activity,
    ActivityKind,
    AgeGroup,
    Attendance,
    BillingUnit,
    BookingState,
    Capacity,
    Closure,
    Period,
    PeriodKind,
    RegistrationState,
    RequestKind,
    RequestState,
    Site,
    Source,
    Unit,
)

PARIS = ZoneInfo("Europe/Paris")
# A period longer than this is booked week after week (school year, mercredis);
# shorter ones (holidays) are booked as a handful of days.
RECURRING_MIN_DAYS = 45


def paris_instant(day: date, minutes: int) -> datetime:
    """``minutes`` after midnight on ``day`` in Paris, as an aware UTC datetime."""
    local = datetime.combine(day, time()) + timedelta(minutes=minutes)
    return local.replace(tzinfo=PARIS).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class UnitView:
    id: int
    code: str
    name: str
    start: time | None
    end: time | None
    hourly: bool
    weekdays: frozenset[int]

    def overlaps(self, other: UnitView) -> bool:
        if not self.weekdays & other.weekdays:
            return False
        if None in (self.start, self.end, other.start, other.end):
            return False
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True, slots=True)
class PeriodView:
    id: int
    code: str
    name: str
    kind: PeriodKind
    start: date
    end: date
    opens_on: date | None

    @property
    def recurring(self) -> bool:
        return (
            self.kind is not PeriodKind.HOLIDAYS
            and (self.end - self.start).days > RECURRING_MIN_DAYS
        )


@dataclass(slots=True)
class ActivityView:
    id: int
    code: str
    name: str
    kind: ActivityKind
    commune: str
    postcode: str
    age_groups: list[tuple[int, int, int]] = field(default_factory=list)  # id, min, max months
    periods: list[PeriodView] = field(default_factory=list)
    units: list[UnitView] = field(default_factory=list)
    closed: set[date] = field(default_factory=set)

    def age_group_for(self, months: int) -> int | None:
        for group_id, low, high in self.age_groups:
            if low <= months <= high:
                return group_id
        return None

    def is_open(self, day: date, period: PeriodView, unit: UnitView) -> bool:
        return (
            period.start <= day <= period.end
            and day.isoweekday() in unit.weekdays
            and day not in self.closed
        )


class CatalogueView:
    """The catalogue as plain immutable data, read once before generating families."""

    def __init__(self, session: Session):
        sites = {s.id: s for s in session.scalars(select(Site))}
        self.activities: list[ActivityView] = []
        by_id: dict[int, ActivityView] = {}
        for activity in session.scalars(
            select(Activity).where(Activity.active).order_by(Activity.id)
        ):
            site = sites.get(activity.site_id)
            view = ActivityView(
                activity.id,
                activity.code,
                activity.name,
                activity.kind,
                site.commune if site else "",
                site.postcode if site else "",
            )
            self.activities.append(view)
            by_id[activity.id] = view
        for group in session.scalars(
            select(AgeGroup).order_by(AgeGroup.min_age_months, AgeGroup.id)
        ):
            if group.activity_id in by_id:
                by_id[group.activity_id].age_groups.append(
                    (group.id, group.min_age_months, group.max_age_months)
                )
        for period in session.scalars(select(Period).order_by(Period.start_date, Period.id)):
            if period.activity_id in by_id:
                by_id[period.activity_id].periods.append(
                    PeriodView(
                        period.id,
                        period.code,
                        period.name,
                        period.kind,
                        period.start_date,
                        period.end_date,
                        period.booking_opens_on,
                    )
                )
        for unit in session.scalars(
            select(Unit).order_by(Unit.activity_id, Unit.position, Unit.id)
        ):
            if unit.activity_id in by_id:
                by_id[unit.activity_id].units.append(
                    UnitView(
                        unit.id,
                        unit.code,
                        unit.name,
                        unit.start_time,
                        unit.end_time,
                        unit.billing_unit is BillingUnit.HOUR,
                        unit.weekday_set,
                    )
                )
        for closure in session.scalars(select(Closure).order_by(Closure.id)):
            targets = [by_id[closure.activity_id]] if closure.activity_id in by_id else []
            if closure.activity_id is None:
                targets = self.activities
            day = closure.start_date
            while day <= closure.end_date:
                for view in targets:
                    view.closed.add(day)
                day += timedelta(days=1)
        # (unit id, age group id or None) → [(start, end, places)]
        self.capacities: dict[tuple[int, int | None], list[tuple[date, date, int]]] = {}
        for cap in session.scalars(select(Capacity).order_by(Capacity.id)):
            self.capacities.setdefault((cap.unit_id, cap.age_group_id), []).append(
                (cap.start_date, cap.end_date, cap.places)
            )

    def of_kind(self, kind: ActivityKind) -> list[ActivityView]:
        return [a for a in self.activities if a.kind is kind and a.units and a.periods]

    def places(self, unit_id: int, group_id: int | None, day: date) -> tuple[tuple, int] | None:
        """The capacity that applies (its counter key and places), or None if unlimited."""
        for key in ((unit_id, group_id), (unit_id, None)):
            for start, end, places in self.capacities.get(key, ()):
                if start <= day <= end:
                    return (key[0], key[1], day), places
        return None


@dataclass(slots=True)
class ChildFacts:
    """What the booking maker needs to know about a generated child."""

    id: int
    family_id: int
    first_name: str
    birth_date: date
    at_primary_school: bool
    at_school: bool
    school_commune: str
    home_commune: str
    home_postcode: str
    portal_user: bool  # the family uses the portal (active account)
    created_at: datetime

    def age_months(self, day: date) -> int:
        months = (day.year - self.birth_date.year) * 12 + day.month - self.birth_date.month
        return months - 1 if day.day < self.birth_date.day else months


# Chance that a child eligible for a kind of activity is registered, per period type.
REGISTER_CHANCE = {
    (ActivityKind.PERISCOLAIRE, True): 0.72,
    (ActivityKind.PERISCOLAIRE, False): 0.5,
    (ActivityKind.MULTI_ACCUEIL, True): 0.65,
    (ActivityKind.MULTI_ACCUEIL, False): 0.5,
    (ActivityKind.ALSH, True): 0.3,
    (ActivityKind.ALSH, False): 0.38,
    (ActivityKind.JEUNESSE, True): 0.2,
    (ActivityKind.JEUNESSE, False): 0.33,
}
CANCEL_REASONS = (
    "Enfant malade",
    "Changement de planning professionnel",
    "Garde par les grands-parents",
    "Rendez-vous médical",
    "Vacances en famille",
)


class BookingMaker:
    """Registrations, bookings and requests for one child at a time, into ``rows``."""

    def __init__(
        self,
        rng: random.Random,
        catalogue: CatalogueView,
        today: date,
        next_id: Callable[[str], int],
        rows: dict[str, list[dict]],
        deciders: list[int],
    ):
        self.rng = rng
        self.cat = catalogue
        self.today = today
        self.now = paris_instant(today, 8 * 60)
        self.next_id = next_id
        self.rows = rows
        self.deciders = deciders or [None]
        self.used: Counter = Counter()  # capacity key → places taken
        first_of_month = today.replace(day=1)
        self.window_start = (first_of_month - timedelta(days=1)).replace(day=1)
        after_next = (first_of_month + timedelta(days=62)).replace(day=1)
        self.window_end = after_next - timedelta(days=1)
        self.sessions_from = today - timedelta(days=70)
        self.sessions_to = today + timedelta(days=110)

    # Helpers -----------------------------------------------------------------
    def _before_now(self, moment: datetime) -> datetime:
        return min(moment, self.now - timedelta(minutes=self.rng.randint(5, 600)))

    def _near(
        self, child: ChildFacts, activities: list[ActivityView], commune: str
    ) -> ActivityView:
        def distance(activity: ActivityView) -> int:
            if activity.commune == commune:
                return 0
            if activity.commune == child.home_commune:
                return 1
            return 2 if activity.postcode == child.home_postcode else 3

        best = min(distance(a) for a in activities)
        return self.rng.choice([a for a in activities if distance(a) == best])

    def _relevant(self, period: PeriodView) -> bool:
        if period.recurring:
            return period.start <= self.window_end and period.end >= self.window_start
        return period.start <= self.sessions_to and period.end >= self.sessions_from

    def _eligible(
        self, child: ChildFacts, activity: ActivityView, period: PeriodView
    ) -> int | None:
        reference = min(max(self.today, period.start), period.end)
        group = activity.age_group_for(child.age_months(reference))
        if group is None and not activity.age_groups:
            return -1  # no age groups: everybody
        return group

    # One child ---------------------------------------------------------------
    def child(self, child: ChildFacts) -> list[dict]:
        """Registrations and bookings of ``child``; returns its pending requests."""
        requests: list[dict] = []
        for kind in ActivityKind:
            if kind is ActivityKind.PERISCOLAIRE and not child.at_primary_school:
                continue
            if kind is ActivityKind.MULTI_ACCUEIL and child.at_school:
                continue
            if kind is ActivityKind.ALSH and not child.at_school:
                continue
            candidates = [
                a
                for a in self.cat.of_kind(kind)
                if any(self._relevant(p) and self._eligible(child, a, p) for p in a.periods)
            ]
            if not candidates:
                continue
            commune = (
                child.school_commune if kind is ActivityKind.PERISCOLAIRE else child.home_commune
            )
            activity = self._near(child, candidates, commune or child.home_commune)
            for period in activity.periods:
                if not self._relevant(period):
                    continue
                group = self._eligible(child, activity, period)
                if group is None:
                    continue
                if self.rng.random() < REGISTER_CHANCE[(kind, period.recurring)]:
                    requests += self._register(
                        child, activity, period, None if group == -1 else group
                    )
        return requests

    def _register(
        self, child: ChildFacts, activity: ActivityView, period: PeriodView, group: int | None
    ) -> list[dict]:
        rng = self.rng
        reg_id = self.next_id("registration")
        opens = period.opens_on or period.start - timedelta(days=30)
        asked_day = max(opens, child.created_at.date(), period.start - timedelta(days=60))
        requested_at = self._before_now(paris_instant(asked_day, rng.randint(8 * 60, 22 * 60)))
        pending = child.portal_user and period.end >= self.today and rng.random() < 0.06
        source = Source.PORTAL if child.portal_user and rng.random() < 0.6 else Source.DESK
        decided_at = None
        decided_by = None
        if pending:
            source = Source.PORTAL
            requested_at = self.now - timedelta(minutes=rng.randint(30, 6 * 24 * 60))
        else:
            decided_at = self._before_now(requested_at + timedelta(hours=rng.randint(2, 96)))
            decided_by = rng.choice(self.deciders)
        registration = {
            "id": reg_id,
            "version": 1,
            "child_id": child.id,
            "activity_id": activity.id,
            "period_id": period.id,
            "age_group_id": group,
            "state": RegistrationState.REQUESTED if pending else RegistrationState.ACCEPTED,
            "source": source,
            "requested_at": requested_at,
            "decided_at": decided_at,
            "decided_by_id": decided_by,
            "reason": "",
        }
        self.rows["registration"].append(registration)
        if pending:
            return [
                self._request(
                    RequestKind.REGISTRATION,
                    child,
                    activity,
                    period,
                    requested_at,
                    {
                        "child_id": child.id,
                        "activity": activity.code,
                        "period": period.code,
                        "comment": rng.choice(
                            ("", "", "Merci !", "Reprise du travail à temps plein.")
                        ),
                    },
                )
            ]
        booked = self._book(
            child, activity, period, group, reg_id, requested_at, decided_at, source
        )
        if booked is None:  # no room: this child was not admitted, forget the registration
            self.rows["registration"].remove(registration)
            return []
        return booked

    def _choose_units(self, activity: ActivityView) -> list[UnitView]:
        rng = self.rng
        units = list(activity.units)
        rng.shuffle(units)
        chosen: list[UnitView] = []
        for unit in units:
            if any(unit.overlaps(other) for other in chosen):
                continue
            if chosen and rng.random() > 0.6:
                continue
            chosen.append(unit)
        return chosen

    def _days(self, activity: ActivityView, period: PeriodView, unit: UnitView, weekdays: set[int]):
        if period.recurring:
            day, last = max(period.start, self.window_start), min(period.end, self.window_end)
        else:
            day, last = period.start, period.end
        while day <= last:
            if day.isoweekday() in weekdays and activity.is_open(day, period, unit):
                yield day
            day += timedelta(days=1)

    def _book(
        self,
        child: ChildFacts,
        activity: ActivityView,
        period: PeriodView,
        group: int | None,
        reg_id: int,
        requested_at: datetime,
        decided_at: datetime | None,
        source: Source,
    ) -> list[dict] | None:
        """Bookings of one registration; None if the activity is too full to admit the child."""
        rng = self.rng
        units = self._choose_units(activity)
        weekdays = set(range(1, 8))
        if rng.random() < 0.5:
            for _ in range(rng.randint(1, 2)):
                weekdays.discard(rng.randint(1, 5))
        wanted: list[tuple[date, UnitView]] = []
        for unit in units:
            wanted += [(d, unit) for d in self._days(activity, period, unit, weekdays)]
        if not period.recurring and wanted:
            days = sorted({d for d, _ in wanted})
            keep = set(rng.sample(days, min(len(days), rng.randint(2, 10))))
            wanted = [(d, u) for d, u in wanted if d in keep]
        wanted.sort(key=lambda item: (item[0], item[1].id))
        if self._crowded(wanted, group, 0.2 if period.recurring else 0.5):
            return None
        multi = activity.kind is ActivityKind.MULTI_ACCUEIL
        contract = self._contract(units) if multi else None
        made: list[dict] = []
        for day, unit in wanted:
            row = self._booking(child, unit, day, reg_id, requested_at, decided_at, source)
            if multi and row["attendance"] is Attendance.PRESENT:
                row["arrival_time"], row["departure_time"] = self._times(unit, contract)
            if self._full(row, unit, group, day):
                if day < self.today:
                    continue
                row["state"] = BookingState.WAITING_LIST
                row["decision_reason"] = "Capacité atteinte : inscrit en liste d'attente"
            made.append(row)
        self.rows["booking"] += made
        if not child.portal_user:
            return []
        return self._booking_requests(child, activity, period, made)

    def _booking(self, child, unit, day, reg_id, requested_at, decided_at, source) -> dict:
        rng = self.rng
        roll = rng.random()
        row = {
            "id": 0,
            "version": 1,
            "child_id": child.id,
            "unit_id": unit.id,
            "day": day,
            "registration_id": reg_id,
            "state": BookingState.ACCEPTED,
            "source": source,
            "requested_at": requested_at,
            "decided_at": decided_at,
            "decided_by_id": rng.choice(self.deciders),
            "decision_reason": "",
            "cancel_requested_at": None,
            "cancellation_billed": False,
            "attendance": None,
            "arrival_time": None,
            "departure_time": None,
        }
        if roll < 0.04:
            row["state"] = BookingState.CANCELLED
            asked = paris_instant(day, 0) - timedelta(hours=rng.randint(6, 24 * 12))
            row["cancel_requested_at"] = self._before_now(max(asked, requested_at))
            row["decided_at"] = self._before_now(row["cancel_requested_at"] + timedelta(hours=3))
            late = rng.random() < 0.25
            row["cancellation_billed"] = late
            row["decision_reason"] = (
                "Annulation tardive facturée" if late else "Annulation dans les délais"
            )
        elif day < self.today:
            a = rng.random()
            row["attendance"] = (
                Attendance.PRESENT
                if a < 0.91
                else Attendance.ABSENT_JUSTIFIED
                if a < 0.96
                else Attendance.ABSENT
            )
        row["id"] = self.next_id("booking")
        return row

    def _crowded(
        self, wanted: list[tuple[date, UnitView]], group: int | None, share: float
    ) -> bool:
        """Would more than ``share`` of these bookings find no place left?"""
        full = 0
        for day, unit in wanted:
            capacity = self.cat.places(unit.id, group, day)
            if capacity is not None and self.used[capacity[0]] >= capacity[1]:
                full += 1
        return bool(wanted) and full > share * len(wanted)

    def _full(self, row: dict, unit: UnitView, group: int | None, day: date) -> bool:
        if row["state"] is not BookingState.ACCEPTED:
            return False
        capacity = self.cat.places(unit.id, group, day)
        if capacity is None:
            return False
        key, places = capacity
        if self.used[key] >= places:
            return True
        self.used[key] += 1
        return False

    def _contract(self, units: list[UnitView]) -> tuple[int, int]:
        rng = self.rng
        start = min((u.start for u in units if u.start), default=time(7, 30))
        end = max((u.end for u in units if u.end), default=time(18, 30))
        low, high = start.hour * 60 + start.minute, end.hour * 60 + end.minute
        arrive = low + 15 * rng.randint(0, 6)
        leave = max(arrive + 180, high - 15 * rng.randint(0, 8))
        return arrive, min(leave, high)

    def _times(self, unit: UnitView, contract: tuple[int, int]) -> tuple[time, time]:
        rng = self.rng
        low = unit.start.hour * 60 + unit.start.minute if unit.start else 7 * 60
        high = unit.end.hour * 60 + unit.end.minute if unit.end else 19 * 60
        arrive = min(max(contract[0] + 5 * rng.randint(-3, 3), low), high - 60)
        leave = max(min(contract[1] + 5 * rng.randint(-4, 3), high), arrive + 60)
        return time(arrive // 60, arrive % 60), time(leave // 60, leave % 60)

    # Requests ----------------------------------------------------------------
    def _booking_requests(self, child, activity, period, made: list[dict]) -> list[dict]:
        rng = self.rng
        requests = []
        future = [r for r in made if r["day"] > self.today and r["state"] is BookingState.ACCEPTED]
        if len(future) >= 3 and rng.random() < 0.07:
            start = rng.randrange(len(future))
            chosen = future[start : start + rng.randint(1, 6)]
            received = self.now - timedelta(minutes=rng.randint(20, 4 * 24 * 60))
            for row in chosen:
                row.update(
                    state=BookingState.REQUESTED,
                    source=Source.PORTAL,
                    requested_at=received,
                    decided_at=None,
                    decided_by_id=None,
                )
            requests.append(
                self._request(
                    RequestKind.BOOKING,
                    child,
                    activity,
                    period,
                    received,
                    {"days": sorted({r["day"].isoformat() for r in chosen}), "child_id": child.id},
                    chosen,
                )
            )
        future = [r for r in future if r["state"] is BookingState.ACCEPTED]
        if len(future) >= 2 and rng.random() < 0.05:
            chosen = rng.sample(future, min(len(future), rng.randint(1, 3)))
            received = self.now - timedelta(minutes=rng.randint(20, 3 * 24 * 60))
            for row in chosen:
                row.update(state=BookingState.CANCEL_REQUESTED, cancel_requested_at=received)
            requests.append(
                self._request(
                    RequestKind.CANCELLATION,
                    child,
                    activity,
                    period,
                    received,
                    {
                        "days": sorted({r["day"].isoformat() for r in chosen}),
                        "child_id": child.id,
                        "reason": rng.choice(CANCEL_REASONS),
                    },
                    chosen,
                )
            )
        return requests

    def _request(self, kind, child, activity, period, received, payload, bookings=()) -> dict:
        request_id = self.next_id("portal_request")
        for row in bookings:
            self.rows["request_booking"].append(
                {
                    "id": self.next_id("request_booking"),
                    "request_id": request_id,
                    "booking_id": row["id"],
                }
            )
        return self.request_row(
            request_id, kind, child.family_id, child.id, activity.id, period.id, received, payload
        )

    def request_row(
        self, request_id, kind, family_id, child_id, activity_id, period_id, received, payload
    ):
        return {
            "id": request_id,
            "version": 1,
            "portal_ref": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
            "kind": kind,
            "family_id": family_id,
            "child_id": child_id,
            "activity_id": activity_id,
            "period_id": period_id,
            "payload": payload,
            "state": RequestState.PENDING,
            "received_at": received,
            "decided_at": None,
            "decided_by_id": None,
            "answer_text": "",
        }
