"""What the payment provider answers: each result changes a payment once (notifications
are idempotent), pending payments expire; each change goes to the feed (``payment.updated``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import feed
from portal.errors import PortalError
from portal.models import Family, Payment, PaymentState
from portal.providers import PAID, Outcome

log = logging.getLogger(__name__)


def _feed_payment(session: Session, payment: Payment, previous: PaymentState, late: bool) -> int:
    family_ref = session.get_one(Family, payment.family_id).ref
    return feed.append(
        session,
        family_ref,
        "payment.updated",
        {
            "payment": payment.ref,
            "regie": payment.regie_code,
            "provider": payment.provider,
            "refdet": payment.refdet,
            "exer": payment.exer,
            "amount_cents": payment.amount_cents,
            "invoices": [
                {"number": a.invoice.number, "amount_cents": a.amount_cents}
                for a in payment.allocations
            ],
            "state": payment.state.value,
            "previous_state": previous.value,
            "provider_result": payment.result,
            "provider_code": payment.result_code,
            "authorisation": payment.authorisation,
            "created_at": payment.created_at.isoformat(),
            "finished_at": payment.finished_at.isoformat() if payment.finished_at else None,
            "late": late,
        },
    )


def expire_overdue(session: Session, now: datetime, family_id: int | None = None) -> int:
    """Pending payments past their 15 minutes become refused (``expired``)."""
    now = now.astimezone(UTC)
    stmt = select(Payment).where(Payment.state == PaymentState.PENDING, Payment.expires_at <= now)
    if family_id is not None:
        stmt = stmt.where(Payment.family_id == family_id)
    count = 0
    for payment in session.scalars(stmt.with_for_update()):
        payment.state = PaymentState.REFUSED
        payment.result, payment.result_code = "expired", None
        payment.finished_at = now
        _feed_payment(session, payment, PaymentState.PENDING, late=False)
        count += 1
    return count


def has_overdue(session: Session, now: datetime, family_id: int) -> bool:
    return (
        session.scalar(
            select(Payment.id).where(
                Payment.family_id == family_id,
                Payment.state == PaymentState.PENDING,
                Payment.expires_at <= now,
            )
        )
        is not None
    )


@dataclass
class Applied:
    payment: Payment
    changed: bool
    late: bool = False


def apply_outcome(
    session: Session,
    provider_name: str,
    outcome: Outcome,
    now: datetime,
    family_id: int | None = None,
) -> Applied:
    """Record a provider's result once. The same notification again changes nothing; a
    result arriving after the 15 minutes still counts (a payment taken is a payment).
    ``family_id``: the result must be for this family's operation (simulated provider)."""
    now = now.astimezone(UTC)
    payment = session.scalars(
        select(Payment).where(Payment.refdet == outcome.refdet).with_for_update()
    ).first()
    if (
        payment is None
        or payment.provider != provider_name
        or (family_id is not None and payment.family_id != family_id)
    ):
        raise PortalError(404, "Opération de paiement inconnue.")
    if outcome.amount_cents is not None and outcome.amount_cents != payment.amount_cents:
        log.warning("Notification de paiement %s : montant différent, ignorée", payment.ref)
        raise PortalError(422, "Le montant notifié ne correspond pas à l'opération.")
    payment.notifications += 1
    new_state = PaymentState.VALIDATED if outcome.result in PAID else PaymentState.REFUSED
    previous = payment.state
    expired = payment.result == "expired"
    if previous is PaymentState.PENDING and now >= payment.expires_at:
        expired = True  # late, but nobody noticed the expiry yet
    if previous is not PaymentState.PENDING and not expired:
        # Already concluded: a repeat (or a contradicting late message) changes nothing.
        if (payment.result, payment.result_code) != (outcome.result, outcome.code):
            log.info("Notification de paiement %s ignorée : déjà conclu", payment.ref)
        return Applied(payment, changed=False)
    if (
        previous is PaymentState.REFUSED
        and new_state is PaymentState.REFUSED
        and (payment.result_code == outcome.code)
    ):
        return Applied(payment, changed=False)
    payment.state = new_state
    payment.result, payment.result_code = outcome.result, outcome.code
    payment.authorisation = outcome.authorisation
    payment.finished_at = now
    _feed_payment(session, payment, previous, late=expired)
    return Applied(payment, changed=True, late=expired)
