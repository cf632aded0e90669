"""Online payments: started by the parents for invoices of one régie during an open window,
then listed with the settlements the back-office recorded."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.billing.amounts import STATE_LABELS, invoice_amounts
from portal.billing.invoices import MODE_LABELS, family_invoices
from portal.billing.outcomes import expire_overdue
from portal.billing.schemas import AllocationOut, PaymentOut, PaymentStarted
from portal.billing.windows import window_of
from portal.errors import FieldError, PortalError, invalid, not_found
from portal.models import Family, Invoice, Payment, PaymentAllocation, PaymentState
from portal.providers import RESULT_LABELS, Operation, Provider, Started
from portal.rules import today_in_paris

PAYMENT_STATE_LABELS = {
    "pending": "Règlement en attente de validation par la banque",
    "validated": "Règlement validé",
    "refused": "Règlement refusé par la banque",
}
PROVIDER_LABELS = {
    "payfip": "Paiement en ligne (PayFiP)",
    "simulated": "Paiement en ligne (simulé)",
}


def payment_out(payment: Payment) -> PaymentOut:
    return PaymentOut(
        ref=payment.ref,
        kind="online",
        date=today_in_paris(payment.created_at),
        regie=payment.regie_code,
        amount_cents=payment.amount_cents,
        state=payment.state.value,
        state_label=PAYMENT_STATE_LABELS[payment.state.value],
        mode_label=PROVIDER_LABELS.get(payment.provider, "Paiement en ligne"),
        invoices=[
            AllocationOut(number=a.invoice.number, amount_cents=a.amount_cents)
            for a in payment.allocations
        ],
        result=payment.result,
        result_label=RESULT_LABELS.get(payment.result or "", ""),
        created_at=payment.created_at,
        expires_at=payment.expires_at,
    )


def payments_of(session: Session, family_id: int) -> list[PaymentOut]:
    """Online payments and the settlements the back-office pushed, newest first."""
    online = [
        payment_out(p)
        for p in session.scalars(select(Payment).where(Payment.family_id == family_id))
    ]
    settlements: dict[str, PaymentOut] = {}
    for invoice in family_invoices(session, family_id):
        for s in invoice.settlements or []:
            if s.get("portal_payment_ref"):
                continue  # already listed as the online payment
            out = settlements.get(s["ref"])
            if out is None:
                out = settlements[s["ref"]] = PaymentOut(
                    ref=s["ref"],
                    kind="settlement",
                    date=s["date"],
                    regie=invoice.regie_code,
                    amount_cents=0,
                    state="validated",
                    state_label=PAYMENT_STATE_LABELS["validated"],
                    mode_label=s.get("label") or MODE_LABELS[s["mode"]],
                    invoices=[],
                )
            out.amount_cents += s["amount_cents"]
            out.invoices.append(
                AllocationOut(number=invoice.number, amount_cents=s["amount_cents"])
            )
    rows = online + list(settlements.values())
    return sorted(rows, key=lambda p: (p.date, p.ref), reverse=True)


def payment_of_family(session: Session, family_id: int, ref: str) -> Payment:
    payment = session.scalars(
        select(Payment).where(Payment.ref == ref, Payment.family_id == family_id)
    ).first()
    if payment is None:
        raise not_found("Paiement")
    return payment


def _new_refdet(payment_id: int) -> str:
    """20 alphanumerics: unique (the payment's number) and not guessable (random tail)."""
    tail = "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(8))
    return f"PF{payment_id:010d}{tail}"


@dataclass(frozen=True)
class Urls:
    notify: str  # provider → portal
    return_to: str  # browser back to the parents' pages (payment ref appended)
    page: str  # the simulated provider's page (refdet appended)


def open_payment(
    session: Session,
    provider: Provider | None,
    family: Family,
    numbers: list[str],
    now: datetime,
    urls: Urls,
    operation_minutes: int,
) -> tuple[int, Operation]:
    """Phase 1 of a start, in one transaction: the pending payment and its allocations.
    Returns the payment's id and the operation to create at the provider (phase 2, no
    transaction open: :func:`attach_operation` or :func:`drop_payment` follows)."""
    if provider is None:
        raise PortalError(409, "Le paiement en ligne n'est pas disponible sur ce portail.")
    now = now.astimezone(UTC)
    if len(set(numbers)) != len(numbers):
        raise invalid([FieldError(field="invoices", message="Une facture est indiquée deux fois.")])
    expire_overdue(session, now, family.id)
    invoices = list(
        session.scalars(
            select(Invoice)
            .where(Invoice.family_id == family.id, Invoice.number.in_(numbers))
            .order_by(Invoice.number)
            .with_for_update()
        )
    )
    found = {i.number for i in invoices}
    missing = [n for n in numbers if n not in found]
    if missing:
        raise PortalError(404, f"Facture introuvable : {', '.join(missing)}.")
    regies = {i.regie_code for i in invoices}
    if len(regies) > 1:
        raise invalid(
            [
                FieldError(
                    field="invoices",
                    message="Un paiement en ligne ne règle que des factures d'une même régie.",
                )
            ]
        )
    regie = regies.pop()
    for invoice in invoices:
        if not invoice.payable_online:
            raise PortalError(
                409,
                f"La facture {invoice.number} ({invoice.regie_label}) ne se paie pas en ligne. "
                + (invoice.content.get("payment_instructions") or ""),
            )
    amounts = invoice_amounts(session, invoices)
    for invoice in invoices:
        a = amounts[invoice.id]
        if a.pending:
            raise PortalError(
                409,
                f"Un paiement de la facture {invoice.number} attend déjà la réponse de la banque : "
                f"patientez ({operation_minutes} minutes au plus) avant de recommencer.",
            )
        if a.balance == 0:
            raise PortalError(
                409, f"La facture {invoice.number} n'a rien à régler ({STATE_LABELS[a.state]})."
            )
    today = today_in_paris(now)
    window, is_open = window_of(session, regie, today)
    if not is_open:
        label = invoices[0].regie_label
        when = (
            f" Prochaine période : du {window.start:%d/%m/%Y} au {window.end:%d/%m/%Y}."
            if window
            else ""
        )
        raise PortalError(
            409,
            f"Le paiement en ligne des factures « {label} » n'est pas ouvert aujourd'hui." + when,
        )
    total = sum(amounts[i.id].balance for i in invoices)
    payment = Payment(
        ref=f"tmp-{secrets.token_hex(6)}",
        family_id=family.id,
        regie_code=regie,
        provider=provider.name,
        refdet=f"T{secrets.token_hex(12)}",
        exer=today.year,
        amount_cents=total,
        email=family.account.login_email,
        object="Factures " + " ".join(i.number for i in invoices),
        state=PaymentState.PENDING,
        created_at=now,
        expires_at=now + timedelta(minutes=operation_minutes),
        authorisation="",
        notifications=0,
    )
    payment.object = payment.object[:100]
    session.add(payment)
    session.flush()
    payment.ref = f"PAY-{payment.id:06d}"
    payment.refdet = _new_refdet(payment.id)
    for invoice in invoices:
        payment.allocations.append(
            PaymentAllocation(invoice=invoice, amount_cents=amounts[invoice.id].balance)
        )
    session.flush()
    operation = Operation(
        refdet=payment.refdet,
        exer=payment.exer,
        amount_cents=payment.amount_cents,
        email=payment.email,
        object=payment.object,
        notify_url=urls.notify,
        return_url=urls.return_to + payment.ref,
        page_url=urls.page + payment.refdet,
    )
    return payment.id, operation


def attach_operation(session: Session, payment_id: int, started: Started) -> PaymentStarted:
    """Phase 3: the provider's id of the operation is kept; the browser goes on."""
    payment = session.get_one(Payment, payment_id)
    payment.operation_id = started.operation_id or None
    return PaymentStarted(
        payment=payment_out(payment),
        redirect_url=started.redirect_url,
        expires_at=payment.expires_at,
    )


def drop_payment(session: Session, payment_id: int) -> None:
    """Phase 3 when the provider refused or failed: no operation exists, the payment goes
    (it was never told to the back-office, and no money can move without an operation)."""
    payment = session.get(Payment, payment_id)
    if payment is not None and payment.state is PaymentState.PENDING:
        session.delete(payment)
