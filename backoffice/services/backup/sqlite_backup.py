"""SQLite: an online copy with the sqlite3 backup API, and a restore that checks the
candidate (``PRAGMA integrity_check``, a migration level this program knows) before
replacing anything, keeps the replaced file, and swaps atomically (``os.replace``)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from datetime import datetime
from pathlib import Path

from backoffice.errors import UserError
from backoffice.services.backup.files import SQLITE_SUFFIX, file_name


class BackupError(UserError):
    """A backup or a restore could not be done (French message)."""


def backup_sqlite(database: Path, folder: Path, taken_at: datetime) -> Path:
    """Copy the live database ``database`` into ``folder``; the new file's path.

    The backup API copies a consistent snapshot while other connections keep working.
    The copy is written under a temporary name and renamed when complete."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / file_name(taken_at, SQLITE_SUFFIX)
    partial = target.with_name(target.name + ".partiel")
    if not database.is_file():
        raise BackupError(f"Base introuvable, rien à sauvegarder : {database}")
    # A plain connection (it only reads): a read-only one cannot open a WAL database
    # whose -shm file is absent (the back-office closed).
    source = sqlite3.connect(database)
    try:
        dest = sqlite3.connect(partial)
        try:
            source.backup(dest)
            dest.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            dest.close()
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"La sauvegarde de la base a échoué : {exc}") from exc
    finally:
        source.close()
    os.replace(partial, target)
    return target


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    from backoffice.storage import alembic_config

    script = ScriptDirectory.from_config(alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


def check_candidate(candidate: Path) -> str:
    """The candidate's migration level if it can be restored; else a French error."""
    if not candidate.is_file():
        raise BackupError(f"Fichier de sauvegarde introuvable : {candidate}")
    try:
        conn = sqlite3.connect(f"file:{candidate}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"Impossible d'ouvrir la sauvegarde {candidate.name} : {exc}") from exc
    try:
        try:
            verdict = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            revisions = [row[0] for row in conn.execute("SELECT version_num FROM alembic_version")]
        except sqlite3.Error as exc:
            raise BackupError(
                f"La sauvegarde {candidate.name} est endommagée ou n'est pas une base du "
                f"back-office ({exc}). La base actuelle n'a pas été modifiée."
            ) from exc
    finally:
        conn.close()
    if verdict != ["ok"]:
        raise BackupError(
            f"La sauvegarde {candidate.name} est endommagée (contrôle d'intégrité : "
            f"{'; '.join(str(v) for v in verdict[:3])}). La base actuelle n'a pas été modifiée."
        )
    if len(revisions) != 1:
        raise BackupError(
            f"La sauvegarde {candidate.name} n'indique pas sa version de schéma. "
            "La base actuelle n'a pas été modifiée."
        )
    if revisions[0] not in known_revisions():
        raise BackupError(
            f"La sauvegarde {candidate.name} vient d'une version plus récente du programme "
            f"(schéma {revisions[0]}) : mettez le back-office à jour avant de la restaurer. "
            "La base actuelle n'a pas été modifiée."
        )
    return revisions[0]


def _checkpoint(database: Path) -> None:
    """Fold the write-ahead log into the file, so the file alone is the database."""
    conn = sqlite3.connect(database)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def restore_sqlite(database: Path, candidate: Path, now: datetime) -> Path | None:
    """Replace ``database`` by ``candidate`` once checked; the kept former file (or None
    when there was no database). Every connection to ``database`` must be closed."""
    check_candidate(candidate)
    database.parent.mkdir(parents=True, exist_ok=True)
    incoming = database.with_name(database.name + ".restauration")
    incoming.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{candidate}?mode=ro", uri=True)
    try:
        dest = sqlite3.connect(incoming)
        try:
            source.backup(dest)
        finally:
            dest.close()
    except sqlite3.Error as exc:
        incoming.unlink(missing_ok=True)
        raise BackupError(f"La restauration a échoué : {exc}") from exc
    finally:
        source.close()
    kept = None
    if database.exists():
        _checkpoint(database)
        kept = database.with_name(f"{database.stem}-remplacee-{now:%Y%m%d-%H%M%S}{database.suffix}")
        try:
            os.link(database, kept)
        except OSError:  # file systems without hard links
            import shutil

            shutil.copy2(database, kept)
    for extra in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(f"{database}{extra}")
    os.replace(incoming, database)
    return kept
