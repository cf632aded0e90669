"""What the GUI and the CLI call: back up now (then prune), list, restore.

Backups and restores are for administrators and site directors (:func:`require_backup_role`,
the one place to switch to the central permission check)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import make_url

from backoffice.models import Role
from backoffice.services.backup.files import BackupFile, backup_folder, list_backups, prune
from backoffice.services.backup.postgres_backup import backup_postgres, restore_postgres
from backoffice.services.backup.sqlite_backup import BackupError, backup_sqlite, restore_sqlite
from backoffice.services.common.actors import Actor, PermissionDenied
from backoffice.services.common.permissions import Permission, record_refusal
from backoffice.storage import Database

BACKUP_ROLES = frozenset({Role.ADMIN, Role.DIRECTOR})

__all__ = ["BackupError", "BackupFile", "backup_now", "folder_of", "list_backups", "restore"]


def require_backup_role(actor: Actor, where: object | None = None) -> None:
    """Administrators and directors; a refusal is recorded where ``where`` (the
    database) says, as every refused attempt is."""
    if actor.role not in BACKUP_ROLES:
        record_refusal(where, actor, Permission.SETTINGS, "sauvegarder ou restaurer la base")
        raise PermissionDenied(
            "Les sauvegardes et restaurations sont réservées aux administrateurs et à la direction."
        )


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("Une base en mémoire ne se sauvegarde pas.")
    return Path(parsed.database)


def folder_of(db: Database, actor: Actor) -> Path:
    require_backup_role(actor, db)
    with db.session() as session:
        return backup_folder(session)


def backup_now(db: Database, actor: Actor, now: datetime | None = None) -> Path:
    """Back up the database into the backup folder, then apply the retention rule."""
    require_backup_role(actor, db)
    folder = folder_of(db, actor)
    taken_at = (now or datetime.now()).replace(microsecond=0)
    path = _sqlite_path(db.url)
    if path is not None:
        made = backup_sqlite(path, folder, taken_at)
    else:
        made = backup_postgres(db.url, folder, taken_at)
    prune(folder)
    return made


def restore(url: str, actor: Actor, candidate: Path, now: datetime | None = None) -> Path | None:
    """Restore ``candidate`` into the database at ``url``.

    SQLite: every connection must be closed first (the GUI closes its engine); the
    replaced file is kept beside it and returned. PostgreSQL: the database at ``url``
    must be empty (a new database)."""
    require_backup_role(actor)
    path = _sqlite_path(url)
    if path is not None:
        return restore_sqlite(path, candidate, (now or datetime.now()).replace(microsecond=0))
    restore_postgres(url, candidate)
    return None
