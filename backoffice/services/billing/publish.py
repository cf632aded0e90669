"""What the portal is told about an invoice: outbox topic ``invoice.publish``.

The item's payload is ``{"number", "family_code", "body"}``; ``body`` is
exactly the portal's ``InvoicePush`` (``PUT /staff/invoices/{number}``, see
docs/portal.md): régie, family, dates, total, state, lines grouped by child,
QF bracket, payment instructions, "payable en ligne", settlements and, when
cancelled, the credit note. Amounts are integer cents; the lines add up to the
total. It is queued when the invoice is issued and again whenever its state or
balance changes (payment, credit note, transmission to the Trésor public): the
content never changes, only state and settlements do. A partial credit note is
shown to parents as a settlement (mode ``autre``, "Avoir AV-…"); a full one as
``state = cancelled`` with ``credit_note``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.models import (
    Child,
    CreditNote,
    Family,
    Invoice,
    InvoiceLine,
    InvoiceState,
    Payment,
    PaymentAllocation,
    PaymentMode,
    Regie,
)
from backoffice.services.billing.common import to_cents_int
from backoffice.services.billing.ledger import counted_payment
from backoffice.services.common.outbox import enqueue

TOPIC = "invoice.publish"
PORTAL_MODES = {
    PaymentMode.CHEQUE: "cheque",
    PaymentMode.CASH: "especes",
    PaymentMode.CARD: "carte",
    PaymentMode.ANCV: "ancv",
    PaymentMode.CESU: "cesu",
    PaymentMode.TRANSFER: "virement",
    PaymentMode.TRESOR_PUBLIC: "tresor",
    PaymentMode.ONLINE: "en_ligne",
    PaymentMode.DIRECT_DEBIT: "autre",
}
_REF = re.compile(r"^[\w.-]{1,40}$")


def child_ref(child_id: int | None) -> str | None:
    """The portal's reference of a child (the back-office id as text, as the sync does)."""
    return str(child_id) if child_id is not None else None


@dataclass(frozen=True, slots=True)
class LineView:
    child_id: int | None
    child_name: str
    day: date | None
    label: str
    qf_bracket: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


def _children(lines: list[LineView]) -> list[dict]:
    groups: dict[int | None, dict] = {}
    for line in lines:
        group = groups.get(line.child_id)
        if group is None:
            group = groups[line.child_id] = {
                "child_ref": child_ref(line.child_id),
                "child_name": line.child_name[:160],
                "lines": [],
            }
        day = line.day.isoformat() if line.day else None
        group["lines"].append(
            {
                "label": line.label[:200],
                "start": day,
                "end": day,
                # Quarters of an hour or units: exact as a JSON number.
                "quantity": float(line.quantity),
                "unit_price_cents": to_cents_int(line.unit_price),
                "amount_cents": to_cents_int(line.amount),
            }
        )
    return list(groups.values())


def qf_brackets(lines: list[LineView]) -> str:
    brackets = sorted({line.qf_bracket for line in lines if line.qf_bracket})
    return ", ".join(brackets)[:60]


def invoice_payload(
    *,
    family_code: str,
    regie: Regie,
    number: str,
    issue_date: date,
    due_date: date,
    period_start: date,
    period_end: date,
    total: Decimal,
    state: InvoiceState,
    lines: list[LineView],
    settlements: list[dict] | None = None,
    credit_note: str | None = None,
) -> dict:
    """The outbox payload: the ``InvoicePush`` body with the number and family code."""
    body = {
        "regie": regie.code,
        "regie_label": regie.name,
        "family_ref": family_code,
        "issue_date": issue_date.isoformat(),
        "due_date": due_date.isoformat(),
        "period_start": period_start.isoformat(),
        "period_end": period_end.isoformat(),
        "total_cents": to_cents_int(total),
        "state": state.value,
        "children": _children(lines),
        "qf_bracket": qf_brackets(lines),
        "payment_instructions": regie.payment_instructions[:2000],
        "payable_online": regie.payable_online,
        "settlements": settlements or [],
        "credit_note": credit_note if state is InvoiceState.CANCELLED else None,
    }
    return {"number": number, "family_code": family_code, "body": body}


