"""The portal's own storage on SQLite and PostgreSQL: migrations, feed numbers, idempotency.

``db_url`` (tests/conftest.py) gives an empty SQLite file, and for tests marked
``postgres`` also a throwaway schema of the local PostgreSQL (required when CI=true).
"""

from __future__ import annotations

import threading

import pytest
from portal_testkit import PASSWORD, family_body, make_settings, new_key, serve
from sqlalchemy import inspect, select

from portal import feed, idempotency
from portal.db import current_revision, head_revision, open_database
from portal.models import Base, Change, FeedCounter

pytestmark = pytest.mark.postgres


@pytest.fixture
def portal_db(db_url):
    database = open_database(db_url)
    yield database
    database.dispose()


def test_migrations_create_the_model(portal_db, db_url):
    assert current_revision(portal_db.engine) == head_revision()
    tables = set(inspect(portal_db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    with portal_db.session() as session:
        assert session.get(FeedCounter, 1).last_seq == 0
    # Opening again migrates nothing and keeps the data.
    again = open_database(db_url)
    try:
        assert current_revision(again.engine) == head_revision()
        with again.session() as session:
            assert session.scalars(select(FeedCounter)).one().last_seq == 0
    finally:
        again.dispose()


def test_feed_numbers_have_no_gaps_under_concurrency(portal_db):
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(10):
                with portal_db.session() as session:
                    feed.append(session, f"F{n}", "test.change", {"i": i})
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with portal_db.session() as session:
        rows, more = feed.page(session, 0, 1000)
    assert [r.seq for r in rows] == list(range(1, 41))
    assert more is False
    for n in range(4):  # each writer's changes in its own order
        assert [r.data["i"] for r in rows if r.family_ref == f"F{n}"] == list(range(10))


def test_rolled_back_change_leaves_no_gap(portal_db):
    with pytest.raises(RuntimeError), portal_db.session() as session:
        feed.append(session, "F1", "test.change", {})
        raise RuntimeError("boom")
    with portal_db.session() as session:
        feed.append(session, "F1", "test.change", {})
        assert session.scalars(select(Change.seq)).all() == [1]


def test_idempotent_action_runs_once(portal_db):
    calls = []

    def action(session):
        calls.append(1)
        feed.append(session, "F1", "test.change", {})
        return 201, {"ok": True}

    fp = idempotency.fingerprint("PUT", "/x", {"a": 1})
    first = idempotency.run(portal_db, "cle-0001", fp, action)
    second = idempotency.run(portal_db, "cle-0001", fp, action)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.body == second.body
    assert second.headers["Idempotent-Replayed"] == "true"
    assert len(calls) == 1


def test_whole_flow_over_http(db_url, smtp_sink):
    """The portal served for real on this backend: push, activate, edit, pull."""
    running, stop = serve(make_settings(db_url, smtp_sink.port))
    try:
        key = new_key()
        body = family_body("pg@example.fr")
        for _ in range(2):
            r = running.staff("PUT", "/staff/families/F77", key, json=body)
            assert r.status_code == 201, r.text
        assert len(smtp_sink.to("pg@example.fr")) == 1
        token = smtp_sink.last_to("pg@example.fr").token
        r = running.post(
            "/auth/activate",
            json={"token": token, "password": PASSWORD, "password_confirmation": PASSWORD},
        )
        assert r.status_code == 200, r.text
        bearer = r.json()["access_token"]
        r = running.parent(
            "PUT",
            "/me/children/C101/information",
            bearer,
            json={
                "last_name": "MARTIN",
                "first_name": "Léa",
                "sex": "F",
                "birth_date": "2018-04-02",
            },
        )
        assert r.status_code == 200, r.text
        page = running.staff("GET", "/staff/changes?after=0").json()
        assert [(c["seq"], c["kind"]) for c in page["changes"]] == [
            (1, "account.activated"),
            (2, "child.information.updated"),
        ]
        # What the database would refuse is refused politely first (no 5xx).
        r = running.parent(
            "PUT",
            "/me/family",
            bearer,
            json={"address_line1": "rue\x00", "postcode": "72800", "commune": "Le Lude"},
        )
        assert r.status_code == 422
        assert r.json()["errors"][0]["message"] == (
            "Le champ « Adresse » contient des caractères non permis."
        )
        r = running.staff("GET", f"/staff/changes?after={2**62}")
        assert r.status_code == 200 and r.json()["changes"] == []
    finally:
        stop()


def test_concurrent_calls_with_one_key_act_once(db_url, smtp_sink):
    running, stop = serve(make_settings(db_url, smtp_sink.port))
    try:
        key, body = new_key(), family_body("simultane@example.fr")
        answers: list = []

        def call() -> None:
            answers.append(running.staff("PUT", "/staff/families/F55", key, json=body))

        threads = [threading.Thread(target=call) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert [a.status_code for a in answers] == [201] * 4, [a.text for a in answers]
        assert len({a.text for a in answers}) == 1
        assert len(smtp_sink.to("simultane@example.fr")) == 1
    finally:
        stop()


def test_migrations_match_the_models(portal_db):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with portal_db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_reads_do_not_wait_for_a_writer(portal_db):
    """A long write (e.g. an e-mail being sent) must not stall parents' reads."""
    with portal_db.session() as writer:
        feed.append(writer, "F1", "test.change", {})
        result: list = []

        def read() -> None:
            with portal_db.read() as session:
                result.append(session.scalar(select(FeedCounter.last_seq)))

        thread = threading.Thread(target=read)
        thread.start()
        # The writer's transaction stays open until after these asserts: a read that
        # waited for it could not end, so the reader ending at all is the proof (no
        # clock: a loaded machine is slow, not blocked).
        thread.join(timeout=60)
        assert not thread.is_alive(), "la lecture attend l'écriture en cours"
        assert result == [0]  # the uncommitted change is not seen
