"""The mail server (« Paramètres › Messagerie (SMTP) »): settings, password, connection,
test mail.

Settings (``setting`` table): ``mail.smtp_host``, ``mail.smtp_port``,
``mail.smtp_security`` (``starttls`` | ``ssl`` — TLS implicite, port 465 — | ``none``),
``mail.smtp_user``, ``mail.sender`` (« Nom <adresse> »), ``mail.reply_to`` (optional),
``mail.smtp_ca_bundle`` (optional: a CA file for a server whose certificate comes from the
collectivity's own authority, like the sync's ``sync.ca_bundle``).

The password lives in the operating system's keyring (service :data:`KEYRING_SERVICE`,
user name ``smtp:<user>@<host>``), or for tests and CI only in the :data:`PASSWORD_ENV`
environment variable. It is never written to a file, the database or a log.

Every failure becomes a French :class:`MailError` quoting the server's answer when it
gave one (code and text), so whoever does IT can act on it.
"""

from __future__ import annotations

import io
import logging
import os
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email import policy as email_policy
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

import keyring
import keyring.backends.fail
import keyring.errors
from sqlalchemy.orm import Session

from backoffice.errors import UserError
from backoffice.services.common.actors import Actor
from backoffice.services.common.settings_store import get_settings
from backoffice.services.settings.audited import require_admin, save_settings

log = logging.getLogger(__name__)

KEYRING_SERVICE = "PortailFamille-backoffice"
PASSWORD_ENV = "BACKOFFICE_SMTP_PASSWORD"

HOST = "mail.smtp_host"
PORT = "mail.smtp_port"
SECURITY = "mail.smtp_security"
USER = "mail.smtp_user"
SENDER = "mail.sender"
REPLY_TO = "mail.reply_to"
CA_BUNDLE = "mail.smtp_ca_bundle"
KEYS = (HOST, PORT, SECURITY, USER, SENDER, REPLY_TO, CA_BUNDLE)
SECURITY_MODES = ("starttls", "ssl", "none")
SECURITY_LABELS = {
    "starttls": "STARTTLS (port 587)",
    "ssl": "TLS implicite (port 465)",
    "none": "Aucune (réseau interne seulement)",
}
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
    ca_bundle: str = ""  # a CA file trusted for this server, besides the system's

    @property
    def keyring_user(self) -> str:
        return f"smtp:{self.user}@{self.host}"

    def tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_bundle or None)


def check_address(value: str, what: str) -> str:
    _name, address = parseaddr(value)
    if "@" not in address or address.startswith("@") or address.endswith("@"):
        raise UserError(f"{what} n'est pas une adresse électronique valide : {value!r}.")
    return value.strip()


def save_smtp_settings(
    session: Session,
    actor: Actor,
    *,
    host: str,
    port: int | None = None,
    security: str = "starttls",
    user: str = "",
    sender: str,
    reply_to: str = "",
    ca_bundle: str = "",
) -> SmtpSettings:
    """Check and store the SMTP settings (never the password: see :func:`store_password`).
    Administrators only; audited."""
    require_admin(actor, "la messagerie (SMTP)")
    host = host.strip()
    if not host:
        raise UserError("Indiquez le serveur SMTP (par exemple smtp.example.fr).")
    if security not in SECURITY_MODES:
        raise UserError("La sécurité SMTP doit être « starttls », « ssl » ou « none ».")
    port = port or DEFAULT_PORTS[security]
    if not 1 <= port <= 65535:
        raise UserError("Le port SMTP doit être compris entre 1 et 65535.")
    sender = check_address(sender, "L'expéditeur")
    if reply_to:
        reply_to = check_address(reply_to, "L'adresse de réponse")
    ca_bundle = ca_bundle.strip()
    if ca_bundle:
        if not os.path.isfile(ca_bundle):
            raise UserError(f"Fichier d'autorités de certification introuvable : {ca_bundle}")
        try:
            ssl.create_default_context(cafile=ca_bundle)
        except (ssl.SSLError, OSError) as exc:
            raise UserError(
                f"Le fichier {ca_bundle} ne contient pas de certificat lisible (PEM attendu)."
            ) from exc
        ca_bundle = os.path.abspath(ca_bundle)
    settings = SmtpSettings(host, port, security, user.strip(), sender, reply_to, ca_bundle)
    save_settings(
        session,
        actor,
        {
            HOST: settings.host,
            PORT: str(settings.port),
            SECURITY: settings.security,
            USER: settings.user,
            SENDER: settings.sender,
            REPLY_TO: settings.reply_to,
            CA_BUNDLE: settings.ca_bundle,
        },
    )
    return settings


