"""Shared fixtures: data dirs in tmp, real SQLite files, real PostgreSQL schemas.

Tests marked ``postgres`` that use the ``db_url``/``db`` fixtures run twice:
once on a SQLite file, once on a fresh schema of the local PostgreSQL
(127.0.0.1:5432, database ``test``). When ``CI=true`` a missing server fails
those tests instead of skipping them.
"""

from __future__ import annotations

import logging
import os
import uuid

import pytest

# Before pytest-qt creates its session-wide QApplication: never a real display.
os.environ["QT_QPA_PLATFORM"] = "offscreen"

PG_URL = os.environ.get(
    "BACKOFFICE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory, monkeypatch):
    """Never touch the real user data dir: every test gets its own."""
    data = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("BACKOFFICE_DATA_DIR", str(data))
    monkeypatch.delenv("BACKOFFICE_DATABASE_URL", raising=False)
    monkeypatch.delenv("BACKOFFICE_PORTABLE", raising=False)
    # No settings file of this machine or of its user (backoffice.machine_settings).
    monkeypatch.setenv("BACKOFFICE_MACHINE_SETTINGS", str(data / "aucun-poste.toml"))
    monkeypatch.setenv("BACKOFFICE_USER_SETTINGS", str(data / "aucun-agent.toml"))
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    yield data


@pytest.fixture(autouse=True)
def _logged_warnings_fail(request, caplog):
    """A warning logged by our code is a defect unless the test says it expects it."""
    yield
    if request.node.get_closest_marker("allow_log_warnings"):
        return
    bad = [
        r
        for r in caplog.get_records("call")
        if r.levelno >= logging.WARNING and r.name.startswith(("backoffice", "portal"))
    ]
    if bad:
        pytest.fail("Avertissements journalisés : " + "; ".join(r.getMessage() for r in bad))


def _pg_available() -> str | None:
    """None if the server answers, else the reason."""
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - dev extra installs it
        return f"psycopg absent: {exc}"
    try:
        with psycopg.connect(PG_URL.replace("+psycopg", ""), connect_timeout=3):
            return None
    except Exception as exc:  # noqa: BLE001 - any failure means "no server"
        return f"PostgreSQL injoignable ({PG_URL}): {exc}"


@pytest.fixture(scope="session")
def pg_server():
    reason = _pg_available()
    if reason:
        if IN_CI:
            pytest.fail(f"CI=true exige PostgreSQL : {reason}")
        pytest.skip(reason)
    return PG_URL


def pytest_generate_tests(metafunc):
    if "db_url" in metafunc.fixturenames:
        backends = ["sqlite"]
        if metafunc.definition.get_closest_marker("postgres"):
            backends.append("postgresql")
        metafunc.parametrize("backend", backends, indirect=False)


@pytest.fixture
def db_url(backend, tmp_path, request):
    """URL of an empty database of the given backend."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'backoffice.sqlite3'}"
        return
    base = request.getfixturevalue("pg_server")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    import psycopg

    raw = base.replace("+psycopg", "")
    with psycopg.connect(raw, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield f"{base}?options=-csearch_path%3D{schema}"
    with psycopg.connect(raw, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def db(db_url):
    """A migrated database on ``db_url``."""
    from backoffice.services.database import open_database

    database = open_database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(tmp_path):
    """A migrated SQLite database (for tests that only need one backend)."""
    from backoffice.services.database import open_database

    database = open_database(f"sqlite:///{tmp_path / 'backoffice.sqlite3'}")
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright, one per test process (``browser_kit``): the
    parents' pages tests and the sync test that books on those pages share it."""
    from browser_kit import launched

    yield from launched()
