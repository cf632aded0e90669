"""What the tariff screen shows: a unit's prices in force on a day and the planned ones.

"In force" is found by the pricing's own look-up (:class:`.tariffs.TariffBook`) for
every QF bound and rank, so the screen shows exactly the rows billing would use,
with the children's ranks each row prices (the newest row wins: a rank-2 row of a
later set also prices the 3rd child when that set has no rank 3).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.models import Activity, BillingUnit, ClosedPeriod, InvoiceLine, Regie, Tariff, Unit
from backoffice.services.billing.common import BillingError
from backoffice.services.billing.tariffs import TariffBook, TariffRow, bracket_label


@dataclass(frozen=True, slots=True)
class UnitChoice:
    id: int
    regie: str
    activity: str
    unit: str
    rank_pricing: bool
    per_hour: bool

    @property
    def label(self) -> str:
        return f"{self.regie} › {self.activity} › {self.unit}"


@dataclass(frozen=True, slots=True)
class GridRow:
    id: int
    valid_from: date
    qf_min: int
    qf_max: int | None
    child_rank: int | None
    price: Decimal
    uses: int  # invoice lines computed with this row
    # The children's ranks this row prices: from ``rank_from`` to ``rank_to`` (None:
    # and the following ones); both None when the activity does not price by rank.
    rank_from: int | None = None
    rank_to: int | None = None

    @property
    def bracket(self) -> str:
        return bracket_label(self.qf_min, self.qf_max)


@dataclass(frozen=True)
class TariffGrid:
    unit: UnitChoice
    on: date
    current: list[GridRow]  # the rows pricing the unit on ``on``
    future: list[GridRow]  # rows starting after ``on`` (planned changes)
    closed_until: date | None  # end of the régie's last closed period

    @property
    def future_dates(self) -> list[date]:
        return sorted({r.valid_from for r in self.future})


def list_units(session: Session) -> list[UnitChoice]:
    """The units of active activities, by régie, activity and position (the picker)."""
    rows = session.execute(
        select(
            Unit.id,
            Regie.code,
            Activity.name,
            Unit.name,
            Activity.rank_pricing,
            Unit.billing_unit,
        )
        .join(Activity, Activity.id == Unit.activity_id)
        .join(Regie, Regie.id == Activity.regie_id)
        .where(Activity.active.is_(True))
        .order_by(Regie.code, Activity.name, Unit.position, Unit.name)
    )
    return [
        UnitChoice(uid, regie, activity, unit, bool(rank), billing is BillingUnit.HOUR)
        for uid, regie, activity, unit, rank, billing in rows
    ]


def unit_choice(session: Session, unit_id: int) -> tuple[UnitChoice, int]:
    row = session.execute(
        select(
            Unit.id,
            Regie.code,
            Activity.name,
            Unit.name,
            Activity.rank_pricing,
            Unit.billing_unit,
            Regie.id,
        )
        .join(Activity, Activity.id == Unit.activity_id)
        .join(Regie, Regie.id == Activity.regie_id)
        .where(Unit.id == unit_id)
    ).first()
    if row is None:
        raise BillingError("Cette unité n'existe plus : rechargez la liste des unités.")
    uid, regie, activity, unit, rank, billing, regie_id = row
    return UnitChoice(uid, regie, activity, unit, bool(rank), billing is BillingUnit.HOUR), regie_id


def tariff_uses(session: Session, tariff_ids: list[int]) -> dict[int, int]:
    if not tariff_ids:
        return {}
    rows = session.execute(
        select(InvoiceLine.tariff_id, func.count())
        .where(InvoiceLine.tariff_id.in_(tariff_ids))
        .group_by(InvoiceLine.tariff_id)
    )
    # IN (…) never matches a line without tariff: every id is a number.
    return {tariff_id: count for tariff_id, count in rows if tariff_id is not None}


def closed_until(session: Session, regie_id: int) -> date | None:
    return session.scalar(
        select(func.max(ClosedPeriod.end_date)).where(ClosedPeriod.regie_id == regie_id)
    )


def _order(row: GridRow) -> tuple:
    return (row.valid_from, row.child_rank or 0, row.qf_min)


def in_force(
    rows: list[TariffRow], unit_id: int, on: date, rank_pricing: bool
) -> dict[int, tuple[int | None, int | None]]:
    """The rows pricing some QF and rank on ``on`` → the ranks they price (from, to or
    None: and following), found by the pricing's own look-up."""
    before = [r for r in rows if r.valid_from <= on]
    if not before:
        return {}
    book = TariffBook(before)
    bounds = {r.qf_min for r in before} | {r.qf_max + 1 for r in before if r.qf_max is not None}
    ranks: list[int] = []
    if rank_pricing:
        ranks = sorted({1} | {r.child_rank for r in before if r.child_rank})
    asked: list[int | None] = [*ranks] if rank_pricing else [None]
    won: dict[int, set[int]] = defaultdict(set)  # tariff → the ranks it won
    for qf in bounds:
        for rank in asked:
            quote = book.quote(unit_id, on, qf, rank)
            if quote is not None:
                got = won[quote.tariff_id]
                if rank is not None:
                    got.add(rank)
    if not rank_pricing:
        return {tariff_id: (None, None) for tariff_id in won}
    top = ranks[-1]
    return {
        tariff_id: (min(got), None if top in got else max(got)) for tariff_id, got in won.items()
    }


def _planned_ranks(rows: list[TariffRow], rank_pricing: bool) -> dict[int, tuple]:
    """Within each planned set (same start), the ranks each row prices."""
    if not rank_pricing:
        return {r.id: (None, None) for r in rows}
    by_start: dict[date, set[int]] = defaultdict(set)
    for r in rows:
        by_start[r.valid_from].add(r.child_rank or 1)
    spans = {}
    for r in rows:
        rank = r.child_rank or 1
        following = [n for n in by_start[r.valid_from] if n > rank]
        spans[r.id] = (rank, min(following) - 1 if following else None)
    return spans


def tariff_grid(session: Session, unit_id: int, on: date) -> TariffGrid:
    """The unit's rows in force on ``on`` and the planned ones (after ``on``)."""
    unit, regie_id = unit_choice(session, unit_id)
    book_rows = [
        TariffRow(*row)
        for row in session.execute(
            select(
                Tariff.id,
                Tariff.unit_id,
                Tariff.valid_from,
                Tariff.qf_min,
                Tariff.qf_max,
                Tariff.child_rank,
                Tariff.price,
            ).where(Tariff.unit_id == unit_id)
        )
    ]
    uses = tariff_uses(session, [r.id for r in book_rows])
    spans = in_force(book_rows, unit_id, on, unit.rank_pricing)
    later = [r for r in book_rows if r.valid_from > on]
    planned = _planned_ranks(later, unit.rank_pricing)

    def grid_row(r: TariffRow, span: tuple) -> GridRow:
        return GridRow(
            r.id, r.valid_from, r.qf_min, r.qf_max, r.child_rank, r.price, uses.get(r.id, 0), *span
        )

    current = sorted(
        (grid_row(r, spans[r.id]) for r in book_rows if r.id in spans),
        key=lambda r: _order(r)[1:],
    )
    future = sorted((grid_row(r, planned[r.id]) for r in later), key=_order)
    return TariffGrid(unit, on, current, future, closed_until(session, regie_id))
