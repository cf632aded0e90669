"""Sending invoices by e-mail (SMTP).

Settings (``setting`` table): ``mail.smtp_host``, ``mail.smtp_port``,
``mail.smtp_security`` (``starttls`` | ``ssl`` | ``none``), ``mail.smtp_user``,
``mail.sender`` (« Nom <adresse> »), ``mail.reply_to`` (optional).

The SMTP password lives in the operating system's keyring (service
:data:`KEYRING_SERVICE`, user name ``smtp:<user>@<host>``), or for tests and CI
only in the :data:`PASSWORD_ENV` environment variable. It is never written to
a file, the database or a log.

Every failure becomes a French :class:`MailError` (a :class:`UserError`); what
was sent is recorded by :mod:`.invoice_pdfs`, so nothing is lost or sent
twice by accident.
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from pathlib import Path

import keyring
import keyring.backends.fail
import keyring.errors
from sqlalchemy.orm import Session

from backoffice.documents.formatting import format_date, format_euros
from backoffice.documents.invoice_data import InvoiceDocument
from backoffice.errors import UserError
from backoffice.models import Setting
from backoffice.models.catalogue import Settlement

log = logging.getLogger(__name__)

KEYRING_SERVICE = "PortailFamille-backoffice"
PASSWORD_ENV = "BACKOFFICE_SMTP_PASSWORD"

HOST = "mail.smtp_host"
PORT = "mail.smtp_port"
SECURITY = "mail.smtp_security"
USER = "mail.smtp_user"
SENDER = "mail.sender"
REPLY_TO = "mail.reply_to"
SECURITY_MODES = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
TIMEOUT_SECONDS = 30


class MailError(UserError):
    """The e-mail could not be sent (French message for the agent)."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str = "starttls"
    user: str = ""
    sender: str = ""
    reply_to: str = ""

    @property
    def keyring_user(self) -> str:
        return f"smtp:{self.user}@{self.host}"


def _get(session: Session, key: str) -> str:
    row = session.get(Setting, key)
    return row.value if row is not None else ""


def _put(session: Session, key: str, value: str) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value


def _check_address(value: str, what: str) -> str:
    _name, address = parseaddr(value)
    if "@" not in address or address.startswith("@") or address.endswith("@"):
        raise UserError(f"{what} n'est pas une adresse électronique valide : {value!r}.")
    return value.strip()


def save_smtp_settings(
    session: Session,
    *,
    host: str,
    port: int | None = None,
    security: str = "starttls",
    user: str = "",
    sender: str,
    reply_to: str = "",
) -> SmtpSettings:
    """Check and store the SMTP settings (never the password: see :func:`store_password`)."""
    host = host.strip()
    if not host:
        raise UserError("Indiquez le serveur SMTP (par exemple smtp.example.fr).")
    if security not in SECURITY_MODES:
        raise UserError("La sécurité SMTP doit être « starttls », « ssl » ou « none ».")
    port = port or DEFAULT_PORTS[security]
    if not 1 <= port <= 65535:
        raise UserError("Le port SMTP doit être compris entre 1 et 65535.")
    sender = _check_address(sender, "L'expéditeur")
    if reply_to:
        reply_to = _check_address(reply_to, "L'adresse de réponse")
    for key, value in (
        (HOST, host),
        (PORT, str(port)),
        (SECURITY, security),
        (USER, user.strip()),
        (SENDER, sender),
        (REPLY_TO, reply_to),
    ):
        _put(session, key, value)
    return SmtpSettings(host, port, security, user.strip(), sender, reply_to)


def smtp_settings(session: Session) -> SmtpSettings:
    """The stored settings; :class:`MailError` if e-mail is not configured."""
    host = _get(session, HOST)
    sender = _get(session, SENDER)
    if not host or not sender:
        raise MailError(
            "L'envoi des factures par e-mail n'est pas configuré : indiquez le serveur SMTP "
            "et l'expéditeur dans les paramètres."
        )
    security = _get(session, SECURITY) or "starttls"
    port = _get(session, PORT)
    return SmtpSettings(
        host=host,
        port=int(port) if port.isdigit() else DEFAULT_PORTS.get(security, 587),
        security=security,
        user=_get(session, USER),
        sender=sender,
        reply_to=_get(session, REPLY_TO),
    )


