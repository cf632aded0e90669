"""The families search index: schema objects the ORM does not declare.

Migration 0005 creates them (an FTS5 trigram table kept in sync by triggers on
SQLite, a ``pg_trgm`` GIN index on PostgreSQL); the search in
``services.families.queries`` uses them, and the schema comparison
(``migrations/env.py``, ``tests/test_storage.py``) leaves them out.
"""

from __future__ import annotations

from backoffice.models.system import AUDIT_STAFF_EDITS_INDEX

# SQLite: external-content FTS5 table over family.search_text (rowid = family.id).
FAMILY_FTS_TABLE = "family_search"
# PostgreSQL: GIN trigram index on family.search_text (LIKE '%term%' uses it).
FAMILY_TRGM_INDEX = "ix_family_search_text_trgm"
# FTS5 trigrams: a term shorter than this cannot use the index.
TRIGRAM = 3


def include_in_schema_comparison(name: str | None, type_: str, _parent_names) -> bool:
    """``include_name`` hook of Alembic's comparison: not the search index objects
    (the FTS5 table, its shadow tables ``family_search_*``, the trigram index), nor
    the audit's partial index of the agents' edits (``models.system.STAFF_ROWS``)."""
    if name is None:
        return True
    if type_ == "table" and (name == FAMILY_FTS_TABLE or name.startswith(FAMILY_FTS_TABLE + "_")):
        return False
    return not (type_ == "index" and name in (FAMILY_TRGM_INDEX, AUDIT_STAFF_EDITS_INDEX))
