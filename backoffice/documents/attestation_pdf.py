"""The yearly attestation de frais de garde (tax credit for childcare) and the attestation
de présence et de paiement (for an employer or the CAF), one family per letter; a batch
is one PDF (:func:`render_attestations_bytes`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from reportlab.lib.units import mm

from backoffice.documents.formatting import format_date, format_euros, format_quantity
from backoffice.documents.invoice_data import Issuer
from backoffice.documents.letter_frame import Letter, LetterTable, place_of, render_letters_bytes


@dataclass(frozen=True)
class ChildcareLine:
    child_name: str
    birth_date: date
    amount: Decimal


@dataclass(frozen=True)
class ChildcareAttestation:
    """Attestation de frais de garde des enfants de moins de 6 ans (année ``year``)."""

    issuer: Issuer
    family_code: str
    recipient_name: str
    recipient_address_lines: tuple[str, ...]
    billing_email: str
    year: int
    children: tuple[ChildcareLine, ...]
    day: date
    signature: str

    @property
    def total(self) -> Decimal:
        return sum((c.amount for c in self.children), Decimal("0.00"))

    @property
    def file_name(self) -> str:
        return f"attestation-frais-de-garde-{self.year}-{self.family_code}.pdf"


@dataclass(frozen=True)
class PresenceLine:
    child_name: str
    activity: str
    days: int
    hours: Decimal | None  # multi-accueil: hours present


@dataclass(frozen=True)
class PresenceAttestation:
    """Attestation de présence et de paiement over ``start``–``end``."""

    issuer: Issuer
    family_code: str
    recipient_name: str
    recipient_address_lines: tuple[str, ...]
    billing_email: str
    start: date
    end: date
    lines: tuple[PresenceLine, ...]
    paid: Decimal
    day: date
    signature: str

    @property
    def file_name(self) -> str:
        return f"attestation-presence-{self.start:%Y%m%d}-{self.end:%Y%m%d}-{self.family_code}.pdf"


def childcare_letter(a: ChildcareAttestation) -> Letter:
    return Letter(
        issuer=a.issuer,
        recipient_name=a.recipient_name,
        recipient_address_lines=a.recipient_address_lines,
        reference=f"Réf. famille : {a.family_code}",
        place=place_of(a.issuer.address_lines),
        day=a.day,
        title="ATTESTATION DE FRAIS DE GARDE",
        subject=f"Frais de garde des enfants de moins de 6 ans — année {a.year}",
        paragraphs=(
            f"Je soussigné, régisseur de {a.issuer.name}, atteste que {a.recipient_name} a "
            f"réglé au cours de l'année {a.year} les sommes suivantes pour la garde hors du "
            "domicile de ses enfants âgés de moins de 6 ans au 1er janvier "
            f"{a.year} (multi-accueil, accueil de loisirs, accueil périscolaire), hors frais de "
            "repas et hors règlements par CESU :",
        ),
        table=LetterTable(
            header=("Enfant", "Né(e) le", "Montant réglé"),
            widths=(90 * mm, 40 * mm, 44 * mm),
            rows=tuple(
                (c.child_name, format_date(c.birth_date), format_euros(c.amount))
                for c in a.children
            ),
            right=frozenset({2}),
            total=("Total", "", format_euros(a.total)),
        ),
        closing=(
            "Attestation délivrée pour servir et valoir ce que de droit, notamment pour le "
            "crédit d'impôt pour frais de garde des jeunes enfants (article 200 quater B du "
            "code général des impôts).",
        ),
        signature=a.signature,
        doc_title=f"Attestation de frais de garde {a.year} — {a.family_code}",
    )


def presence_letter(a: PresenceAttestation) -> Letter:
    rows = tuple(
        (
            line.child_name,
            line.activity,
            str(line.days),
            format_quantity(line.hours) + " h" if line.hours is not None else "—",
        )
        for line in a.lines
    )
    return Letter(
        issuer=a.issuer,
        recipient_name=a.recipient_name,
        recipient_address_lines=a.recipient_address_lines,
        reference=f"Réf. famille : {a.family_code}",
        place=place_of(a.issuer.address_lines),
        day=a.day,
        title="ATTESTATION DE PRÉSENCE ET DE PAIEMENT",
        subject=f"Présences du {format_date(a.start)} au {format_date(a.end)}",
        paragraphs=(
            f"Je soussigné, régisseur de {a.issuer.name}, atteste que les enfants de "
            f"{a.recipient_name} ont été accueillis du {format_date(a.start)} au "
            f"{format_date(a.end)} comme suit :",
        ),
        table=LetterTable(
            header=("Enfant", "Accueil", "Jours de présence", "Heures"),
            widths=(50 * mm, 74 * mm, 28 * mm, 22 * mm),
            rows=rows,
            right=frozenset({2, 3}),
        ),
        closing=(
            f"La famille a réglé {format_euros(a.paid)} au cours de cette période.",
            "Attestation délivrée pour servir et valoir ce que de droit.",
        ),
        signature=a.signature,
        doc_title=f"Attestation de présence — {a.family_code}",
    )


def render_attestations_bytes(
    attestations: Sequence[ChildcareAttestation | PresenceAttestation],
) -> bytes:
    letters = [
        childcare_letter(a) if isinstance(a, ChildcareAttestation) else presence_letter(a)
        for a in attestations
    ]
    return render_letters_bytes(letters, title="Attestations")
