"""Reminders (relances): who is due, e-mails through a real SMTP sink (never twice),
letters for families without e-mail in one PDF, the past-due filter of the unpaid list."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from invoice_kit import QF, add_invoice
from pypdf import PdfReader
from sqlalchemy import select

from backoffice.models import AccountState, Family, Reminder, ReminderChannel, Role
from backoffice.services.billing import mail as mailer
from backoffice.services.billing.balances import unpaid_invoices
from backoffice.services.billing.reminders import (
    reminder_candidates,
    reminder_history,
    save_reminder_settings,
    send_reminders,
)
from backoffice.services.common.actors import SYSTEM, Actor, PermissionDenied
from backoffice.services.settings.smtp import save_smtp_settings  # noqa: E402

REGISSEUR = Actor(None, "regie", Role.ACCOUNTANT, "Claire Régie")
ACCUEIL = Actor(None, "accueil", Role.AGENT, "Accueil")
LINES = [(0, date(2026, 6, 8), "Journée (repas compris)", QF, "87", "14.20")]  # 1 235,40 €
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def pdf_text(data: bytes) -> str:
    """Text of all pages, whitespace collapsed (U+202F kept, U+00A0 read back as a space)."""
    raw = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"[ \t\r\n\u00a0]+", " ", raw)


@pytest.fixture
def reminders_db(billing_db, world, smtp_sink):
    with billing_db.session() as s:
        save_smtp_settings(
            s, SYSTEM, host="127.0.0.1", port=smtp_sink.port, security="none",
            sender="Communauté de communes Sud Sarthe <portailfamilles@comcomsudsarthe.fr>",
        )  # fmt: skip
        family = s.get(Family, world.family_id)
        family.login_email = "elodie.martin@example.org"
        family.account_state = AccountState.ACTIVE
    add_invoice(billing_db, world, "ALSH", 1, LINES)  # due 04/07, e-mail
    add_invoice(billing_db, world, "ALSH", 2, LINES, billing_email="")  # due 04/07, paper
    add_invoice(billing_db, world, "ALSH", 3, LINES, due_date=date(2026, 9, 30))  # not due
    return billing_db


def test_level_1_then_2_each_sent_once(reminders_db, smtp_sink, tmp_path):
    db = reminders_db
    with db.session() as s:  # 04/07 + 15 days: not yet
        assert reminder_candidates(s, REGISSEUR, "ALSH", 1, date(2026, 7, 18)) == []
        due = reminder_candidates(s, REGISSEUR, "ALSH", 1, date(2026, 7, 20))
    assert [(c.number, c.channel) for c in due] == [
        ("ALSH-2026-00001", ReminderChannel.EMAIL),
        ("ALSH-2026-00002", ReminderChannel.LETTER),
    ]
    out = tmp_path / "relances.pdf"
    report = send_reminders(db, REGISSEUR, "ALSH", 1, date(2026, 7, 20), letters_out=out)
    assert report.emailed == ["ALSH-2026-00001"] and report.letters == ["ALSH-2026-00002"]
    assert len(smtp_sink.messages) == 1
    msg = smtp_sink.messages[0]
    assert msg["Subject"] == "Relance — facture ALSH-2026-00001 non réglée"
    body = msg.get_body(("plain",)).get_content()
    assert "il reste 1\u202f235,40\u00a0€ à payer" in body and "le 04/07/2026" in body
    attachment = next(msg.iter_attachments())
    assert attachment.get_filename() == "relance-ALSH-2026-00001.pdf"
    letter = pdf_text(out.read_bytes())
    for text in ("RELANCE", "ALSH-2026-00002", "1\u202f235,40 €", "04/07/2026",
                 "Mme Élodie MARTIN", "Le Lude, le 20/07/2026", "Claire Régie"):  # fmt: skip
        assert text in letter, text
    assert len(PdfReader(out).pages) == 1

    again = send_reminders(db, REGISSEUR, "ALSH", 1, date(2026, 7, 21), letters_out=out)
    assert again.emailed == [] and again.letters == [] and len(smtp_sink.messages) == 1

    with db.session() as s:  # level 2: 15 days after level 1
        assert reminder_candidates(s, REGISSEUR, "ALSH", 2, date(2026, 8, 3)) == []
    second = send_reminders(
        db, REGISSEUR, "ALSH", 2, date(2026, 8, 4), letters_out=tmp_path / "r2.pdf"
    )
    assert second.emailed == ["ALSH-2026-00001"] and second.letters == ["ALSH-2026-00002"]
    assert len(smtp_sink.messages) == 2
    assert "relance du 20/07/2026" in smtp_sink.messages[1].get_body(("plain",)).get_content()
    letter2 = (tmp_path / "r2.pdf").read_bytes()
    assert "DEUXIÈME RELANCE" in pdf_text(letter2)
    send_reminders(db, REGISSEUR, "ALSH", 2, date(2026, 8, 20), letters_out=tmp_path / "r3.pdf")
    assert len(smtp_sink.messages) == 2
    with db.session() as s:
        history = reminder_history(s, REGISSEUR, regie_code="ALSH")
        assert [(r.number, r.level, r.sent_on, r.channel_label) for r in history] == [
            ("ALSH-2026-00002", 2, date(2026, 8, 4), "Courrier"),
            ("ALSH-2026-00001", 2, date(2026, 8, 4), "Courriel"),
            ("ALSH-2026-00002", 1, date(2026, 7, 20), "Courrier"),
            ("ALSH-2026-00001", 1, date(2026, 7, 20), "Courriel"),
        ]
        assert history[1].recipient == "elodie.martin@example.org"
        assert s.scalar(select(Reminder.balance).limit(1)) == Decimal("1235.40")
    if shutil.which("pdftoppm"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(out),
                        str(SHOTS / "pdf-reminder-letter")], check=True)  # fmt: skip


def test_a_failed_email_is_not_recorded(reminders_db, smtp_sink, tmp_path):
    with reminders_db.session() as s:  # a port nobody listens on
        save_smtp_settings(
            s, SYSTEM, host="127.0.0.1", port=1, security="none",
                                  sender="regie@example.org")  # fmt: skip
    with pytest.raises(mailer.MailError):
        send_reminders(reminders_db, REGISSEUR, "ALSH", 1, date(2026, 7, 20),
                       letters_out=tmp_path / "r.pdf")  # fmt: skip
    with reminders_db.session() as s:
        assert s.scalars(select(Reminder)).all() == []


def test_wording_is_editable_and_checked(reminders_db, tmp_path):
    with reminders_db.session() as s:
        save_reminder_settings(
            s, REGISSEUR, 1, delay_days=3, subject="Rappel {numero}",
            text="Il reste {reste} sur {numero}.",
        )  # fmt: skip
        with pytest.raises(Exception, match="champ inconnu « montant_du »"):
            save_reminder_settings(s, REGISSEUR, 1, delay_days=3, subject="x", text="{montant_du}")
        assert len(reminder_candidates(s, REGISSEUR, "ALSH", 1, date(2026, 7, 7))) == 2
    report = send_reminders(reminders_db, REGISSEUR, "ALSH", 1, date(2026, 7, 7),
                            letters_out=tmp_path / "r.pdf")  # fmt: skip
    assert "Il reste 1\u202f235,40 € sur ALSH-2026-00002." in pdf_text(
        (tmp_path / "r.pdf").read_bytes()
    )
    assert report.summary() == "1 relance(s) envoyée(s) par courriel, 1 courrier(s) à imprimer."


def test_unpaid_list_shows_past_due_by_default(reminders_db):
    with reminders_db.session() as s:
        default = unpaid_invoices(s, "ALSH", as_of=date(2026, 7, 20))
        everything = unpaid_invoices(s, "ALSH", as_of=date(2026, 7, 20), include_not_due=True)
        on_due_date = unpaid_invoices(s, "ALSH", as_of=date(2026, 7, 4))
    assert [r.number for r in default] == ["ALSH-2026-00001", "ALSH-2026-00002"]
    assert [r.number for r in everything] == [
        "ALSH-2026-00001", "ALSH-2026-00002", "ALSH-2026-00003"
    ]  # fmt: skip
    assert on_due_date == []  # due today: not yet late


def test_the_desk_agent_cannot_remind(reminders_db, tmp_path):
    with reminders_db.session() as s:
        with pytest.raises(PermissionDenied, match="régisseur"):
            reminder_candidates(s, ACCUEIL, "ALSH", 1, date(2026, 7, 20))
        with pytest.raises(PermissionDenied):
            reminder_history(s, ACCUEIL)
    with pytest.raises(PermissionDenied):
        send_reminders(reminders_db, ACCUEIL, "ALSH", 1, date(2026, 7, 20),
                       letters_out=tmp_path / "r.pdf")  # fmt: skip
