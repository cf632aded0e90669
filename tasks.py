#!/usr/bin/env python3
"""The README's two commands, for a fresh machine with only Python 3.11+.

    python3 tasks.py run    # set up, load demo data if needed, start the back-office
    python3 tasks.py test   # set up, run the checks and the whole test suite

Setup = a virtual environment in .venv with the project and its dev extras,
reinstalled only when pyproject.toml changes. Standard library only here.
"""

from __future__ import annotations

import ctypes.util
import hashlib
import os
import secrets
import shutil
import subprocess
import sys
import threading
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
DEMO_DATA_DIR = ROOT / ".demo-data"
DEMO_FAMILIES = "300"
DEMO_SEED = "1"
DEMO_USER = "admin"
DEMO_PORTAL_READY = "PORTAIL-DEMO-PRET"  # printed by scripts/demo_portal.py
DEMO_PORTAL_TIMEOUT = 180  # seconds: first start publishes families and runs a sync
# Shared libraries Qt needs on Linux even offscreen, and the Debian packages giving them.
LINUX_LIBRARIES = {
    "EGL": "libegl1",
    "GL": "libgl1",
    "xkbcommon": "libxkbcommon0",
    "fontconfig": "libfontconfig1",
    "dbus-1": "libdbus-1-3",
}
# A real X server for the screenshots of tests/gui/test_real_window.py (Debian's Xvfb),
# and the X11 libraries Qt's xcb platform plugin loads (Debian bookworm names).
XVFB_PACKAGE = "xvfb"
XCB_LIBRARIES = {
    "xcb-cursor": "libxcb-cursor0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-image": "libxcb-image0",
    "xcb-keysyms": "libxcb-keysyms1",
    "xcb-randr": "libxcb-randr0",
    "xcb-render-util": "libxcb-render-util0",
    "xcb-shape": "libxcb-shape0",
    "xcb-xinerama": "libxcb-xinerama0",
    "xcb-xkb": "libxcb-xkb1",
    "xkbcommon-x11": "libxkbcommon-x11-0",
}


def say(message: str) -> None:
    print(f"[tasks] {message}", flush=True)


def venv_python() -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def venv_script(name: str) -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / f"{name}.exe"
    return VENV / "bin" / name


def apt_install(missing: list[str], purpose: str) -> None:
    """Install Debian packages when root with apt-get, else say which to install."""
    if not missing:
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say(f"Installation des paquets système {purpose} : {' '.join(missing)}")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-q", *missing], check=True, env=env)
    else:
        say(
            f"Paquets système manquants {purpose} ; installez : sudo apt-get install "
            + " ".join(missing)
        )


def ensure_linux_libraries() -> None:
    if not sys.platform.startswith("linux"):
        return
    missing = [pkg for lib, pkg in LINUX_LIBRARIES.items() if ctypes.util.find_library(lib) is None]
    apt_install(missing, "pour Qt")


def ensure_xvfb() -> None:
    """Xvfb and Qt's xcb libraries, for the screenshots taken under a real X server."""
    if not sys.platform.startswith("linux"):
        return
    missing = [pkg for lib, pkg in XCB_LIBRARIES.items() if ctypes.util.find_library(lib) is None]
    if shutil.which("Xvfb") is None:
        missing.insert(0, XVFB_PACKAGE)
    apt_install(missing, "pour les captures sous un vrai serveur X (Xvfb)")


# Debian's Chromium, driven by Playwright in the parents' pages tests (tests/portal_pages):
# Playwright's own browser download is not reachable from these machines.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_PACKAGE = "chromium"


def ensure_chromium() -> None:
    if not sys.platform.startswith("linux") or CHROMIUM.exists():
        return
    apt_install([CHROMIUM_PACKAGE], "pour les tests des pages des parents (navigateur)")


def ensure_postgres_client() -> None:
    """pg_dump / pg_restore, for the PostgreSQL backups and their tests (docs/backups.md)."""
    if not sys.platform.startswith("linux"):
        return
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        apt_install(["postgresql-client"], "pour les sauvegardes PostgreSQL (pg_dump)")


def ensure_poppler() -> None:
    """pdftoppm, for the documents' tests that render a PDF page to look at its ink."""
    if not sys.platform.startswith("linux") or shutil.which("pdftoppm") is not None:
        return
    apt_install(["poppler-utils"], "pour rendre les PDF en images (pdftoppm)")


