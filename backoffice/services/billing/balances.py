"""What families owe and what they paid: a family's balance per régie, the régie's unpaid
invoices, and the payments list with their allocations."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.dates import paris_today
from backoffice.models import (
    INVOICE_STATE_LABELS,
    PAYMENT_MODE_LABELS,
    CreditNote,
    Family,
    Invoice,
    InvoiceState,
    Payment,
    PaymentAllocation,
    PaymentMode,
    PaymentState,
    Regie,
)
from backoffice.services.billing.common import (
    ZERO,
    get_family,
    get_regie,
)
from backoffice.services.billing.ledger import figures, payment_leftovers
from backoffice.services.billing.payments import PAYMENT_STATE_LABELS


@dataclass
class RegieBalance:
    regie: str
    invoiced: Decimal = ZERO
    credited: Decimal = ZERO
    paid: Decimal = ZERO
    pending_online: Decimal = ZERO
    credit: Decimal = ZERO  # validated payments not allocated

    @property
    def balance(self) -> Decimal:
        """Positive: the family owes it; negative: the family has that much credit."""
        return self.invoiced - self.credited - self.paid

    def as_dict(self) -> dict:
        return {
            "regie": self.regie,
            "invoiced": format(self.invoiced, "f"),
            "credited": format(self.credited, "f"),
            "paid": format(self.paid, "f"),
            "pending_online": format(self.pending_online, "f"),
            "unallocated_credit": format(self.credit, "f"),
            "balance": format(self.balance, "f"),
        }


@dataclass
class FamilyBalance:
    family: str
    name: str
    regies: list[RegieBalance]

    @property
    def balance(self) -> Decimal:
        return sum((r.balance for r in self.regies), ZERO)

    def as_dict(self) -> dict:
        return {
            "family": self.family,
            "name": self.name,
            "balance": format(self.balance, "f"),
            "regies": [r.as_dict() for r in self.regies],
        }


def family_balance(
    session: Session, family_ref: str, regie_code: str | None = None
) -> FamilyBalance:
    """Invoiced − credit notes − validated payments, per régie (credit is negative)."""
    family = get_family(session, family_ref)
    regies = {r.id: r.code for r in session.scalars(select(Regie))}
    only = get_regie(session, regie_code).id if regie_code else None
    rows: dict[int, RegieBalance] = {}

    def row(regie_id: int) -> RegieBalance:
        if regie_id not in rows:
            rows[regie_id] = RegieBalance(regies[regie_id])
        return rows[regie_id]

    for regie_id, total in session.execute(
        select(Invoice.regie_id, Invoice.total).where(Invoice.family_id == family.id)
    ):
        row(regie_id).invoiced += total
    for regie_id, total in session.execute(
        select(Invoice.regie_id, CreditNote.total)
        .join(Invoice, Invoice.id == CreditNote.invoice_id)
        .where(Invoice.family_id == family.id)
    ):
        row(regie_id).credited += total
    for regie_id, amount, state in session.execute(
        select(Payment.regie_id, Payment.amount, Payment.state).where(
            Payment.family_id == family.id
        )
    ):
        if state is PaymentState.VALIDATED:
            row(regie_id).paid += amount
        elif state is PaymentState.PENDING_BANK_VALIDATION:
            row(regie_id).pending_online += amount
    for payment, left in payment_leftovers(session, family.id):
        row(payment.regie_id).credit += left
    result = [rows[k] for k in sorted(rows, key=lambda k: regies[k]) if only in (None, k)]
    return FamilyBalance(family.code, family.name, result)


@dataclass
class UnpaidRow:
    number: str
    family: str
    billing_name: str
    issue_date: date
    due_date: date
    total: Decimal
    credited: Decimal
    paid: Decimal
    balance: Decimal
    days_overdue: int
    state: InvoiceState

    def as_dict(self) -> dict:
        return {
            "number": self.number,
            "family": self.family,
            "billing_name": self.billing_name,
            "issue_date": self.issue_date.isoformat(),
            "due_date": self.due_date.isoformat(),
            "total": format(self.total, "f"),
            "credited": format(self.credited, "f"),
            "paid": format(self.paid, "f"),
            "balance": format(self.balance, "f"),
            "days_overdue": self.days_overdue,
            "state": self.state.value,
            "state_label": INVOICE_STATE_LABELS[self.state],
        }


def unpaid_invoices(
    session: Session,
    regie_code: str,
    *,
    as_of: date | None = None,
    include_not_due: bool = False,
) -> list[UnpaidRow]:
    """Invoices of the régie still owing money, oldest due date first: by default only
    those **past their due date** on ``as_of``; ``include_not_due`` adds the others."""
    regie = get_regie(session, regie_code)
    as_of = as_of or paris_today()
    stmt = (
        select(Invoice, Family.code)
        .join(Family, Family.id == Invoice.family_id)
        .where(
            Invoice.regie_id == regie.id,
            Invoice.state.in_([InvoiceState.ISSUED, InvoiceState.PARTIALLY_PAID]),
        )
        .order_by(Invoice.due_date, Invoice.seq)
    )
    if not include_not_due:
        stmt = stmt.where(Invoice.due_date < as_of)
    rows = session.execute(stmt).all()
    figs = figures(session, [inv.id for inv, _ in rows])
    result = []
    for inv, code in rows:
        fig = figs[inv.id]
        if fig.balance <= 0:
            continue
        result.append(
            UnpaidRow(
                inv.number,
                code,
                inv.billing_name,
                inv.issue_date,
                inv.due_date,
                inv.total,
                fig.credited,
                fig.paid,
                fig.balance,
                max(0, (as_of - inv.due_date).days),
                inv.state,
            )
        )
    return result


@dataclass
class PaymentRow:
    id: int
    received_on: date
    family: str
    payer_name: str
    regie: str
    mode: PaymentMode
    amount: Decimal
    state: PaymentState
    reference: str
    bank: str
    allocations: list[tuple[str, Decimal]]
    deposit_slip: str

    @property
    def unallocated(self) -> Decimal:
        if self.state is not PaymentState.VALIDATED:
            return ZERO
        return self.amount - sum((a for _, a in self.allocations), ZERO)

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "received_on": self.received_on.isoformat(),
            "family": self.family,
            "payer_name": self.payer_name,
            "regie": self.regie,
            "mode": self.mode.value,
            "mode_label": PAYMENT_MODE_LABELS[self.mode],
            "amount": format(self.amount, "f"),
            "state": self.state.value,
            "state_label": PAYMENT_STATE_LABELS[self.state],
            "reference": self.reference,
            "bank": self.bank,
            "allocations": [
                {"invoice": number, "amount": format(amount, "f")}
                for number, amount in self.allocations
            ],
            "unallocated": format(self.unallocated, "f"),
            "deposit_slip": self.deposit_slip,
        }


def list_payments(
    session: Session,
    *,
    regie_code: str | None = None,
    family_ref: str | None = None,
    start: date | None = None,
    end: date | None = None,
    state: PaymentState | None = None,
) -> list[PaymentRow]:
    from backoffice.models import DepositSlip

    stmt = (
        select(Payment, Family.code, Regie.code, DepositSlip.number)
        .join(Family, Family.id == Payment.family_id)
        .join(Regie, Regie.id == Payment.regie_id)
        .outerjoin(DepositSlip, DepositSlip.id == Payment.deposit_slip_id)
    )
    if regie_code:
        stmt = stmt.where(Payment.regie_id == get_regie(session, regie_code).id)
    if family_ref:
        stmt = stmt.where(Payment.family_id == get_family(session, family_ref).id)
    if start:
        stmt = stmt.where(Payment.received_on >= start)
    if end:
        stmt = stmt.where(Payment.received_on <= end)
    if state:
        stmt = stmt.where(Payment.state == state)
    rows = session.execute(stmt.order_by(Payment.received_on, Payment.id)).all()
    allocs: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    ids = [p.id for p, *_ in rows]
    for i in range(0, len(ids), 900):
        for payment_id, number, amount in session.execute(
            select(PaymentAllocation.payment_id, Invoice.number, PaymentAllocation.amount)
            .join(Invoice, Invoice.id == PaymentAllocation.invoice_id)
            .where(PaymentAllocation.payment_id.in_(ids[i : i + 900]))
            .order_by(Invoice.seq)
        ):
            allocs[payment_id].append((number, amount))
    return [
        PaymentRow(
            p.id,
            p.received_on,
            family,
            p.payer_name,
            regie,
            p.mode,
            p.amount,
            p.state,
            p.reference,
            p.bank,
            allocs[p.id],
            slip or "",
        )
        for p, family, regie, slip in rows
    ]
