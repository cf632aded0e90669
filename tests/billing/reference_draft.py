"""The per-booking invoice computation as it was before issue #21, kept as a reference.

:func:`reference_draft` is ``compute_draft`` of commit a20ee20, line for line (families
read as ORM objects, every booking decided, quoted and rounded on its own): the test
``test_draft_reference`` checks that the production computation, which computes each
distinct case once, gives exactly the same bills, lines and anomalies.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.models import Family, Guardian, Regie
from backoffice.services.billing.lines import (
    UPCOMING_OK,
    Anomaly,
    AnomalyKind,
    Draft,
    DraftLine,
    FamilyBill,
    _FamilyFacts,
    _quotient_on,
    _quotients,
    address_complete,
    billing_identity,
    decide,
    line_amount,
    regie_units,
    unbilled_bookings,
)
from backoffice.services.billing.tariffs import Quote, RankIndex, TariffBook


def _families(session: Session, family_ids: list[int]) -> dict[int, _FamilyFacts]:
    result: dict[int, _FamilyFacts] = {}
    for i in range(0, len(family_ids), 900):
        ids = family_ids[i : i + 900]
        guardians: dict[int, list[Guardian]] = defaultdict(list)
        for g in session.scalars(
            select(Guardian).where(Guardian.family_id.in_(ids)).order_by(Guardian.rank)
        ):
            guardians[g.family_id].append(g)
        for family in session.scalars(select(Family).where(Family.id.in_(ids))):
            name, address, email = billing_identity(family, guardians[family.id])
            result[family.id] = _FamilyFacts(
                family.code, family.name, name, address, email, address_complete(family)
            )
    return result


def reference_draft(
    session: Session, regie: Regie, start: date, end: date, as_of: date | None = None
) -> Draft:
    units = regie_units(session, regie.id)
    anomalies: list[Anomaly] = []
    if not units:
        return Draft(regie, start, end, [], anomalies)
    bookings = unbilled_bookings(session, list(units), start, end)
    family_ids = sorted({b.family_id for b in bookings})
    families = _families(session, family_ids)
    quotients = _quotients(session, family_ids)
    book = TariffBook.load(session, list(units))
    ranks = RankIndex.load(session, {u.activity_id for u in units.values() if u.rank_pricing})

    bills: dict[int, FamilyBill] = {}
    missing_qf_flagged: set[int] = set()
    for b in bookings:
        unit = units[b.unit_id]
        family = families[b.family_id]
        child_name = f"{b.first_name} {b.last_name}".strip()
        decision = decide(
            unit.basis,
            unit.hourly,
            b.state,
            b.attendance,
            b.cancellation_billed,
            b.arrival_time,
            b.departure_time,
            unit.start,
            unit.end,
        )

        def flag(kind: str, detail: str = "", b=b, family=family, child_name=child_name) -> None:
            anomalies.append(
                Anomaly(kind, b.family_id, family.code, family.name, child_name, b.day, detail)
            )

        if decision.quantity is None:
            future = as_of is not None and b.day > as_of
            if decision.anomaly and not (future and decision.anomaly in UPCOMING_OK):
                flag(decision.anomaly, unit.name)
            continue
        qf = _quotient_on(quotients.get(b.family_id, ()), b.day)
        rank = (
            ranks.rank(b.family_id, unit.activity_id, b.child_id, b.birth_date, b.day)
            if unit.rank_pricing
            else None
        )
        quote: Quote | None = book.quote(b.unit_id, b.day, qf, rank)
        if quote is None:
            flag(AnomalyKind.MISSING_TARIFF, f"{unit.activity_name} — {unit.name}")
            continue
        if qf is None and b.family_id not in missing_qf_flagged:
            missing_qf_flagged.add(b.family_id)
            anomalies.append(Anomaly(AnomalyKind.MISSING_QF, b.family_id, family.code, family.name))
        bill = bills.get(b.family_id)
        if bill is None:
            bill = bills[b.family_id] = FamilyBill(
                b.family_id,
                family.code,
                family.name,
                family.billing_name,
                family.billing_address,
                family.billing_email,
            )
        label = f"{unit.activity_name} — {unit.name}"
        if decision.note:
            label += f" ({decision.note})"
        if rank and rank > 1:
            label += f" — {rank}e enfant"
        bill.lines.append(
            DraftLine(
                booking_id=b.id,
                child_id=b.child_id,
                child_name=child_name,
                unit_id=b.unit_id,
                tariff_id=quote.tariff_id,
                day=b.day,
                label=label[:200],
                qf_bracket=quote.bracket,
                quantity=decision.quantity,
                unit_price=quote.price,
                amount=line_amount(decision.quantity, quote.price),
                sort_key=(b.birth_date, b.child_id, unit.position, b.unit_id, b.day, b.id),
            )
        )
    for bill in bills.values():
        bill.lines.sort(key=lambda line: line.sort_key)
        if not families[bill.family_id].address_ok:
            anomalies.append(
                Anomaly(AnomalyKind.NO_BILLING_ADDRESS, bill.family_id, bill.code, bill.name)
            )
    ordered = sorted(bills.values(), key=lambda bill: (bill.code, bill.family_id))
    anomalies.sort(key=lambda a: (a.family_code, a.kind, a.day or date.min, a.child))
    return Draft(regie, start, end, ordered, anomalies)
