"""Version agreement with the real portal: both sides' exchange versions at the start of
each round; a mismatch stops the round before anything is pulled or pushed, with a
French message saying which side to upgrade; the portal announces a newer back-office."""

from __future__ import annotations

import logging

import pytest
from portal_testkit import make_settings, serve
from sqlalchemy import select
from sync_helpers import make_client, open_account

from backoffice import __version__
from backoffice.models import OutboxItem, OutboxState, SyncCursor
from backoffice.sync import run_round, versions
from backoffice.sync.client import API_VERSION
from backoffice.sync.pull import CURSOR
from portal.routes import staff_version

pytestmark = pytest.mark.postgres
LOGIN = "sophie.lemoine@example.org"


def test_both_versions_are_exchanged(client):
    answer = client.request("GET", "/staff/version")
    assert answer.status == 200
    assert answer.body == {"api_version": API_VERSION, "latest_backoffice_version": None}
    sent = client.session.headers
    assert sent["X-Api-Version"] == str(API_VERSION)
    assert sent["X-Backoffice-Version"] == __version__


def test_a_newer_portal_stops_the_round_before_anything_moves(
    db, agent, portal, client, monkeypatch, caplog
):
    caplog.set_level(logging.INFO, logger="portal")  # the portal notes the old back-office
    family_id, code = open_account(db, agent, LOGIN)
    monkeypatch.setattr(staff_version, "STAFF_API_VERSION", API_VERSION + 1)

    report = run_round(db, client)

    assert not report.ok
    assert report.error.startswith(
        f"Le portail utilise une version plus récente de l'échange (v{API_VERSION + 1}) : "
        "mettez à jour le back-office"
    )
    assert "Synchronisation interrompue : Le portail utilise" in report.summary()
    assert f"Back-office {__version__} : échange v{API_VERSION}" in caplog.text  # INFO
    assert (report.pull.received, report.push.acknowledged, report.pending) == (0, 0, 2)
    assert portal.staff("GET", f"/staff/families/{code}").status_code == 404
    with db.session() as session:
        states = session.scalars(select(OutboxItem.state)).all()
        assert states == [OutboxState.PENDING, OutboxState.PENDING]
        assert session.get(SyncCursor, CURSOR) is None or (
            session.get(SyncCursor, CURSOR).position == 0
        )

    monkeypatch.setattr(staff_version, "STAFF_API_VERSION", API_VERSION)
    again = run_round(db, client)
    assert again.ok, again.error
    assert again.push.acknowledged == 2
    assert portal.staff("GET", f"/staff/families/{code}").status_code == 200


def test_an_older_portal_is_the_one_to_upgrade():
    with pytest.raises(versions.VersionMismatch) as refused:
        versions.check({"api_version": 1}, ours=2)
    assert "faites mettre à jour le portail" in str(refused.value)


def test_the_portal_announces_a_newer_back_office(db, tmp_path, smtp_sink):
    settings = make_settings(
        f"sqlite:///{tmp_path / 'portail.sqlite3'}",
        smtp_sink.port,
        latest_backoffice_version="99.1.0",
    )
    running, stop = serve(settings)
    try:
        with make_client(running) as client:
            report = run_round(db, client)
    finally:
        stop()
    assert report.ok, report.error
    assert report.new_version == "Une nouvelle version est disponible (99.1.0)."
    assert report.summary().endswith("Une nouvelle version est disponible (99.1.0).")


def test_only_a_newer_version_is_announced():
    assert versions.newer_than_ours("0.1.1", "0.1.0") == "0.1.1"
    assert versions.newer_than_ours("0.1.0", "0.1.0") is None
    assert versions.newer_than_ours("0.0.9", "0.1.0") is None
    assert versions.newer_than_ours("beta", "0.1.0") is None
