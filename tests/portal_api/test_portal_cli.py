"""The ``portal`` console script, run as a real process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest
import requests
from portal_testkit import HTTP_TIMEOUT, START_TIMEOUT, free_port

from portal.settings import Settings, SettingsError


def _portal_command() -> list[str]:
    script = shutil.which("portal", path=os.path.dirname(sys.executable))
    return [script] if script else [sys.executable, "-m", "portal.cli"]


def test_portal_serve(tmp_path):
    port = free_port()
    db = tmp_path / "servi.sqlite3"
    env = os.environ | {"PORTAL_PUBLIC_BASE_URL": "https://portail.example.fr"}
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*_portal_command(), "serve", "--host", "127.0.0.1", "--port", str(port)]
            + ["--database-url", f"sqlite:///{db}", "--log-level", "warning"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                r = requests.get(f"http://127.0.0.1:{port}/health", timeout=HTTP_TIMEOUT)
                break
            except requests.ConnectionError:
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "portal serve n'a pas répondu"
                time.sleep(0.1)
        assert r.json()["status"] == "ok"
        assert db.exists()
    finally:
        proc.terminate()
        proc.wait(timeout=START_TIMEOUT)


def test_settings_from_environment(tmp_path):
    settings = Settings.from_env(
        {
            "PORTAL_DATA_DIR": str(tmp_path),
            "PORTAL_SMTP_PORT": "2525",
            "PORTAL_SMTP_STARTTLS": "true",
            "PORTAL_LOGIN_MAX_FAILURES": "3",
        }
    )
    assert settings.smtp_port == 2525 and settings.smtp_starttls is True
    assert settings.login_max_failures == 3
    assert settings.resolved_database_url() == f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    pg = Settings.from_env({"PORTAL_DATABASE_URL": "postgresql://u:p@db.example/portail"})
    assert pg.resolved_database_url() == "postgresql+psycopg://u:p@db.example/portail"
    assert "secret" not in repr(Settings(smtp_password="secret"))
    with pytest.raises(SettingsError, match="PORTAL_SMTP_PORT"):
        Settings.from_env({"PORTAL_SMTP_PORT": "pas-un-port"})
    with pytest.raises(SettingsError, match="PORTAL_SURPRISE"):
        Settings.from_env({}, surprise="x")


def test_links_carry_the_token_in_the_fragment():
    link = Settings(public_base_url="https://portail.example.fr/").link("activation", "abc")
    assert link == "https://portail.example.fr/activation#jeton=abc"
