"""A database newer than the program is refused in French and left untouched; a bundle
whose migrations have two heads (an old file left behind) is refused before Alembic."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from backoffice import storage
from backoffice.services.database import open_database


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_database_from_a_newer_version_is_refused_and_left_untouched(tmp_path):
    file = tmp_path / "backoffice.sqlite3"
    url = f"sqlite:///{file}"
    open_database(url).dispose()
    engine = storage.make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099_futur'"))
    engine.dispose()
    before = _digest(file)

    with pytest.raises(storage.StorageError) as refused:
        open_database(url)

    message = str(refused.value)
    assert "version plus récente du back-office" in message
    assert "0099_futur" in message and "jamais ramenée à une version antérieure" in message
    assert _digest(file) == before
    engine = storage.make_engine(url)
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0099_futur"
        )
    engine.dispose()


def test_a_stale_migration_left_in_the_bundle_is_refused_in_french(tmp_path, monkeypatch):
    bundle = tmp_path / "migrations"
    shutil.copytree(storage.MIGRATIONS_DIR, bundle, ignore=shutil.ignore_patterns("__pycache__"))
    first = sorted((bundle / "versions").glob("0001*.py"))[0]
    (bundle / "versions" / "0002_ancien_nom.py").write_text(
        first.read_text(encoding="utf-8")
        .replace('revision = "0001"', 'revision = "0002_ancien"')
        .replace("down_revision = None", 'down_revision = "0001"'),
        encoding="utf-8",
    )
    monkeypatch.setattr(storage, "MIGRATIONS_DIR", bundle)

    with pytest.raises(storage.StorageError, match="plusieurs fins de migrations"):
        open_database(f"sqlite:///{tmp_path / 'neuve.sqlite3'}")
    assert (
        not (tmp_path / "neuve.sqlite3").exists()
        or storage.current_revision(storage.make_engine(f"sqlite:///{tmp_path / 'neuve.sqlite3'}"))
        is None
    )
