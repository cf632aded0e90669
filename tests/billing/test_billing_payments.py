"""Payments: oldest first, partial, overpayment credit, CESU, online results, Trésor, slips."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from backoffice.models import Invoice, InvoiceState, Payment, PaymentMode, PaymentState
from backoffice.services.billing import (
    BillingError,
    apply_family_credit,
    cheques_to_deposit,
    create_deposit_slip,
    deposit_slip_data,
    family_balance,
    issue_run,
    list_payments,
    mark_sent_to_tresor,
    record_online_payment_result,
    record_payment,
    unpaid_invoices,
)

pytestmark = pytest.mark.postgres
D = Decimal


@pytest.fixture
def two_alsh_invoices(db, world):
    """ALSH-2026-00001 (July, 129.67) and ALSH-2026-00002 (August: Léa 2 × 11.50 = 23.00)."""
    with db.session() as s:
        issue_run(s, "ALSH", date(2026, 7, 1), date(2026, 7, 31), issue_date=date(2026, 6, 25))
    with db.session() as s:
        issue_run(s, "ALSH", date(2026, 8, 1), date(2026, 8, 31), issue_date=date(2026, 7, 20))
    return world


def state_of(s, number):
    return s.scalar(select(Invoice.state).where(Invoice.number == number))


def test_oldest_first_partial_then_overpayment_credit(db, two_alsh_invoices):
    with db.session() as s:
        report = record_payment(
            s, "F00042", "ALSH", "especes", "140.00", received_on=date(2026, 7, 21)
        )
        assert [(a.number, a.amount) for a in report.allocations] == [
            ("ALSH-2026-00001", D("129.67")),
            ("ALSH-2026-00002", D("10.33")),
        ]
        assert report.credit == D("0.00")
    with db.session() as s:
        assert state_of(s, "ALSH-2026-00001") is InvoiceState.PAID
        assert state_of(s, "ALSH-2026-00002") is InvoiceState.PARTIALLY_PAID
        assert family_balance(s, "F00042", "ALSH").balance == D("12.67")
        assert [
            (r.number, r.balance) for r in unpaid_invoices(s, "ALSH", as_of=date(2026, 8, 10))
        ] == [("ALSH-2026-00002", D("12.67"))]
        report = record_payment(
            s, "F00042", "ALSH", "carte", "20.00", received_on=date(2026, 7, 22)
        )
        assert [(a.number, a.amount) for a in report.allocations] == [
            ("ALSH-2026-00002", D("12.67"))
        ]
        assert report.credit == D("7.33")
    with db.session() as s:
        assert state_of(s, "ALSH-2026-00002") is InvoiceState.PAID
        balance = family_balance(s, "F00042", "ALSH")
        assert balance.balance == D("-7.33") and balance.regies[0].credit == D("7.33")
        assert unpaid_invoices(s, "ALSH") == []


def test_explicit_allocation_and_credit_applied_later(db, two_alsh_invoices):
    with db.session() as s:
        report = record_payment(
            s,
            "F00042",
            "ALSH",
            "ancv",
            "30.00",
            allocations={"ALSH-2026-00002": D("23.00")},
            received_on=date(2026, 7, 21),
        )
        assert report.credit == D("7.00")
        with pytest.raises(BillingError, match="ne reste due que de 129,67"):
            record_payment(
                s, "F00042", "ALSH", "ancv", "200.00", allocations={"ALSH-2026-00001": D("130.00")}
            )
        with pytest.raises(BillingError, match="dépassent le montant"):
            record_payment(
                s, "F00042", "ALSH", "ancv", "10.00", allocations={"ALSH-2026-00001": D("11.00")}
            )
    with db.session() as s:
        done = apply_family_credit(s, "F00042", "ALSH")
        assert [(a.number, a.amount) for a in done] == [("ALSH-2026-00001", D("7.00"))]
        assert state_of(s, "ALSH-2026-00001") is InvoiceState.PARTIALLY_PAID
        assert family_balance(s, "F00042", "ALSH").balance == D("122.67")


def test_desk_payment_checks(db, two_alsh_invoices):
    with db.session() as s:
        with pytest.raises(BillingError, match="banque et le numéro"):
            record_payment(s, "F00042", "ALSH", "cheque", "10.00")
        with pytest.raises(BillingError, match="CESU.*moins de 6 ans.*ALSH"):
            record_payment(s, "F00042", "ALSH", "cesu", "10.00")
        with pytest.raises(BillingError, match="Montant invalide"):
            record_payment(s, "F00042", "ALSH", "especes", "10.001")
        with pytest.raises(BillingError, match="positif"):
            record_payment(s, "F00042", "ALSH", "especes", "0")
        with pytest.raises(BillingError, match="Mode de règlement inconnu"):
            record_payment(s, "F00042", "ALSH", "bitcoin", "10")
        with pytest.raises(BillingError, match="guichet"):
            record_payment(s, "F00042", "ALSH", "online", "10")


def test_cesu_for_children_under_six_only(db, world):
    march = (date(2026, 3, 1), date(2026, 3, 31))
    with db.session() as s:
        issue_run(s, "MAC", *march, issue_date=date(2026, 4, 2))  # Jade, 1 year old: 25.69
        issue_run(s, "PERI", *march, issue_date=date(2026, 4, 2))  # Léa 10, Tom 6: 24.25
    with db.session() as s:
        report = record_payment(s, "F00043", "MAC", "cesu", "25.69")
        assert report.credit == 0
        # Périscolaire: Léa and Tom are 6 or more: nothing payable in CESU.
        with pytest.raises(BillingError, match="moins de 6 ans"):
            record_payment(s, "F00042", "PERI", "cesu", "5.00")


def test_online_payment_result_idempotent(db, two_alsh_invoices):
    args = dict(
        portal_ref="pf-123",
        family_code="F00042",
        regie_code="ALSH",
        amount="129.67",
        invoice_numbers=["ALSH-2026-00001"],
        received_on=date(2026, 7, 1),
        reference="ALSH2026000001",
    )
    with db.session() as s:
        first = record_online_payment_result(s, state="pending_bank_validation", **args)
        assert first.changed
        again = record_online_payment_result(s, state="pending_bank_validation", **args)
        assert not again.changed
    with db.session() as s:
        assert state_of(s, "ALSH-2026-00001") is InvoiceState.ISSUED  # not counted yet
        assert family_balance(s, "F00042", "ALSH").regies[0].pending_online == D("129.67")
        done = record_online_payment_result(s, state="validated", **args)
        assert done.changed and [(a.number, a.amount) for a in done.allocations] == [
            ("ALSH-2026-00001", D("129.67"))
        ]
        for state in ("validated", "pending_bank_validation"):
            assert not record_online_payment_result(s, state=state, **args).changed
        with pytest.raises(BillingError, match="contradictoire"):
            record_online_payment_result(s, state="refused", **args)
    with db.session() as s:
        assert state_of(s, "ALSH-2026-00001") is InvoiceState.PAID
        payments = s.scalars(select(Payment).where(Payment.portal_ref == "pf-123")).all()
        assert len(payments) == 1 and payments[0].state is PaymentState.VALIDATED
        assert family_balance(s, "F00042", "ALSH").balance == D("23.00")


def test_online_payment_refused(db, two_alsh_invoices):
    args = dict(
        portal_ref="pf-9",
        family_code="F00042",
        regie_code="ALSH",
        amount="23.00",
        invoice_numbers=["ALSH-2026-00002"],
    )
    with db.session() as s:
        record_online_payment_result(s, state="pending_bank_validation", **args)
        assert record_online_payment_result(s, state="refused", **args).changed
        assert not record_online_payment_result(s, state="refused", **args).changed
        with pytest.raises(BillingError, match="montant différent"):
            record_online_payment_result(s, state="refused", **{**args, "amount": "1.00"})
    with db.session() as s:
        assert state_of(s, "ALSH-2026-00002") is InvoiceState.ISSUED
        assert family_balance(s, "F00042", "ALSH").balance == D("152.67")


def test_tresor_public_settles_periscolaire(db, world):
    with db.session() as s:
        report = issue_run(
            s, "PERI", date(2026, 3, 1), date(2026, 3, 31), issue_date=date(2026, 4, 2)
        )
    with db.session() as s:
        assert mark_sent_to_tresor(s, run_id=report.run_id, on_date=date(2026, 4, 3)) == 2
        assert mark_sent_to_tresor(s, run_id=report.run_id) == 0  # already sent
    with db.session() as s:
        assert state_of(s, "PERI-2026-00001") is InvoiceState.SENT_TO_TRESOR
        assert unpaid_invoices(s, "PERI") == []
        assert family_balance(s, "F00042", "PERI").balance == 0
        rows = list_payments(s, regie_code="PERI")
        assert {(r.mode, r.amount) for r in rows} == {
            (PaymentMode.TRESOR_PUBLIC, D("24.25")),
            (PaymentMode.TRESOR_PUBLIC, D("2.50")),
        }
    with db.session() as s:
        issue_run(s, "ALSH", date(2026, 7, 1), date(2026, 7, 31), issue_date=date(2026, 6, 25))
        with pytest.raises(BillingError, match="pas recouvrée par le Trésor"):
            mark_sent_to_tresor(s, invoice_numbers=["ALSH-2026-00001"])


def test_cheque_deposit_slip(db, two_alsh_invoices):
    with db.session() as s:
        record_payment(
            s,
            "F00042",
            "ALSH",
            "cheque",
            "50.00",
            bank="Crédit Agricole",
            number="1234567",
            received_on=date(2026, 7, 2),
        )
        record_payment(
            s,
            "F00042",
            "ALSH",
            "cheque",
            "12.50",
            bank="La Poste",
            number="7654321",
            received_on=date(2026, 7, 3),
        )
        record_payment(s, "F00042", "ALSH", "especes", "5.00")
    with db.session() as s:
        pending = cheques_to_deposit(s, "ALSH")
        assert (pending.count, pending.total) == (2, D("62.50"))
        assert [(c.bank, c.number) for c in pending.cheques] == [
            ("Crédit Agricole", "1234567"),
            ("La Poste", "7654321"),
        ]
        slip = create_deposit_slip(s, "ALSH", deposit_date=date(2026, 7, 6))
        assert slip.number == "BR-ALSH-2026-00001"
    with db.session() as s:
        assert cheques_to_deposit(s, "ALSH").count == 0
        again = deposit_slip_data(s, "BR-ALSH-2026-00001")
        assert (again.count, again.total) == (2, D("62.50"))
        with pytest.raises(BillingError, match="Aucun chèque"):
            create_deposit_slip(s, "ALSH")
