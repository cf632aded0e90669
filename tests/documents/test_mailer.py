"""Invoices by e-mail through a real SMTP sink on loopback (aiosmtpd)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from invoice_kit import QF, add_invoice, free_port
from sqlalchemy import select

from backoffice.documents.invoice_data import invoice_document
from backoffice.documents.invoice_pdf import render_invoice_bytes
from backoffice.errors import UserError
from backoffice.models import AuditEvent, Setting
from backoffice.services.billing import mail as mailer
from backoffice.services.billing.invoice_pdfs import EMAIL_ENTITY, email_run
from backoffice.services.common.actors import SYSTEM
from backoffice.services.settings import smtp as smtp_config

LINES = [(0, date(2026, 7, 6), "Journée (repas compris)", QF, "1", "14.20")]


def configure(db, port: int, **kw) -> mailer.SmtpSettings:
    with db.session() as s:
        return smtp_config.save_smtp_settings(
            s, SYSTEM, host="127.0.0.1", port=port, security="none",
            sender="Communauté de communes Sud Sarthe <portailfamilles@comcomsudsarthe.fr>", **kw,
        )  # fmt: skip


def test_send_invoice_reaches_the_billing_address_with_the_pdf(billing_db, world, smtp_sink):
    settings = configure(billing_db, smtp_sink.port)
    invoice_id = add_invoice(billing_db, world, "ALSH", 42, LINES)
    with billing_db.session() as s:
        doc = invoice_document(s, invoice_id)
    pdf = render_invoice_bytes(doc)
    recipient = mailer.send_invoice(settings, doc, pdf)
    assert recipient == "elodie.martin@example.org"
    assert smtp_sink.envelopes == [("portailfamilles@comcomsudsarthe.fr", [recipient])]
    msg = smtp_sink.messages[0]
    assert msg["Subject"] == "Facture ALSH-2026-00042 — Régie ALSH enfance"
    assert "elodie.martin@example.org" in msg["To"]
    body = msg.get_body(("plain",)).get_content()
    assert "Veuillez trouver ci-joint la facture ALSH-2026-00042 du 19/06/2026" in body
    assert "14,20\u00a0€" in body
    assert "période de paiement du 13/06/2026 au 03/07/2026" in body
    attachments = list(msg.iter_attachments())
    assert len(attachments) == 1
    assert attachments[0].get_filename() == "ALSH-2026-00042.pdf"
    assert attachments[0].get_content_type() == "application/pdf"
    assert attachments[0].get_content() == pdf


def test_email_run_sends_once_records_and_skips(billing_db, world, smtp_sink, tmp_path):
    configure(billing_db, smtp_sink.port)
    ids = [
        add_invoice(billing_db, world, "ALSH", 1, LINES),
        add_invoice(billing_db, world, "PERI", 2, LINES),
        add_invoice(billing_db, world, "ALSH", 3, LINES, billing_email=""),
    ]
    seen = []
    report = email_run(
        billing_db, invoice_ids=ids, out_dir=tmp_path, progress=lambda d, t: seen.append((d, t))
    )
    assert report.sent == ["ALSH-2026-00001", "PERI-2026-00002"]
    assert report.without_email == ["ALSH-2026-00003"]
    assert seen == [(0, 2), (1, 2), (2, 2)]
    assert len(smtp_sink.messages) == 2
    peri = next(m for m in smtp_sink.messages if "PERI" in m["Subject"])
    assert "Trésor public" in peri.get_body(("plain",)).get_content()
    assert (tmp_path / "ALSH-2026-00001.pdf").is_file()  # rendered on the way
    with billing_db.session() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.entity == EMAIL_ENTITY)).all()
        assert sorted(e.entity_id for e in events) == sorted(ids[:2])
        assert {e.new_value for e in events} == {"elodie.martin@example.org"}

    again = email_run(billing_db, invoice_ids=ids, out_dir=tmp_path)
    assert again.sent == [] and again.already_sent == ["ALSH-2026-00001", "PERI-2026-00002"]
    assert len(smtp_sink.messages) == 2
    forced = email_run(billing_db, invoice_ids=ids[:1], out_dir=tmp_path, resend=True)
    assert forced.sent == ["ALSH-2026-00001"]


def test_unreachable_server_is_a_french_user_error_and_nothing_is_recorded(
    billing_db, world, tmp_path
):
    configure(billing_db, free_port())  # nobody listens there
    ids = [add_invoice(billing_db, world, "ALSH", 1, LINES)]
    with pytest.raises(UserError, match="Impossible de joindre le serveur SMTP 127.0.0.1"):
        email_run(billing_db, invoice_ids=ids, out_dir=tmp_path)
    with billing_db.session() as s:
        assert s.scalars(select(AuditEvent).where(AuditEvent.entity == EMAIL_ENTITY)).all() == []


def test_not_configured(billing_db, world, tmp_path):
    ids = [add_invoice(billing_db, world, "ALSH", 1, LINES)]
    with pytest.raises(mailer.MailError, match="n'est pas configuré"):
        email_run(billing_db, invoice_ids=ids, out_dir=tmp_path)


def test_password_never_in_the_database(billing_db, monkeypatch, smtp_sink):
    monkeypatch.setenv(smtp_config.PASSWORD_ENV, "s3cret-Pw")
    settings = configure(billing_db, smtp_sink.port, user="regie.alsh")
    assert smtp_config.read_password(settings) == "s3cret-Pw"
    with billing_db.session() as s:
        values = [v for (v,) in s.execute(select(Setting.value))]
    assert not any("s3cret" in v for v in values)


def test_settings_are_checked(billing_db):
    with billing_db.session() as s, pytest.raises(UserError, match="expéditeur|Expéditeur"):
        smtp_config.save_smtp_settings(s, SYSTEM, host="smtp.example.fr", sender="pas une adresse")
    with billing_db.session() as s, pytest.raises(UserError, match="sécurité"):
        smtp_config.save_smtp_settings(
            s, SYSTEM, host="smtp.example.fr", security="tls", sender="a@b.fr"
        )
    with billing_db.session() as s:
        saved = smtp_config.save_smtp_settings(
            s, SYSTEM, host="smtp.example.fr", security="ssl", sender="a@b.fr"
        )
    assert saved.port == 465
    with billing_db.session() as s:
        assert mailer.smtp_settings(s) == saved


def test_credit_note_email_subject(billing_db, world, smtp_sink):
    from backoffice.documents.invoice_data import credit_note_document
    from backoffice.models import CreditNote

    settings = configure(billing_db, smtp_sink.port)
    invoice_id = add_invoice(billing_db, world, "ALSH", 5, LINES)
    with billing_db.session() as s:
        note = CreditNote(
            number="AV-ALSH-2026-00001", regie_id=world.regie["ALSH"], year=2026, seq=1,
            invoice_id=invoice_id, issue_date=date(2026, 7, 1), reason="Erreur", total=Decimal("14.20"),
        )  # fmt: skip
        s.add(note)
        s.flush()
        doc = credit_note_document(s, note.id)
    mailer.send_invoice(settings, doc, render_invoice_bytes(doc))
    msg = smtp_sink.messages[0]
    assert msg["Subject"] == "Avoir AV-ALSH-2026-00001 — Régie ALSH enfance"
    assert (
        "d'un montant de 14,20\u00a0€, sur la facture ALSH-2026-00005"
        in msg.get_body(("plain",)).get_content()
    )
