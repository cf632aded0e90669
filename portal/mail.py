"""Outgoing e-mail through plain smtplib, French texts.

Messages carry single-use links; neither the links nor the bodies are logged.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from portal.settings import Settings

log = logging.getLogger(__name__)

SIGNATURE = "\n\n--\nPortail Famille — Pôle intercommunal\nCe message est envoyé automatiquement, merci de ne pas y répondre.\n"


class MailError(Exception):
    """The SMTP server refused or could not be reached."""


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


class Mailer:
    def __init__(self, settings: Settings):
        self.settings = settings

    def send(self, mail: Mail) -> None:
        s = self.settings
        msg = EmailMessage()
        msg["From"] = s.smtp_sender
        msg["To"] = mail.to
        msg["Subject"] = mail.subject
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(domain="portail-famille")
        msg.set_content(mail.body + SIGNATURE)
        try:
            if s.smtp_ssl:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.smtp_host,
                    s.smtp_port,
                    timeout=s.smtp_timeout_seconds,
                    context=ssl.create_default_context(),
                )
            else:
                smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds)
            with smtp:
                if s.smtp_starttls and not s.smtp_ssl:
                    smtp.starttls(context=ssl.create_default_context())
                if s.smtp_username:
                    smtp.login(s.smtp_username, s.smtp_password.get_secret_value())
                smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            # The reason only: the body holds a link.
            log.error("Envoi du courriel « %s » impossible : %s", mail.subject, type(exc).__name__)
            raise MailError(str(exc)) from exc
        log.info("Courriel « %s » envoyé", mail.subject)


def activation_mail(to: str, family_name: str, link: str, hours: int) -> Mail:
    return Mail(
        to=to,
        subject="Portail Famille : finalisez la création de votre compte",
        body=(
            f"Bonjour,\n\nLe compte famille « {family_name} » a été créé sur le Portail Famille.\n"
            f"Votre identifiant de connexion est : {to}\n\n"
            "Pour confirmer votre adresse e-mail et choisir votre mot de passe, cliquez sur le lien "
            "ci-dessous (ou copiez-le dans la barre d'adresse de votre navigateur) :\n\n"
            f"{link}\n\n"
            f"Ce lien ne sert qu'une fois et expire dans {hours} heures."
        ),
    )


def password_reset_mail(to: str, link: str, minutes: int) -> Mail:
    return Mail(
        to=to,
        subject="Portail Famille : réinitialisation de votre mot de passe",
        body=(
            "Bonjour,\n\nVous avez demandé à réinitialiser votre mot de passe.\n"
            f"Votre identifiant de connexion est : {to}\n\n"
            "Pour choisir un nouveau mot de passe, cliquez sur le lien ci-dessous :\n\n"
            f"{link}\n\n"
            f"Ce lien ne sert qu'une fois et expire dans {minutes} minutes. "
            "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : "
            "votre mot de passe reste inchangé."
        ),
    )


def email_change_mail(to: str, link: str, hours: int) -> Mail:
    return Mail(
        to=to,
        subject="Portail Famille : confirmez votre nouvelle adresse e-mail",
        body=(
            "Bonjour,\n\nVous avez demandé que cette adresse devienne votre identifiant "
            "de connexion au Portail Famille.\n\n"
            "Pour confirmer, cliquez sur le lien ci-dessous :\n\n"
            f"{link}\n\n"
            f"Ce lien ne sert qu'une fois et expire dans {hours} heures. "
            "Tant que la nouvelle adresse n'est pas confirmée, votre identifiant reste inchangé."
        ),
    )


def staff_email_change_mail(to: str, family_name: str, link: str, hours: int) -> Mail:
    return Mail(
        to=to,
        subject="Portail Famille : confirmez votre nouvelle adresse e-mail",
        body=(
            f"Bonjour,\n\nLe service enfance a enregistré cette adresse comme nouvel "
            f"identifiant de connexion du compte famille « {family_name} » au Portail Famille.\n\n"
            "Pour confirmer, cliquez sur le lien ci-dessous :\n\n"
            f"{link}\n\n"
            f"Ce lien ne sert qu'une fois et expire dans {hours} heures. "
            "Tant que la nouvelle adresse n'est pas confirmée, l'ancien identifiant reste valable. "
            "Si vous n'êtes pas concerné, ignorez ce message."
        ),
    )


def payment_receipt_mail(to: str, payment_ref: str, amount: str, invoices: str, ok: bool) -> Mail:
    if ok:
        return Mail(
            to=to,
            subject=f"Portail Famille : paiement {payment_ref} validé",
            body=(
                f"Bonjour,\n\nVotre paiement en ligne {payment_ref} de {amount} a été validé "
                f"par la banque.\nFacture(s) réglée(s) : {invoices}.\n\n"
                "Ce courriel vaut reçu. Le paiement apparaît dans « Mes factures & paiements »."
            ),
        )
    return Mail(
        to=to,
        subject=f"Portail Famille : paiement {payment_ref} non abouti",
        body=(
            f"Bonjour,\n\nVotre paiement en ligne {payment_ref} de {amount} n'a pas abouti "
            f"(facture(s) {invoices}). Aucune somme n'a été prélevée.\n\n"
            "Vous pouvez recommencer depuis « Mes factures & paiements » pendant la période "
            "de paiement en ligne, ou régler auprès de la régie."
        ),
    )


def send_after_commit(mailer: Mailer, mails: list[Mail]) -> int:
    """Send what a committed transaction prepared; an SMTP failure loses only the e-mail
    (logged by :meth:`Mailer.send`), never the decision. Returns how many left."""
    sent = 0
    for mail in mails:
        try:
            mailer.send(mail)
        except MailError:
            continue
        sent += 1
    return sent
