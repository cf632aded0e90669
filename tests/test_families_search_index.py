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


def _plan(db, query: str, which: int = -1, limit: int = 200) -> str:
    """The database's plan of the list's query for ``query`` (``which``: the first
    try, among the first families in name order, or the last query, the one that
    answered)."""
    seen: list[tuple[str, object]] = []

    def remember(_conn, _cursor, sql, params, _context, _many):
        if sql.lstrip().upper().startswith(("SELECT", "WITH")) and "ORDER BY" in sql.upper():
            seen.append((sql, params))

    with db.session() as s:
        event.listen(s.connection(), "before_cursor_execute", remember)
        search_families(s, query, limit=limit)
        sql, params = seen[which]
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


def test_a_common_word_stops_at_the_page_in_name_order(db, monkeypatch):
    import backoffice.services.families.queries as queries

    _bulk(db, 300)
    monkeypatch.setattr(queries, "WALK_ROWS", 100)
    monkeypatch.setattr(queries, "FEW_MATCHES", 50)  # "vaas": in all 300
    seen: list[str] = []

    def remember(_conn, _cursor, sql, _params, _context, _many):
        if sql.lstrip().upper().startswith("SELECT"):
            seen.append(sql)

    with db.session() as s:
        event.listen(s.connection(), "before_cursor_execute", remember)
        rows = search_families(s, "vaas", limit=20)
    # How many through the index (50 at most read), then one query: the page was
    # full among the first 100 families in name order.
    assert len(seen) == 2, seen
    assert "OFFSET" in seen[0] and "walk" not in seen[0], seen[0]
    assert [r.code for r in rows] == [f"B{n:05d}" for n in range(1, 21)]
    if db.is_sqlite:
        plan = _plan(db, "vaas", which=0, limit=20)
        assert "COVERING INDEX ix_family_name" in plan, plan


def test_the_first_families_and_every_match_give_the_same_pages(db, monkeypatch):
    """The ways of finding a page (the first families in name order, every match
    sorted, at once when the index finds few) against the same search done in Python, on names out of id order,
    families with the same name, short and long words, later pages."""
    import backoffice.services.families.queries as queries

    names = ["MARTIN", "ROUX", "ANDRÉ", "LEA", "MARTINEZ", "ZOLA"]
    communes = ["Vaas", "Mayet", "Le Lude"]
    with db.session() as s:
        s.execute(
            insert(Family),
            [
                {
                    "code": f"C{n:05d}",
                    "name": names[(n * 7) % len(names)],
                    "commune": communes[n % 3],
                    "search_text": fold(
                        f"C{n:05d} {names[(n * 7) % len(names)]} {communes[n % 3]}"
                        + (" Léa" if n % 4 == 0 else "")
                    ),
                }
                for n in range(1, 241)
            ],
        )
    with db.session() as s:
        everything = [
            (f.name, f.id, f.code, f.search_text)
            for f in s.scalars(select(Family).order_by(Family.name, Family.id))
        ]

    def expected(query, offset, limit):
        words = fold(query).split()
        found = [code for _n, _i, code, text_ in everything if all(w in text_ for w in words)]
        return found[offset : offset + limit]

    for walk, few in ((10, 1), (60, 1), (5000, 1), (5000, 20), (5000, 10_000)):
        monkeypatch.setattr(queries, "WALK_ROWS", walk)
        monkeypatch.setattr(queries, "FEW_MATCHES", few)  # 1: "few" only when none
        for query in ("lea", "martin", "mayet lea", "e", "ma", "zola", "c00017", "vaas ro", "x"):
            for offset, limit in ((0, 5), (0, 50), (5, 5), (40, 30)):
                with db.session() as s:
                    got = [r.code for r in search_families(s, query, offset=offset, limit=limit)]
                assert got == expected(query, offset, limit), (walk, query, offset, limit)