def snapshot(session: Session, invoice_ids: Iterable[int]) -> dict[int, dict]:
    """The current payload of these invoices, read from the database."""
    ids = sorted(set(invoice_ids))
    if not ids:
        return {}
    invoices = {i.id: i for i in session.scalars(select(Invoice).where(Invoice.id.in_(ids)))}
    regies = {r.id: r for r in session.scalars(select(Regie))}
    codes = dict(
        session.execute(
            select(Family.id, Family.code).where(
                Family.id.in_({i.family_id for i in invoices.values()})
            )
        ).all()
    )
    lines: dict[int, list[LineView]] = defaultdict(list)
    for line, first, last in session.execute(
        select(InvoiceLine, Child.first_name, Child.last_name)
        .outerjoin(Child, Child.id == InvoiceLine.child_id)
        .where(InvoiceLine.invoice_id.in_(ids))
        .order_by(InvoiceLine.invoice_id, InvoiceLine.position)
    ):
        lines[line.invoice_id].append(
            LineView(
                line.child_id,
                f"{first or ''} {last or ''}".strip(),
                line.day,
                line.label,
                line.qf_bracket,
                line.quantity,
                line.unit_price,
                line.amount,
            )
        )
    notes: dict[int, list[CreditNote]] = defaultdict(list)
    for note in session.scalars(
        select(CreditNote).where(CreditNote.invoice_id.in_(ids)).order_by(CreditNote.id)
    ):
        notes[note.invoice_id].append(note)
    settlements: dict[int, list[dict]] = defaultdict(list)
    for alloc, payment in session.execute(
        select(PaymentAllocation, Payment)
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .where(
            PaymentAllocation.invoice_id.in_(ids),
            counted_payment(),
            PaymentAllocation.amount > 0,
        )
        .order_by(Payment.received_on, Payment.id)
    ):
        entry = {
            "ref": f"REG-{payment.id}",
            "date": payment.received_on.isoformat(),
            "mode": PORTAL_MODES[payment.mode],
            "amount_cents": to_cents_int(alloc.amount),
        }
        if payment.mode is PaymentMode.DIRECT_DEBIT:
            entry["label"] = "Prélèvement SEPA"
        if payment.portal_ref and _REF.match(payment.portal_ref):
            entry["portal_payment_ref"] = payment.portal_ref
        settlements[alloc.invoice_id].append(entry)
    result = {}
    for invoice_id, inv in invoices.items():
        if inv.state is not InvoiceState.CANCELLED:
            for note in notes[invoice_id]:
                settlements[invoice_id].append(
                    {
                        "ref": note.number,
                        "date": note.issue_date.isoformat(),
                        "mode": "autre",
                        "label": f"Avoir {note.number}"[:120],
                        "amount_cents": to_cents_int(note.total),
                    }
                )
        result[invoice_id] = invoice_payload(
            family_code=codes[inv.family_id],
            regie=regies[inv.regie_id],
            number=inv.number,
            issue_date=inv.issue_date,
            due_date=inv.due_date,
            period_start=inv.period_start,
            period_end=inv.period_end,
            total=inv.total,
            state=inv.state,
            lines=lines[invoice_id],
            settlements=settlements[invoice_id],
            credit_note=notes[invoice_id][-1].number if notes[invoice_id] else None,
        )
    return result


def republish(session: Session, invoice_ids: Iterable[int]) -> int:
    """Queue the current snapshot of these invoices for the portal."""
    session.flush()
    payloads = snapshot(session, invoice_ids)
    family_of = (
        dict(
            session.execute(
                select(Invoice.id, Invoice.family_id).where(Invoice.id.in_(payloads))
            ).all()
        )
        if payloads
        else {}
    )
    for invoice_id, payload in payloads.items():
        enqueue(session, TOPIC, payload, family_id=family_of[invoice_id])
    return len(payloads)
