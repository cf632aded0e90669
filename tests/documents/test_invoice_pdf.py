"""Invoice and credit-note PDFs read back with pypdf: numbers, lines, QF, totals,
payment instructions per régie, pagination — all from ORM rows."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pypdf
import pytest
from invoice_kit import QF, add_invoice

from backoffice.documents import invoice_pdf
from backoffice.documents.invoice_data import (
    InvoiceDocument,
    credit_note_document,
    invoice_document,
)
from backoffice.documents.invoice_pdf import LEGAL_VAT, render_invoice, render_invoice_bytes

NN = "\u202f"


def pdf_text(data: bytes) -> tuple[str, int]:
    """Text of all pages, whitespace collapsed (U+202F kept, U+00A0 read back as a space)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    raw = "\n".join(page.extract_text() for page in reader.pages)
    return squash(raw), len(reader.pages)


def squash(raw: str) -> str:
    # str.split() would also split on U+202F, which must stay.
    return re.sub(r"[ \t\r\n\u00a0]+", " ", raw).strip()


def alsh_lines():
    j = "Journée (repas compris)"
    return [
        *[(0, date(2026, 7, d), j, QF, "1", "14.20") for d in (6, 7, 8, 9, 10)],
        (0, date(2026, 7, 9), "Sortie Papéa Parc (supplément)", QF, "1", "8.00"),
        (0, date(2026, 7, 13), "Journée — annulation tardive", QF, "1", "14.20"),
        *[(1, date(2026, 7, d), "Demi-journée matin", QF, "1", "6.10") for d in (6, 8)],
        (1, date(2026, 7, 10), "Demi-journée après-midi", QF, "1", "6.10"),
        (1, date(2026, 7, 15), "Repas", QF, "1", "1234.56"),  # a big one: thousands separator
    ]


def test_alsh_invoice_shows_lines_groups_totals_and_online_payment(billing_db, world):
    invoice_id = add_invoice(billing_db, world, "ALSH", 42, alsh_lines())
    with billing_db.session() as s:
        doc = invoice_document(s, invoice_id)
    text, pages = pdf_text(render_invoice_bytes(doc))
    assert pages == 1
    for expected in (
        "FACTURE",
        "N° ALSH-2026-00042",
        "Date d'émission 19/06/2026",
        "Date d'échéance 04/07/2026",
        "Régie ALSH enfance",
        "Communauté de communes Sud Sarthe",
        "SIRET 200 073 112 00019",
        "Mme Élodie MARTIN",
        "12 rue de la Gaudinière 72800 Le Lude",
        "Léa MARTIN",
        "Tom MARTIN",
        # grouped by unit, dates as a range, quantity, unit price, amount
        "Journée (repas compris) lun. 06/07 au ven. 10/07 QF 601 à 900 5 14,20 € 71,00 €",
        "Sortie Papéa Parc (supplément) jeu. 09/07 QF 601 à 900 1 8,00 € 8,00 €",
        "Demi-journée matin lun. 06/07, mer. 08/07 QF 601 à 900 2 6,10 € 12,20 €",
        "Sous-total Léa MARTIN 93,20 €",
        f"Sous-total Tom MARTIN 1{NN}252,86 €",
        f"Total de la facture 1{NN}346,06 €",
        "Règlements reçus 0,00 €",
        f"Reste à payer 1{NN}346,06 €",
        "En ligne sur le Portail Famille",
        "pendant la période de paiement du 13/06/2026 au 03/07/2026",
        "Ou au guichet avant le 04/07/2026 : Pôle intercommunal du Lude, Allée de l'ancienne gare, 72800 Le Lude",
        "Chèques-vacances ANCV acceptés au guichet.",
        LEGAL_VAT,
        "Régie de recettes",
        "Page 1/1",
    ):
        assert expected in text, expected
    assert "Trésor public" not in text
    # Léa's section comes before Tom's, and both before the total.
    assert text.index("Léa MARTIN") < text.index("Tom MARTIN") < text.index("Total de la facture")


