"""A child's week at the desk, read: one row per unit of the child's registrations whose
period meets the ISO week, one :class:`~.week_cells.PlanningCell` per day (see
:mod:`.planning`); and finding the child to show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from backoffice.dates import iso_monday, week_label
from backoffice.errors import UserError
from backoffice.models import Child, Period, Registration, Unit
from backoffice.services.bookings.week_cells import PlanningCell, WeekContext
from backoffice.services.families.queries import search_families


class PlanningError(UserError):
    """A booking the desk cannot make (French message); nothing was changed."""


@dataclass(frozen=True, slots=True)
class PlanningRow:
    registration_id: int
    unit_id: int
    unit_name: str
    activity_name: str
    period_name: str
    times: str
    cells: tuple[PlanningCell, ...]


@dataclass(frozen=True, slots=True)
class WeekPlanning:
    child_id: int
    child_name: str
    family_id: int
    monday: date
    rows: tuple[PlanningRow, ...]

    @property
    def days(self) -> list[date]:
        return [self.monday + timedelta(days=i) for i in range(7)]

    @property
    def label(self) -> str:
        return week_label(self.monday)


def _child(session: Session, child_id: int) -> Child:
    child = session.get(Child, child_id)
    if child is None:
        raise PlanningError("Cet enfant n'existe plus : actualisez la liste.")
    return child


def week_planning(session: Session, child_id: int, day: date, today: date) -> WeekPlanning:
    """The ISO week containing ``day`` for this child (see the module docstring)."""
    child = _child(session, child_id)
    monday = iso_monday(day)
    sunday = monday + timedelta(days=6)
    registrations = session.scalars(
        select(Registration)
        .join(Period, Period.id == Registration.period_id)
        .where(
            Registration.child_id == child_id,
            Period.start_date <= sunday,
            Period.end_date >= monday,
        )
        .options(selectinload(Registration.period), selectinload(Registration.activity))
        .order_by(Period.start_date, Registration.id)
    ).all()
    ctx = WeekContext.load(session, child_id, registrations, monday, sunday, today)
    rows = []
    for reg in registrations:
        for unit in sorted(reg.activity.units, key=lambda u: (u.position, u.id)):
            cells = tuple(ctx.cell(reg, unit, monday + timedelta(days=i)) for i in range(7))
            rows.append(
                PlanningRow(
                    registration_id=reg.id,
                    unit_id=unit.id,
                    unit_name=unit.name,
                    activity_name=reg.activity.name,
                    period_name=reg.period.name,
                    times=_times(unit),
                    cells=cells,
                )
            )
    return WeekPlanning(child.id, child.full_name, child.family_id, monday, tuple(rows))


@dataclass(frozen=True, slots=True)
class ChildChoice:
    child_id: int
    family_id: int
    label: str  # « Zoé MARTIN (9 ans) — famille MARTIN F00001 »


def find_children(session: Session, query: str, today: date, limit: int = 30) -> list[ChildChoice]:
    """Children of the families matching every word of ``query`` (family, child, commune,
    identifier: the families list's search)."""
    if not query.strip():
        return []
    families = {f.id: f for f in search_families(session, query, limit=limit)}
    if not families:
        return []
    children = session.scalars(
        select(Child)
        .where(Child.family_id.in_(list(families)), Child.left_on.is_(None))  # current only
        .order_by(Child.last_name, Child.first_name, Child.id)
    ).all()
    out = []
    for c in children:
        f = families[c.family_id]
        age = c.age_on(today)
        out.append(
            ChildChoice(
                c.id,
                c.family_id,
                f"{c.first_name} {c.last_name.upper()} ({age} an{'s' if age > 1 else ''}) — "
                f"famille {f.name} {f.code}",
            )
        )
    return out[:limit]


def _times(unit: Unit) -> str:
    if unit.start_time is None or unit.end_time is None:
        return ""
    return f"{unit.start_time:%H:%M}–{unit.end_time:%H:%M}"
