"""The catalogue pushed by the back-office: validated, stored whole, read through an index.

One row holds the last push (replace-all semantics). Registrations and bookings
keep the codes of activities, periods and units, so a new push never breaks
them; a code that disappears simply stops being bookable.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal import rules
from portal.errors import FieldError, PortalError, invalid, not_found
from portal.models import CatalogueDocument, utcnow
from portal.schemas_catalogue import (
    ActivityIn,
    ActivityOut,
    AgeGroupIn,
    CapacityIn,
    CatalogueOut,
    CataloguePush,
    CataloguePushResult,
    ClosureIn,
    PeriodIn,
    PeriodOut,
    RulesOut,
    UnitIn,
    UnitOut,
)

# Bounds that keep every date computation (deadlines, weeks) well inside the calendar.
MIN_YEAR, MAX_YEAR = 2000, 2099
MAX_PERIOD_DAYS = 400


def _ranges_overlap(a: tuple[date, date], b: tuple[date, date]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def check(push: CataloguePush) -> list[FieldError]:
    """Every cross-field problem of a push, in French, with the field's path."""
    errors: list[FieldError] = []

    def err(path: str, message: str) -> None:
        errors.append(FieldError(field=path, message=message))

    codes = [a.code for a in push.activities]
    for code in {c for c in codes if codes.count(c) > 1}:
        err("activities", f"L'activité « {code} » est indiquée deux fois.")
    for i, a in enumerate(push.activities):
        base = f"activities.{i}"
        name = f"Activité « {a.code} » : "
        for kind, items, label in (
            ("periods", a.periods, "la période"),
            ("units", a.units, "l'unité"),
            ("age_groups", a.age_groups, "la tranche d'âge"),
        ):
            seen = [x.code for x in items]
            for code in {c for c in seen if seen.count(c) > 1}:
                err(f"{base}.{kind}", f"{name}{label} « {code} » est indiquée deux fois.")
        for j, p in enumerate(a.periods):
            path = f"{base}.periods.{j}"
            if not all(MIN_YEAR <= d.year <= MAX_YEAR for d in (p.start, p.end)):
                err(
                    f"{path}.start",
                    f"{name}la période « {p.code} » doit être entre {MIN_YEAR} et {MAX_YEAR}.",
                )
            elif (p.end - p.start).days > MAX_PERIOD_DAYS:
                err(
                    f"{path}.end", f"{name}la période « {p.code} » dépasse {MAX_PERIOD_DAYS} jours."
                )
            if p.end < p.start:
                err(f"{path}.end", f"{name}la période « {p.code} » finit avant de commencer.")
            if p.booking_closes < p.booking_opens:
                err(
                    f"{path}.booking_closes",
                    f"{name}les réservations de la période « {p.code} » ferment avant d'ouvrir.",
                )
        for j, p in enumerate(a.periods):
            for q in a.periods[j + 1 :]:
                if _ranges_overlap((p.start, p.end), (q.start, q.end)):
                    err(
                        f"{base}.periods",
                        f"{name}les périodes « {p.code} » et « {q.code} » se chevauchent.",
                    )
        for j, u in enumerate(a.units):
            path = f"{base}.units.{j}"
            if u.end_time <= u.start_time:
                err(f"{path}.end_time", f"{name}l'unité « {u.code} » finit avant de commencer.")
            if not u.weekdays:
                err(f"{path}.weekdays", f"{name}l'unité « {u.code} » n'a aucun jour d'ouverture.")
            if len(set(u.weekdays)) != len(u.weekdays):
                err(f"{path}.weekdays", f"{name}l'unité « {u.code} » a un jour indiqué deux fois.")
        for j, g in enumerate(a.age_groups):
            if g.min_age is not None and g.max_age is not None and g.max_age < g.min_age:
                err(
                    f"{base}.age_groups.{j}.max_age",
                    f"{name}la tranche d'âge « {g.code} » a un âge maximum inférieur au minimum.",
                )
        units = {u.code for u in a.units}
        groups = {g.code for g in a.age_groups}
        for j, c in enumerate(a.capacities):
            path = f"{base}.capacities.{j}"
            if c.unit not in units:
                err(f"{path}.unit", f"{name}capacité d'une unité inconnue « {c.unit} ».")
            if c.age_group is not None and c.age_group not in groups:
                err(
                    f"{path}.age_group",
                    f"{name}capacité d'une tranche d'âge inconnue « {c.age_group} ».",
                )
            if c.end < c.start:
                err(f"{path}.end", f"{name}une capacité de « {c.unit} » finit avant de commencer.")
        for j, c in enumerate(a.capacities):
            for d in a.capacities[j + 1 :]:
                if (
                    (c.unit, c.age_group) == (d.unit, d.age_group)
                    and _ranges_overlap((c.start, c.end), (d.start, d.end))
                    and c.end >= c.start
                    and d.end >= d.start
                ):
                    err(
                        f"{base}.capacities",
                        f"{name}deux capacités de l'unité « {c.unit} » se chevauchent "
                        f"({rules.short(max(c.start, d.start))}).",
                    )
                    break
    known = set(codes)
    for i, closure in enumerate(push.closures):
        if closure.activity is not None and closure.activity not in known:
            err(
                f"closures.{i}.activity",
                f"Fermeture d'une activité inconnue « {closure.activity} ».",
            )
        if closure.end < closure.start:
            err(f"closures.{i}.end", f"La fermeture « {closure.label} » finit avant de commencer.")
    return errors


