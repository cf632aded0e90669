"""What each invoice still owes, and its state, from allocations and credit notes.

For one invoice: ``balance = total − credit notes − validated payments
allocated to it`` (online payments awaiting the bank and refused ones do not
count; a SEPA direct debit counts from the run that asks for it until the bank
rejects it). Its state follows: ``cancelled`` when credit notes cover the whole
total, ``sent_to_tresor`` when a "Trésor public" record settled it, ``paid``
when the balance is zero or less, ``partially_paid`` when something was paid,
else ``issued``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from backoffice.models import (
    CreditNote,
    Invoice,
    InvoiceState,
    Payment,
    PaymentAllocation,
    PaymentMode,
    PaymentState,
)
from backoffice.services.billing.common import ZERO


@dataclass(frozen=True, slots=True)
class Figures:
    total: Decimal
    credited: Decimal
    paid: Decimal
    via_tresor: bool

    @property
    def due(self) -> Decimal:
        return self.total - self.credited

    @property
    def balance(self) -> Decimal:
        return self.total - self.credited - self.paid


def _chunks(ids: list[int], size: int = 900):
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def counted_payment() -> ColumnElement[bool]:
    """The payments that settle an invoice: validated ones, and SEPA debits asked for."""
    return or_(
        Payment.state == PaymentState.VALIDATED,
        and_(
            Payment.mode == PaymentMode.DIRECT_DEBIT,
            Payment.state == PaymentState.PENDING_BANK_VALIDATION,
        ),
    )


def figures(session: Session, invoice_ids: Iterable[int]) -> dict[int, Figures]:
    ids = sorted(set(invoice_ids))
    totals: dict[int, Decimal] = {}
    credited: dict[int, Decimal] = defaultdict(lambda: ZERO)
    paid: dict[int, Decimal] = defaultdict(lambda: ZERO)
    tresor: set[int] = set()
    for chunk in _chunks(ids):
        for invoice_id, total in session.execute(
            select(Invoice.id, Invoice.total).where(Invoice.id.in_(chunk))
        ):
            totals[invoice_id] = total
        for invoice_id, amount in session.execute(
            select(CreditNote.invoice_id, CreditNote.total).where(CreditNote.invoice_id.in_(chunk))
        ):
            credited[invoice_id] += amount
        for invoice_id, amount, mode in session.execute(
            select(PaymentAllocation.invoice_id, PaymentAllocation.amount, Payment.mode)
            .join(Payment, Payment.id == PaymentAllocation.payment_id)
            .where(
                PaymentAllocation.invoice_id.in_(chunk),
                counted_payment(),
            )
        ):
            paid[invoice_id] += amount
            if mode is PaymentMode.TRESOR_PUBLIC:
                tresor.add(invoice_id)
    return {i: Figures(totals[i], credited[i], paid[i], i in tresor) for i in ids if i in totals}


def state_for(fig: Figures) -> InvoiceState:
    if fig.credited >= fig.total:
        return InvoiceState.CANCELLED
    if fig.via_tresor:
        return InvoiceState.SENT_TO_TRESOR
    if fig.balance <= 0:
        return InvoiceState.PAID
    if fig.paid > 0:
        return InvoiceState.PARTIALLY_PAID
    return InvoiceState.ISSUED


def refresh_states(session: Session, invoice_ids: Iterable[int]) -> list[Invoice]:
    """Recompute the state of these invoices; returns those whose state changed."""
    session.flush()
    figs = figures(session, invoice_ids)
    changed = []
    for invoice_id, fig in figs.items():
        invoice = session.get(Invoice, invoice_id)
        assert invoice is not None  # figures come from existing invoices
        new_state = state_for(fig)
        if invoice.state is not new_state:
            invoice.state = new_state
            changed.append(invoice)
    session.flush()
    return changed


def payment_leftovers(
    session: Session, family_id: int, regie_id: int | None = None
) -> list[tuple[Payment, Decimal]]:
    """Validated payments of a family with a part not allocated to any invoice."""
    stmt = select(Payment).where(
        Payment.family_id == family_id, Payment.state == PaymentState.VALIDATED
    )
    if regie_id is not None:
        stmt = stmt.where(Payment.regie_id == regie_id)
    payments = list(session.scalars(stmt.order_by(Payment.received_on, Payment.id)))
    used: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for chunk in _chunks([p.id for p in payments]):
        for payment_id, amount in session.execute(
            select(PaymentAllocation.payment_id, PaymentAllocation.amount).where(
                PaymentAllocation.payment_id.in_(chunk)
            )
        ):
            used[payment_id] += amount
    return [(p, p.amount - used[p.id]) for p in payments if p.amount - used[p.id] > 0]


def unallocated_credit(session: Session, family_id: int, regie_id: int | None = None) -> Decimal:
    """Validated payments not (yet) allocated to any invoice: the family's credit."""
    return sum((left for _, left in payment_leftovers(session, family_id, regie_id)), ZERO)
