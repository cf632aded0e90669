"""Receipts of desk payments and the attestations (frais de garde, présence/paiement):
amounts paid in the year for children under 6, PDF text, batch PDF, e-mail through a
real SMTP sink, role checks. Built on the hand-made billing world (tests/billing)."""

from __future__ import annotations

import importlib.util
import io
import re
import shutil
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

TESTS = Path(__file__).resolve().parents[1]
if "billing_world" not in sys.modules:  # the hand-made world, without tests/billing on the path
    _spec = importlib.util.spec_from_file_location(
        "billing_world", TESTS / "billing" / "billing_world.py"
    )
    assert _spec is not None and _spec.loader is not None
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["billing_world"] = _module
    _spec.loader.exec_module(_module)

from billing_world import build  # noqa: E402

from backoffice.documents.receipt_pdf import render_receipt_bytes  # noqa: E402
from backoffice.models import Role  # noqa: E402
from backoffice.services.billing import issue_run, record_payment  # noqa: E402
from backoffice.services.billing.attestations import (  # noqa: E402
    attestations_pdf,
    childcare_attestations,
    email_attestations,
    presence_attestations,
)
from backoffice.services.billing.ledger import figures  # noqa: E402
from backoffice.services.billing.receipts import receipt_data  # noqa: E402
from backoffice.services.common.actors import SYSTEM, Actor, PermissionDenied  # noqa: E402
from backoffice.services.settings.smtp import save_smtp_settings  # noqa: E402

D = Decimal
REGISSEUR = Actor(None, "regie", Role.ACCOUNTANT, "Claire Régie")
ACCUEIL = Actor(None, "accueil", Role.AGENT, "Accueil")
TODAY = date(2027, 1, 15)
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def text(data: bytes) -> str:
    raw = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"[ \t\r\n\u00a0]+", " ", raw)


def shot(data: bytes, name: str, tmp_path: Path) -> None:
    if shutil.which("pdftoppm"):
        pdf = tmp_path / f"{name}.pdf"
        pdf.write_bytes(data)
        SHOTS.mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile",
                        str(pdf), str(SHOTS / name)], check=True)  # fmt: skip


@pytest.fixture
def paid(sqlite_db):
    """March invoiced (MAC: Jade Petit, born 2024; PERI: the Martin children, born 2016
    and 2019, and Noé Roux); the Petits pay 15 € in cash and 5 € in CESU, the Martins
    pay the périscolaire by cheque."""
    import backoffice.services.billing  # noqa: F401  (installs the guards)

    with sqlite_db.session() as s:
        w = build(s)
        for key, value in {
            "collectivity.name": "Communauté de communes Sud Sarthe",
            "collectivity.address": "Pôle intercommunal du Lude\n72800 Le Lude",
        }.items():
            from backoffice.models import Setting

            s.add(Setting(key=key, value=value))
    with sqlite_db.session() as s:
        issue_run(s, "MAC", date(2026, 3, 1), date(2026, 3, 31), issue_date=date(2026, 4, 2))
        issue_run(s, "PERI", date(2026, 3, 1), date(2026, 3, 31), issue_date=date(2026, 4, 2))
    with sqlite_db.session() as s:
        cash = record_payment(s, "F00043", "MAC", "espèces", "15.00",
                              received_on=date(2026, 4, 10), payer_name="Paul Petit")  # fmt: skip
        record_payment(s, "F00043", "MAC", "cesu", "5.00", received_on=date(2026, 4, 11))
        record_payment(s, "F00042", "PERI", "chèque", "15.00", bank="CIC", number="123",
                       received_on=date(2026, 4, 12))  # fmt: skip
        w.cash_id = cash.payment.id
        w.mac_invoice = cash.allocations[0].number
    return sqlite_db, w


def test_receipt_of_a_desk_payment(paid, tmp_path):
    db, w = paid
    with db.session() as s:
        data = receipt_data(s, REGISSEUR, w.cash_id, date(2026, 4, 10))
        with pytest.raises(PermissionDenied):
            receipt_data(s, ACCUEIL, w.cash_id, date(2026, 4, 10))
    pdf = render_receipt_bytes(data)
    t = text(pdf)
    for part in ("REÇU", f"R-MAC-{w.cash_id:06d}", "15,00 €", "10/04/2026", "Paul Petit",
                 w.mac_invoice, "par espèces", "Régie Multi-accueil"):  # fmt: skip
        assert part in t, part
    shot(pdf, "pdf-receipt", tmp_path)


