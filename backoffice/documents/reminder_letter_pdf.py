"""The reminder letter (lettre de relance) of an unpaid invoice, level 1 or 2.

A :class:`~backoffice.documents.letter_frame.Letter` with the wording of the level
(settings ``reminders.*``), then a table of the invoice: number, date, due date,
amount, what is left to pay. Several letters make one PDF to print (a batch for the
families without e-mail); the same single letter is attached to a reminder e-mail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from reportlab.lib.units import mm

from backoffice.documents.formatting import format_date, format_euros
from backoffice.documents.invoice_data import Issuer
from backoffice.documents.letter_frame import Letter, LetterTable, place_of, render_letters_bytes

LEVEL_TITLES = {1: "RELANCE", 2: "DEUXIÈME RELANCE"}
COLUMNS = ("Facture", "Émise le", "Échéance", "Montant", "Reste à payer")
WIDTHS = (50 * mm, 28 * mm, 28 * mm, 34 * mm, 34 * mm)


@dataclass(frozen=True)
class ReminderLetterData:
    issuer: Issuer
    family_code: str
    recipient_name: str
    recipient_address_lines: tuple[str, ...]
    day: date
    level: int
    subject: str
    text: str  # the level's wording, placeholders filled in
    regie_name: str
    invoice_number: str
    issue_date: date
    due_date: date
    total: Decimal
    balance: Decimal
    signature: str


def reminder_letter(data: ReminderLetterData) -> Letter:
    paragraphs = ("Madame, Monsieur,", *[p for p in data.text.split("\n") if p.strip()])
    table = LetterTable(
        header=COLUMNS,
        widths=WIDTHS,
        rows=(
            (
                data.invoice_number,
                format_date(data.issue_date),
                format_date(data.due_date),
                format_euros(data.total),
                format_euros(data.balance),
            ),
        ),
        right=frozenset({3, 4}),
    )
    return Letter(
        issuer=data.issuer,
        recipient_name=data.recipient_name,
        recipient_address_lines=data.recipient_address_lines,
        reference=f"Réf. famille : {data.family_code} — {data.regie_name}",
        place=place_of(data.issuer.address_lines),
        day=data.day,
        title=LEVEL_TITLES.get(data.level, f"RELANCE {data.level}"),
        subject=data.subject,
        paragraphs=paragraphs,
        table=table,
        closing=(
            "Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations "
            "distinguées.",
        ),
        signature=data.signature,
        doc_title=f"Relance {data.invoice_number}",
    )


def render_reminder_letters_bytes(letters: Sequence[ReminderLetterData]) -> bytes:
    """One PDF of the letters, each on its own page (the batch to post)."""
    return render_letters_bytes(
        [reminder_letter(d) for d in letters], title="Relances des factures impayées"
    )
