"""Every area of the main window, in a real X window (Xvfb), at 1280×800 and 1920×1080.

The test starts Xvfb itself on a free display (``-displayfd``: the server picks the
number), then runs ``scripts/real_window.py`` — the real application window on a demo
database, Qt's xcb platform, French translations — which saves
``docs/screenshots/real-<area>-<size>.png`` grabbed from the screen. ``tasks.py test``
installs Xvfb and Qt's X11 libraries when missing; without Xvfb the test is skipped
(with the command that installs it), except in CI, where it fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"
SCRIPT = ROOT / "scripts" / "real_window.py"
AREAS = (
    "familles",
    "demandes",
    "planning",
    "planning-occupation",
    "pointage",
    "facturation",
    "reglements",
    "dossiers-incomplets",
    "synchronisation",
    "parametres",
)
SIZES = ((1280, 800), (1920, 1080))


def _xvfb() -> str:
    path = shutil.which("Xvfb")
    if path is None:
        message = (
            "Xvfb absent : les captures sous un vrai serveur X ne peuvent pas être prises "
            "(python3 tasks.py test l'installe : paquet Debian xvfb)."
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def x_display():
    """A fresh Xvfb on a display it chose itself; its name (":N")."""
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        [
            _xvfb(),
            "-displayfd",
            str(write_end),
            "-screen",
            "0",
            "1920x1080x24",
            "-nolisten",
            "tcp",
        ],  # fmt: skip
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    os.close(write_end)
    try:
        with os.fdopen(read_end) as pipe:
            number = pipe.readline().strip()
        if not number.isdigit():
            server.kill()
            _out, err = server.communicate(timeout=10)
            pytest.fail(f"Xvfb n'a pas démarré : {err.decode(errors='replace')[-500:]}")
        yield f":{number}"
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
        if server.stderr is not None:
            server.stderr.close()


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} n'est pas un PNG"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_every_area_is_shot_in_a_real_x_window(x_display, tmp_path):
    started = {}
    for area in AREAS:
        for width, height in SIZES:
            path = SHOTS / f"real-{area}-{width}x{height}.png"
            started[path] = path.stat().st_mtime_ns if path.exists() else None
    env = {
        **os.environ,
        "DISPLAY": x_display,
        "QT_QPA_PLATFORM": "xcb",
        "BACKOFFICE_NO_DIALOGS": "1",
        "BACKOFFICE_DATA_DIR": str(tmp_path / "data"),
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(SHOTS)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert "Plateforme Qt : xcb" in result.stdout  # a real X window, not offscreen
    for path, before in started.items():
        assert path.exists(), f"capture manquante : {path.name}"
        assert path.stat().st_mtime_ns != before, f"capture non réécrite : {path.name}"
        assert _png_size(path) == tuple(int(n) for n in path.stem.rsplit("-", 1)[1].split("x"))