def ensure_venv() -> Path:
    if sys.version_info < (3, 11):  # noqa: UP036 - run by any python3 on the machine
        sys.exit("Python 3.11 ou plus récent est requis.")
    ensure_linux_libraries()
    python = venv_python()
    if not python.exists():
        say(f"Création de l'environnement virtuel {VENV}")
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    stamp = VENV / f".installed-{digest}"
    if not stamp.exists():
        say("Installation des dépendances (une seule fois, quelques minutes)")
        pip = [str(python), "-m", "pip", "--disable-pip-version-check", "-q"]
        subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
        subprocess.run([*pip, "install", "-e", f"{ROOT}[dev,postgres,portal]"], check=True)
        for old in VENV.glob(".installed-*"):
            old.unlink()
        stamp.touch()
    return python


def start_demo_portal(python: Path, env: dict) -> subprocess.Popen | None:
    """scripts/demo_portal.py: a local portal with simulated parents (see the README).

    Returns the running process once it is ready, or None (the back-office then
    starts without it). Its output goes to this console.
    """
    say("Démarrage du portail de démonstration (parents simulés)")
    process = subprocess.Popen(
        [str(python), str(ROOT / "scripts" / "demo_portal.py"), "--data-dir", str(DEMO_DATA_DIR)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=env,
    )
    ready = threading.Event()

    def relay() -> None:
        for line in process.stdout:
            if line.startswith(DEMO_PORTAL_READY):
                say(f"Portail de démonstration prêt : {line.split()[-1]}")
                ready.set()
            else:
                print(line, end="", flush=True)
        ready.set()  # ended: ready or not, stop waiting

    threading.Thread(target=relay, daemon=True).start()
    ready.wait(DEMO_PORTAL_TIMEOUT)
    if process.poll() is None and ready.is_set():
        return process
    say("Le portail de démonstration n'a pas pu démarrer : le back-office démarre sans lui.")
    stop_demo_portal(process)
    return None


def stop_demo_portal(process: subprocess.Popen) -> None:
    """Closing its input asks it to stop (portal and mail sink included)."""
    try:
        process.stdin.close()
        process.wait(20)
    except (OSError, subprocess.TimeoutExpired):
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def run(args: list[str]) -> int:
    python = ensure_venv()
    # The demo's agents are fictitious: work as its administrator (any desk login works
    # with real data, where staff users are the collectivity's own).
    env = {**os.environ, "BACKOFFICE_DATA_DIR": str(DEMO_DATA_DIR)}
    env.setdefault("BACKOFFICE_USER", DEMO_USER)
    database = DEMO_DATA_DIR / "backoffice.sqlite3"
    if not database.exists():
        # New demo families: the old demo portal (if any) no longer matches them.
        shutil.rmtree(DEMO_DATA_DIR / "portal", ignore_errors=True)
        say(f"Chargement des données de démonstration ({DEMO_FAMILIES} familles)")
        subprocess.run(
            [
                str(venv_script("backoffice-cli")),
                "demo",
                "--families",
                DEMO_FAMILIES,
                "--seed",
                DEMO_SEED,
            ],
            check=True,
            env=env,
        )
    portal = None
    if env.get("BACKOFFICE_DEMO_PORTAL", "1") != "0":
        # A fresh staff token each run, given to the portal (as its hash) and to the back-office.
        env["BACKOFFICE_PORTAL_TOKEN"] = secrets.token_urlsafe(32)
        portal = start_demo_portal(python, env)
    say("Démarrage du back-office sur les données de démonstration")
    try:
        return subprocess.call([str(venv_script("backoffice")), *args], env=env)
    finally:
        if portal is not None:
            say("Arrêt du portail de démonstration")
            stop_demo_portal(portal)


# Quality gates run before the tests; any failure fails the command (and CI).
CHECKS = (
    ("ruff (règles)", ["-m", "ruff", "check", "."]),
    ("ruff (mise en forme)", ["-m", "ruff", "format", "--check", "."]),
    (
        "contrats de couches (import-linter)",
        ["-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"],
    ),
    ("mypy", ["-m", "mypy"]),
)


def run_checks(python: Path, env: dict) -> list[str]:
    """Run every gate (all of them, even after a failure); return the names that failed."""
    failed = []
    for name, command in CHECKS:
        say(f"Vérification : {name}")
        if subprocess.call([str(python), *command], cwd=ROOT, env=env) != 0:
            failed.append(name)
    return failed


def test(args: list[str]) -> int:
    python = ensure_venv()
    ensure_xvfb()
    ensure_chromium()
    ensure_postgres_client()
    ensure_poppler()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    failed = run_checks(python, env)
    # Independent tests run on every core (pytest-xdist) unless the caller chose otherwise.
    chosen = any(a.startswith(("-n", "--numprocesses")) or a == "no:xdist" for a in args)
    parallel = [] if chosen else ["-n", "auto"]
    code = subprocess.call([str(python), "-m", "pytest", *parallel, *args], cwd=ROOT, env=env)
    if failed:
        say("Vérifications en échec : " + ", ".join(failed))
        return code or 1
    return code


def main() -> int:
    commands = {"run": run, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
