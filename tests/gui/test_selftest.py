"""``backoffice --self-test`` from source: all checks pass here; a missing resource fails in French."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from backoffice import app as app_module


def test_self_test_passes_from_source(qapp, capsys):
    assert app_module.main(["--self-test"]) == 0
    out = capsys.readouterr().out
    for check in ("Migrations", "Ressources", "PDF", "Trousseau", "Qt"):
        assert f"[OK] {check}" in out
    assert "Auto-test réussi" in out


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
    assert "Auto-test en échec : Ressources, PDF." in result.stdout
    assert "Traceback" not in result.stdout
