"""Backup → delete the database → restore gives the same rows, on SQLite and PostgreSQL;
a damaged or foreign file is refused before anything is replaced."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, make_url, select

from backoffice.cli.app import main as cli_main
from backoffice.demo.load import load_demo
from backoffice.models import Base, Role
from backoffice.services.backup.files import default_folder, list_backups
from backoffice.services.backup.postgres_backup import dump_revision
from backoffice.services.backup.service import BackupError, backup_now, restore
from backoffice.services.common.actors import SYSTEM, Actor, PermissionDenied
from backoffice.storage import head_revision

NOW = datetime(2026, 12, 6, 18, 30)
AGENT = Actor(None, "agent", Role.AGENT)


def fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """Row count and SHA-256 of every table's rows, ordered by primary key."""
    engine = create_engine(url)
    result = {}
    try:
        with engine.connect() as conn:
            for table in Base.metadata.sorted_tables:
                rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
                digest = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
                result[table.name] = (len(rows), digest)
    finally:
        engine.dispose()
    return result


@pytest.mark.postgres
def test_backup_then_delete_then_restore_gives_identical_tables(db, db_url, backend):
    load_demo(db, families=6, seed=3, today=date(2026, 11, 20), billing=True)
    before = fingerprint(db_url)
    assert before["family"][0] == 6 and before["invoice"][0] > 0

    made = backup_now(db, SYSTEM, now=NOW)
    assert list_backups(made.parent)[0].path == made
    db.dispose()

    if backend == "sqlite":
        database = Path(make_url(db_url).database or "")
        database.unlink()
        assert restore(db_url, SYSTEM, made, now=NOW) is None  # nothing was replaced
    else:
        schema = make_url(db_url).query["options"].split("=")[-1]  # type: ignore[union-attr]
        raw = db_url.split("?")[0].replace("+psycopg", "")
        with psycopg.connect(raw, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        restore(db_url, SYSTEM, made)

    assert fingerprint(db_url) == before


@pytest.mark.postgres
def test_pg_restore_refuses_a_database_that_is_not_empty(db, db_url, backend):
    if backend == "sqlite":
        pytest.skip("PostgreSQL seulement")
    made = backup_now(db, SYSTEM, now=NOW)
    with pytest.raises(BackupError, match="La base cible n'est pas vide"):
        restore(db_url, SYSTEM, made)


@pytest.mark.postgres
def test_pg_restore_into_a_new_database_through_the_cli(db, db_url, backend, capsys, monkeypatch):
    if backend == "sqlite":
        pytest.skip("PostgreSQL seulement")
    monkeypatch.setenv("BACKOFFICE_USER", "admin")  # the demo's administrator
    load_demo(db, families=3, seed=5, today=date(2026, 11, 20))
    before = fingerprint(db_url)
    assert cli_main(["--database-url", db_url, "backup"]) == 0
    dump = list_backups(default_folder())[0].path
    assert dump.suffix == ".dump"
    assert dump_revision(dump) == head_revision()  # checked before restoring
    name = f"restore_{uuid.uuid4().hex[:10]}"
    raw = db_url.split("?")[0].replace("+psycopg", "")
    with psycopg.connect(raw, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    # A dump of one schema (the tests' layout) leaves out the database's extensions.
    with psycopg.connect(raw.replace("/test", f"/{name}"), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    try:
        target = db_url.replace("/test?", f"/{name}?")
        assert cli_main(["--database-url", target, "restore", str(dump)]) == 0
        assert fingerprint(target) == before
        assert cli_main(["--database-url", target, "restore", str(dump)]) == 1
        assert "n'est pas vide" in capsys.readouterr().err
    finally:
        with psycopg.connect(raw, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_a_truncated_backup_is_refused_and_the_database_untouched(db, db_url, backend, tmp_path):
    load_demo(db, families=2, seed=1, today=date(2026, 11, 20))
    made = backup_now(db, SYSTEM, now=NOW)
    truncated = tmp_path / f"tronquee{made.suffix}"
    truncated.write_bytes(made.read_bytes()[: made.stat().st_size // 2])
    before = fingerprint(db_url)
    db.dispose()
    with pytest.raises(BackupError, match="endommagée") as refused:
        restore(db_url, SYSTEM, truncated, now=NOW)
    assert "n'a pas été modifiée" in str(refused.value)
    assert fingerprint(db_url) == before
    if backend == "sqlite":
        database = Path(make_url(db_url).database or "")
        assert not list(database.parent.glob("*-remplacee-*"))


def test_sqlite_restore_keeps_the_replaced_file(sqlite_db, tmp_path):
    load_demo(sqlite_db, families=2, seed=1, today=date(2026, 11, 20))
    made = backup_now(sqlite_db, SYSTEM, now=NOW)
    load_demo_url = sqlite_db.url
    with sqlite_db.session() as session:
        from backoffice.models import Family

        session.delete(session.scalars(select(Family)).first())
    changed = fingerprint(load_demo_url)
    sqlite_db.dispose()
    kept = restore(load_demo_url, SYSTEM, made, now=NOW)
    assert kept is not None and kept.name == "backoffice-remplacee-20261206-183000.sqlite3"
    assert fingerprint(f"sqlite:///{kept}") == changed
    assert fingerprint(load_demo_url)["family"][0] == 2


def test_a_backup_from_a_newer_program_is_refused(sqlite_db, tmp_path):
    made = backup_now(sqlite_db, SYSTEM, now=NOW)
    import sqlite3

    conn = sqlite3.connect(made)
    conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    conn.commit()
    conn.close()
    sqlite_db.dispose()
    with pytest.raises(BackupError, match="version plus récente"):
        restore(sqlite_db.url, SYSTEM, made, now=NOW)


def test_an_agent_may_not_back_up_nor_restore(sqlite_db, tmp_path):
    with pytest.raises(PermissionDenied, match="réservées aux administrateurs"):
        backup_now(sqlite_db, AGENT)
    with pytest.raises(PermissionDenied):
        restore(sqlite_db.url, AGENT, tmp_path / "x.sqlite3")


def test_sqlite_backup_and_restore_through_the_cli(sqlite_db, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("BACKOFFICE_USER", "admin")  # the demo's administrator
    load_demo(sqlite_db, families=2, seed=1, today=date(2026, 11, 20))
    before = fingerprint(sqlite_db.url)
    assert cli_main(["--database-url", sqlite_db.url, "backup", "--json"]) == 0
    made = Path(json.loads(capsys.readouterr().out)["fichier"])
    sqlite_db.dispose()
    truncated = tmp_path / "tronquee.sqlite3"
    truncated.write_bytes(made.read_bytes()[:4096])
    assert cli_main(["--database-url", sqlite_db.url, "restore", str(truncated)]) == 1
    assert "endommagée" in capsys.readouterr().err
    assert cli_main(["--database-url", sqlite_db.url, "restore", str(made)]) == 0
    assert "L'ancienne base est conservée" in capsys.readouterr().out
    assert fingerprint(sqlite_db.url) == before
    monkeypatch.setenv("BACKOFFICE_USER", "mhuet")  # not a staff member of this base
    assert cli_main(["--database-url", sqlite_db.url, "restore", str(made)]) == 1