def test_periscolaire_invoice_is_paid_to_the_tresor_public(billing_db, world):
    lines = [
        (0, date(2026, 3, d), "Accueil du soir", "QF ≤ 600", "1", "1.85") for d in (2, 3, 5, 6)
    ]
    invoice_id = add_invoice(
        billing_db, world, "PERI", 318, lines,
        period_start=date(2026, 3, 1), period_end=date(2026, 3, 31),
    )  # fmt: skip
    with billing_db.session() as s:
        doc = invoice_document(s, invoice_id)
    text, _ = pdf_text(render_invoice_bytes(doc))
    assert "N° PERI-2026-00318" in text
    assert "Régie périscolaire TAP mercredi péricentre" in text
    assert "lun. 02/03, mar. 03/03, jeu. 05/03, ven. 06/03 QF ≤ 600 4 1,85 € 7,40 €" in text
    assert "À régler auprès du Trésor public à réception de l'avis des sommes à payer." in text
    assert "Portail Famille" not in text
    assert "Total de la facture 7,40 €" in text


def test_payments_and_credit_notes_reduce_the_balance(billing_db, world):
    from backoffice.models import (
        CreditNote,
        Payment,
        PaymentAllocation,
        PaymentMode,
        PaymentState,
    )

    invoice_id = add_invoice(billing_db, world, "ALSH", 7, alsh_lines()[:5])  # 71,00 €
    with billing_db.session() as s:
        paid = Payment(
            family_id=world.family_id, regie_id=world.regie["ALSH"], mode=PaymentMode.CHEQUE,
            amount=Decimal("30.00"), received_on=date(2026, 6, 22), reference="1234567",
        )  # fmt: skip
        paid.allocations.append(PaymentAllocation(invoice_id=invoice_id, amount=Decimal("30.00")))
        pending = Payment(
            family_id=world.family_id, regie_id=world.regie["ALSH"], mode=PaymentMode.ONLINE,
            amount=Decimal("41.00"), received_on=date(2026, 6, 23),
            state=PaymentState.PENDING_BANK_VALIDATION,
        )  # fmt: skip
        pending.allocations.append(
            PaymentAllocation(invoice_id=invoice_id, amount=Decimal("41.00"))
        )
        s.add_all([paid, pending])
        s.add(
            CreditNote(
                number="AV-ALSH-2026-00001", regie_id=world.regie["ALSH"], year=2026, seq=1,
                invoice_id=invoice_id, issue_date=date(2026, 6, 25), reason="Erreur",
                total=Decimal("14.20"),
            )
        )  # fmt: skip
    with billing_db.session() as s:
        doc = invoice_document(s, invoice_id)
    assert doc.balance == Decimal("26.80")
    text, _ = pdf_text(render_invoice_bytes(doc))
    assert "Total de la facture 71,00 €" in text
    assert "Règlement du 22/06/2026 (Chèque) −30,00 €" in text
    assert "Avoir AV-ALSH-2026-00001 du 25/06/2026 −14,20 €" in text
    assert "Reste à payer 26,80 €" in text
    assert "41,00" not in text  # not validated by the bank yet


def test_credit_note_has_the_same_layout_with_negative_amounts(billing_db, world):
    from sqlalchemy import select

    from backoffice.models import CreditNote, CreditNoteLine, InvoiceLine

    invoice_id = add_invoice(billing_db, world, "ALSH", 8, alsh_lines())
    with billing_db.session() as s:
        late = s.scalar(
            select(InvoiceLine).where(InvoiceLine.label == "Journée — annulation tardive")
        )
        note = CreditNote(
            number="AV-ALSH-2026-00003", regie_id=world.regie["ALSH"], year=2026, seq=3,
            invoice_id=invoice_id, issue_date=date(2026, 7, 20),
            reason="Absence justifiée (certificat médical)", total=Decimal("14.20"),
        )  # fmt: skip
        note.lines.append(
            CreditNoteLine(
                invoice_line_id=late.id,
                label="Journée — annulation justifiée",
                amount=Decimal("14.20"),
            )
        )
        s.add(note)
        s.flush()
        note_id = note.id
    with billing_db.session() as s:
        doc = credit_note_document(s, note_id)
    assert doc.total == Decimal("-14.20")
    text, _ = pdf_text(render_invoice_bytes(doc))
    for expected in (
        "AVOIR",
        "N° AV-ALSH-2026-00003",
        "Facture d'origine ALSH-2026-00008",
        "Léa MARTIN",
        "Journée — annulation justifiée lun. 13/07 QF 601 à 900 1 −14,20 € −14,20 €",
        "Total de l'avoir −14,20 €",
        "Motif : Absence justifiée (certificat médical)",
        LEGAL_VAT,
    ):
        assert expected in text, expected
    assert "FACTURE" not in text


