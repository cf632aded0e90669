"""What an upgrade removes before copying the new program files, in one place.

``installer.iss`` declares these rules in its ``[InstallDelete]`` section (Inno Setup
runs them before ``[Files]``); :func:`iss_install_delete` writes that section and
``tests/test_install_rules.py`` checks the ``.iss`` says exactly this. The upgrade test
of the frozen build (``tests/test_frozen_build.py``) applies the same rules with
:func:`apply_install_delete`, so what is tested is what the installer does.

Only program files are listed: never ``data\\`` (portable mode), never ``portable.flag``
(it decides where the data lives), never the agents' folders.
"""

from __future__ import annotations

import shutil
from pathlib import Path, PureWindowsPath

# (Inno Setup type, name relative to {app}). "filesandordirs" removes a folder and
# everything in it; "files" removes matching files.
INSTALL_DELETE: tuple[tuple[str, str], ...] = (
    # The whole bundle: a migration renamed or removed between versions would otherwise
    # stay behind and give Alembic two heads.
    ("filesandordirs", "_internal"),
    ("files", "backoffice.exe"),
    ("files", "backoffice-cli.exe"),
)

# Never removed by an upgrade nor by the uninstaller: where the data lives.
KEPT: tuple[str, ...] = ("data", "portable.flag")


def iss_install_delete() -> str:
    """The ``[InstallDelete]`` section of installer.iss, as Inno Setup reads it."""
    lines = ["[InstallDelete]"]
    lines += [f'Type: {kind}; Name: "{{app}}\\{name}"' for kind, name in INSTALL_DELETE]
    return "\n".join(lines) + "\n"


def apply_install_delete(app: Path) -> list[Path]:
    """Remove from the installed folder ``app`` what the installer removes before copying
    a new version (the Linux stand-in for Inno Setup's ``[InstallDelete]``); the removed
    paths. Names are matched without regard to case, as on Windows."""
    removed = []
    for kind, name in INSTALL_DELETE:
        wanted = PureWindowsPath(name)
        for path in app.iterdir():
            if PureWindowsPath(path.name) != wanted or path.name in KEPT:
                continue
            if kind == "filesandordirs" and path.is_dir():
                shutil.rmtree(path)
            elif path.is_file():
                path.unlink()
            else:
                continue
            removed.append(path)
    # On Linux the programs carry no .exe suffix: the same rule applies to them.
    for kind, name in INSTALL_DELETE:
        if kind == "files" and name.endswith(".exe"):
            plain = app / name.removesuffix(".exe")
            if plain.is_file() or plain.is_symlink():  # backoffice-cli links to backoffice
                plain.unlink()
                removed.append(plain)
    return removed
