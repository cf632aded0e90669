"""The families search index (migration 0005): used by the search, kept in sync
with every way a family is written — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, event, insert, select, text, update

from backoffice.models import Child, Family, Sex
from backoffice.models.search_index import FAMILY_TRGM_INDEX
from backoffice.services.families.queries import (
    count_families,
    refresh_search_text,
    search_families,
)
from backoffice.text import fold

pytestmark = pytest.mark.postgres


def _codes(db, query):
    with db.session() as s:
        return [r.code for r in search_families(s, query)]


def _bulk(db, count):
    with db.session() as s:
        s.execute(
            insert(Family),
            [
                {
                    "code": f"B{n:05d}",
                    "name": f"NOM{n:05d}",
                    "commune": "Vaas",
                    "search_text": fold(f"B{n:05d} NOM{n:05d} Vaas"),
                }
                for n in range(1, count + 1)
            ],
        )


def test_the_index_follows_every_write_of_a_family(db):
    # ORM (services, sync handlers).
    with db.session() as s:
        family = Family(code="F00001", name="MARTIN", commune="Le Lude", postcode="72800")
        family.children.append(
            Child(last_name="DUPONT", first_name="Zoé", sex=Sex.FEMALE, birth_date=date(2018, 3, 2))
        )
        refresh_search_text(family)
        s.add(family)
    assert _codes(db, "zoé mart") == ["F00001"]
    # Core bulk insert (CSV import, demo).
    _bulk(db, 3)
    assert _codes(db, "nom00002") == ["B00002"]
    # Renamed: found by the new name only.
    with db.session() as s:
        family = s.scalars(select(Family).where(Family.code == "F00001")).one()
        family.name = "DUBOIS"
        refresh_search_text(family)
    assert _codes(db, "dubois") == ["F00001"]
    assert _codes(db, "martin") == []
    assert _codes(db, "zoe") == ["F00001"]
    # Core update (anonymisation).
    with db.session() as s:
        s.execute(
            update(Family).where(Family.code == "B00003").values(search_text="b00003 anonyme")
        )
    assert _codes(db, "anonyme") == ["B00003"]
    assert _codes(db, "nom00003") == []
    # Deleted: gone from the search.
    with db.session() as s:
        s.execute(delete(Family).where(Family.code == "B00002"))
    assert _codes(db, "nom00002") == []
    with db.session() as s:
        assert count_families(s, "vaas") == 1
        assert count_families(s, "no") == 2  # a short word: LIKE (nom00001, anonyme)
        assert count_families(s, 'a"b') == 0  # a quote is a plain character


def _plan(db, query: str) -> str:
    """The database's plan of the list's query for ``query``."""
    seen: list[tuple[str, object]] = []

    def remember(_conn, _cursor, sql, params, _context, _many):
        if sql.lstrip().upper().startswith("SELECT") and "ORDER BY" in sql.upper():
            seen.append((sql, params))

    with db.session() as s:
        event.listen(s.connection(), "before_cursor_execute", remember)
        search_families(s, query)
        sql, params = seen[0]
        conn = s.connection().connection.driver_connection
        if db.is_sqlite:
            cursor = conn.execute("EXPLAIN QUERY PLAN " + sql, params)
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        s.execute(text("ANALYZE family"))
        # Few rows here: tell the planner what a large table would (no full scans).
        s.execute(text("SET LOCAL enable_seqscan = off"))
        s.execute(text("SET LOCAL enable_indexscan = off"))
        with conn.cursor() as cursor:
            cursor.execute("EXPLAIN " + sql, params)
            return "\n".join(row[0] for row in cursor.fetchall())


def test_a_rare_word_is_looked_up_in_the_index(db):
    _bulk(db, 300)
    plan = _plan(db, "nom00123")
    if db.is_sqlite:
        # The trigram table answers; the families are then read by id.
        assert "family_search VIRTUAL TABLE INDEX" in plan, plan
        assert "SCAN family\n" not in plan + "\n", plan
    else:
        assert FAMILY_TRGM_INDEX in plan, plan
    assert _codes(db, "nom00123") == ["B00123"]
