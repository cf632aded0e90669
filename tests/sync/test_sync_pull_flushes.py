"""A page of the pull is flushed a fixed number of times, whatever the number of
accounts it pushes again (issue #21: each family's payload flushed on its own)."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session
from sync_helpers import Parent, family, make_client, open_account

from backoffice.sync import pull_changes, run_round

pytestmark = pytest.mark.postgres
LOGINS = [f"parent{i}@example.org" for i in range(3)]


def test_a_page_is_flushed_once(db, agent, portal, smtp_sink):
    accounts = [open_account(db, agent, login) for login in LOGINS]
    with make_client(portal) as client:
        assert run_round(db, client).ok  # the accounts pushed and acknowledged
    for n, login in enumerate(LOGINS):
        Parent(portal, smtp_sink, login).edit_family(phone=f"024377880{n}")

    flushes: list[int] = []

    def flushed(session, _context):
        flushes.append(len(session.dirty) + len(session.new))

    event.listen(Session, "after_flush", flushed)
    try:
        with make_client(portal) as client:
            report = pull_changes(db, client, page_size=100)
    finally:
        event.remove(Session, "after_flush", flushed)
    assert report.by_kind == {"account.activated": 3, "family.updated": 3}, report
    assert not report.stopped
    # The three families' accounts are pushed again (the parents' edits came after
    # the pushes' positions): the page's edits are written in one statement per table
    # and columns without a flush (services.common.batch_update), then the page's
    # commit writes the three items and the cursor, then the pull's "last success"
    # (before: a flush per family, then one when the first payload read the rows).
    assert len(flushes) == 2, flushes
    for n, (family_id, _code) in enumerate(accounts):
        assert family(db, family_id).phone == f"02 43 77 88 0{n}"


def test_the_agents_edits_of_a_page_are_read_from_their_partial_index(db, agent, portal, smtp_sink):
    """Each page asks which fields an agent changed since the last sync. The audit's
    family and moment indexes hold the portal's rows too, which grow with every change
    applied (the 10× pull's question took 1 s of its 6); the partial index holds the
    agents' rows only, and the query must state its condition literally to use it."""
    open_account(db, agent, LOGINS[0])
    with make_client(portal) as client:
        assert run_round(db, client).ok
    Parent(portal, smtp_sink, LOGINS[0]).edit_family(phone="0243778801")

    asked: list[tuple[str, object]] = []

    def before(_conn, _cursor, statement, parameters, _context, _many):
        if "FROM audit_event" in statement and "audit_event.at >=" in statement:
            asked.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        with make_client(portal) as client:
            assert pull_changes(db, client, page_size=100).applied
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    assert asked, "the page did not ask for the agents' edits"
    statement, parameters = asked[0]
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if db.is_sqlite:
            cursor.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
        else:
            cursor.execute("SET enable_seqscan = off")  # a tiny table: any index at all
            cursor.execute(f"EXPLAIN {statement}", parameters)
        plan = " ".join(str(row) for row in cursor.fetchall())
    finally:
        raw.close()
    assert "ix_audit_event_staff_edits" in plan, plan
