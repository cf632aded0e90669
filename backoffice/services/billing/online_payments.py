"""Online payments (PayFiP on the portal, read from the portal feed): applying their results.

:func:`record_online_payment_result` is idempotent by the portal's reference:
``pending_bank_validation`` → ``validated`` (allocated automatically to the
invoices paid, then the family's credit) or ``refused``. Only validated
payments count in balances.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.dates import paris_today
from backoffice.models import (
    Invoice,
    Payment,
    PaymentAllocation,
    PaymentMode,
    PaymentState,
)
from backoffice.services.billing.common import (
    ZERO,
    BillingError,
    atomic,
    euros,
    get_family,
    get_regie,
    parse_amount,
)
from backoffice.services.billing.ledger import figures
from backoffice.services.billing.payments import PAYMENT_STATE_LABELS, Allocated, republish_touched


@dataclass
class OnlineResult:
    payment: Payment
    changed: bool
    allocations: list[Allocated] = field(default_factory=list)


@atomic
def record_online_payment_result(
    session: Session,
    *,
    portal_ref: str,
    family_code: str,
    regie_code: str,
    amount: str | Decimal,
    state: str | PaymentState,
    invoice_numbers: Sequence[str] = (),
    received_on: date | None = None,
    reference: str = "",
) -> OnlineResult:
    """Apply one online payment result from the portal; the same result twice changes nothing.

    ``pending_bank_validation`` → ``validated`` (allocated to ``invoice_numbers``
    in that order, what remains goes to the family's credit) or ``refused``.
    A result older than the one known (pending after validated) is ignored; a
    contradiction (refused after validated) is refused with a French message.
    """
    state = PaymentState(state)
    amount = parse_amount(amount)
    portal_ref = (portal_ref or "").strip()
    if not portal_ref:
        raise BillingError("Résultat de paiement en ligne sans référence du portail.")
    payment = session.scalar(select(Payment).where(Payment.portal_ref == portal_ref))
    if payment is None:
        family = get_family(session, family_code)
        regie = get_regie(session, regie_code)
        payment = Payment(
            family_id=family.id,
            regie_id=regie.id,
            mode=PaymentMode.ONLINE,
            amount=amount,
            received_on=received_on or paris_today(),
            state=PaymentState.PENDING_BANK_VALIDATION,
            reference=reference[:80],
            payer_name=family.name[:120],
            portal_ref=portal_ref,
        )
        session.add(payment)
        # What the parent chose to pay, kept (not counted) until the bank validates.
        for number in invoice_numbers:
            invoice = session.scalar(select(Invoice).where(Invoice.number == number))
            if invoice is None or invoice.family_id != family.id or invoice.regie_id != regie.id:
                raise BillingError(
                    f"Paiement en ligne {portal_ref} : la facture « {number} » n'est pas une "
                    f"facture de la famille {family.code} pour la régie {regie.code}."
                )
            if all(a.invoice_id != invoice.id for a in payment.allocations):
                payment.allocations.append(PaymentAllocation(invoice_id=invoice.id, amount=ZERO))
        changed = True
    else:
        if payment.amount != amount:
            raise BillingError(
                f"Paiement en ligne {portal_ref} : montant différent de celui déjà reçu "
                f"({euros(payment.amount)} contre {euros(amount)})."
            )
        if payment.state is state or state is PaymentState.PENDING_BANK_VALIDATION:
            return OnlineResult(payment, False)
        if payment.state is not PaymentState.PENDING_BANK_VALIDATION:
            raise BillingError(
                f"Paiement en ligne {portal_ref} : résultat contradictoire "
                f"({PAYMENT_STATE_LABELS[payment.state]}, puis {PAYMENT_STATE_LABELS[state]})."
            )
        changed = True
    done: list[Allocated] = []
    if state is PaymentState.VALIDATED:
        payment.state = PaymentState.VALIDATED
        session.flush()
        intended = [a.invoice_id for a in payment.allocations]
        for alloc in list(payment.allocations):
            payment.allocations.remove(alloc)
        session.flush()
        figs = figures(session, intended)
        left = payment.amount
        for invoice_id in intended:
            balance = figs[invoice_id].balance if invoice_id in figs else ZERO
            part = min(left, max(balance, ZERO))
            if part > 0:
                invoice = session.get(Invoice, invoice_id)
                assert invoice is not None  # it was allocated to: a non-null foreign key
                payment.allocations.append(PaymentAllocation(invoice_id=invoice_id, amount=part))
                done.append(Allocated(invoice.number, part))
                left -= part
        session.flush()
        republish_touched(session, done)
    elif state is PaymentState.REFUSED:
        payment.state = PaymentState.REFUSED
        session.flush()
    else:
        session.flush()
    return OnlineResult(payment, changed, done)
