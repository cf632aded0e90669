"""Places taken per activity × unit × day (:class:`~portal.models.PlaceCount`): taken
atomically when the rules accept a day, counted in or out when the service decides."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from portal.catalogue import ActivityIndex
from portal.models import Booking, PlaceCount


def _ensure_counters(session: Session, activity: str, unit: str, day: date, groups) -> None:
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    rows = [
        {"activity_code": activity, "unit_code": unit, "day": day, "age_group": g, "taken": 0}
        for g in groups
    ]
    session.execute(insert(PlaceCount).values(rows).on_conflict_do_nothing())


def _groups(age_group: str) -> list[str]:
    return ["", age_group] if age_group else [""]


class _Full(Exception):
    pass


def take_place(session: Session, index: ActivityIndex, unit: str, day: date, group: str) -> bool:
    """Count one more booking, unless a capacity that applies is used up. Atomic:
    ``UPDATE … SET taken = taken + 1 WHERE taken < places`` (the row stays locked
    until the transaction ends); both counters or none (savepoint)."""
    activity = index.activity.code
    caps = index.capacities(unit, day, group)
    limits: dict[str, int] = {}
    for c in caps:
        key = c.age_group or ""
        limits[key] = min(limits.get(key, c.places), c.places)
    try:
        with session.begin_nested():
            _ensure_counters(session, activity, unit, day, _groups(group))
            for key in _groups(group):
                stmt = (
                    update(PlaceCount)
                    .where(
                        PlaceCount.activity_code == activity,
                        PlaceCount.unit_code == unit,
                        PlaceCount.day == day,
                        PlaceCount.age_group == key,
                    )
                    .values(taken=PlaceCount.taken + 1)
                    .execution_options(synchronize_session=False)
                )
                if key in limits:
                    stmt = stmt.where(PlaceCount.taken < limits[key])
                # An UPDATE: its result is the cursor's, with the rows matched.
                if cast(CursorResult[Any], session.execute(stmt)).rowcount != 1:
                    raise _Full
    except _Full:
        return False
    return True


def adjust_places(session: Session, activity: str, booking: Booking, delta: int) -> None:
    """Count a booking in or out without checking the capacity (the agent decides)."""
    groups = _groups(booking.age_group)
    _ensure_counters(session, activity, booking.unit_code, booking.day, groups)
    stmt = (
        update(PlaceCount)
        .where(
            PlaceCount.activity_code == activity,
            PlaceCount.unit_code == booking.unit_code,
            PlaceCount.day == booking.day,
            PlaceCount.age_group.in_(groups),
        )
        .values(taken=PlaceCount.taken + delta)
        .execution_options(synchronize_session=False)
    )
    if delta < 0:
        stmt = stmt.where(PlaceCount.taken > 0)
    session.execute(stmt)
