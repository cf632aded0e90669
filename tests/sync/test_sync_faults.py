"""Network cuts during a round: nothing lost, nothing sent twice (idempotency keys)."""

from __future__ import annotations

import pytest
import requests
from portal_testkit import make_settings, serve
from sqlalchemy import func, select
from sync_helpers import make_client, open_account

from backoffice.models import OutboxItem, OutboxState
from backoffice.sync import run_round
from portal.models import Family as PortalFamily
from portal.models import IdempotencyRecord

pytestmark = pytest.mark.postgres
LOGINS = [f"parent{i}@example.org" for i in range(3)]


class CutAfter:
    """Wraps the client's adapter: the n-th request reaches the portal, its answer is lost."""

    def __init__(self, client, n: int, after_cut=None):
        self.adapter = client.session.get_adapter(client.base_url)
        self.n, self.count, self.after_cut = n, 0, after_cut
        client.session.mount("http://", self)

    def send(self, request, **kwargs):
        self.count += 1
        response = self.adapter.send(request, **kwargs)
        if self.count == self.n:
            if self.after_cut:
                self.after_cut()
            raise requests.ConnectionError("connexion coupée (test)")
        return response

    def close(self):
        self.adapter.close()


def _pending(db) -> int:
    with db.session() as s:
        return s.scalar(
            select(func.count(OutboxItem.id)).where(OutboxItem.state == OutboxState.PENDING)
        )


def _open_three(db, agent) -> None:
    for i, login in enumerate(LOGINS):
        open_account(db, agent, login, family_name=f"Famille{i}")


def _assert_each_sent_once(db, portal, smtp_sink) -> None:
    assert _pending(db) == 0
    for login in LOGINS:
        assert len(smtp_sink.to(login)) == 1, login
    with portal.db.session() as ps:
        assert ps.scalar(select(func.count(PortalFamily.id))) == 3


def test_connection_cut_mid_push_resumes_without_doubles(db, agent, portal, smtp_sink):
    _open_three(db, agent)
    # Requests: 1 = changes page, then PUT/POST per item; cut on the 3rd item's answer.
    with make_client(portal) as client:
        CutAfter(client, 4)
        report = run_round(db, client)
    assert not report.ok and "injoignable" in report.error
    assert report.push.acknowledged == 2
    assert _pending(db) == 4

    with make_client(portal) as client:
        report = run_round(db, client)

    assert report.ok and report.push.acknowledged == 4
    _assert_each_sent_once(db, portal, smtp_sink)
    with portal.db.session() as ps:
        # Six items, six keys: the replayed one was answered from its record.
        assert ps.scalar(select(func.count()).select_from(IdempotencyRecord)) == 6


def test_portal_stopped_mid_push_then_restarted(db, agent, tmp_path, smtp_sink):
    settings = make_settings(f"sqlite:///{tmp_path / 'portal.sqlite3'}", smtp_sink.port)
    portal, stop = serve(settings)
    _open_three(db, agent)
    try:
        with make_client(portal) as client:
            CutAfter(client, 3, after_cut=stop)
            report = run_round(db, client)
            assert not report.ok
            again = run_round(db, client)  # portal down: the round stops at once
            assert not again.ok and "injoignable" in again.error
        assert _pending(db) == 5
    finally:
        stop()
    portal, stop = serve(settings)
    try:
        with make_client(portal) as client:
            report = run_round(db, client)
        assert report.ok, report.error
        _assert_each_sent_once(db, portal, smtp_sink)
    finally:
        stop()
