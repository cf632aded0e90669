"""``backoffice --self-test`` from source: all checks pass here; a missing resource fails in French."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from backoffice import app as app_module


@pytest.mark.allow_log_warnings
def test_self_test_passes_from_source_but_for_the_keyring(qapp, capsys, monkeypatch):
    """This machine has no encrypted keyring (no Secret Service): the one failing check."""
    import keyring.core

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    keyring.core.init_backend()
    assert app_module.main(["--self-test"]) == 1
    out = capsys.readouterr().out
    for check in ("Migrations", "Ressources", "Polices", "Fuseau horaire", "PDF", "Qt"):
        assert f"[OK] {check}" in out
    assert "[OK] Traductions : traductions françaises de Qt" in out
    assert "[ÉCHEC] Trousseau : aucun trousseau chiffré du système" in out
    assert "Auto-test en échec : Trousseau." in out


def test_self_test_fails_without_qt_french_translations(qapp, monkeypatch, tmp_path):
    from backoffice.ui import selftest as ui_selftest

    class NoTranslations:
        LibraryPath = ui_selftest.QLibraryInfo.LibraryPath

        @staticmethod
        def path(_which):
            return str(tmp_path)

    monkeypatch.setattr(ui_selftest, "QLibraryInfo", NoTranslations)
    with pytest.raises(RuntimeError, match="traductions françaises de Qt introuvables"):
        ui_selftest.check_translations()


@pytest.mark.allow_log_warnings
def test_self_test_fails_with_a_french_explanation(tmp_path):
    env = {
        **os.environ,
        "BACKOFFICE_RESOURCES_DIR": str(tmp_path / "nulle-part"),
        "QT_QPA_PLATFORM": "offscreen",
    }
    result = subprocess.run(
        [sys.executable, "-m", "backoffice.app", "--self-test"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 1
    assert "[ÉCHEC] Ressources : Ressource introuvable" in result.stdout
    assert "[ÉCHEC] PDF" in result.stdout and "[OK] Migrations" in result.stdout
    assert "Auto-test en échec : Ressources, Polices, PDF" in result.stdout
    assert "Traceback" not in result.stdout
