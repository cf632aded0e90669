"""Which backups to keep: the newest of each of the last 7 days, 4 ISO weeks and
12 months that have a backup (the same rule as ``borg prune``). Pure: no files."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Retention:
    daily: int = 7
    weekly: int = 4
    monthly: int = 12


DEFAULT_RETENTION = Retention()


def _newest_per_period(
    stamps: list[datetime], period: Callable[[datetime], Hashable], count: int
) -> set[datetime]:
    kept: set[datetime] = set()
    seen: set[Hashable] = set()
    for stamp in stamps:  # newest first
        if len(seen) >= count:
            break
        key = period(stamp)
        if key not in seen:
            seen.add(key)
            kept.add(stamp)
    return kept


def to_keep(stamps: Iterable[datetime], rule: Retention = DEFAULT_RETENTION) -> set[datetime]:
    """The stamps to keep; every other backup may be deleted."""
    ordered = sorted(set(stamps), reverse=True)
    return (
        _newest_per_period(ordered, lambda s: s.date(), rule.daily)
        | _newest_per_period(ordered, lambda s: s.isocalendar()[:2], rule.weekly)
        | _newest_per_period(ordered, lambda s: (s.year, s.month), rule.monthly)
    )
