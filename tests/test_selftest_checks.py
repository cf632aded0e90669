"""``--self-test`` means it: each check fails, with a French line, when the piece it
checks is missing from the environment (keyring, time zones, fonts, resources, PDF,
temporary database)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import zoneinfo

import keyring
import keyring.core
import pytest
from keyring.backends import SecretService, Windows, fail, null

from backoffice import paths, selftest


def _run(name: str) -> selftest.CheckResult:
    (result,) = selftest.run_checks([(name, selftest.CORE_CHECKS[name])])
    return result


@pytest.fixture
def resources_without(tmp_path, monkeypatch):
    def make(*missing: str):
        copy = tmp_path / "resources"
        shutil.copytree(paths.resources_dir(), copy, ignore=shutil.ignore_patterns(*missing))
        monkeypatch.setenv("BACKOFFICE_RESOURCES_DIR", str(copy))
        return copy

    return make


def test_every_check_but_the_keyring_passes_here():
    results = selftest.run_checks(
        (name, check) for name, check in selftest.CORE_CHECKS.items() if name != "Trousseau"
    )
    assert [r.line() for r in results if not r.ok] == []


def test_migrations_fail_when_no_temporary_database_can_be_made(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "absent"))
    result = _run("Migrations")
    assert not result.ok and result.line().startswith("[ÉCHEC] Migrations : ")


def test_resources_fail_without_the_postcodes_licence(resources_without):
    resources_without("codes-postaux.LICENSE")
    result = _run("Ressources")
    assert not result.ok and "Ressource introuvable" in result.line()


def test_fonts_fail_without_the_bold_font(resources_without):
    resources_without("DejaVuSans-Bold.ttf")
    assert _run("Ressources").ok
    result = _run("Polices")
    assert not result.ok and "DejaVuSans-Bold.ttf" in result.line()


def test_pdf_fails_without_the_fonts_in_the_command_line_self_test(resources_without):
    """In a fresh process (reportlab keeps the fonts it registered): backoffice-cli
    --self-test, one French line per check, exit code 1."""
    resources_without("fonts")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from backoffice.cli import main; sys.exit(main())",
            "--self-test",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
    )
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("[ÉCHEC] PDF : ") for line in lines), result.stdout
    assert "[OK] Migrations" in result.stdout and "[OK] Fuseau horaire" in result.stdout
    assert lines[-1].startswith("Auto-test en échec : Polices, PDF, Trousseau.")


def test_timezone_fails_without_a_timezone_database(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tzdata", None)  # no bundled database either
    zoneinfo.reset_tzpath(to=[str(tmp_path)])
    try:
        result = _run("Fuseau horaire")
    finally:
        zoneinfo.reset_tzpath()
    assert not result.ok
    assert "fuseau horaire Europe/Paris est introuvable" in result.line()
    assert _run("Fuseau horaire").ok


@pytest.mark.parametrize(
    "backend", ["keyring.backends.fail.Keyring", "keyring.backends.null.Keyring"]
)
def test_keyring_fails_on_a_backend_that_keeps_nothing(monkeypatch, backend):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", backend)
    keyring.core.init_backend()
    try:
        result = _run("Trousseau")
    finally:
        monkeypatch.delenv("PYTHON_KEYRING_BACKEND")
        keyring.core.init_backend()
    assert not result.ok and "aucun trousseau chiffré du système" in result.line()
    assert backend in result.line()


def test_the_real_keyrings_are_recognised():
    assert selftest.real_keyring(Windows.WinVaultKeyring()) == (
        "keyring.backends.Windows.WinVaultKeyring"
    )
    assert (
        selftest.real_keyring(SecretService.Keyring()) == "keyring.backends.SecretService.Keyring"
    )
    assert selftest.real_keyring(fail.Keyring()) is None
    assert selftest.real_keyring(null.Keyring()) is None
