"""The receipt (reçu) of a desk payment and the credit note's PDF, printed from the
« Reçus et avoirs » tab of « Règlements »."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice import paths
from backoffice.documents.invoice_data import credit_note_document, issuer_from_settings
from backoffice.documents.invoice_pdf import render_invoice_bytes
from backoffice.documents.receipt_pdf import ReceiptData, render_receipt_bytes
from backoffice.errors import UserError
from backoffice.models import (
    PAYMENT_MODE_LABELS,
    CreditNote,
    Family,
    Invoice,
    Payment,
    PaymentAllocation,
    PaymentState,
    Regie,
)
from backoffice.services.billing.common import (
    ZERO,
    BillingError,
    get_regie,
    require_billing_role,
)
from backoffice.services.billing.lines import billing_identity
from backoffice.services.billing.payments import DESK_MODES
from backoffice.services.common.actors import Actor
from backoffice.services.common.files import FileWriteError, ensure_folder, write_atomically
from backoffice.storage import Database


def receipt_number(regie_code: str, payment_id: int) -> str:
    return f"R-{regie_code}-{payment_id:06d}"


def receipt_data(session: Session, actor: Actor, payment_id: int, today: date) -> ReceiptData:
    """The receipt of a validated desk payment (refused for online and Trésor public)."""
    require_billing_role(actor, "imprimer un reçu", session)
    payment = session.get(Payment, payment_id)
    if payment is None:
        raise BillingError(f"Aucun règlement n'a le numéro {payment_id}.")
    if payment.mode not in DESK_MODES:
        raise BillingError(
            f"Le règlement n° {payment_id} ({PAYMENT_MODE_LABELS[payment.mode]}) n'a pas été "
            "reçu au guichet : pas de reçu à imprimer."
        )
    if payment.state is not PaymentState.VALIDATED:
        raise BillingError(f"Le règlement n° {payment_id} n'est pas validé : pas de reçu.")
    regie = session.get(Regie, payment.regie_id)
    family = session.get(Family, payment.family_id)
    assert regie is not None and family is not None
    name, address, _email = billing_identity(family, list(family.guardians))
    allocations = tuple(
        (number, amount)
        for number, amount in session.execute(
            select(Invoice.number, PaymentAllocation.amount)
            .join(Invoice, Invoice.id == PaymentAllocation.invoice_id)
            .where(PaymentAllocation.payment_id == payment.id)
            .order_by(Invoice.number)
        )
    )
    credit = payment.amount - sum((a for _n, a in allocations), ZERO)
    reference = " — ".join(p for p in (payment.reference and f"n° {payment.reference}",
                                       payment.bank) if p)  # fmt: skip
    return ReceiptData(
        issuer=issuer_from_settings(session),
        number=receipt_number(regie.code, payment.id),
        regie_name=regie.name,
        family_code=family.code,
        recipient_name=name,
        recipient_address_lines=tuple(line for line in address.splitlines() if line),
        payer_name=payment.payer_name,
        received_on=payment.received_on,
        mode_label=PAYMENT_MODE_LABELS[payment.mode],
        reference=reference,
        amount=payment.amount,
        allocations=allocations,
        credit=max(credit, Decimal("0.00")),
        day=today,
        signature=f"Le régisseur, {actor.label}",
    )


def write_receipt(db: Database, actor: Actor, payment_id: int, folder: Path, today: date) -> Path:
    """The receipt's PDF written in ``folder`` (work for a worker thread)."""
    with db.session() as session:
        data = receipt_data(session, actor, payment_id, today)
    out = Path(folder) / f"recu-{data.number}.pdf"
    try:
        ensure_folder(Path(out).parent)
        write_atomically(Path(out), render_receipt_bytes(data))
    except FileWriteError as exc:
        raise UserError(f"Impossible d'écrire le reçu {out} ({exc.reason}).") from exc
    return Path(out)


def regie_documents_dir(kind: str) -> Path:
    """Default folder of the régie's papers: ``recus``, ``avoirs``, ``relances``,
    ``attestations``, ``statistiques`` under the data folder."""
    return paths.data_dir() / "regie" / kind


# -- desk payments and credit notes, for the « Reçus et avoirs » tab ---------------------


@dataclass(frozen=True, slots=True)
class DeskPaymentRow:
    id: int
    received_on: date
    family: str
    payer_name: str
    mode_label: str
    amount: Decimal
    invoices: str


def desk_payment_rows(session: Session, actor: Actor, regie_code: str) -> list[DeskPaymentRow]:
    """The régie's validated desk payments, newest first (each has a receipt)."""
    require_billing_role(actor, "consulter les règlements", session)
    regie = get_regie(session, regie_code)
    numbers: dict[int, list[str]] = defaultdict(list)
    rows = session.execute(
        select(Payment, Family.code)
        .join(Family, Family.id == Payment.family_id)
        .where(
            Payment.regie_id == regie.id,
            Payment.mode.in_(DESK_MODES),
            Payment.state == PaymentState.VALIDATED,
        )
        .order_by(Payment.received_on.desc(), Payment.id.desc())
    ).all()
    for payment_id, number in session.execute(
        select(PaymentAllocation.payment_id, Invoice.number)
        .join(Invoice, Invoice.id == PaymentAllocation.invoice_id)
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .where(Payment.regie_id == regie.id)
        .order_by(Invoice.number)
    ):
        numbers[payment_id].append(number)
    return [
        DeskPaymentRow(
            p.id,
            p.received_on,
            code,
            p.payer_name,
            PAYMENT_MODE_LABELS[p.mode],
            p.amount,
            ", ".join(numbers[p.id]),
        )  # fmt: skip
        for p, code in rows
    ]


@dataclass(frozen=True, slots=True)
class CreditNoteRow:
    id: int
    number: str
    invoice: str
    family: str
    issue_date: date
    total: Decimal
    reason: str


def credit_note_rows(session: Session, actor: Actor, regie_code: str) -> list[CreditNoteRow]:
    """The régie's credit notes, newest first."""
    require_billing_role(actor, "consulter les avoirs", session)
    regie = get_regie(session, regie_code)
    return [
        CreditNoteRow(note.id, note.number, number, code, note.issue_date, note.total, note.reason)
        for note, number, code in session.execute(
            select(CreditNote, Invoice.number, Family.code)
            .join(Invoice, Invoice.id == CreditNote.invoice_id)
            .join(Family, Family.id == Invoice.family_id)
            .where(CreditNote.regie_id == regie.id)
            .order_by(CreditNote.issue_date.desc(), CreditNote.seq.desc())
        )
    ]


def write_credit_note_pdf(db: Database, actor: Actor, credit_note_id: int, folder: Path) -> Path:
    """The credit note's PDF (the invoice layout, titled « AVOIR ») written in ``folder``."""
    require_billing_role(actor, "imprimer un avoir", db)
    with db.session() as session:
        doc = credit_note_document(session, credit_note_id)
    path = Path(folder) / doc.file_name
    try:
        ensure_folder(path.parent)
        write_atomically(path, render_invoice_bytes(doc))
    except FileWriteError as exc:
        raise UserError(f"Impossible d'écrire l'avoir {path} ({exc.reason}).") from exc
    return path
