"""Invoices: pushed by the back-office (content fixed once issued; state and settlements
move) with their PDF; read by the parents per régie, with state, balance and detail."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.billing.amounts import STATE_LABELS, Amounts, euros, invoice_amounts
from portal.billing.schemas import (
    InvoiceChildOut,
    InvoiceDetail,
    InvoiceLineOut,
    InvoicePush,
    InvoicePushResult,
    InvoicesOut,
    InvoiceSummary,
    PdfInfo,
    RegieInvoices,
    SettlementOut,
    WindowOut,
)
from portal.billing.windows import window_of
from portal.errors import FieldError, PortalError, invalid, not_found
from portal.families import family_by_ref
from portal.models import Invoice, InvoicePdf, InvoiceState
from portal.rules import today_in_paris

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
    if invoice is None:
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
        differing = sorted(k for k in FIXED if invoice.content.get(k) != content[k])
        raise PortalError(
            409,
            f"La facture {number} est déjà émise : son contenu ne change plus "
            f"({', '.join(differing)}). Annulez-la par un avoir et émettez-en une nouvelle.",
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


# --- the parents' view -------------------------------------------------------------------


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


def family_invoices(session: Session, family_id: int) -> list[Invoice]:
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
    invoices = family_invoices(session, family_id)
    amounts = invoice_amounts(session, invoices)
    today = today_in_paris(now)
    regies: dict[str, RegieInvoices] = {}
    for invoice in invoices:
        group = regies.get(invoice.regie_code)
        if group is None:
            window, is_open = window_of(session, invoice.regie_code, today)
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
    _window_row, is_open = window_of(session, invoice.regie_code, today_in_paris(now))
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
