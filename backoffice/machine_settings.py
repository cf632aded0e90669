"""The settings IT writes once per desktop, and what each agent may override.

Two TOML files, read at start by ``backoffice`` and ``backoffice-cli``:

- the machine-wide file, written by IT: ``%PROGRAMDATA%\\ComComSudSarthe\\PortailFamille\\
  settings.toml`` on Windows, ``/etc/portail-famille/settings.toml`` elsewhere
  (``BACKOFFICE_MACHINE_SETTINGS`` names another file: tests, several setups);
- the agent's own file, ``settings.toml`` in the user configuration folder
  (``%APPDATA%\\ComComSudSarthe\\PortailFamille`` on Windows; ``BACKOFFICE_USER_SETTINGS``
  names another file), which overrides only the keys the machine-wide file lists in
  ``allow_user_override`` (every key when there is no machine-wide file).

Keys (all optional)::

    database_url = "postgresql://portail@serveur/backoffice"
    portal_url = "https://portail.example.fr"
    sync_interval_minutes = 15
    backup_dir = "\\\\serveur\\sauvegardes\\portail-famille"
    allow_user_override = ["sync_interval_minutes"]

An environment variable (``BACKOFFICE_DATABASE_URL``) or a command-line option still
wins over both files. A file that cannot be read, an unknown key or a wrong type stops
the start with a French message naming the file.
"""

from __future__ import annotations

import os
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from backoffice import APP_NAME, APP_ORG
from backoffice.errors import UserError

MACHINE_ENV = "BACKOFFICE_MACHINE_SETTINGS"
USER_ENV = "BACKOFFICE_USER_SETTINGS"
_APPNAME = APP_NAME.replace(" ", "")

# key -> (type, French description for the error messages)
KEYS: dict[str, tuple[type, str]] = {
    "database_url": (str, "une adresse de base de données (texte)"),
    "portal_url": (str, "l'adresse du portail (texte)"),
    "sync_interval_minutes": (int, "un nombre de minutes entre 0 et 1440"),
    "backup_dir": (str, "un dossier (texte)"),
}
OVERRIDE_KEY = "allow_user_override"


class SettingsFileError(UserError):
    """A settings file is unreadable or wrong; the message names it (French)."""


@dataclass(frozen=True)
class Settings:
    """The effective values, and for each the file it came from."""

    values: dict[str, object] = field(default_factory=dict)
    sources: dict[str, Path] = field(default_factory=dict)
    machine_file: Path | None = None
    user_file: Path | None = None
    user_may_override: frozenset[str] = frozenset(KEYS)

    def get(self, key: str) -> object | None:
        return self.values.get(key)

    @property
    def database_url(self) -> str | None:
        return self.values.get("database_url")  # type: ignore[return-value]

    @property
    def portal_url(self) -> str | None:
        return self.values.get("portal_url")  # type: ignore[return-value]

    @property
    def sync_interval_minutes(self) -> int | None:
        return self.values.get("sync_interval_minutes")  # type: ignore[return-value]

    @property
    def backup_dir(self) -> Path | None:
        value = self.values.get("backup_dir")
        return Path(str(value)) if value else None

    def describe(self) -> list[str]:
        """French lines for the log: which file gave which key."""
        lines = [
            f"Paramètres du poste : {self.machine_file or 'aucun fichier'} ; "
            f"de l'agent : {self.user_file or 'aucun fichier'}"
        ]
        lines += [f"  {key} : {self.sources[key]}" for key in sorted(self.values)]
        return lines


def machine_file() -> Path:
    override = os.environ.get(MACHINE_ENV)
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData"))
        return base / APP_ORG / _APPNAME / "settings.toml"
    return Path("/etc/portail-famille/settings.toml")


def user_file() -> Path:
    override = os.environ.get(USER_ENV)
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir(_APPNAME, APP_ORG, roaming=True)) / "settings.toml"


def _read(path: Path) -> dict[str, object] | None:
    if not path.is_file():
        return None
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsFileError(
            f"Le fichier de paramètres {path} ne peut pas être lu : {exc}"
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise SettingsFileError(
            f"Le fichier de paramètres {path} est mal écrit (format TOML) : {exc}"
        ) from exc


def _checked(path: Path, data: dict[str, object], *, machine: bool) -> dict[str, object]:
    values = {}
    for key, value in data.items():
        if key == OVERRIDE_KEY and machine:
            continue
        if key not in KEYS:
            known = ", ".join([*KEYS, *([OVERRIDE_KEY] if machine else [])])
            raise SettingsFileError(
                f"Clé inconnue « {key} » dans le fichier de paramètres {path} "
                f"(clés possibles : {known})."
            )
        kind, described = KEYS[key]
        if not isinstance(value, kind) or isinstance(value, bool):
            raise SettingsFileError(
                f"Dans le fichier de paramètres {path}, « {key} » doit être {described}."
            )
        if key == "sync_interval_minutes" and not 0 <= int(value) <= 1440:  # type: ignore[call-overload]
            raise SettingsFileError(
                f"Dans le fichier de paramètres {path}, « {key} » doit être {described}."
            )
        values[key] = value.strip() if isinstance(value, str) else value
    return values


def _allowed(path: Path, data: dict[str, object]) -> frozenset[str]:
    allowed = data.get(OVERRIDE_KEY, [])
    if not isinstance(allowed, list) or not all(isinstance(k, str) for k in allowed):
        raise SettingsFileError(
            f"Dans le fichier de paramètres {path}, « {OVERRIDE_KEY} » doit être une liste de clés."
        )
    unknown = sorted(set(allowed) - set(KEYS))
    if unknown:
        raise SettingsFileError(
            f"Dans le fichier de paramètres {path}, « {OVERRIDE_KEY} » cite des clés inconnues : "
            f"{', '.join(unknown)}."
        )
    return frozenset(allowed)


def load() -> Settings:
    """Machine-wide values, then the agent's for the keys IT allows."""
    values: dict[str, object] = {}
    sources: dict[str, Path] = {}
    machine_path, user_path = machine_file(), user_file()
    machine = _read(machine_path)
    allowed = frozenset(KEYS)
    if machine is not None:
        for key, value in _checked(machine_path, machine, machine=True).items():
            values[key], sources[key] = value, machine_path
        allowed = _allowed(machine_path, machine)
    user = _read(user_path)
    if user is not None:
        for key, value in _checked(user_path, user, machine=False).items():
            if key in allowed:
                values[key], sources[key] = value, user_path
    return Settings(
        values=values,
        sources=sources,
        machine_file=machine_path if machine is not None else None,
        user_file=user_path if user is not None else None,
        user_may_override=allowed,
    )