# -- the password --------------------------------------------------------------------


def _keyring_available() -> bool:
    return not isinstance(keyring.get_keyring(), keyring.backends.fail.Keyring)


def store_password(settings: SmtpSettings, password: str) -> None:
    if not settings.user:
        raise UserError("Indiquez d'abord l'utilisateur SMTP.")
    if not _keyring_available():
        raise UserError(
            "Aucun trousseau de mots de passe n'est disponible sur cet ordinateur : le mot de "
            "passe SMTP ne peut pas être enregistré."
        )
    try:
        keyring.set_password(KEYRING_SERVICE, settings.keyring_user, password)
    except keyring.errors.KeyringError as exc:
        raise UserError(f"Le mot de passe SMTP n'a pas pu être enregistré : {exc}") from exc


def read_password(settings: SmtpSettings) -> str:
    """The SMTP password (environment for tests/CI, else the keyring); empty if no user."""
    if not settings.user:
        return ""
    from_env = os.environ.get(PASSWORD_ENV, "")
    if from_env:
        return from_env
    if not _keyring_available():
        raise MailError(
            "Aucun trousseau de mots de passe n'est disponible : le mot de passe SMTP est "
            "introuvable."
        )
    try:
        password = keyring.get_password(KEYRING_SERVICE, settings.keyring_user)
    except keyring.errors.KeyringError as exc:
        raise MailError(f"Le trousseau du système n'a pas pu être lu : {exc}") from exc
    if not password:
        raise MailError(
            f"Aucun mot de passe SMTP n'est enregistré pour {settings.user} sur {settings.host}."
        )
    return password


# -- composing -----------------------------------------------------------------------


def compose_invoice_email(
    doc: InvoiceDocument, pdf: bytes, settings: SmtpSettings, to: str | None = None
) -> EmailMessage:
    """The French e-mail of an invoice or credit note, the PDF attached."""
    recipient = (to or doc.billing_email or "").strip()
    if not recipient:
        raise MailError(f"{doc.number} : la famille n'a pas d'adresse e-mail de facturation.")
    _check_address(recipient, "Le destinataire")
    what = "Avoir" if doc.is_credit_note else "Facture"
    msg = EmailMessage()
    msg["Subject"] = f"{what} {doc.number} — {doc.regie_name}"
    msg["From"] = settings.sender
    msg["To"] = formataddr((doc.billing_name, recipient))
    if settings.reply_to:
        msg["Reply-To"] = settings.reply_to
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=parseaddr(settings.sender)[1].split("@")[-1] or None)

    lines = ["Bonjour,", ""]
    if doc.is_credit_note:
        lines.append(
            f"Veuillez trouver ci-joint l'avoir {doc.number} du {format_date(doc.issue_date)}, "
            f"d'un montant de {format_euros(-doc.total)}, sur la facture {doc.related_number}."
        )
    else:
        lines.append(
            f"Veuillez trouver ci-joint la facture {doc.number} du {format_date(doc.issue_date)} "
            f"de la {doc.regie_name}, d'un montant de {format_euros(doc.total)}"
            + (
                f" (reste à payer : {format_euros(doc.balance)})"
                if doc.balance != doc.total
                else ""
            )
            + "."
        )
        lines.append("")
        if doc.settlement == Settlement.TRESOR_PUBLIC:
            lines.append(
                "Cette facture est à régler auprès du Trésor public à réception de l'avis des "
                "sommes à payer : ne la réglez pas au guichet de la Communauté de communes."
            )
        elif doc.settlement == Settlement.DESK_AND_ONLINE:
            window = (
                f" du {format_date(doc.payment_window[0])} au {format_date(doc.payment_window[1])}"
                if doc.payment_window
                else ""
            )
            lines.append(
                "Vous pouvez la régler en ligne sur le Portail Famille, rubrique « Mes factures "
                f"& paiements », pendant la période de paiement{window}, ou au guichet"
                + (f" avant le {format_date(doc.due_date)}" if doc.due_date else "")
                + "."
            )
        else:
            lines.append(
                "Elle est à régler au guichet"
                + (f" avant le {format_date(doc.due_date)}" if doc.due_date else "")
                + "."
            )
    lines += [
        "",
        "Elle est aussi disponible sur le Portail Famille."
        if not doc.is_credit_note
        else "Il est aussi disponible sur le Portail Famille.",
        "",
        "Cordialement,",
        doc.issuer.name,
    ]
    contact = " · ".join(p for p in (doc.issuer.phone, doc.issuer.email) if p)
    if contact:
        lines.append(contact)
    lines += ["", "Ce message est envoyé automatiquement ; pour toute question, répondez-y ou "
              "contactez le service enfance-jeunesse."]  # fmt: skip
    msg.set_content("\n".join(lines))
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=doc.file_name)
    return msg


