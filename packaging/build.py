#!/usr/bin/env python3
"""Build the frozen back-office (PyInstaller onedir: backoffice + backoffice-cli), sign
it, and make the Windows installer — one step at a time or all. Prints the sizes.

    python packaging/build.py freeze              # dist/backoffice
    python packaging/build.py sign                # signs dist/backoffice/*.exe
    python packaging/build.py installer           # Inno Setup, then signs the installer
    python packaging/build.py all                 # the three, in this order (default)

Signing runs the command in ``BACKOFFICE_SIGN_COMMAND`` once per file, ``{file}``
replaced by the file's path, e.g.
``signtool sign /fd SHA256 /a /tr http://timestamp.digicert.com /td SHA256 {file}``;
without it the step says it signs nothing.

Run with the project's virtual environment (``.venv``), which has PyInstaller.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
BUILD = ROOT / "build"


# Qt on Linux links against ICU (libicudata, libicui18n, libicuuc: about 38 Mo); the
# Windows wheels of PySide6 ship none. Reported apart so the Linux figure is not
# mistaken for the Windows one (which is only known once measured on Windows).
ICU_PREFIX = "libicu"


def _files(path: Path) -> list[Path]:
    return [f for f in path.rglob("*") if f.is_file() and not f.is_symlink()]


def mo(size: int) -> str:
    """Size in Mo (10^6 bytes), French decimal comma."""
    return f"{size / 1e6:.1f} Mo".replace(".", ",")


def size_report(app: Path, exe: Path, top: int = 8) -> list[str]:
    """The measured size of the frozen app: total, ICU part, biggest entries of _internal."""
    files = _files(app)
    total = sum(f.stat().st_size for f in files)
    icu = sum(f.stat().st_size for f in files if f.name.startswith(ICU_PREFIX))
    lines = [f"Application figée : {app} — {mo(total)} ({exe.name})"]
    if icu:
        lines.append(f"  dont ICU (Linux seulement) : {mo(icu)} ; hors ICU : {mo(total - icu)}")
    by_entry: dict[str, int] = {}
    for f in files:
        parts = f.relative_to(app).parts
        key = "/".join(parts[:2]) if parts[0] == "_internal" and len(parts) > 1 else parts[0]
        by_entry[key] = by_entry.get(key, 0) + f.stat().st_size
    biggest = sorted(by_entry.items(), key=lambda item: -item[1])[:top]
    listing = ", ".join(f"{name} {mo(size)}" for name, size in biggest)
    lines.append(f"  Plus gros éléments : {listing}")
    return lines


def check_version_info() -> str:
    sys.path.insert(0, str(ROOT))
    from backoffice import __version__

    text = (ROOT / "packaging" / "version_info.txt").read_text(encoding="utf-8")
    numbers = tuple(int(n) for n in __version__.split(".")) + (0,) * (
        4 - len(__version__.split("."))
    )
    expected = f"filevers=({', '.join(map(str, numbers))})"
    if expected not in text or f"'FileVersion', '{__version__}'" not in text:
        sys.exit(f"packaging/version_info.txt ne correspond pas à la version {__version__}.")
    return __version__


def build_frozen(dist: Path, work: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--log-level",
            "WARN",
            "--distpath",
            str(dist),
            "--workpath",
            str(work),
            str(ROOT / "packaging" / "backoffice.spec"),
        ],
        check=True,
    )
    app = dist / "backoffice"
    if not (app / "backoffice-cli.exe").exists():
        # Linux: no console/windowed flag, so no second program; the launcher starts the
        # command line when called by this name (packaging/launcher.py).
        (app / "backoffice-cli").unlink(missing_ok=True)
        (app / "backoffice-cli").symlink_to("backoffice")
    return app


def build_installer(version: str, dist: Path) -> Path | None:
    compiler = shutil.which("iscc") or shutil.which("ISCC.exe")
    if compiler is None:
        print("Inno Setup (iscc) absent : installateur non construit.")
        return None
    subprocess.run(
        [
            compiler,
            f"/DAppVersion={version}",
            f"/DDistDir={dist.resolve()}",
            str(ROOT / "packaging" / "installer.iss"),
        ],
        check=True,
    )
    found = sorted(dist.glob("PortailFamille-*-setup.exe"))
    return found[-1] if found else None


SIGN_ENV = "BACKOFFICE_SIGN_COMMAND"
STEPS = ("freeze", "sign", "installer", "all")


def sign_command(path: Path) -> list[str] | None:
    """The signing command for ``path`` from :data:`SIGN_ENV`, or None when unset."""
    template = os.environ.get(SIGN_ENV, "").strip()
    if not template:
        return None
    if "{file}" not in template:
        sys.exit(f"{SIGN_ENV} doit contenir {{file}} (le fichier à signer).")
    return [
        part.replace("{file}", str(path)) for part in shlex.split(template, posix=os.name != "nt")
    ]


def sign(files: list[Path]) -> None:
    for path in files:
        command = sign_command(path)
        if command is None:
            print(f"{SIGN_ENV} absent : {path.name} n'est pas signé.")
            continue
        subprocess.run(command, check=True)
        print(f"Signé : {path}")


def programs(app: Path) -> list[Path]:
    names = ("backoffice.exe", "backoffice-cli.exe", "backoffice", "backoffice-cli")
    return [app / name for name in names if (app / name).is_file()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("step", nargs="?", choices=STEPS, default="all", help="étape (défaut all)")
    parser.add_argument(
        "--skip-installer", action="store_true", help="avec all : ni signature ni installateur"
    )
    parser.add_argument("--dist", type=Path, default=DIST, help="dossier de sortie (défaut dist/)")
    parser.add_argument(
        "--work", type=Path, default=BUILD, help="dossier de travail (défaut build/)"
    )
    args = parser.parse_args()
    version = check_version_info()
    app = args.dist / "backoffice"
    if args.step in ("freeze", "all"):
        app = build_frozen(args.dist, args.work)
        exe = next(p for p in (app / "backoffice.exe", app / "backoffice") if p.exists())
        print("\n".join(size_report(app, exe)))
    if args.skip_installer and args.step == "all":
        return 0
    if args.step in ("sign", "all"):
        if not app.is_dir():
            sys.exit(f"Rien à signer : {app} n'existe pas (lancez d'abord : build.py freeze).")
        sign([p for p in programs(app) if p.suffix == ".exe"] or programs(app))
    if args.step in ("installer", "all"):
        installer = build_installer(version, args.dist)
        if installer:
            sign([installer])
            print(f"Installateur : {installer} — {mo(installer.stat().st_size)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