def test_childcare_attestation_counts_what_was_paid_for_children_under_6(paid, tmp_path):
    db, w = paid
    with db.session() as s:
        found = childcare_attestations(s, REGISSEUR, 2026, TODAY)
        assert childcare_attestations(s, REGISSEUR, 2025, TODAY) == []
        with pytest.raises(PermissionDenied):
            childcare_attestations(s, ACCUEIL, 2026, TODAY)
    # Only Jade (under 6 on 01/01/2026); the CESU 5 € are not deductible; the Martin
    # children were 6 or more on 1 January.
    assert [(a.family_code, [(c.child_name, c.amount) for c in a.children]) for a in found] == [
        ("F00043", [("Jade Petit", D("15.00"))])
    ]
    pdf = attestations_pdf(REGISSEUR, found)
    t = text(pdf)
    for part in ("ATTESTATION DE FRAIS DE GARDE", "année 2026", "Jade Petit", "01/05/2024",
                 "15,00 €", "Paul Petit", "Le Lude, le 15/01/2027"):  # fmt: skip
        assert part in t, part
    shot(pdf, "pdf-attestation-frais-de-garde", tmp_path)


def test_presence_attestation_days_hours_and_payments(paid, tmp_path):
    db, w = paid
    with db.session() as s:
        found = presence_attestations(s, REGISSEUR, date(2026, 3, 1), date(2026, 4, 30), TODAY)
    by_family = {a.family_code: a for a in found}
    petit = by_family["F00043"]
    # Jade: present 2, 3, 4 and 6 March (the 6th without times: a day, no hours).
    assert [(line.child_name, line.days, line.hours) for line in petit.lines] == [
        ("Jade Petit", 4, D("22.93"))
    ]
    assert petit.paid == D("20.00")  # cash + CESU: both paid to the régie
    martin = by_family["F00042"]
    assert {(line.child_name, line.days) for line in martin.lines} == {
        ("Léa Martin", 8), ("Tom Martin", 4)
    }  # fmt: skip
    assert martin.paid == D("15.00")
    pdf = attestations_pdf(REGISSEUR, found)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == len(found) == 3
    t = text(pdf)
    for part in ("ATTESTATION DE PRÉSENCE ET DE PAIEMENT", "du 01/03/2026 au 30/04/2026",
                 "Multi-accueil", "22,93 h", "20,00 €"):  # fmt: skip
        assert part in t, part
    one = attestations_pdf(REGISSEUR, [petit])
    shot(one, "pdf-attestation-presence", tmp_path)


def test_attestations_by_email(paid, smtp_sink):
    db, w = paid
    with db.session() as s:
        save_smtp_settings(
            s, SYSTEM, host="127.0.0.1", port=smtp_sink.port, security="none",
                                  sender="regie@example.org")  # fmt: skip
        found = presence_attestations(s, REGISSEUR, date(2026, 3, 1), date(2026, 4, 30), TODAY)
    with_email = [a for a in found if a.billing_email]
    report = email_attestations(db, REGISSEUR, found)
    assert len(smtp_sink.messages) == len(report.sent) == len(with_email)
    assert sorted(report.without_email) == sorted(
        a.family_code for a in found if not a.billing_email
    )
    msg = smtp_sink.messages[0]
    assert msg["Subject"].startswith("Attestation de présence du 01/03/2026 au 30/04/2026")
    (attachment,) = list(msg.iter_attachments())
    assert attachment.get_filename().startswith("attestation-presence-20260301-20260430-")
    with pytest.raises(PermissionDenied):
        email_attestations(db, ACCUEIL, found)


def test_invoice_balance_untouched(paid):
    """Sanity: the world is what the other tests think (the MAC invoice is partly paid)."""
    db, w = paid
    from sqlalchemy import select

    from backoffice.models import Invoice

    with db.session() as s:
        inv = s.scalar(select(Invoice).where(Invoice.number == w.mac_invoice))
        assert figures(s, [inv.id])[inv.id].paid == D("20.00")
