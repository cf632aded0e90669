"""PostgreSQL: ``pg_dump --format=custom`` into the backup folder, and ``pg_restore``
into an EMPTY database (a database holding tables is refused: restoring over data
would mix two states). Both programs must be on PATH (package ``postgresql-client``)."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote

from sqlalchemy import URL, make_url, text

from backoffice.services.backup.files import POSTGRES_SUFFIX, file_name
from backoffice.services.backup.sqlite_backup import BackupError


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"Le programme {name} est introuvable : installez les outils clients de "
            "PostgreSQL (paquet postgresql-client, ou PostgreSQL pour Windows) et "
            "ajoutez leur dossier au PATH."
        )
    return found


def _libpq(url: str) -> tuple[str, dict[str, str], str | None]:
    """The libpq connection string (no password), the environment carrying the
    password, and the schema named by ``options=-csearch_path=…`` if any."""
    parsed: URL = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    options = parsed.query.get("options")
    schema = None
    if isinstance(options, str) and "search_path=" in options:
        schema = unquote(options.split("search_path=", 1)[1]).split(",")[0].strip()
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env, schema


def backup_postgres(url: str, folder: Path, taken_at: datetime) -> Path:
    """``pg_dump --format=custom`` of the database (or of its schema) into ``folder``."""
    program = _program("pg_dump")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / file_name(taken_at, POSTGRES_SUFFIX)
    partial = target.with_name(target.name + ".partiel")
    dsn, env, schema = _libpq(url)
    command = [program, "--format=custom", "--no-owner", f"--file={partial}", f"--dbname={dsn}"]
    if schema:
        command.insert(2, f"--schema={schema}")
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump a échoué : {result.stderr.strip()}")
    os.replace(partial, target)
    return target


def _user_tables(url: str, schema: str | None) -> int:
    """Tables in the target: in its schema when the URL names one, else anywhere."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    where = (
        "table_schema = :schema"
        if schema
        else "table_schema NOT IN ('pg_catalog', 'information_schema')"
    )
    try:
        with engine.connect() as conn:
            return conn.execute(
                text(f"SELECT count(*) FROM information_schema.tables WHERE {where}"),
                {"schema": schema} if schema else {},
            ).scalar_one()
    finally:
        engine.dispose()


def check_dump(dump: Path) -> None:
    """``pg_restore --list`` reads the whole table of contents: a truncated or foreign
    file is refused before the target database is touched."""
    if not dump.is_file():
        raise BackupError(f"Fichier de sauvegarde introuvable : {dump}")
    result = subprocess.run(
        [_program("pg_restore"), "--list", str(dump)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0 or "alembic_version" not in result.stdout:
        raise BackupError(
            f"La sauvegarde {dump.name} est endommagée ou n'est pas une sauvegarde du "
            f"back-office ({result.stderr.strip() or 'table alembic_version absente'}). "
            "La base n'a pas été modifiée."
        )


def dump_revision(dump: Path) -> str | None:
    """The migration level stored in the dump (its ``alembic_version`` row)."""
    result = subprocess.run(
        [_program("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(dump)],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = result.stdout.splitlines()
    for n, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and n + 1 < len(lines):
            value = lines[n + 1].strip()
            return None if value == "\\." else value
    return None


def restore_postgres(url: str, dump: Path) -> None:
    """``pg_restore`` of ``dump`` into the EMPTY database at ``url``."""
    from backoffice.services.backup.sqlite_backup import known_revisions

    program = _program("pg_restore")
    check_dump(dump)
    revision = dump_revision(dump)
    if revision not in known_revisions():
        raise BackupError(
            f"La sauvegarde {dump.name} vient d'une version plus récente du programme ou "
            f"n'indique pas sa version de schéma ({revision or 'aucune'}) : mettez le "
            "back-office à jour avant de la restaurer. La base n'a pas été modifiée."
        )
    dsn, env, schema = _libpq(url)
    tables = _user_tables(url, schema)
    if tables:
        raise BackupError(
            f"La base cible n'est pas vide ({tables} tables) : la restauration se fait dans "
            "une base neuve (createdb), pour ne jamais mélanger deux états. "
            "Rien n'a été modifié."
        )
    result = subprocess.run(
        [
            program,
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={dsn}",
            str(dump),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore a échoué : {result.stderr.strip()}")
