"""Sync settings (``setting`` table) and the staff token (OS keyring, never a file).

Settings: ``sync.portal_url``, ``sync.ca_bundle`` (optional CA file for the
portal's TLS certificate), ``sync.interval_minutes`` (automatic sync in the GUI;
:func:`automatic_interval` reads a stored ``0`` as « off », which
:func:`interval_minutes` does not know).

:func:`configure_portal` is the GUI's « Enregistrer » of the portal: the URL, then
the token in the keyring — or, on a computer without one, kept in memory for the
session only (the caller holds it).

The token lives in the operating system's keyring (Windows Credential Locker,
macOS Keychain, Secret Service on Linux) under the service
:data:`KEYRING_SERVICE`, user name = the portal URL. When no keyring exists, it
must be given at each run: typed at the prompt, or for tests and CI only the
:data:`TOKEN_ENV` environment variable. It is never written to a file or a log.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import keyring
import keyring.backends.fail
import keyring.errors
from sqlalchemy.orm import Session

from backoffice import machine_settings
from backoffice.errors import UserError
from backoffice.models import Setting
from backoffice.services.common.settings_store import get_setting, put_setting
from backoffice.storage import Database
from backoffice.sync.client import check_portal_url

KEYRING_SERVICE = "PortailFamille-backoffice"
TOKEN_ENV = "BACKOFFICE_PORTAL_TOKEN"

PORTAL_URL = "sync.portal_url"
CA_BUNDLE = "sync.ca_bundle"
INTERVAL_MINUTES = "sync.interval_minutes"
DEFAULT_INTERVAL_MINUTES = 15
MAX_INTERVAL_MINUTES = 24 * 60


class TokenUnavailable(UserError):
    """No token for this portal (French message saying how to give one)."""


class NoKeyring(TokenUnavailable):
    """This computer has no keyring: the token must be given at each run."""


NO_KEYRING_MESSAGE = (
    "Aucun trousseau de mots de passe n'est disponible sur cet ordinateur : le jeton du "
    "portail ne peut pas être enregistré. Il faudra le saisir à chaque synchronisation "
    "(il n'est jamais écrit dans un fichier)."
)


def portal_url(session: Session) -> str:
    """The stored URL, else the one IT wrote in the settings files."""
    return get_setting(session, PORTAL_URL) or (machine_settings.load().portal_url or "")


def ca_bundle(session: Session) -> str | None:
    return get_setting(session, CA_BUNDLE) or None


def interval_minutes(session: Session) -> int:
    value = get_setting(session, INTERVAL_MINUTES) or str(
        machine_settings.load().sync_interval_minutes or ""
    )
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_INTERVAL_MINUTES


def save_settings(
    session: Session,
    *,
    url: str | None = None,
    ca_file: str | None = None,
    interval: int | None = None,
) -> None:
    """Store what is given (``ca_file=""`` removes the custom CA bundle)."""
    if url is not None:
        put_setting(session, PORTAL_URL, check_portal_url(url))
    if ca_file is not None:
        if ca_file and not os.path.isfile(ca_file):
            raise UserError(f"Fichier d'autorités de certification introuvable : {ca_file}")
        put_setting(session, CA_BUNDLE, os.path.abspath(ca_file) if ca_file else "")
    if interval is not None:
        if not 1 <= interval <= 24 * 60:
            raise UserError("L'intervalle de synchronisation doit être entre 1 et 1440 minutes.")
        put_setting(session, INTERVAL_MINUTES, str(interval))


def automatic_interval(session: Session) -> int:
    """Minutes between automatic rounds in the GUI; 0 = off.

    :func:`interval_minutes` knows no "off" (it falls back to 15), so the stored
    "0" is read here first."""
    row = session.get(Setting, INTERVAL_MINUTES)
    if row is not None and row.value.strip() == "0":
        return 0
    if row is None and machine_settings.load().sync_interval_minutes == 0:
        return 0
    return interval_minutes(session)


def save_automatic_interval(session: Session, minutes: int) -> None:
    """Store the automatic interval (0 = no automatic sync)."""
    if not 0 <= minutes <= MAX_INTERVAL_MINUTES:
        raise UserError("L'intervalle doit être entre 0 (jamais) et 1440 minutes.")
    if minutes == 0:
        put_setting(session, INTERVAL_MINUTES, "0")
        return
    save_settings(session, interval=minutes)


# -- the token ---------------------------------------------------------------------


def keyring_available() -> bool:
    return not isinstance(keyring.get_keyring(), keyring.backends.fail.Keyring)


def read_token(url: str) -> str:
    """The token for ``url``: :data:`TOKEN_ENV` (tests, CI) or the keyring."""
    from_env = os.environ.get(TOKEN_ENV, "").strip()
    if from_env:
        return from_env
    if not keyring_available():
        raise NoKeyring(NO_KEYRING_MESSAGE)
    try:
        token = keyring.get_password(KEYRING_SERVICE, check_portal_url(url))
    except keyring.errors.KeyringError as exc:
        raise TokenUnavailable(f"Le trousseau du système n'a pas pu être lu : {exc}") from exc
    if not token:
        raise TokenUnavailable(
            f"Aucun jeton n'est enregistré pour le portail {url}. "
            "Enregistrez-le dans « Paramètres › Portail et synchronisation » (ou en ligne de "
            f"commande : backoffice-cli sync configure --portal {url})."
        )
    return token


def store_token(url: str, token: str) -> None:
    token = token.strip()
    if not token:
        raise UserError("Le jeton est vide.")
    if not keyring_available():
        raise NoKeyring(NO_KEYRING_MESSAGE)
    try:
        keyring.set_password(KEYRING_SERVICE, check_portal_url(url), token)
    except keyring.errors.KeyringError as exc:
        raise UserError(f"Le jeton n'a pas pu être enregistré dans le trousseau : {exc}") from exc


# -- the GUI's portal settings -------------------------------------------------------


@dataclass(frozen=True)
class PortalConfigured:
    url: str  # as stored (checked, normalised)
    note: str  # French, for the agent
    session_token: str | None = None  # no keyring: the token to keep in memory, never stored


def configure_portal(db: Database, url: str, token: str) -> PortalConfigured:
    """Store the portal URL (committed), then its token in the keyring.

    Without a keyring the token comes back in :attr:`PortalConfigured.session_token`
    for the caller to keep in memory until it closes. Raises :class:`UserError` when
    the token is empty, the URL unusable or the keyring refuses the token."""
    token = token.strip()
    if not token:
        raise UserError(
            "Saisissez le jeton du back-office (donné par l'administrateur du portail)."
        )
    with db.session() as session:
        save_settings(session, url=url)
        stored_url = portal_url(session)
    try:
        store_token(stored_url, token)
    except NoKeyring:
        return PortalConfigured(
            stored_url,
            "Portail enregistré. Aucun trousseau de mots de passe n'est disponible sur cet "
            "ordinateur : le jeton est gardé en mémoire jusqu'à la fermeture du programme "
            "(jamais écrit dans un fichier) et devra être saisi à nouveau au prochain démarrage.",
            session_token=token,
        )
    return PortalConfigured(
        stored_url, "Portail enregistré ; le jeton est rangé dans le trousseau du système."
    )