def stored_settings(session: Session) -> SmtpSettings | None:
    """What is stored, complete or not (the settings page); None when nothing is."""
    values = get_settings(session, KEYS)
    if not values:
        return None
    security = values.get(SECURITY) or "starttls"
    port = values.get(PORT, "")
    return SmtpSettings(
        host=values.get(HOST, ""),
        port=int(port) if port.isdigit() else DEFAULT_PORTS.get(security, 587),
        security=security,
        user=values.get(USER, ""),
        sender=values.get(SENDER, ""),
        reply_to=values.get(REPLY_TO, ""),
        ca_bundle=values.get(CA_BUNDLE, ""),
    )


def smtp_settings(session: Session) -> SmtpSettings:
    """The stored settings; :class:`MailError` if e-mail is not configured."""
    settings = stored_settings(session)
    if settings is None or not settings.host or not settings.sender:
        raise MailError(
            "L'envoi par e-mail n'est pas configuré : un administrateur indique le serveur "
            "SMTP et l'expéditeur dans « Paramètres › Messagerie (SMTP) »."
        )
    return settings


# -- the password --------------------------------------------------------------------


def keyring_available() -> bool:
    return not isinstance(keyring.get_keyring(), keyring.backends.fail.Keyring)


def store_password(actor: Actor, settings: SmtpSettings, password: str) -> None:
    require_admin(actor, "le mot de passe SMTP")
    if not settings.user:
        raise UserError("Indiquez d'abord l'utilisateur SMTP.")
    if not keyring_available():
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
    if not keyring_available():
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
            f"Aucun mot de passe SMTP n'est enregistré pour {settings.user} sur {settings.host} "
            "(« Paramètres › Messagerie (SMTP) »)."
        )
    return password


# -- the connection ------------------------------------------------------------------


def server_answer(code: int, text: bytes | str) -> str:
    """« 535 5.7.8 Authentication failed » from smtplib's (code, bytes)."""
    said = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {' '.join(said.split())}".strip()


def _certificate_reason(exc: ssl.SSLCertVerificationError) -> str:
    message = exc.verify_message or exc.reason or str(exc)
    known = {
        "self-signed certificate": "certificat auto-signé",
        "self signed certificate": "certificat auto-signé",
        "certificate has expired": "certificat expiré",
        "unable to get local issuer certificate": "autorité de certification inconnue",
        "self-signed certificate in certificate chain": "autorité de certification inconnue",
    }
    for english, french in known.items():
        if english in message:
            return french
    if "match" in message or "mismatch" in message:
        return "le certificat n'est pas au nom de ce serveur"
    return message


class SmtpConnection:
    """One SMTP session for many messages (``with SmtpConnection(settings) as smtp:``)."""

    def __init__(self, settings: SmtpSettings, password: str | None = None):
        self.settings = settings
        self._password = password
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpConnection:
        s = self.settings
        password = self._password if self._password is not None else read_password(s)
        smtp: smtplib.SMTP | None = None
        try:
            if s.security == "ssl":
                smtp = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=TIMEOUT_SECONDS, context=s.tls_context()
                )
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=TIMEOUT_SECONDS)
                if s.security == "starttls":
                    smtp.starttls(context=s.tls_context())
            if s.user:
                smtp.login(s.user, password)
        except BaseException as exc:
            if smtp is not None:
                smtp.close()
            raise connection_error(s, exc) from exc
        self._smtp = smtp
        return self

    @property
    def smtp(self) -> smtplib.SMTP:
        assert self._smtp is not None, "use as a context manager"
        return self._smtp

    def send(self, message: EmailMessage) -> str:
        """Send ``message``; the server's answer to it (« 250 … »)."""
        _name, sender = parseaddr(str(message["From"]))
        recipients = [parseaddr(str(message["To"]))[1]]
        international = not (sender + "".join(recipients)).isascii()
        try:
            self.smtp.ehlo_or_helo_if_needed()
            options = ["SMTPUTF8", "BODY=8BITMIME"] if international else []
            code, said = self.smtp.mail(sender, options)
            if code != 250:
                raise MailError(
                    f"Expéditeur refusé par le serveur : {message['From']} "
                    f"(réponse du serveur : {server_answer(code, said)})."
                )
            for recipient in recipients:
                code, said = self.smtp.rcpt(recipient)
                if code not in (250, 251):
                    self.smtp.rset()
                    raise MailError(
                        f"Adresse refusée par le serveur : {message['To']} "
                        f"(réponse du serveur : {server_answer(code, said)})."
                    )
            code, said = self.smtp.data(_wire_bytes(message, international))
        except MailError:
            raise
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"L'envoi a échoué ({_reason(exc)}).") from exc
        if code != 250:
            raise MailError(
                f"Le serveur a refusé le message (réponse du serveur : {server_answer(code, said)})."
            )
        return server_answer(code, said)

    def __exit__(self, *exc_info) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None


