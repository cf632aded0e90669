"""The backup folder (setting ``backup.folder``), the backup files' names, the listing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from backoffice.paths import data_dir
from backoffice.services.backup.retention import DEFAULT_RETENTION, Retention, to_keep
from backoffice.services.common.settings_store import get_setting, put_setting

FOLDER_KEY = "backup.folder"
PREFIX = "sauvegarde-"
STAMP_FORMAT = "%Y%m%d-%H%M%S"
SQLITE_SUFFIX = ".sqlite3"
POSTGRES_SUFFIX = ".dump"
_NAME = re.compile(rf"^{PREFIX}(\d{{8}}-\d{{6}})(\.sqlite3|\.dump)$")


def default_folder() -> Path:
    return data_dir() / "sauvegardes"


def backup_folder(session: Session) -> Path:
    stored = get_setting(session, FOLDER_KEY)
    return Path(stored) if stored else default_folder()


def set_backup_folder(session: Session, folder: Path) -> None:
    put_setting(session, FOLDER_KEY, str(folder))


@dataclass(frozen=True, slots=True)
class BackupFile:
    path: Path
    taken_at: datetime  # local time, from the name
    size: int

    @property
    def name(self) -> str:
        return self.path.name


def file_name(taken_at: datetime, suffix: str) -> str:
    return f"{PREFIX}{taken_at.strftime(STAMP_FORMAT)}{suffix}"


def list_backups(folder: Path) -> list[BackupFile]:
    """The backups in ``folder``, newest first (files of other names are ignored)."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _NAME.match(path.name)
        if match and path.is_file():
            stamp = datetime.strptime(match.group(1), STAMP_FORMAT)
            found.append(BackupFile(path, stamp, path.stat().st_size))
    return sorted(found, key=lambda b: b.taken_at, reverse=True)


def prune(folder: Path, rule: Retention = DEFAULT_RETENTION) -> list[Path]:
    """Delete the backups the retention rule does not keep; the deleted paths."""
    backups = list_backups(folder)
    keep = to_keep([b.taken_at for b in backups], rule)
    deleted = []
    for backup in backups:
        if backup.taken_at not in keep:
            backup.path.unlink(missing_ok=True)
            deleted.append(backup.path)
    return deleted