# -- sending -------------------------------------------------------------------------


class SmtpConnection:
    """One SMTP session for many messages (``with SmtpConnection(settings) as smtp:``)."""

    def __init__(self, settings: SmtpSettings, password: str | None = None):
        self.settings = settings
        self._password = password
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpConnection:
        s = self.settings
        password = self._password if self._password is not None else read_password(s)
        try:
            if s.security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=TIMEOUT_SECONDS)
                if s.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
            if s.user:
                smtp.login(s.user, password)
        except smtplib.SMTPAuthenticationError as exc:
            raise MailError(
                f"Le serveur SMTP {s.host} a refusé l'identifiant ou le mot de passe."
            ) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise MailError(
                f"Le serveur SMTP {s.host} ne propose pas STARTTLS : choisissez « ssl » ou "
                "vérifiez le port."
            ) from exc
        except ssl.SSLError as exc:
            raise MailError(
                f"Connexion sécurisée impossible avec {s.host} : {exc.reason}."
            ) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(
                f"Impossible de joindre le serveur SMTP {s.host}:{s.port} ({_reason(exc)})."
            ) from exc
        self._smtp = smtp
        return self

    def send(self, message: EmailMessage) -> None:
        assert self._smtp is not None, "use as a context manager"
        try:
            refused = self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise MailError(f"Adresse refusée par le serveur : {message['To']}.") from exc
        except smtplib.SMTPSenderRefused as exc:
            raise MailError(f"Expéditeur refusé par le serveur : {message['From']}.") from exc
        except smtplib.SMTPDataError as exc:
            raise MailError(f"Le serveur a refusé le message ({exc.smtp_code}).") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"L'envoi a échoué ({_reason(exc)}).") from exc
        if refused:
            raise MailError(f"Adresse refusée par le serveur : {', '.join(refused)}.")

    def __exit__(self, *exc_info) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "délai dépassé"
    if isinstance(exc, ConnectionRefusedError):
        return "connexion refusée"
    if isinstance(exc, socket.gaierror):
        return "serveur inconnu"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "le serveur a coupé la connexion"
    return exc.__class__.__name__


def send_invoice(
    settings: SmtpSettings,
    doc: InvoiceDocument,
    pdf: bytes | Path,
    *,
    to: str | None = None,
    connection: SmtpConnection | None = None,
) -> str:
    """Send one invoice (or credit note) PDF to the billing address; returns the recipient.

    Opens its own SMTP session unless ``connection`` (for a batch) is given."""
    data = pdf.read_bytes() if isinstance(pdf, Path) else pdf
    message = compose_invoice_email(doc, data, settings, to)
    if connection is not None:
        connection.send(message)
    else:
        with SmtpConnection(settings) as smtp:
            smtp.send(message)
    log.info("Facture %s envoyée par e-mail", doc.number)  # no address: personal data
    return parseaddr(message["To"])[1]
