"""Database engine and sessions; Alembic migrations run at start-up.

SQLite (the default, one file in the data directory) is opened in WAL mode with
foreign keys on and a busy timeout; PostgreSQL is used when a URL says so.
The same migrations create and upgrade both.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from backoffice import __version__, machine_settings, paths
from backoffice.errors import UserError

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic (0.9 s to import) is imported only when a migration is due: opening an
# up-to-date database reads its revision with one query (``_up_to_date``).

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000


class StorageError(UserError):
    """The database cannot be opened or upgraded; the message is for the agent (French)."""


def resolve_database_url(explicit: str | None = None) -> str:
    """``--database-url`` first, then ``BACKOFFICE_DATABASE_URL``, then the settings files
    (:mod:`backoffice.machine_settings`), then the SQLite file."""
    url = (
        explicit
        or os.environ.get("BACKOFFICE_DATABASE_URL")
        or machine_settings.load().database_url
    )
    if url:
        return normalise_url(url)
    return f"sqlite:///{paths.default_database_path()}"


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use the psycopg 3 driver for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def describe_url(url: str) -> str:
    """What the status bar shows: the file for SQLite, host/database otherwise (no password)."""
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


def _sqlite_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN")


def make_engine(url: str, **kwargs) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


# Alembic (and the mako and pygments it brings, ~1 s) is imported only when a migration
# is due: a database already at the head is recognised from its ``alembic_version`` row
# and the scripts' ``revision`` lines (:func:`_up_to_date`).
def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # only an installation that lost its migration scripts
        raise StorageError(
            f"Aucune migration trouvée dans {MIGRATIONS_DIR} : installation incomplète."
        )
    return head


def refuse_unknown_revision(revision: str | None, url: str) -> None:
    """A database stamped with a revision our scripts do not know was written by a newer
    back-office: refuse it (French :class:`StorageError`), never migrate it down.

    Several heads among the scripts (a migration left behind by an upgrade that did not
    clear the old program files) are refused too, before Alembic sees them."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    scripts = ScriptDirectory.from_config(alembic_config())
    heads = scripts.get_heads()
    if len(heads) > 1:
        raise StorageError(
            f"Installation incohérente : plusieurs fins de migrations ({', '.join(sorted(heads))}) "
            f"dans {MIGRATIONS_DIR}. Désinstallez puis réinstallez le programme "
            "(vos données ne sont pas touchées)."
        )
    if revision is None:
        return
    try:
        known = scripts.get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise StorageError(
            f"Cette base de données ({describe_url(url)}) a été mise à jour par une version "
            f"plus récente du back-office (révision {revision}, inconnue de la version "
            f"{__version__}). Installez la dernière version du programme : une base n'est "
            "jamais ramenée à une version antérieure, elle n'a pas été modifiée."
        )


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (new database or older one alike)."""
    from alembic import command

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


_REVISION_LINE = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.M)


def _script_head() -> str | None:
    """The single head of a linear migration chain, read from the scripts' text.

    None when it cannot be told this way (no scripts, branches, unusual syntax):
    then Alembic decides."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = dict(_REVISION_LINE.findall(script.read_text(encoding="utf-8")))
        revision, down = found.get("revision", ""), found.get("down_revision", "")
        if not re.fullmatch(r'"[\w-]+"', revision) or not re.fullmatch(r'"[\w-]+"|None', down):
            return None
        revisions.add(revision.strip('"'))
        if down != "None":
            parents.add(down.strip('"'))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _up_to_date(engine: Engine) -> bool:
    """Whether the database is already at the scripts' head (checked without Alembic)."""
    head = _script_head()
    if head is None:
        return False
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return False
        stored = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return stored == [head]


@dataclass
class Database:
    """An opened, migrated database: the engine and its session factory."""

    url: str
    engine: Engine
    sessionmaker: sessionmaker[Session]

    @property
    def description(self) -> str:
        return describe_url(self.url)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on error."""
        with self.sessionmaker() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def connect(url: str | None = None, *, migrate: bool = True) -> Database:
    """Open (and by default migrate) the database; French :class:`StorageError` on failure.

    Engine and migrations only: the application opens its database through
    :func:`backoffice.services.database.open_database`, which adds the domain's
    flush listeners (audit trail, billing guards)."""
    url = resolve_database_url(url)
    try:
        engine = make_engine(url)
        if migrate and not _up_to_date(engine):
            before = current_revision(engine)
            try:
                refuse_unknown_revision(before, url)
            except StorageError:
                engine.dispose()
                raise
            upgrade(engine)
            after = current_revision(engine)
            if before != after:
                log.info("Base de données migrée de %s vers %s", before or "(vide)", after)
    except OperationalError as exc:
        raise StorageError(
            f"Impossible d'ouvrir la base de données ({describe_url(url)}) : "
            f"{exc.orig if exc.orig is not None else exc}"
        ) from exc
    except DatabaseError as exc:
        raise StorageError(
            f"Ce fichier n'est pas une base du back-office, ou elle est endommagée "
            f"({describe_url(url)}) : {exc.orig if exc.orig is not None else exc}"
        ) from exc
    except ModuleNotFoundError as exc:
        raise StorageError(
            f"Le pilote de base de données manque ({exc.name}). "
            "Pour PostgreSQL, installez l'option « postgres » (psycopg)."
        ) from exc
    factory = sessionmaker(engine, expire_on_commit=False)
    return Database(url=url, engine=engine, sessionmaker=factory)
