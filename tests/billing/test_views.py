"""Read-only views of the GUI's billing areas, against the hand-made world."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from backoffice.models import InvoiceState, PaymentState
from backoffice.services.billing import (
    family_balance,
    issue_credit_note,
    issue_run,
    mark_sent_to_tresor,
    record_online_payment_result,
    record_payment,
)
from backoffice.services.billing.queries import (
    family_header,
    family_invoice_rows,
    invoice_line_rows,
    oldest_first,
    online_payment_rows,
    open_invoice_rows,
    regie_rows,
    run_invoice_rows,
    run_rows,
    tresor_invoice_rows,
)

pytestmark = pytest.mark.postgres
D = Decimal


@pytest.fixture
def issued(db, world):
    """ALSH July (129.67), ALSH August (23.00), PERI March (24.25 + 2.50)."""
    with db.session() as s:
        issue_run(s, "ALSH", date(2026, 7, 1), date(2026, 7, 31), issue_date=date(2026, 6, 25))
    with db.session() as s:
        issue_run(s, "ALSH", date(2026, 8, 1), date(2026, 8, 31), issue_date=date(2026, 7, 20))
    with db.session() as s:
        issue_run(s, "PERI", date(2026, 3, 1), date(2026, 3, 31), issue_date=date(2026, 4, 2))
    return world


def test_regies_and_runs_most_recent_first(db, issued):
    with db.session() as s:
        regies = regie_rows(s)
        runs = run_rows(s)
        alsh_runs = run_rows(s, "alsh")
    assert [(r.code, r.via_tresor) for r in regies] == [
        ("ALSH", False),
        ("MAC", True),
        ("PERI", True),
    ]
    assert [(r.regie, r.count, r.total, r.numbers) for r in runs] == [
        ("PERI", 2, D("26.75"), "PERI-2026-00001 à PERI-2026-00002"),
        ("ALSH", 1, D("23.00"), "ALSH-2026-00002"),
        ("ALSH", 1, D("129.67"), "ALSH-2026-00001"),
    ]
    assert runs[0].start == date(2026, 3, 1) and runs[0].end == date(2026, 3, 31)
    assert runs[0].issued_on == date(2026, 4, 2)
    assert [r.id for r in alsh_runs] == [runs[1].id, runs[2].id]


def test_run_invoices_follow_credit_notes_and_payments(db, issued):
    with db.session() as s:
        july = run_rows(s, "ALSH")[-1]
        issue_credit_note(s, "ALSH-2026-00001", "Journée annulée", lines={1: None})
        record_payment(s, "F00042", "ALSH", "especes", "20.00")
    with db.session() as s:
        (row,) = run_invoice_rows(s, july.id)
        lines = invoice_line_rows(s, "ALSH-2026-00001")
    assert (row.number, row.family_code, row.billing_name) == (
        "ALSH-2026-00001",
        "F00042",
        "Mme Claire Martin",
    )
    # 129.67 − 11.20 credited − 20.00 paid
    assert (row.total, row.credited, row.paid, row.balance) == (
        D("129.67"),
        D("11.20"),
        D("20.00"),
        D("98.47"),
    )
    assert row.state is InvoiceState.PARTIALLY_PAID and row.state_label == "Partiellement réglée"
    assert len(lines) == 12
    assert (lines[0].position, lines[0].child, lines[0].left) == (1, "Léa Martin", D("0.00"))
    assert (lines[1].credited, lines[1].left) == (D("0.00"), D("11.20"))


def test_oldest_first_plan_is_what_the_service_does(db, issued):
    with db.session() as s:
        family_id = family_header(s, issued.families["martin"]).id
        invoices = open_invoice_rows(s, "F00042", "ALSH")
        plan = oldest_first(invoices, D("140.00"))
        report = record_payment(s, "F00042", "ALSH", "cheque", "140.00", bank="CIC", number="1")
    assert [i.number for i in invoices] == ["ALSH-2026-00001", "ALSH-2026-00002"]
    assert plan == {"ALSH-2026-00001": D("129.67"), "ALSH-2026-00002": D("10.33")}
    assert {a.number: a.amount for a in report.allocations} == plan
    assert oldest_first(invoices, D("200.00")) == {
        "ALSH-2026-00001": D("129.67"),
        "ALSH-2026-00002": D("23.00"),
    }
    # CESU: only what children under 6 cost (none in ALSH here).
    assert oldest_first(invoices, D("50.00"), cesu=True) == {}
    with db.session() as s:
        open_rows = family_invoice_rows(s, family_id, open_only=True)
        all_rows = family_invoice_rows(s, family_id)
    assert [(r.number, r.balance) for r in open_rows] == [
        ("PERI-2026-00001", D("24.25")),
        ("ALSH-2026-00002", D("12.67")),
    ]
    assert [r.number for r in all_rows] == [
        "PERI-2026-00001",
        "ALSH-2026-00001",
        "ALSH-2026-00002",
    ]


def test_a_family_account_at_the_payments_desk(db, issued):
    from backoffice.errors import UserError
    from backoffice.services.billing.queries import family_account

    with db.session() as s:
        family_id = family_header(s, issued.families["martin"]).id
        account = family_account(s, family_id)
        expected = (family_balance(s, "F00042"), family_invoice_rows(s, family_id))
        with pytest.raises(UserError):
            family_account(s, 999_999)
    assert (account.header.id, account.header.code) == (family_id, "F00042")
    assert (account.balance, account.invoices) == expected
    assert [r.number for r in account.invoices] == [
        "PERI-2026-00001",
        "ALSH-2026-00001",
        "ALSH-2026-00002",
    ]


def test_tresor_list_empties_once_transmitted(db, issued):
    with db.session() as s:
        rows = tresor_invoice_rows(s)
        assert tresor_invoice_rows(s, "MAC") == []
    assert [(r.number, r.balance) for r in rows] == [
        ("PERI-2026-00001", D("24.25")),
        ("PERI-2026-00002", D("2.50")),
    ]
    with db.session() as s:
        mark_sent_to_tresor(s, invoice_numbers=["PERI-2026-00001"])
    with db.session() as s:
        assert [r.number for r in tresor_invoice_rows(s, "PERI")] == ["PERI-2026-00002"]


def test_online_payments_by_state(db, issued):
    with db.session() as s:
        for ref, amount in (("PAY-1", "129.67"), ("PAY-2", "23.00")):
            record_online_payment_result(
                s,
                portal_ref=ref,
                family_code="F00042",
                regie_code="ALSH",
                amount=amount,
                state="pending_bank_validation",
                invoice_numbers=["ALSH-2026-00001"],
                received_on=date(2026, 6, 28),
            )
        record_online_payment_result(
            s,
            portal_ref="PAY-2",
            family_code="F00042",
            regie_code="ALSH",
            amount="23.00",
            state="refused",
        )
        record_payment(s, "F00042", "ALSH", "especes", "5.00")
    with db.session() as s:
        pending = online_payment_rows(s, PaymentState.PENDING_BANK_VALIDATION)
        refused = online_payment_rows(s, PaymentState.REFUSED)
        every = online_payment_rows(s)
    assert [r.amount for r in pending] == [D("129.67")]
    assert [r.amount for r in refused] == [D("23.00")]
    assert len(every) == 2  # the cash payment is not an online one
