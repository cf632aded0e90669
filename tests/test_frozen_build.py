"""The PyInstaller build must not rot: build it and run its --self-test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.frozen


@pytest.fixture(scope="module")
def frozen_app(tmp_path_factory):
    out = tmp_path_factory.mktemp("frozen")
    result = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "build.py"), "--skip-installer",
         "--dist", str(out / "dist"), "--work", str(out / "build")],
        capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Application figée" in result.stdout
    exe = out / "dist" / "backoffice" / ("backoffice.exe" if os.name == "nt" else "backoffice")
    assert exe.exists()
    return exe


def test_frozen_self_test_passes(frozen_app, tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "BACKOFFICE_DATA_DIR": str(tmp_path)}
    result = subprocess.run([str(frozen_app), "--self-test"], capture_output=True, text=True,
                            timeout=120, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    for check in ("Migrations", "Ressources", "PDF", "Trousseau", "Qt"):
        assert f"[OK] {check}" in result.stdout


def test_frozen_self_test_fails_in_french_when_resources_are_missing(frozen_app, tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "BACKOFFICE_DATA_DIR": str(tmp_path),
           "BACKOFFICE_RESOURCES_DIR": str(tmp_path / "nulle-part")}
    result = subprocess.run([str(frozen_app), "--self-test"], capture_output=True, text=True,
                            timeout=120, env=env)
    assert result.returncode == 1
    assert "[ÉCHEC] Ressources" in result.stdout
    assert "Ressource introuvable" in result.stdout