def test_sixty_lines_paginate_with_repeated_header(billing_db, world, tmp_path):
    # Sixty distinct activities (jeunesse sorties): nothing merges, one row each.
    lines = [
        (i % 2, date(2026, 7, 6 + i % 20), f"Sortie n° {i + 1}", QF, "1", "2.50") for i in range(60)
    ]
    invoice_id = add_invoice(billing_db, world, "ALSH", 60, lines)
    with billing_db.session() as s:
        doc = invoice_document(s, invoice_id)
    assert doc.line_count == 60
    target = tmp_path / doc.file_name
    render_invoice(doc, target)
    reader = pypdf.PdfReader(target)
    assert len(reader.pages) == 2
    first = squash(reader.pages[0].extract_text())
    second = squash(reader.pages[1].extract_text())
    assert "Page 1/2" in first and "Page 2/2" in second
    assert "Désignation Dates Tranche QF Qté Prix unit. Montant" in second  # header repeated
    assert "Facture N° ALSH-2026-00060 (suite)" in second
    assert LEGAL_VAT in first and LEGAL_VAT in second
    assert "Total de la facture 150,00 €" in second
    everything = first + " " + second
    for i in range(1, 61):
        assert f"Sortie n° {i} " in everything


def test_rendering_is_deterministic(billing_db, world):
    invoice_id = add_invoice(billing_db, world, "ALSH", 9, alsh_lines())
    with billing_db.session() as s:
        doc = invoice_document(s, invoice_id)
    assert render_invoice_bytes(doc) == render_invoice_bytes(doc)


def test_no_float_on_the_way_to_paper(billing_db, world, monkeypatch):
    """Every amount reaches the formatter as a Decimal; a float in a snapshot is refused."""
    invoice_id = add_invoice(billing_db, world, "ALSH", 10, alsh_lines())
    with billing_db.session() as s:
        doc = invoice_document(s, invoice_id)

    def decimals(value):
        if isinstance(value, InvoiceDocument):
            for name in ("total", "balance"):
                yield getattr(value, name)
            for section in value.sections:
                yield section.subtotal
                for row in section.rows:
                    yield from (row.quantity, row.unit_price, row.amount)
            for applied in value.settlements:
                yield applied.amount

    assert all(type(v) is Decimal for v in decimals(doc))

    seen = []
    real = invoice_pdf.format_euros

    def spy(value):
        assert type(value) is Decimal, value
        seen.append(value)
        return real(value)

    monkeypatch.setattr(invoice_pdf, "format_euros", spy)
    render_invoice_bytes(doc)
    assert Decimal("1346.06") in seen and len(seen) > 10

    import dataclasses

    monkeypatch.undo()
    bad = dataclasses.replace(doc, total=1346.06)
    with pytest.raises(TypeError):
        render_invoice_bytes(bad)


def test_logo_is_drawn_when_the_file_exists(billing_db, world, tmp_path):
    import dataclasses

    from reportlab.graphics import renderPM  # noqa: F401 - only to be sure PIL-free path works
    from reportlab.lib.utils import ImageReader  # noqa: F401

    png = tmp_path / "logo.png"
    # 1×1 PNG
    png.write_bytes(
        bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
        )
    )
    invoice_id = add_invoice(billing_db, world, "ALSH", 11, alsh_lines()[:2])
    with billing_db.session() as s:
        doc = invoice_document(s, invoice_id)
    with_logo = dataclasses.replace(doc, issuer=dataclasses.replace(doc.issuer, logo_path=str(png)))
    data = render_invoice_bytes(with_logo)
    assert b"/Subtype /Image" in data
    assert b"/Subtype /Image" not in render_invoice_bytes(doc)  # configured file is missing
