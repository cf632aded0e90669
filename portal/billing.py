"""Invoices, payment windows and online payments (guide §7).

* The back-office pushes invoices (content fixed once issued; state and
  settlements move), their PDF and the payment windows of each régie.
* Parents see their invoices per régie with state and balance, the detail, the
  PDF, their payments; they pay ALSH invoices online during an open window.
* Results come back from the provider; each changes the payment once
  (notifications are idempotent) and is appended to the feed as
  ``payment.updated``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import string
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import feed
from portal.errors import FieldError, PortalError, invalid, not_found
from portal.families import family_by_ref
from portal.models import (
    Family,
    Invoice,
    InvoicePdf,
    InvoiceState,
    Payment,
    PaymentAllocation,
    PaymentState,
    PaymentWindow,
)
from portal.providers import PAID, RESULT_LABELS, Operation, Outcome, Provider
from portal.rules import today_in_paris
from portal.schemas_billing import (
    AllocationOut,
    InvoiceChildOut,
    InvoiceDetail,
    InvoiceLineOut,
    InvoicePush,
    InvoicePushResult,
    InvoicesOut,
    InvoiceSummary,
    PaymentOut,
    PaymentStarted,
    PaymentWindows,
    PdfInfo,
    RegieInvoices,
    SettlementOut,
    WindowOut,
)

log = logging.getLogger(__name__)

STATE_LABELS = {
    "issued": "À régler",
    "partially_paid": "Partiellement réglée",
    "paid": "Réglée",
    "sent_to_tresor": "Transmise au Trésor public",
    "cancelled": "Annulée par un avoir",
}
SETTLED_STATES = {InvoiceState.PAID, InvoiceState.SENT_TO_TRESOR, InvoiceState.CANCELLED}
PAYMENT_STATE_LABELS = {
    "pending": "Règlement en attente de validation par la banque",
    "validated": "Règlement validé",
    "refused": "Règlement refusé par la banque",
}
MODE_LABELS = {
    "cheque": "Chèque",
    "especes": "Espèces",
    "carte": "Carte bancaire",
    "ancv": "Chèques-vacances ANCV",
    "cesu": "CESU",
    "virement": "Virement",
    "tresor": "Envoyé au Trésor public",
    "en_ligne": "Paiement en ligne",
    "autre": "Autre",
}
PROVIDER_LABELS = {
    "payfip": "Paiement en ligne (PayFiP)",
    "simulated": "Paiement en ligne (simulé)",
}
# Content of an issued invoice: never changes (a credit note cancels it).
FIXED = (
    "regie",
    "family_ref",
    "issue_date",
    "period_start",
    "period_end",
    "total_cents",
    "children",
    "qf_bracket",
)


def euros(cents: int) -> str:
    return f"{cents / 100:,.2f} €".replace(",", " ").replace(".", ",")


# --- back-office pushes ----------------------------------------------------------------


def _fixed_content(body: InvoicePush) -> dict[str, Any]:
    dumped = body.model_dump(mode="json")
    return {k: dumped[k] for k in FIXED}


def _content_hash(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _check_push(body: InvoicePush) -> None:
    errors: list[FieldError] = []
    lines_total = sum(line.amount_cents for c in body.children for line in c.lines)
    if lines_total != body.total_cents:
        errors.append(
            FieldError(
                field="total_cents",
                message=f"Le total ({euros(body.total_cents)}) n'est pas la somme des lignes "
                f"({euros(lines_total)}).",
            )
        )
    if body.period_start and body.period_end and body.period_end < body.period_start:
        errors.append(
            FieldError(field="period_end", message="La fin de période précède son début.")
        )
    if body.state == "cancelled" and not body.credit_note:
        errors.append(
            FieldError(
                field="credit_note",
                message="Une facture annulée l'est par un avoir : indiquez son numéro.",
            )
        )
    refs = [s.ref for s in body.settlements]
    if len(set(refs)) != len(refs):
        errors.append(
            FieldError(field="settlements", message="Un règlement est indiqué deux fois.")
        )
    if errors:
        raise invalid(errors)


def push_invoice(session: Session, number: str, body: InvoicePush) -> tuple[int, dict[str, Any]]:
    _check_push(body)
    family = family_by_ref(session, body.family_ref)
    content = _fixed_content(body)
    digest = _content_hash(content)
    invoice = session.scalars(
        select(Invoice).where(Invoice.number == number).with_for_update()
    ).first()
    created = invoice is None
    if created:
        invoice = Invoice(
            number=number,
            family_id=family.id,
            regie_code=body.regie,
            issue_date=body.issue_date,
            period_start=body.period_start,
            period_end=body.period_end,
            total_cents=body.total_cents,
            content=content,
            content_hash=digest,
            credit_note="",
        )
        session.add(invoice)
    elif invoice.content_hash != digest:
        changed = sorted(k for k in FIXED if invoice.content.get(k) != content[k])
        raise PortalError(
            409,
            f"La facture {number} est déjà émise : son contenu ne change plus "
            f"({', '.join(changed)}). Annulez-la par un avoir et émettez-en une nouvelle.",
        )
    elif invoice.state is InvoiceState.CANCELLED and body.state != "cancelled":
        raise PortalError(409, f"La facture {number} est annulée par un avoir : état définitif.")
    mutable = {
        "regie_label": body.regie_label,
        "due_date": body.due_date,
        "state": InvoiceState(body.state),
        "payable_online": body.payable_online,
        "settlements": [s.model_dump(mode="json") for s in body.settlements],
        "credit_note": body.credit_note or "",
    }
    changed = created
    for key, value in mutable.items():
        if getattr(invoice, key, None) != value:
            setattr(invoice, key, value)
            changed = True
    extra = dict(invoice.content)
    if extra.get("payment_instructions") != body.payment_instructions:
        extra["payment_instructions"] = body.payment_instructions
        invoice.content = extra
        changed = changed or not created
    session.flush()
    amounts = invoice_amounts(session, [invoice])[invoice.id]
    result = InvoicePushResult(
        number=number,
        created=created,
        changed=changed,
        state=invoice.state.value,
        balance_cents=amounts.balance,
        pdf=_pdf_info(invoice),
    )
    return (201 if created else 200), result.model_dump(mode="json")


def _pdf_info(invoice: Invoice) -> PdfInfo | None:
    if invoice.pdf_sha256 is None:
        return None
    return PdfInfo(sha256=invoice.pdf_sha256, size=invoice.pdf_size or 0)


def invoice_by_number(session: Session, number: str) -> Invoice:
    invoice = session.scalars(select(Invoice).where(Invoice.number == number)).first()
    if invoice is None:
        raise not_found("Facture")
    return invoice


def put_pdf(session: Session, number: str, content: bytes, sha256: str) -> dict[str, Any]:
    invoice = invoice_by_number(session, number)
    row = session.get(InvoicePdf, invoice.id)
    if row is None:
        session.add(InvoicePdf(invoice_id=invoice.id, content=content))
    else:
        row.content = content
    invoice.pdf_sha256 = sha256
    invoice.pdf_size = len(content)
    return {"number": number, "sha256": sha256, "size": len(content)}


def replace_windows(session: Session, body: PaymentWindows) -> dict[str, Any]:
    errors = [
        FieldError(field=f"windows.{i}.end", message="La fin de la période précède son début.")
        for i, w in enumerate(body.windows)
        if w.end < w.start
    ]
    if errors:
        raise invalid(errors)
    for row in session.scalars(select(PaymentWindow)):
        session.delete(row)
    for w in body.windows:
        session.add(PaymentWindow(regie_code=w.regie, start=w.start, end=w.end, label=w.label))
    return {"count": len(body.windows)}


# --- amounts and states ---------------------------------------------------------------


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


def _window(session: Session, regie: str, today: date) -> tuple[PaymentWindow | None, bool]:
    """The open window of the régie today, else the next one; and whether one is open."""
    rows = list(
        session.scalars(
            select(PaymentWindow)
            .where(PaymentWindow.regie_code == regie, PaymentWindow.end >= today)
            .order_by(PaymentWindow.start)
        )
    )
    for w in rows:
        if w.start <= today <= w.end:
            return w, True
    return (rows[0] if rows else None), False


def _summary(
    invoice: Invoice, amounts: Amounts, window_open: bool, online_enabled: bool
) -> dict[str, Any]:
    return dict(
        number=invoice.number,
        regie=invoice.regie_code,
        regie_label=invoice.regie_label,
        issue_date=invoice.issue_date,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        due_date=invoice.due_date,
        total_cents=invoice.total_cents,
        paid_cents=amounts.paid,
        balance_cents=amounts.balance,
        state=amounts.state.value,
        state_label=STATE_LABELS[amounts.state.value],
        payable_online=invoice.payable_online,
        payable_now=bool(
            online_enabled
            and invoice.payable_online
            and window_open
            and amounts.balance > 0
            and amounts.pending == 0
        ),
        payment_pending=amounts.pending > 0,
        has_pdf=invoice.pdf_sha256 is not None,
    )


def _family_invoices(session: Session, family_id: int) -> list[Invoice]:
    return list(
        session.scalars(
            select(Invoice)
            .where(Invoice.family_id == family_id)
            .order_by(Invoice.regie_code, Invoice.issue_date.desc(), Invoice.number.desc())
        )
    )


def invoices_of(
    session: Session, family_id: int, now: datetime, online_enabled: bool
) -> InvoicesOut:
    invoices = _family_invoices(session, family_id)
    amounts = invoice_amounts(session, invoices)
    today = today_in_paris(now)
    regies: dict[str, RegieInvoices] = {}
    for invoice in invoices:
        group = regies.get(invoice.regie_code)
        if group is None:
            window, is_open = _window(session, invoice.regie_code, today)
            group = RegieInvoices(
                regie=invoice.regie_code,
                regie_label=invoice.regie_label,
                online_payment_open=bool(online_enabled and is_open),
                payment_window=WindowOut(start=window.start, end=window.end, label=window.label)
                if window
                else None,
                invoices=[],
                balance_cents=0,
            )
            regies[invoice.regie_code] = group
        a = amounts[invoice.id]
        group.invoices.append(
            InvoiceSummary(**_summary(invoice, a, group.online_payment_open, online_enabled))
        )
        group.balance_cents += a.balance
    groups = list(regies.values())
    return InvoicesOut(regies=groups, balance_cents=sum(g.balance_cents for g in groups))


def invoice_of_family(session: Session, family_id: int, number: str) -> Invoice:
    """The family's invoice, or 404: another family's invoice is never found."""
    invoice = session.scalars(
        select(Invoice).where(Invoice.number == number, Invoice.family_id == family_id)
    ).first()
    if invoice is None:
        raise not_found("Facture")
    return invoice


def invoice_detail(
    session: Session, invoice: Invoice, now: datetime, online_enabled: bool
) -> InvoiceDetail:
    amounts = invoice_amounts(session, [invoice])[invoice.id]
    _window_row, is_open = _window(session, invoice.regie_code, today_in_paris(now))
    content = invoice.content
    return InvoiceDetail(
        **_summary(invoice, amounts, is_open, online_enabled),
        children=[
            InvoiceChildOut(
                child_ref=c.get("child_ref"),
                child_name=c.get("child_name", ""),
                lines=[InvoiceLineOut(**line) for line in c["lines"]],
                total_cents=sum(line["amount_cents"] for line in c["lines"]),
            )
            for c in content.get("children", [])
        ],
        qf_bracket=content.get("qf_bracket", ""),
        payment_instructions=content.get("payment_instructions", ""),
        credit_note=invoice.credit_note,
        settlements=[
            SettlementOut(
                ref=s["ref"],
                date=s["date"],
                mode=s["mode"],
                mode_label=s.get("label") or MODE_LABELS[s["mode"]],
                amount_cents=s["amount_cents"],
            )
            for s in invoice.settlements or []
        ],
    )


def pdf_of(session: Session, invoice: Invoice) -> bytes:
    row = session.get(InvoicePdf, invoice.id)
    if row is None:
        raise PortalError(404, "Le PDF de cette facture n'est pas encore disponible.")
    return row.content


# --- payments ------------------------------------------------------------------------------


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
    for invoice in _family_invoices(session, family_id):
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


def start_payment(
    session: Session,
    provider: Provider | None,
    family: Family,
    numbers: list[str],
    now: datetime,
    urls: Urls,
    operation_minutes: int,
) -> PaymentStarted:
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
    window, is_open = _window(session, regie, today)
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
    try:
        redirect = provider.redirect_url(operation)
    except ValueError as exc:
        raise PortalError(
            409, f"Paiement en ligne impossible pour ce montant ou cette configuration ({exc})."
        ) from exc
    return PaymentStarted(
        payment=payment_out(payment), redirect_url=redirect, expires_at=payment.expires_at
    )


def _feed_payment(session: Session, payment: Payment, previous: PaymentState, late: bool) -> int:
    family_ref = session.get(Family, payment.family_id).ref
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


def apply_outcome(session: Session, provider_name: str, outcome: Outcome, now: datetime) -> Applied:
    """Record a provider's result once. The same notification again changes nothing; a
    result arriving after the 15 minutes still counts (a payment taken is a payment)."""
    now = now.astimezone(UTC)
    payment = session.scalars(
        select(Payment).where(Payment.refdet == outcome.refdet).with_for_update()
    ).first()
    if payment is None or payment.provider != provider_name:
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
