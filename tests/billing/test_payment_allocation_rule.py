"""record_payment's rule for an allocation given explicitly: empty while invoices of the
régie are open, it is refused in French (the money would silently become credit)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from backoffice.models import Payment
from backoffice.services.billing import BillingError, issue_run, record_payment

pytestmark = pytest.mark.postgres


def test_an_empty_allocation_is_refused_while_invoices_are_open(db, world):
    with db.session() as s:
        issue_run(s, "ALSH", date(2026, 7, 1), date(2026, 7, 31), issue_date=date(2026, 6, 25))
    with db.session() as s:
        with pytest.raises(BillingError, match="Affectez le règlement à au moins une facture"):
            record_payment(s, "F00042", "ALSH", "especes", "20.00", allocations={})
        with pytest.raises(BillingError, match="Affectez le règlement à au moins une facture"):
            record_payment(
                s, "F00042", "ALSH", "especes", "20.00", allocations={"ALSH-2026-00001": 0}
            )
        assert s.scalar(select(func.count(Payment.id))) == 0
        # Left to the service (None): oldest first, as before.
        report = record_payment(s, "F00042", "ALSH", "especes", "20.00")
        assert [(a.number, a.amount) for a in report.allocations] == [
            ("ALSH-2026-00001", Decimal("20.00"))
        ]


def test_an_empty_allocation_without_open_invoices_is_credit(db, world):
    with db.session() as s:
        report = record_payment(s, "F00042", "ALSH", "especes", "20.00", allocations={})
        assert report.allocations == [] and report.credit == Decimal("20.00")
