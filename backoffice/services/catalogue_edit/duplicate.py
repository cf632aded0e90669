"""Duplicate an activity's year: its periods and capacities copied onto the next school
year, dates moved onto that year's zone holidays (``vacances-scolaires-france``).

:func:`propose_next_year` computes the copy, shown for review; :func:`save_next_year`
saves it through the same services (and checks) as the screens, all or nothing. The
processing rule and the units belong to the activity: they stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy.orm import Session

from backoffice.models import Activity, PeriodKind
from backoffice.services.catalogue.school_calendar import HolidayRun, holiday_runs, school_year
from backoffice.services.catalogue_edit import activities, periods
from backoffice.services.catalogue_edit.common import CatalogueRefused, require_catalogue_role
from backoffice.services.common.actors import Actor

ONE_YEAR = timedelta(weeks=52)  # same weekday, a year later


@dataclass(frozen=True, slots=True)
class CapacityCopy:
    unit_id: int
    unit: str
    age_group_id: int | None
    start: date
    end: date
    places: int


@dataclass
class PeriodCopy:
    source: str  # the copied period's code
    data: periods.PeriodInput
    how: str  # French: where the dates come from
    capacities: list[CapacityCopy] = field(default_factory=list)

    @property
    def line(self) -> str:
        return (
            f"« {self.source} » → « {self.data.code} » du {self.data.start:%d/%m/%Y} au "
            f"{self.data.end:%d/%m/%Y} ({self.how}, {len(self.capacities)} capacité(s))"
        )


def _school_year_of(day: date) -> int:
    return day.year if day.month >= 8 else day.year - 1


def _holiday_of(runs: list[HolidayRun], start: date, end: date) -> HolidayRun | None:
    return next((r for r in runs if r.start <= end and start <= r.end), None)


def _renamed(text: str, old_year: int, new_year: int) -> str:
    for year in (old_year + 1, old_year):  # « 2026-2027 » → « 2027-2028 »
        text = text.replace(str(year), str(year + new_year - old_year))
    return text


def propose_next_year(session: Session, actor: Actor, activity_id: int) -> list[PeriodCopy]:
    """The activity's latest school year of periods, moved to the next one."""
    require_catalogue_role(session, actor, "dupliquer une année")
    activity = session.get(Activity, activity_id)
    if activity is None or not activity.periods:
        raise CatalogueRefused(["Cette activité n'a aucune période à dupliquer."])
    year = max(_school_year_of(p.start_date) for p in activity.periods)
    source = [p for p in activity.periods if _school_year_of(p.start_date) == year]
    old_runs, new_runs = holiday_runs(year, year + 1), holiday_runs(year + 1, year + 2)
    copies = []
    for p in sorted(source, key=lambda p: p.start_date):
        shift = ONE_YEAR
        how = "même jour de la semaine, un an plus tard"
        start, end = p.start_date + shift, p.end_date + shift
        if p.kind is PeriodKind.SCHOOL_YEAR:
            target = school_year(year + 1)
            start, end, shift = target.start, target.end, target.start - p.start_date
            how = f"année scolaire {target.code}, zone B"
        elif (run := _holiday_of(old_runs, p.start_date, p.end_date)) is not None:
            twin = next(
                (
                    r
                    for r in new_runs
                    if r.name == run.name and _school_year_of(r.start) == year + 1
                ),
                None,
            )
            if twin is not None:
                shift = twin.start - run.start
                start = p.start_date + shift
                end = p.end_date + (twin.end - run.end)
                how = f"{twin.label}, zone B"
        data = periods.PeriodInput(
            _renamed(p.code, year, year + 1),
            _renamed(p.name, year, year + 1),
            p.kind,
            start,
            end,
            p.booking_opens_on + shift if p.booking_opens_on else None,
            p.booking_closes_on + shift if p.booking_closes_on else None,
        )
        copy = PeriodCopy(p.code, data, how)
        for unit in activity.units:
            for c in unit.capacities:
                if p.start_date <= c.start_date and c.end_date <= p.end_date:
                    c_end = end if c.end_date == p.end_date else c.end_date + shift
                    copy.capacities.append(
                        CapacityCopy(
                            unit.id,
                            unit.name,
                            c.age_group_id,
                            c.start_date + shift,
                            c_end,
                            c.places,
                        )
                    )
        copies.append(copy)
    return copies


def save_next_year(
    session: Session, actor: Actor, activity_id: int, copies: list[PeriodCopy]
) -> int:
    """Save the reviewed copy (every check of the screens applies); the periods saved."""
    require_catalogue_role(session, actor, "dupliquer une année")
    reasons: list[str] = []
    with session.begin_nested() as nested:
        for copy in copies:
            try:
                periods.save_period(session, actor, activity_id, copy.data)
                for c in copy.capacities:
                    activities.save_capacity(
                        session, actor, c.unit_id, c.start, c.end, c.places, c.age_group_id
                    )
            except CatalogueRefused as exc:
                reasons.extend(exc.reasons)
        if reasons:
            nested.rollback()
    if reasons:
        raise CatalogueRefused(reasons)
    return len(copies)
