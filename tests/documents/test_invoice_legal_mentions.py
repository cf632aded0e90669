"""The legal mentions typed in « Paramètres › Collectivité » are printed at the foot of
the invoices, with the header's SIRET."""

from __future__ import annotations

import io
import subprocess
from datetime import date
from pathlib import Path

from invoice_kit import QF, add_invoice
from pypdf import PdfReader

from backoffice.documents.invoice_data import invoice_document
from backoffice.documents.invoice_pdf import render_invoice_bytes
from backoffice.services.common.actors import SYSTEM
from backoffice.services.settings import collectivity
from backoffice.services.settings.collectivity import Collectivity

LINES = [(0, date(2026, 7, 6), "Journée (repas compris)", QF, "1", "14.20")]
SHOTS = Path(__file__).resolve().parent.parent.parent / "docs" / "screenshots"
MENTIONS = "Régie de recettes instituée par délibération du conseil communautaire du 12/03/2024."


def test_legal_mentions_at_the_foot_of_the_invoice(billing_db, world, tmp_path):
    with billing_db.session() as s:
        collectivity.save(
            s,
            SYSTEM,
            Collectivity(
                name="Communauté de communes Sud Sarthe",
                address="2 rue de la Mairie\n72800 Le Lude",
                siret="217 200 352 00011",
                legal_mentions=MENTIONS,
            ),
        )
    invoice_id = add_invoice(billing_db, world, "ALSH", 42, LINES)
    with billing_db.session() as s:
        doc = invoice_document(s, invoice_id)
    pdf = render_invoice_bytes(doc)
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert MENTIONS in text
    assert "SIRET 217 200 352 00011" in text
    out = tmp_path / "facture.pdf"
    out.write_bytes(pdf)
    SHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-singlefile",
            str(out),
            str(SHOTS / "invoice-legal-mentions"),
        ],
        check=True,
    )
