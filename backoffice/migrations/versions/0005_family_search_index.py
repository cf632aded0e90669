"""Families search index: FTS5 trigram table (SQLite), pg_trgm GIN index (PostgreSQL)

The families search matches every word anywhere in ``family.search_text``
(``LIKE '%word%'``), which scanned every family for a rare word. SQLite gets an
external-content FTS5 table with the trigram tokenizer (SQLite ≥ 3.34), kept in
sync with ``family`` by triggers (every writer of ``search_text`` — services,
sync, CSV import, bulk loads — is covered); PostgreSQL a GIN trigram index, which
its planner uses for ``LIKE '%word%'`` as it is.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 17:00:00
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Frozen copies of backoffice.models.search_index as of this revision.
FTS = "family_search"
TRGM_INDEX = "ix_family_search_text_trgm"


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        op.execute(
            f"CREATE VIRTUAL TABLE {FTS} USING fts5("
            "search_text, content='family', content_rowid='id', tokenize='trigram')"
        )
        op.execute(
            f"CREATE TRIGGER {FTS}_ai AFTER INSERT ON family BEGIN "
            f"INSERT INTO {FTS}(rowid, search_text) VALUES (new.id, new.search_text); END"
        )
        op.execute(
            f"CREATE TRIGGER {FTS}_ad AFTER DELETE ON family BEGIN "
            f"INSERT INTO {FTS}({FTS}, rowid, search_text) "
            "VALUES ('delete', old.id, old.search_text); END"
        )
        op.execute(
            f"CREATE TRIGGER {FTS}_au AFTER UPDATE OF search_text ON family BEGIN "
            f"INSERT INTO {FTS}({FTS}, rowid, search_text) "
            "VALUES ('delete', old.id, old.search_text); "
            f"INSERT INTO {FTS}(rowid, search_text) VALUES (new.id, new.search_text); END"
        )
        op.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")
    elif conn.dialect.name == "postgresql":
        # Database-wide, in ``public`` (not the first schema of the search path,
        # which may be a throw-away one); the operator class is named with the
        # schema it is in, so the index works whatever the search path.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
        schema = conn.exec_driver_sql(
            "SELECT n.nspname FROM pg_extension e "
            "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
        ).scalar_one()
        op.execute(
            f'CREATE INDEX {TRGM_INDEX} ON family USING gin (search_text "{schema}".gin_trgm_ops)'
        )


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS {FTS}_{suffix}")
        op.execute(f"DROP TABLE IF EXISTS {FTS}")
    elif conn.dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {TRGM_INDEX}")
