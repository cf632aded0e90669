"""What each invoice has paid, has pending and still owes, and the state that follows:
the back-office's settlements plus the portal's online payments it has not recorded yet."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Invoice, InvoiceState, Payment, PaymentAllocation, PaymentState

STATE_LABELS = {
    "issued": "À régler",
    "partially_paid": "Partiellement réglée",
    "paid": "Réglée",
    "sent_to_tresor": "Transmise au Trésor public",
    "cancelled": "Annulée par un avoir",
}
SETTLED_STATES = {InvoiceState.PAID, InvoiceState.SENT_TO_TRESOR, InvoiceState.CANCELLED}


def euros(cents: int) -> str:
    return f"{cents / 100:,.2f} €".replace(",", " ").replace(".", ",")


@dataclass
class Amounts:
    paid: int
    pending: int
    balance: int
    state: InvoiceState


def invoice_amounts(session: Session, invoices: list[Invoice]) -> dict[int, Amounts]:
    """Paid, pending and balance of each invoice: the back-office's settlements plus the
    portal's validated online payments it has not recorded yet."""
    ids = [i.id for i in invoices]
    rows = (
        session.execute(
            select(PaymentAllocation.invoice_id, PaymentAllocation.amount_cents, Payment)
            .join(Payment, Payment.id == PaymentAllocation.payment_id)
            .where(PaymentAllocation.invoice_id.in_(ids))
        ).all()
        if ids
        else []
    )
    out: dict[int, Amounts] = {}
    for invoice in invoices:
        settled = sum(s["amount_cents"] for s in invoice.settlements or [])
        recorded = {s.get("portal_payment_ref") for s in invoice.settlements or []}
        online = pending = 0
        for invoice_id, amount, payment in rows:
            if invoice_id != invoice.id or payment.ref in recorded:
                continue
            if payment.state is PaymentState.VALIDATED:
                online += amount
            elif payment.state is PaymentState.PENDING:
                pending += amount
        paid = settled + online
        state = invoice.state
        if state in SETTLED_STATES:
            balance = 0
        else:
            balance = max(0, invoice.total_cents - paid)
            if balance == 0:
                state = InvoiceState.PAID
            elif paid > 0:
                state = InvoiceState.PARTIALLY_PAID
        out[invoice.id] = Amounts(paid=paid, pending=pending, balance=balance, state=state)
    return out
