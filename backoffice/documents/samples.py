"""Realistic document snapshots without a database: screenshots, benchmark, tests.

Figures are those of the demo collectivity (Communauté de communes Sud Sarthe);
amounts are Decimal, computed line by line as the billing engine does.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from backoffice.documents.deposit_slip_pdf import DepositCheque, DepositSlip
from backoffice.documents.invoice_data import (
    CREDIT_NOTE,
    INVOICE,
    AppliedAmount,
    InvoiceDocument,
    Issuer,
    build_sections,
)

ISSUER = Issuer(
    name="Communauté de communes Sud Sarthe",
    address_lines=("Pôle intercommunal du Lude", "Allée de l'ancienne gare", "72800 Le Lude"),
    siret="20007311200019",
    phone="02 61 91 72 00",
    email="portailfamilles@comcomsudsarthe.fr",
)

ALSH_INSTRUCTIONS = (
    "Paiement en ligne sur le Portail Famille pendant les périodes de paiement, ou paiement au "
    "Pôle intercommunal du Lude : chèque, espèces, carte bancaire, chèques-vacances ANCV."
)
TRESOR_INSTRUCTIONS = (
    "Paiement à réception de l'avis des sommes à payer du Trésor public (Service de gestion "
    "comptable), en ligne sur payfip.gouv.fr ou à ses guichets."
)


def _line(child, unit, day, label, qf, qty, price):
    qty, price = Decimal(qty), Decimal(price)
    return {
        "child_id": child,
        "unit_id": unit,
        "day": day,
        "label": label,
        "qf_bracket": qf,
        "quantity": qty,
        "unit_price": price,
        "amount": (qty * price).quantize(Decimal("0.01")),
    }


def _document(number, regie_code, regie_name, settlement, lines, names, **kw) -> InvoiceDocument:
    sections = build_sections(lines, names)
    total = sum((s.subtotal for s in sections), Decimal("0.00"))
    applied = kw.pop("settlements", ())
    return InvoiceDocument(
        kind=kw.pop("kind", INVOICE),
        number=number,
        regie_code=regie_code,
        regie_name=regie_name,
        settlement=settlement,
        issuer=kw.pop("issuer", ISSUER),
        sections=sections,
        total=total,
        settlements=applied,
        balance=total - sum((a.amount for a in applied), Decimal("0.00")),
        **kw,
    )


def sample_alsh_invoice() -> InvoiceDocument:
    """ALSH summer: two children, journées, demi-journées, a sortie, a late cancellation."""
    qf = "QF 601 à 900"
    lea, tom = 1, 2
    lines = []
    july = [date(2026, 7, d) for d in (6, 7, 8, 9, 10, 15, 16, 17)]
    for d in july:
        lines.append(_line(lea, 1, d, "Journée (repas compris)", qf, "1", "14.20"))
    lines.append(_line(lea, 4, date(2026, 7, 9), "Sortie Papéa Parc (supplément)", qf, "1", "8.00"))
    lines.append(_line(lea, 1, date(2026, 7, 13), "Journée — annulation tardive", qf, "1", "14.20"))
    for d in (date(2026, 7, 6), date(2026, 7, 7), date(2026, 7, 8)):
        lines.append(_line(tom, 1, d, "Journée (repas compris)", qf, "1", "14.20"))
    for d in (date(2026, 7, 9), date(2026, 7, 10)):
        lines.append(_line(tom, 2, d, "Demi-journée matin", qf, "1", "6.10"))
    lines.append(_line(tom, 3, date(2026, 7, 15), "Demi-journée après-midi", qf, "1", "6.10"))
    return _document(
        "ALSH-2026-00042",
        "ALSH",
        "Régie ALSH enfance",
        "desk_and_online",
        lines,
        {lea: "Léa MARTIN-LEFÈVRE", tom: "Tom MARTIN-LEFÈVRE"},
        issue_date=date(2026, 6, 19),
        due_date=date(2026, 7, 4),
        period_start=date(2026, 7, 6),
        period_end=date(2026, 7, 31),
        family_code="F00137",
        billing_name="Mme Élodie MARTIN-LEFÈVRE",
        billing_address_lines=("12 rue de la Gaudinière", "Lieu-dit Les Écotais", "72800 Le Lude"),
        billing_email="elodie.martin@example.org",
        payment_window=(date(2026, 6, 13), date(2026, 7, 3)),
        regie_instructions=ALSH_INSTRUCTIONS,
        settlements=(
            AppliedAmount("Règlement du 22/06/2026 (Chèques-vacances ANCV)", Decimal("50.00")),
        ),
    )


def _school_days(start: date, end: date, weekdays: tuple[int, ...]) -> list[date]:
    out, d = [], start
    while d <= end:
        if d.isoweekday() in weekdays:
            out.append(d)
        d += timedelta(days=1)
    return out


def sample_periscolaire_invoice() -> InvoiceDocument:
    """Périscolaire, March: mornings, evenings, Wednesdays, from attendance."""
    qf = "QF ≤ 600"
    start, end = date(2026, 3, 2), date(2026, 3, 31)
    school = _school_days(start, end, (1, 2, 4, 5))
    wednesdays = _school_days(start, end, (3,))
    lines = []
    for d in school:
        if d.day % 3:
            lines.append(_line(1, 11, d, "Accueil du matin (7 h 15 – 8 h 35)", qf, "1", "1.20"))
        lines.append(_line(1, 12, d, "Accueil du soir (16 h 30 – 18 h 45)", qf, "1", "1.85"))
    for d in wednesdays:
        lines.append(_line(1, 13, d, "Mercredi matin", qf, "1", "4.50"))
        lines.append(_line(1, 14, d, "Repas du mercredi", qf, "1", "3.60"))
    for d in school[::2]:
        lines.append(_line(2, 12, d, "Accueil du soir (16 h 30 – 18 h 45)", qf, "1", "1.85"))
    lines.append(
        _line(2, 12, date(2026, 3, 24), "Accueil du soir — absence non justifiée", qf, "1", "1.85")
    )
    return _document(
        "PERI-2026-00318",
        "PERI",
        "Régie périscolaire TAP mercredi péricentre",
        "tresor_public",
        lines,
        {1: "Inès BOUVIER", 2: "Noé BOUVIER"},
        issue_date=date(2026, 4, 3),
        due_date=date(2026, 5, 3),
        period_start=start,
        period_end=end,
        family_code="F00512",
        billing_name="M. Karim BOUVIER",
        billing_address_lines=("3 impasse des Tilleuls", "72500 Vaas"),
        billing_email="k.bouvier@example.net",
        regie_instructions=TRESOR_INSTRUCTIONS,
    )


def sample_credit_note() -> InvoiceDocument:
    qf = "QF 601 à 900"
    lines = [
        _line(
            1,
            1,
            date(2026, 7, 13),
            "Journée — annulation justifiée (certificat)",
            qf,
            "1",
            "-14.20",
        ),
        _line(1, 4, date(2026, 7, 9), "Sortie Papéa Parc (supplément)", qf, "1", "-8.00"),
    ]
    return _document(
        "AV-ALSH-2026-00003",
        "ALSH",
        "Régie ALSH enfance",
        "desk_and_online",
        lines,
        {1: "Léa MARTIN-LEFÈVRE"},
        kind=CREDIT_NOTE,
        issue_date=date(2026, 7, 20),
        due_date=None,
        period_start=date(2026, 7, 6),
        period_end=date(2026, 7, 31),
        family_code="F00137",
        billing_name="Mme Élodie MARTIN-LEFÈVRE",
        billing_address_lines=("12 rue de la Gaudinière", "72800 Le Lude"),
        billing_email="elodie.martin@example.org",
        related_number="ALSH-2026-00042",
        related_date=date(2026, 6, 19),
        reason="Absence justifiée par certificat médical ; sortie annulée.",
    )


FIRST = ("Léa", "Tom", "Inès", "Noé", "Jade", "Louis", "Chloé", "Gabriel", "Zoé", "Raphaël")
LAST = ("MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT", "DURAND")
UNITS = (
    ("Journée", "14.20"),
    ("Matin", "6.10"),
    ("Après-midi", "6.10"),
    ("Sortie", "8.00"),
    ("Repas", "3.60"),
    ("Accueil du soir", "1.85"),
)
BRACKETS = ("QF ≤ 600", "QF 601 à 900", "QF ≥ 901")


def sample_invoice(seq: int, n_lines: int = 12, seed: int = 0) -> InvoiceDocument:
    """A generated invoice of ``n_lines`` lines (benchmark, pagination tests).

    Every line gets its own unit label so that no two lines are merged."""
    rng = random.Random(seed * 100_003 + seq)
    last = rng.choice(LAST)
    kids = {1: f"{rng.choice(FIRST)} {last}", 2: f"{rng.choice(FIRST)} {last}"}
    qf = rng.choice(BRACKETS)
    lines = []
    start = date(2026, 7, 6)
    for i in range(n_lines):
        label, price = UNITS[i % len(UNITS)]
        day = start + timedelta(days=i // len(UNITS))
        lines.append(_line(1 + (i * 2 >= n_lines), i, day, f"{label} n° {i + 1}", qf, "1", price))
    return _document(
        f"ALSH-2026-{seq:05d}",
        "ALSH",
        "Régie ALSH enfance",
        "desk_and_online",
        lines,
        kids,
        issue_date=date(2026, 6, 19),
        due_date=date(2026, 7, 4),
        period_start=date(2026, 7, 6),
        period_end=date(2026, 7, 31),
        family_code=f"F{seq:05d}",
        billing_name=f"Mme Claire {last}",
        billing_address_lines=(f"{rng.randint(1, 90)} rue des Écoles", "72360 Mayet"),
        billing_email=f"famille{seq}@example.org",
        payment_window=(date(2026, 6, 13), date(2026, 7, 3)),
        regie_instructions=ALSH_INSTRUCTIONS,
    )


def sample_deposit_slip(n: int = 14) -> DepositSlip:
    rng = random.Random(7)
    banks = (
        "Crédit Agricole Anjou Maine",
        "Banque Populaire Grand Ouest",
        "Caisse d'Épargne Bretagne Pays de Loire",
        "La Banque Postale",
        "CIC Ouest",
        "Crédit Mutuel de Loire-Atlantique et du Centre Ouest",
    )
    cheques = tuple(
        DepositCheque(
            drawer=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            bank=rng.choice(banks),
            number=f"{rng.randint(1_000_000, 9_999_999):07d}",
            amount=Decimal(rng.randint(800, 25_000)) / 100,
        )
        for _ in range(n)
    )
    return DepositSlip(
        issuer=ISSUER,
        regie_name="Régie ALSH enfance",
        deposit_date=date(2026, 7, 3),
        cheques=cheques,
        reference="REM-ALSH-2026-007",
        depositor="Sophie GUÉRIN, régisseuse titulaire",
    )
