"""Plain snapshots of invoices and credit notes for the PDF (no session, no Qt).

:func:`invoice_document` and :func:`credit_note_document` read the ORM once;
the returned :class:`InvoiceDocument` is frozen, picklable and holds only
``str``, ``date`` and ``Decimal``: rendering can then run in a worker thread
or process without a database session.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.documents.formatting import compact_dates, format_date
from backoffice.errors import UserError
from backoffice.models import (
    Child,
    CreditNote,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentAllocation,
    PaymentState,
    PaymentWindow,
    Regie,
    Setting,
)
from backoffice.models.billing import PAYMENT_MODE_LABELS, PaymentMode
from backoffice.models.catalogue import Settlement

ZERO = Decimal("0.00")

INVOICE = "invoice"
CREDIT_NOTE = "credit_note"

COLLECTIVITY_KEYS = ("name", "address", "siret", "logo", "email", "phone", "legal_mentions")


@dataclass(frozen=True)
class Issuer:
    """The collectivity's header (``collectivity.*`` settings)."""

    name: str
    address_lines: tuple[str, ...] = ()
    siret: str = ""
    phone: str = ""
    email: str = ""
    logo_path: str = ""  # used only if the file exists when rendering
    legal_mentions: str = ""  # one line at the foot of invoices (« Paramètres › Collectivité »)

    @property
    def siret_display(self) -> str:
        digits = "".join(c for c in self.siret if c.isdigit())
        if len(digits) == 14:
            return f"{digits[:3]} {digits[3:6]} {digits[6:9]} {digits[9:]}"
        return self.siret


@dataclass(frozen=True)
class DocumentRow:
    """One printed row: lines of the same child, unit, label, QF bracket and unit price."""

    label: str
    dates: str  # compact: "lun. 06/07 au ven. 10/07, lun. 13/07"
    qf_bracket: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class ChildSection:
    name: str  # "Léa MARTIN", or "Autres prestations"
    rows: tuple[DocumentRow, ...]
    subtotal: Decimal


@dataclass(frozen=True)
class AppliedAmount:
    """A payment or a credit note already applied to the invoice (shown under the total)."""

    label: str
    amount: Decimal  # positive: reduces the balance


@dataclass(frozen=True)
class InvoiceDocument:
    kind: str  # INVOICE or CREDIT_NOTE
    number: str
    issue_date: date
    due_date: date | None
    period_start: date | None
    period_end: date | None
    regie_code: str
    regie_name: str
    settlement: str  # catalogue Settlement value
    issuer: Issuer
    family_code: str
    billing_name: str
    billing_address_lines: tuple[str, ...]
    billing_email: str
    sections: tuple[ChildSection, ...]
    total: Decimal  # negative for a credit note
    settlements: tuple[AppliedAmount, ...] = ()
    balance: Decimal = ZERO
    payment_window: tuple[date, date] | None = None
    regie_instructions: str = ""
    invoice_id: int | None = None
    credit_note_id: int | None = None
    family_id: int | None = None
    related_number: str = ""  # credit note: the invoice it corrects
    related_date: date | None = None
    reason: str = ""
    # Printed for a family without the portal: no « pay online » sentence.
    paper_only: bool = False
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def is_credit_note(self) -> bool:
        return self.kind == CREDIT_NOTE

    @property
    def file_name(self) -> str:
        return pdf_file_name(self.number)

    @property
    def line_count(self) -> int:
        return sum(len(s.rows) for s in self.sections)


