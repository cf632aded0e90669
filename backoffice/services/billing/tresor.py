"""The Trésor public (périscolaire, multi-accueil): invoices handed over to it for collection.

:func:`mark_sent_to_tresor` settles invoices "transmise au Trésor public" with a
matching payment record of mode ``tresor_public`` for what they still owe
(parents see them settled, guide §7.1; the Trésor collects).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.dates import paris_today
from backoffice.models import (
    Invoice,
    InvoiceState,
    Payment,
    PaymentAllocation,
    PaymentMode,
    PaymentState,
    Regie,
    Settlement,
)
from backoffice.services.billing.common import (
    BillingError,
    atomic,
)
from backoffice.services.billing.ledger import figures, refresh_states
from backoffice.services.billing.publish import republish
from backoffice.services.common.actors import Actor
from backoffice.services.common.permissions import Permission, require


@atomic
def mark_sent_to_tresor(
    session: Session,
    *,
    invoice_numbers: list[str] | None = None,
    run_id: int | None = None,
    on_date: date | None = None,
    actor: Actor | None = None,
) -> int:
    """Settle invoices as "transmise au Trésor public" (périscolaire, multi-accueil)."""
    require(session, actor, Permission.BILLING, "transmettre des factures au Trésor public")
    stmt = select(Invoice)
    if run_id is not None:
        stmt = stmt.where(Invoice.run_id == run_id)
    elif invoice_numbers:
        stmt = stmt.where(Invoice.number.in_([n.strip().upper() for n in invoice_numbers]))
    else:
        raise BillingError("Indiquez le lot ou les factures à transmettre au Trésor public.")
    invoices = list(session.scalars(stmt.order_by(Invoice.seq)))
    if not invoices:
        raise BillingError("Aucune facture à transmettre au Trésor public.")
    regies = {r.id: r for r in session.scalars(select(Regie))}
    for invoice in invoices:
        regie = regies[invoice.regie_id]
        if regie.settlement is not Settlement.TRESOR_PUBLIC:
            raise BillingError(
                f"La facture {invoice.number} relève de la régie {regie.code}, qui n'est pas "
                "recouvrée par le Trésor public."
            )
    figs = figures(session, [i.id for i in invoices])
    on_date = on_date or paris_today()
    sent = []
    for invoice in invoices:
        balance = figs[invoice.id].balance
        if balance <= 0 or invoice.state is InvoiceState.SENT_TO_TRESOR:
            continue
        session.add(
            Payment(
                family_id=invoice.family_id,
                regie_id=invoice.regie_id,
                mode=PaymentMode.TRESOR_PUBLIC,
                amount=balance,
                received_on=on_date,
                state=PaymentState.VALIDATED,
                reference=f"Transmise au Trésor public — {invoice.number}"[:80],
                payer_name=invoice.billing_name[:120],
                recorded_by_id=actor.staff_id if actor else None,
                allocations=[PaymentAllocation(invoice_id=invoice.id, amount=balance)],
            )
        )
        sent.append(invoice.id)
    session.flush()
    refresh_states(session, sent)
    republish(session, sent)
    return len(sent)
