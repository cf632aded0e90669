"""The receipt (reçu) of a payment taken at the desk: who paid, when, how, how much,
and the invoices it settled (what is left over stays as the family's credit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from reportlab.lib.units import mm

from backoffice.documents.formatting import format_date, format_euros
from backoffice.documents.invoice_data import Issuer
from backoffice.documents.letter_frame import Letter, LetterTable, place_of, render_letters_bytes


@dataclass(frozen=True)
class ReceiptData:
    issuer: Issuer
    number: str  # « R-ALSH-000042 »
    regie_name: str
    family_code: str
    recipient_name: str
    recipient_address_lines: tuple[str, ...]
    payer_name: str
    received_on: date
    mode_label: str
    reference: str  # cheque number and bank…, may be empty
    amount: Decimal
    allocations: tuple[tuple[str, Decimal], ...]  # (invoice number, amount)
    credit: Decimal  # left on the family's account
    day: date
    signature: str


def receipt_letter(data: ReceiptData) -> Letter:
    paid_by = data.payer_name or data.recipient_name
    detail = f" ({data.reference})" if data.reference else ""
    paragraphs = (
        f"Le régisseur de la {data.regie_name} reconnaît avoir reçu de {paid_by}, le "
        f"{format_date(data.received_on)}, la somme de {format_euros(data.amount)} "
        f"par {data.mode_label.lower()}{detail}.",
    )
    rows = tuple((number, format_euros(amount)) for number, amount in data.allocations)
    if data.credit > 0:
        rows += (("Avoir au compte de la famille (non affecté)", format_euros(data.credit)),)
    table = LetterTable(
        header=("Affectation", "Montant"),
        widths=(130 * mm, 44 * mm),
        rows=rows,
        right=frozenset({1}),
        total=("Total reçu", format_euros(data.amount)),
    )
    return Letter(
        issuer=data.issuer,
        recipient_name=data.recipient_name,
        recipient_address_lines=data.recipient_address_lines,
        reference=f"Réf. famille : {data.family_code} — Reçu n° {data.number}",
        place=place_of(data.issuer.address_lines),
        day=data.day,
        title="REÇU",
        subject=f"Reçu n° {data.number} — règlement du {format_date(data.received_on)}",
        paragraphs=paragraphs,
        table=table,
        closing=("Ce reçu vous est remis pour servir et valoir ce que de droit.",),
        signature=data.signature,
        doc_title=f"Reçu {data.number}",
    )


def render_receipt_bytes(data: ReceiptData) -> bytes:
    return render_letters_bytes([receipt_letter(data)])