def pdf_file_name(number: str) -> str:
    """``ALSH-2026-00042`` → ``ALSH-2026-00042.pdf`` (anything odd replaced by ``_``)."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in number)
    return f"{safe or 'document'}.pdf"


# -- reading the ORM ---------------------------------------------------------------


def issuer_from_settings(session: Session) -> Issuer:
    keys = [f"collectivity.{k}" for k in COLLECTIVITY_KEYS]
    values = dict(
        session.execute(select(Setting.key, Setting.value).where(Setting.key.in_(keys))).all()
    )

    def get(k: str) -> str:
        return (values.get(f"collectivity.{k}") or "").strip()

    address = tuple(line.strip() for line in get("address").splitlines() if line.strip())
    return Issuer(
        name=get("name") or "Communauté de communes",
        address_lines=address,
        siret=get("siret"),
        phone=get("phone"),
        email=get("email"),
        logo_path=get("logo"),
        legal_mentions=" ".join(get("legal_mentions").split()),
    )


def _address_lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in (text or "").splitlines() if line.strip())


def _payment_window(session: Session, regie: Regie, issued: date) -> tuple[date, date] | None:
    """The payment window the family can use: the first one not closed on the issue date."""
    if regie.settlement != Settlement.DESK_AND_ONLINE:
        return None
    row = session.execute(
        select(PaymentWindow.opens_on, PaymentWindow.closes_on)
        .where(PaymentWindow.regie_id == regie.id, PaymentWindow.closes_on >= issued)
        .order_by(PaymentWindow.opens_on)
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def _child_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(
        select(Child.id, Child.first_name, Child.last_name).where(Child.id.in_(ids))
    ).all()
    return {cid: f"{first} {last.upper()}".strip() for cid, first, last in rows}


def build_sections(lines: list[dict], names: dict[int, str]) -> tuple[ChildSection, ...]:
    """Group line dicts (child_id, day, label, qf_bracket, quantity, unit_price, amount,
    unit_id) by child, then by unit/label/QF/price, in the order they first appear."""
    by_child: dict[int | None, dict[tuple, list[dict]]] = {}
    for line in lines:
        groups = by_child.setdefault(line["child_id"], {})
        key = (line["unit_id"], line["label"], line["qf_bracket"], line["unit_price"])
        groups.setdefault(key, []).append(line)
    sections = []
    for child_id, groups in by_child.items():
        rows = []
        for (_unit, label, qf, price), members in groups.items():
            rows.append(
                DocumentRow(
                    label=label,
                    dates=compact_dates(m["day"] for m in members if m["day"] is not None),
                    qf_bracket=qf,
                    quantity=sum((m["quantity"] for m in members), Decimal("0")),
                    unit_price=price,
                    amount=sum((m["amount"] for m in members), ZERO),
                )
            )
        name = names.get(child_id, "") if child_id is not None else ""
        sections.append(
            ChildSection(
                name=name or "Autres prestations",
                rows=tuple(rows),
                subtotal=sum((r.amount for r in rows), ZERO),
            )
        )
    return tuple(sections)


def _invoice_settlements(
    session: Session, invoice_ids: list[int]
) -> dict[int, list[AppliedAmount]]:
    """Validated payments (except the Trésor public transfer) and credit notes, per invoice."""
    out: dict[int, list[AppliedAmount]] = defaultdict(list)
    if not invoice_ids:
        return out
    payments = session.execute(
        select(
            PaymentAllocation.invoice_id,
            PaymentAllocation.amount,
            Payment.mode,
            Payment.received_on,
        )
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .where(
            PaymentAllocation.invoice_id.in_(invoice_ids),
            Payment.state == PaymentState.VALIDATED,
            Payment.mode != PaymentMode.TRESOR_PUBLIC,
        )
        .order_by(Payment.received_on, Payment.id)
    ).all()
    for invoice_id, amount, mode, received_on in payments:
        label = f"Règlement du {format_date(received_on)} ({PAYMENT_MODE_LABELS[mode]})"
        out[invoice_id].append(AppliedAmount(label, amount))
    notes = session.execute(
        select(CreditNote.invoice_id, CreditNote.number, CreditNote.issue_date, CreditNote.total)
        .where(CreditNote.invoice_id.in_(invoice_ids))
        .order_by(CreditNote.issue_date, CreditNote.id)
    ).all()
    for invoice_id, number, issued, total in notes:
        out[invoice_id].append(
            AppliedAmount(f"Avoir {number} du {format_date(issued)}", abs(total))
        )
    return out


def invoice_documents(session: Session, invoice_ids: list[int]) -> list[InvoiceDocument]:
    """Snapshots of several invoices in a few queries (batch generation)."""
    if not invoice_ids:
        return []
    issuer = issuer_from_settings(session)
    invoices = session.scalars(
        select(Invoice).where(Invoice.id.in_(invoice_ids)).order_by(Invoice.number)
    ).all()
    found = {i.id for i in invoices}
    missing = [i for i in invoice_ids if i not in found]
    if missing:
        raise UserError(f"Facture introuvable (identifiant {missing[0]}).")
    line_rows = session.execute(
        select(
            InvoiceLine.invoice_id,
            InvoiceLine.child_id,
            InvoiceLine.unit_id,
            InvoiceLine.day,
            InvoiceLine.label,
            InvoiceLine.qf_bracket,
            InvoiceLine.quantity,
            InvoiceLine.unit_price,
            InvoiceLine.amount,
        )
        .where(InvoiceLine.invoice_id.in_(invoice_ids))
        .order_by(InvoiceLine.invoice_id, InvoiceLine.position, InvoiceLine.id)
    ).mappings()
    lines: dict[int, list[dict]] = defaultdict(list)
    child_ids: set[int] = set()
    for row in line_rows:
        lines[row["invoice_id"]].append(dict(row))
        if row["child_id"] is not None:
            child_ids.add(row["child_id"])
    names = _child_names(session, child_ids)
    settlements = _invoice_settlements(session, list(found))
    regies = {r.id: r for r in session.scalars(select(Regie)).all()}
    windows: dict[tuple[int, date], tuple[date, date] | None] = {}
    docs = []
    for inv in invoices:
        regie = regies[inv.regie_id]
        wkey = (regie.id, inv.issue_date)
        if wkey not in windows:
            windows[wkey] = _payment_window(session, regie, inv.issue_date)
        done = tuple(settlements.get(inv.id, ()))
        docs.append(
            InvoiceDocument(
                kind=INVOICE,
                number=inv.number,
                issue_date=inv.issue_date,
                due_date=inv.due_date,
                period_start=inv.period_start,
                period_end=inv.period_end,
                regie_code=regie.code,
                regie_name=regie.name,
                settlement=str(regie.settlement.value),
                issuer=issuer,
                family_code=inv.family.code if inv.family is not None else "",
                billing_name=inv.billing_name,
                billing_address_lines=_address_lines(inv.billing_address),
                billing_email=inv.billing_email,
                sections=build_sections(lines.get(inv.id, []), names),
                total=inv.total,
                settlements=done,
                balance=inv.total - sum((s.amount for s in done), ZERO),
                payment_window=windows[wkey],
                regie_instructions=regie.payment_instructions or "",
                invoice_id=inv.id,
                family_id=inv.family_id,
            )
        )
    return docs


def invoice_document(session: Session, invoice_id: int) -> InvoiceDocument:
    """Snapshot of one invoice for :func:`backoffice.documents.invoice_pdf.render_invoice`."""
    return invoice_documents(session, [invoice_id])[0]


def credit_note_document(session: Session, credit_note_id: int) -> InvoiceDocument:
    """Snapshot of a credit note (« AVOIR »): same layout, negative amounts."""
    note = session.get(CreditNote, credit_note_id)
    if note is None:
        raise UserError(f"Avoir introuvable (identifiant {credit_note_id}).")
    inv = note.invoice
    regie = session.get(Regie, note.regie_id)
    assert regie is not None  # a credit note's régie: a non-null foreign key
    origin_ids = [ln.invoice_line_id for ln in note.lines if ln.invoice_line_id is not None]
    origins = (
        {
            ln.id: ln
            for ln in session.scalars(select(InvoiceLine).where(InvoiceLine.id.in_(origin_ids)))
        }
        if origin_ids
        else {}
    )
    lines = []
    child_ids = set()
    for cn_line in note.lines:
        amount = -abs(cn_line.amount)
        line_id = cn_line.invoice_line_id
        origin = origins.get(line_id) if line_id is not None else None
        if origin is not None and origin.amount == abs(cn_line.amount):
            quantity, unit_price = origin.quantity, -abs(origin.unit_price)
        else:
            quantity, unit_price = Decimal("1"), amount
        child_id = origin.child_id if origin is not None else None
        if child_id is not None:
            child_ids.add(child_id)
        lines.append(
            {
                "child_id": child_id,
                "unit_id": origin.unit_id if origin is not None else None,
                "day": origin.day if origin is not None else None,
                "label": cn_line.label,
                "qf_bracket": origin.qf_bracket if origin is not None else "",
                "quantity": quantity,
                "unit_price": unit_price,
                "amount": amount,
            }
        )
    total = -abs(note.total)
    return InvoiceDocument(
        kind=CREDIT_NOTE,
        number=note.number,
        issue_date=note.issue_date,
        due_date=None,
        period_start=inv.period_start,
        period_end=inv.period_end,
        regie_code=regie.code,
        regie_name=regie.name,
        settlement=str(regie.settlement.value),
        issuer=issuer_from_settings(session),
        family_code=inv.family.code if inv.family is not None else "",
        billing_name=inv.billing_name,
        billing_address_lines=_address_lines(inv.billing_address),
        billing_email=inv.billing_email,
        sections=build_sections(lines, _child_names(session, child_ids)),
        total=total,
        balance=total,
        regie_instructions=regie.payment_instructions or "",
        credit_note_id=note.id,
        invoice_id=inv.id,
        family_id=inv.family_id,
        related_number=inv.number,
        related_date=inv.issue_date,
        reason=note.reason,
    )


def logo_exists(issuer: Issuer) -> bool:
    return bool(issuer.logo_path) and os.path.isfile(issuer.logo_path)
