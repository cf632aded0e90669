"""The invoice computation (each distinct case computed once, issue #21) against the
per-booking computation it replaced (:mod:`reference_draft`), on random demo data.

The demo (random families, registrations, bookings, attendance, late cancellations,
multi-accueil hours, QF brackets, rank pricing), then per seed: QF changing in the
middle of the month for some families, some families without a QF or a complete
address, tariffs changing on a random day with prices in odd cents. Every régie's
draft for February (attendance due) and March (half of it still to come) must be the
same bill for bill, line for line and anomaly for anomaly; the issued run must store
exactly the reference lines (amounts in cents through the Core insert).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from reference_draft import reference_draft
from sqlalchemy import delete, select, update

from backoffice.demo.load import load_demo
from backoffice.models import (
    AllowanceScheme,
    Family,
    FamilyQuotient,
    Invoice,
    InvoiceLine,
    Tariff,
)
from backoffice.services.billing import issue_run
from backoffice.services.billing.common import get_regie
from backoffice.services.billing.lines import compute_draft

TODAY = date(2026, 3, 16)
REGIES = ("PERI", "ALSH", "JEUN", "MAC")
PERIODS = ((date(2026, 2, 1), date(2026, 2, 28)), (date(2026, 3, 1), date(2026, 3, 31)))


def shake(db, seed: int) -> None:
    """Random QF changes, missing QFs and addresses, mid-month tariff changes."""
    rng = random.Random(seed)
    with db.session() as s:
        family_ids = list(s.scalars(select(Family.id).order_by(Family.id)))
        for family_id in rng.sample(family_ids, len(family_ids) // 3):
            s.add(
                FamilyQuotient(
                    family_id=family_id,
                    quotient=rng.randint(0, 2500),
                    valid_from=date(2026, 2, 1) + timedelta(days=rng.randint(0, 50)),
                    source=AllowanceScheme.CAF,
                )
            )
        no_qf = rng.sample(family_ids, len(family_ids) // 10)
        s.execute(delete(FamilyQuotient).where(FamilyQuotient.family_id.in_(no_qf)))
        no_address = rng.sample(family_ids, len(family_ids) // 20)
        s.execute(update(Family).where(Family.id.in_(no_address)).values(address_line1=""))
        tariffs = list(s.scalars(select(Tariff).order_by(Tariff.id)))
        for tariff in rng.sample(tariffs, len(tariffs) // 4):
            s.add(
                Tariff(
                    unit_id=tariff.unit_id,
                    valid_from=date(2026, 2, 1) + timedelta(days=rng.randint(0, 50)),
                    qf_min=tariff.qf_min,
                    qf_max=tariff.qf_max,
                    child_rank=tariff.child_rank,
                    price=Decimal(rng.randint(1, 4000)).scaleb(-2),
                )
            )


def as_data(draft) -> tuple[list, list]:
    bills = [
        (
            b.family_id,
            b.code,
            b.name,
            b.billing_name,
            b.billing_address,
            b.billing_email,
            [
                (
                    line.booking_id,
                    line.child_id,
                    line.child_name,
                    line.unit_id,
                    line.tariff_id,
                    line.day,
                    line.label,
                    line.qf_bracket,
                    str(line.quantity),
                    str(line.unit_price),
                    str(line.amount),
                )
                for line in b.lines
            ],
        )
        for b in draft.bills
    ]
    return bills, list(draft.anomalies)


@pytest.mark.postgres
@pytest.mark.parametrize("seed", [3, 11])
def test_draft_same_as_per_booking_reference(db, seed):
    load_demo(db, families=60, seed=seed, today=TODAY)
    shake(db, seed)
    expected_lines: dict[int, tuple] = {}
    compared = 0
    with db.session() as s:
        for code in REGIES:
            regie = get_regie(s, code)
            for start, end in PERIODS:
                new = as_data(compute_draft(s, regie, start, end, TODAY))
                old = as_data(reference_draft(s, regie, start, end, TODAY))
                assert new == old, (code, start)
                compared += sum(len(b[6]) for b in new[0])
                if start.month == 2:
                    for bill in new[0]:
                        for line in bill[6]:
                            expected_lines[line[0]] = (bill[0], *line[1:])
    assert compared > 500  # the demo billed something worth comparing
    assert any(
        Decimal(line[8]) * Decimal(line[9]) != Decimal(line[10]) for line in expected_lines.values()
    )  # and some amounts needed rounding
    for code in REGIES:
        with db.session() as s:
            issue_run(s, code, *PERIODS[0], issue_date=TODAY)
    with db.session() as s:
        rows = s.execute(
            select(
                InvoiceLine.booking_id,
                Invoice.family_id,
                InvoiceLine.child_id,
                InvoiceLine.unit_id,
                InvoiceLine.tariff_id,
                InvoiceLine.day,
                InvoiceLine.label,
                InvoiceLine.qf_bracket,
                InvoiceLine.quantity,
                InvoiceLine.unit_price,
                InvoiceLine.amount,
            ).join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        ).all()
    stored = {r[0]: (*r[1:8], str(r[8]), str(r[9]), str(r[10])) for r in rows}
    assert stored == {
        booking: (v[0], v[1], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10])
        for booking, v in expected_lines.items()
    }