@dataclass
class ActivityIndex:
    activity: ActivityIn
    periods: dict[str, PeriodIn]
    units: dict[str, UnitIn]
    groups: dict[str, AgeGroupIn]
    closures: list[ClosureIn]

    def closure(self, day: date) -> ClosureIn | None:
        for c in self.closures:
            if c.start <= day <= c.end:
                return c
        return None

    def capacities(self, unit: str, day: date, age_group: str) -> list[CapacityIn]:
        """The capacities that apply to a booking: the unit's overall one and the group's."""
        return [
            c
            for c in self.activity.capacities
            if c.unit == unit
            and c.start <= day <= c.end
            and (c.age_group is None or c.age_group == age_group)
        ]


@dataclass
class Catalogue:
    version: int
    pushed_at: datetime | None
    push: CataloguePush
    activities: dict[str, ActivityIndex] = field(default_factory=dict)

    @classmethod
    def build(cls, version: int, pushed_at: datetime | None, push: CataloguePush) -> Catalogue:
        cat = cls(version=version, pushed_at=pushed_at, push=push)
        for a in push.activities:
            cat.activities[a.code] = ActivityIndex(
                activity=a,
                periods={p.code: p for p in a.periods},
                units={u.code: u for u in a.units},
                groups={g.code: g for g in a.age_groups},
                closures=[c for c in push.closures if c.activity in (None, a.code)],
            )
        return cat

    def activity(self, code: str) -> ActivityIndex:
        found = self.activities.get(code)
        if found is None:
            raise not_found("Activité")
        return found


EMPTY = CataloguePush(activities=[])
_cache_lock = threading.Lock()
# Connection pool (one per database) → the last parsed catalogue (a version is parsed once per database).
_cache: weakref.WeakKeyDictionary[Any, Catalogue] = weakref.WeakKeyDictionary()


def load(session: Session) -> Catalogue:
    """The current catalogue, read in the caller's transaction: its version only (one
    small statement, once per transaction), the body read and parsed only when the
    process has not parsed this version yet."""
    transaction = session.get_transaction()
    mine = session.info.get(_SESSION_KEY)
    if mine is not None and mine[0] is transaction:
        return mine[1]
    cat = _load(session)
    session.info[_SESSION_KEY] = (transaction, cat)
    return cat


_SESSION_KEY = "portal_catalogue"


def _load(session: Session) -> Catalogue:
    version = session.execute(
        select(CatalogueDocument.version).where(CatalogueDocument.id == 1)
    ).scalar_one_or_none()
    engine = session.get_bind().engine.pool  # shared by the read and write engines
    with _cache_lock:
        found = _cache.get(engine)
    if found is not None and version is not None and found.version == version:
        return found
    row = session.get(CatalogueDocument, 1)
    if row is None or not row.body:
        cat = Catalogue.build(row.version if row else 0, None, EMPTY)
    else:
        cat = Catalogue.build(row.version, row.pushed_at, CataloguePush.model_validate(row.body))
    if row is not None:
        with _cache_lock:
            _cache[engine] = cat
    return cat


def replace(session: Session, push: CataloguePush) -> dict[str, Any]:
    errors = check(push)
    if errors:
        raise invalid(errors)
    session.info.pop(_SESSION_KEY, None)
    version = session.execute(
        update(CatalogueDocument)
        .where(CatalogueDocument.id == 1)
        .values(
            version=CatalogueDocument.version + 1,
            pushed_at=utcnow(),
            body=push.model_dump(mode="json"),
        )
        .returning(CatalogueDocument.version)
    ).scalar_one_or_none()
    if version is None:  # pragma: no cover - the migration creates the row
        raise PortalError(503, "Catalogue indisponible : base non migrée.")
    return CataloguePushResult(
        version=version,
        activities=len(push.activities),
        periods=sum(len(a.periods) for a in push.activities),
        units=sum(len(a.units) for a in push.activities),
        capacities=sum(len(a.capacities) for a in push.activities),
        closures=len(push.closures),
    ).model_dump(mode="json")


def staff_view(cat: Catalogue) -> CatalogueOut:
    return CatalogueOut(version=cat.version, pushed_at=cat.pushed_at, catalogue=cat.push)


# --- what parents see ----------------------------------------------------------------------


def booking_open(period: PeriodIn, today: date) -> bool:
    return period.booking_opens <= today <= period.booking_closes and today <= period.end


def rules_out(a: ActivityIn) -> RulesOut:
    r = a.rules
    return RulesOut(
        booking_notice=rules.notice_text(r.booking_notice),
        cancellation_notice=rules.notice_text(r.cancellation_notice),
        auto_accept=r.auto_accept,
        when_full="liste d'attente" if r.when_full == "waiting_list" else "demande à valider",
    )


def unit_out(u: UnitIn) -> UnitOut:
    return UnitOut(
        code=u.code,
        name=u.name,
        start_time=u.start_time,
        end_time=u.end_time,
        weekdays=u.weekdays,
    )


def period_out(p: PeriodIn, today: date) -> PeriodOut:
    return PeriodOut(
        code=p.code,
        label=p.label,
        start=p.start,
        end=p.end,
        booking_opens=p.booking_opens,
        booking_closes=p.booking_closes,
        open_for_booking=booking_open(p, today),
    )


def activity_out(a: ActivityIn, today: date, only_open: bool) -> ActivityOut:
    periods = [period_out(p, today) for p in a.periods]
    if only_open:
        periods = [p for p in periods if p.open_for_booking]
    return ActivityOut(
        code=a.code,
        name=a.name,
        kind=a.kind,
        site=a.site,
        age_groups=a.age_groups,
        units=[unit_out(u) for u in a.units],
        periods=periods,
        rules=rules_out(a),
    )


def for_parents(cat: Catalogue, today: date) -> list[ActivityOut]:
    """Activities with at least one period open for booking today (guide §6.1)."""
    out = [activity_out(a.activity, today, only_open=True) for a in cat.activities.values()]
    return [a for a in out if a.periods]
