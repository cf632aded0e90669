"""Tariffs: the price of a unit for a child on a day.

The tariff row that applies is, among the unit's rows already valid that day
(``valid_from`` ≤ day):

- whose QF bracket holds the family's QF valid **on that day**
  (:meth:`Family.quotient_on`); a family without a QF on file pays the highest
  bracket (greatest ``qf_min``) and the preview flags it;
- whose ``child_rank`` is empty (any rank) or the greatest one not above the
  child's rank (``3`` means "3rd child and more") — the rank only counts when
  the activity has ``rank_pricing``;
- the most recent ``valid_from`` wins: a price change is a new row with a
  start date, and invoice lines store the price they were computed with, so
  nothing already invoiced is ever repriced.

The child's rank is its place, eldest first (birth date, then id), among the
family's children with an accepted registration to the activity for a period
covering the day (the child itself always counts).

Multi-accueil units billed by the hour (``billing_unit = hour``): the quantity
is the attended time from arrival to departure, **each quarter hour started is
due** (rounded up to the next 15 minutes), e.g. 08:05 → 17:20 = 9 h 15 min
→ 9.25 h; 08:00 → 17:01 = 9.25 h.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.models import Child, Family, Period, Registration, RegistrationState, Tariff, Unit

QUARTER_HOUR = 15


def billed_hours(arrival: time, departure: time) -> Decimal:
    """Attended hours, each quarter hour started being due (multiples of 0.25 h)."""
    minutes = (departure.hour * 60 + departure.minute) - (arrival.hour * 60 + arrival.minute)
    if departure.second > arrival.second:
        minutes += 1  # a started minute counts towards the quarter hour
    if minutes <= 0:
        return Decimal("0.00")
    quarters = -(-minutes // QUARTER_HOUR)
    return (Decimal(quarters) / 4).quantize(Decimal("0.01"))


def scheduled_hours(unit_start: time | None, unit_end: time | None) -> Decimal | None:
    if unit_start is None or unit_end is None:
        return None
    return billed_hours(unit_start, unit_end)


def bracket_label(qf_min: int, qf_max: int | None) -> str:
    if qf_max is None:
        return f"QF ≥ {qf_min}"
    if qf_min <= 0:
        return f"QF ≤ {qf_max}"
    return f"QF {qf_min}–{qf_max}"


@dataclass(frozen=True, slots=True)
class TariffRow:
    id: int
    unit_id: int
    valid_from: date
    qf_min: int
    qf_max: int | None
    child_rank: int | None
    price: Decimal


@dataclass(frozen=True, slots=True)
class Quote:
    """The price found for one unit, day, QF and rank, with what explains it."""

    tariff_id: int
    price: Decimal
    bracket: str  # "QF 601–900" (printed on the invoice line)
    qf: int | None  # the family's QF that day (None: none on file → top bracket)
    rank: int | None  # the child's rank when the activity prices by rank


class TariffBook:
    """Every tariff row of some units, indexed for quick look-ups during a run."""

    def __init__(self, rows: Iterable[TariffRow]):
        self._by_unit: dict[int, list[TariffRow]] = defaultdict(list)
        for row in rows:
            self._by_unit[row.unit_id].append(row)
        for rows_of_unit in self._by_unit.values():
            rows_of_unit.sort(key=lambda r: (r.valid_from, r.child_rank or 0, r.id))

    @classmethod
    def load(cls, session: Session, unit_ids: Iterable[int] | None = None) -> TariffBook:
        stmt = select(
            Tariff.id,
            Tariff.unit_id,
            Tariff.valid_from,
            Tariff.qf_min,
            Tariff.qf_max,
            Tariff.child_rank,
            Tariff.price,
        )
        if unit_ids is not None:
            ids = list(unit_ids)
            if not ids:
                return cls(())
            stmt = stmt.where(Tariff.unit_id.in_(ids))
        return cls(TariffRow(*row) for row in session.execute(stmt))

    def steady(self, unit_id: int, start: date, end: date) -> bool:
        """Whether the unit's tariffs in force are the same every day of [start, end]
        (none takes effect after ``start``): then one quote on ``start`` holds for all."""
        return not any(start < r.valid_from <= end for r in self._by_unit.get(unit_id, ()))

    def quote(self, unit_id: int, day: date, qf: int | None, rank: int | None) -> Quote | None:
        """The applicable tariff, or None when the catalogue has none for this case."""
        rows = [r for r in self._by_unit.get(unit_id, ()) if r.valid_from <= day]
        if not rows:
            return None
        qf_used = qf if qf is not None else max(r.qf_min for r in rows)
        rank_used = rank or 1
        best: TariffRow | None = None
        for r in rows:  # sorted: the last match is the most recent, most specific
            if r.qf_min > qf_used or (r.qf_max is not None and qf_used > r.qf_max):
                continue
            if r.child_rank is not None and r.child_rank > rank_used:
                continue
            if best is None or (r.valid_from, r.child_rank or 0) >= (
                best.valid_from,
                best.child_rank or 0,
            ):
                best = r
        if best is None:
            return None
        return Quote(best.id, best.price, bracket_label(best.qf_min, best.qf_max), qf, rank)


class RankIndex:
    """The rank of each child among its family's children registered to an activity."""

    def __init__(
        self,
        registrations: Iterable[tuple[int, int, int, date, date, date]],
    ):
        # (family, activity) → [(start, end, birth_date, child_id)]
        self._spans: dict[tuple[int, int], list[tuple[date, date, date, int]]] = defaultdict(list)
        for family_id, activity_id, child_id, birth, start, end in registrations:
            self._spans[(family_id, activity_id)].append((start, end, birth, child_id))

    @classmethod
    def load(cls, session: Session, activity_ids: Iterable[int]) -> RankIndex:
        ids = list(activity_ids)
        if not ids:
            return cls(())
        rows = session.execute(
            select(
                Child.family_id,
                Registration.activity_id,
                Child.id,
                Child.birth_date,
                Period.start_date,
                Period.end_date,
            )
            .join(Child, Child.id == Registration.child_id)
            .join(Period, Period.id == Registration.period_id)
            .where(
                Registration.activity_id.in_(ids),
                Registration.state == RegistrationState.ACCEPTED,
            )
        )
        return cls((fid, aid, cid, birth, start, end) for fid, aid, cid, birth, start, end in rows)

    def rank(
        self, family_id: int, activity_id: int, child_id: int, birth_date: date, day: date
    ) -> int:
        registered = {
            (birth, cid)
            for start, end, birth, cid in self._spans.get((family_id, activity_id), ())
            if start <= day <= end
        }
        registered.add((birth_date, child_id))
        return sorted(registered).index((birth_date, child_id)) + 1


def price_for(session: Session, unit: Unit, child: Child, day: date) -> Quote | None:
    """The price of ``unit`` for ``child`` on ``day`` (one-off look-up, e.g. a tariff screen)."""
    family: Family = child.family
    quotient = family.quotient_on(day)
    rank = None
    if unit.activity.rank_pricing:
        rank = RankIndex.load(session, [unit.activity_id]).rank(
            family.id, unit.activity_id, child.id, child.birth_date, day
        )
    return TariffBook.load(session, [unit.id]).quote(
        unit.id, day, quotient.quotient if quotient else None, rank
    )
