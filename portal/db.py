"""Engine and sessions; the portal's own Alembic migrations run at start-up.

SQLite (default) is opened in WAL mode with foreign keys on and a busy timeout;
PostgreSQL is used when the URL says so. The same migrations serve both.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, make_url, orm
from sqlalchemy.orm import Session, sessionmaker

from portal.settings import normalise_url

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000


def describe_url(url: str) -> str:
    """Where the data is, without any password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite : {parsed.database or 'mémoire'}"
    return f"PostgreSQL : {parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Let SQLAlchemy, not the driver, decide when transactions begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


READ_ONLY = "portal_read_only"


def _sqlite_begin(connection) -> None:
    # Writers take the write lock at the start: concurrent writers wait (busy
    # timeout) instead of failing on lock upgrade. Readers never wait (WAL).
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """Statement parameters never appear in errors or logs (they may hold personal data)."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


@dataclass
class Database:
    url: str
    engine: Engine
    sessionmaker: orm.sessionmaker[Session]
    read_sessionmaker: orm.sessionmaker[Session]
    # PostgreSQL only: sessions in autocommit (see :meth:`lookup`).
    lookup_sessionmaker: orm.sessionmaker[Session] | None = None

    @property
    def description(self) -> str:
        return describe_url(self.url)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on error."""
        with self.sessionmaker() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work: on SQLite it never waits for a writer."""
        with self.read_sessionmaker() as session, session.begin():
            yield session

    @contextmanager
    def lookup(self) -> Iterator[Session]:
        """One read statement (a session's token, every request): on PostgreSQL in
        autocommit, without the BEGIN and COMMIT round trips; elsewhere :meth:`read`.
        Never for writes, nor for several reads that must agree with each other."""
        if self.lookup_sessionmaker is None:
            with self.read() as session:
                yield session
            return
        with self.lookup_sessionmaker() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str, *, migrate: bool = True) -> Database:
    url = normalise_url(url)
    engine = make_engine(url)
    if migrate:
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
        if before != after:
            log.info("Base du portail migrée de %s vers %s", before or "(vide)", after)
    lookup = None
    if engine.dialect.name == "postgresql":
        lookup = sessionmaker(
            engine.execution_options(isolation_level="AUTOCOMMIT", **{READ_ONLY: True}),
            expire_on_commit=False,
        )
    return Database(
        url=url,
        engine=engine,
        sessionmaker=sessionmaker(engine, expire_on_commit=False),
        read_sessionmaker=sessionmaker(
            engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False
        ),
        lookup_sessionmaker=lookup,
    )
