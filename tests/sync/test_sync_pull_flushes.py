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
