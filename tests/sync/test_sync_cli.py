"""``backoffice-cli sync`` and ``sync configure``; the client's safety rules; the token."""

from __future__ import annotations

import json
import logging

import keyring
import keyring.backend
import keyring.backends.fail
import pytest
from portal_testkit import STAFF_TOKEN
from sync_helpers import open_account

from backoffice.cli import app as cli
from backoffice.cli import sync as cli_sync
from backoffice.errors import UserError
from backoffice.services.database import open_database
from backoffice.sync import PortalClient, PortalError, run_round
from backoffice.sync import settings as sync_settings


class MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1

    def __init__(self):
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        self.store.pop((service, username), None)


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring(monkeypatch):
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    monkeypatch.delenv(sync_settings.TOKEN_ENV, raising=False)
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def db_path(tmp_path):
    url = f"sqlite:///{tmp_path / 'bo.sqlite3'}"
    open_database(url).dispose()
    return url


def test_configure_stores_url_and_token_in_the_keyring(
    db_path, portal, memory_keyring, monkeypatch, capsys
):
    monkeypatch.setattr(cli_sync.getpass, "getpass", lambda prompt: STAFF_TOKEN)
    code = cli.main(
        [
            "--database-url",
            db_path,
            "sync",
            "configure",
            "--portal",
            portal.base,
            "--interval",
            "10",
        ]
    )
    assert code == 0
    assert memory_keyring.store == {("PortailFamille-backoffice", portal.base): STAFF_TOKEN}
    out = capsys.readouterr().out
    assert STAFF_TOKEN not in out and "PortailFamille-backoffice" in out
    db = open_database(db_path)
    with db.session() as s:
        assert sync_settings.portal_url(s) == portal.base
        assert sync_settings.interval_minutes(s) == 10
    db.dispose()


def test_sync_command_runs_a_round_and_prints_json(
    db_path, portal, smtp_sink, memory_keyring, capsys
):
    from backoffice.services.common.actors import current_actor

    memory_keyring.set_password(sync_settings.KEYRING_SERVICE, portal.base, STAFF_TOKEN)
    db = open_database(db_path)
    with db.session() as s:
        agent = current_actor(s, "mhuet")
    open_account(db, agent, "a@example.org")
    db.dispose()

    assert cli.main(["--database-url", db_path, "sync", "--portal", portal.base, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] and data["push"]["acknowledged"] == 2 and data["pending"] == 0

    assert cli.main(["--database-url", db_path, "sync", "--portal", portal.base]) == 0
    out = capsys.readouterr().out
    assert "Reçu du portail : rien de nouveau." in out
    assert "Envoyé au portail : rien à envoyer." in out


def test_without_keyring_the_token_comes_from_the_run(
    db_path, portal, no_keyring, monkeypatch, capsys
):
    assert not sync_settings.keyring_available()
    with pytest.raises(sync_settings.NoKeyring, match="Aucun trousseau"):
        sync_settings.read_token(portal.base)
    monkeypatch.setattr(cli_sync.getpass, "getpass", lambda prompt: STAFF_TOKEN)
    code = cli.main(["--database-url", db_path, "sync", "configure", "--portal", portal.base])
    assert code == 1
    assert "Aucun trousseau de mots de passe" in capsys.readouterr().err
    # Non-interactive run (tests, CI): the environment variable.
    monkeypatch.setenv(sync_settings.TOKEN_ENV, STAFF_TOKEN)
    assert cli.main(["--database-url", db_path, "sync"]) == 0


def test_unconfigured_and_refused_token_give_french_errors(
    db_path, portal, memory_keyring, capsys, monkeypatch
):
    monkeypatch.delenv(sync_settings.TOKEN_ENV, raising=False)
    assert cli.main(["--database-url", db_path, "sync"]) == 1
    assert "Aucun portail n'est configuré" in capsys.readouterr().err
    assert cli.main(["--database-url", db_path, "sync", "--portal", portal.base]) == 1
    assert "Aucun jeton n'est enregistré" in capsys.readouterr().err
    memory_keyring.set_password(sync_settings.KEYRING_SERVICE, portal.base, "mauvais-jeton")
    assert cli.main(["--database-url", db_path, "sync", "--portal", portal.base]) == 1
    assert "refuse le jeton" in capsys.readouterr().out


def test_client_rules(portal, caplog):
    with pytest.raises(PortalError, match="https://"):
        PortalClient("http://portail.example.fr", "x")
    with pytest.raises(PortalError, match="invalide"):
        PortalClient("ftp://portail.example.fr", "x")
    caplog.set_level(logging.DEBUG)
    with PortalClient(portal.base, STAFF_TOKEN, retries=0) as client:
        assert client.session.verify is True
        with pytest.raises(ValueError, match="sans Idempotency-Key"):
            client.request("POST", "/staff/families/F1/disable")
        assert client.get_changes(0, 10)["changes"] == []
    assert STAFF_TOKEN not in caplog.text


def test_unreachable_portal_is_an_expected_error(db):
    with PortalClient("http://127.0.0.1:9", "x", retries=0, timeout=(1, 1)) as client:
        report = run_round(db, client)
    assert not report.ok and "injoignable" in report.error


# -- the GUI's portal settings (backoffice.sync.settings, no Qt) ----------------------------


def test_configure_portal_and_the_automatic_interval(db_path, memory_keyring):
    db = open_database(db_path)
    try:
        with pytest.raises(UserError, match="Saisissez le jeton"):
            sync_settings.configure_portal(db, "https://portail.example.fr", "  ")
        done = sync_settings.configure_portal(db, "https://portail.example.fr/", " jeton ")
        assert done.session_token is None and "trousseau du système" in done.note
        with db.session() as s:
            assert sync_settings.portal_url(s) == done.url
        assert memory_keyring.store == {(sync_settings.KEYRING_SERVICE, done.url): "jeton"}

        with db.session() as s:
            assert sync_settings.automatic_interval(s) == 15  # the default
            sync_settings.save_automatic_interval(s, 0)
        with db.session() as s:
            assert sync_settings.automatic_interval(s) == 0  # off
            assert sync_settings.interval_minutes(s) == 15  # the CLI knows no "off"
            sync_settings.save_automatic_interval(s, 30)
        with db.session() as s:
            assert sync_settings.automatic_interval(s) == 30
            with pytest.raises(UserError, match="entre 0 \\(jamais\\) et 1440 minutes"):
                sync_settings.save_automatic_interval(s, 1441)
    finally:
        db.dispose()


def test_configure_portal_without_keyring_keeps_the_token_in_memory(db_path, no_keyring):
    db = open_database(db_path)
    try:
        done = sync_settings.configure_portal(db, "https://portail.example.fr", "jeton")
        assert done.session_token == "jeton"
        assert "gardé en mémoire jusqu'à la fermeture du programme" in done.note
        with db.session() as s:
            assert sync_settings.portal_url(s) == done.url
    finally:
        db.dispose()