def _wire_bytes(message: EmailMessage, international: bool) -> bytes:
    """The message as ``smtplib.send_message`` writes it (CRLF, SMTPUTF8 when needed)."""
    out = io.BytesIO()
    if international:
        generator = BytesGenerator(out, policy=email_policy.SMTPUTF8)
    else:
        generator = BytesGenerator(out)
    generator.flatten(message, linesep="\r\n")
    return out.getvalue()


def connection_error(s: SmtpSettings, exc: BaseException) -> BaseException:
    """The French :class:`MailError` for a failure while connecting or logging in."""
    where = f"{s.host}:{s.port}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return MailError(
            f"Le serveur SMTP {s.host} a refusé l'identifiant ou le mot de passe "
            f"(réponse du serveur : {server_answer(exc.smtp_code, exc.smtp_error)})."
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return MailError(
            f"Le serveur SMTP {s.host} ne propose pas STARTTLS ou l'authentification : "
            "choisissez « TLS implicite » ou vérifiez le port."
        )
    if isinstance(exc, ssl.SSLCertVerificationError):
        return MailError(
            f"Le certificat du serveur SMTP {s.host} n'est pas reconnu "
            f"({_certificate_reason(exc)}). Si votre service informatique a sa propre "
            "autorité de certification, indiquez son fichier dans « Autorité de certification »."
        )
    if isinstance(exc, ssl.SSLError):
        return MailError(
            f"Connexion sécurisée impossible avec {where} ({exc.reason or exc}) : vérifiez "
            "le port et la sécurité (STARTTLS sur 587, TLS implicite sur 465)."
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return MailError(
            f"Le serveur SMTP {s.host} a refusé la connexion "
            f"(réponse du serveur : {server_answer(exc.smtp_code, exc.smtp_error)})."
        )
    if isinstance(exc, ConnectionRefusedError):
        return MailError(
            f"Impossible de joindre le serveur SMTP {where} : connexion refusée (aucun "
            "serveur n'écoute à cette adresse ; vérifiez le serveur et le port)."
        )
    if isinstance(exc, OSError | smtplib.SMTPException):
        return MailError(f"Impossible de joindre le serveur SMTP {where} ({_reason(exc)}).")
    return exc


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


# -- the test mail -------------------------------------------------------------------


def compose_test_mail(settings: SmtpSettings, to: str) -> EmailMessage:
    check_address(to, "Le destinataire du courriel de test")
    msg = EmailMessage()
    msg["Subject"] = "Portail Famille — courriel de test"
    msg["From"] = settings.sender
    msg["To"] = to.strip()
    if settings.reply_to:
        msg["Reply-To"] = settings.reply_to
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=parseaddr(settings.sender)[1].split("@")[-1] or None)
    msg.set_content(
        "Bonjour,\n\nCe courriel de test a été envoyé depuis le back-office du Portail Famille "
        f"(« Paramètres › Messagerie (SMTP) ») par le serveur {settings.host}:{settings.port}.\n"
        "S'il vous est parvenu, les factures pourront être envoyées par e-mail.\n"
    )
    return msg


def send_test_mail(session: Session, actor: Actor, to: str, password: str | None = None) -> str:
    """Send a test mail with the stored settings (``password``: the one typed, not yet
    stored; else the keyring's). Returns the French success line with the server's answer;
    raises :class:`MailError` with the server's refusal."""
    require_admin(actor, "la messagerie (SMTP)")
    settings = smtp_settings(session)
    message = compose_test_mail(settings, to or settings.sender)
    with SmtpConnection(settings, password=password or None) as smtp:
        answer = smtp.send(message)
    log.info("Courriel de test envoyé par %s:%s", settings.host, settings.port)
    return (
        f"Courriel de test envoyé à {parseaddr(str(message['To']))[1]} par {settings.host}. "
        f"Réponse du serveur : {answer}."
    )
