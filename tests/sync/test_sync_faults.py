"""Network cuts during a round: nothing lost, nothing sent twice (idempotency keys)."""

from __future__ import annotations

import os
import time

import pytest
import requests
from fault_kit import FaultProxy, World, assert_converged
from portal_testkit import make_settings, serve
from sqlalchemy import func, select
from sync_helpers import make_client, open_account

from backoffice.models import OutboxItem, OutboxState
from backoffice.sync import run_round
from portal.models import Family as PortalFamily
from portal.models import IdempotencyRecord

pytestmark = pytest.mark.postgres
LOGINS = [f"parent{i}@example.org" for i in range(3)]
ROUNDS = 200
KILLED_ROUNDS = 30


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
    # Requests: 1 = version handshake, 2 = changes page, then PUT/POST per item; cut on
    # the 3rd item's answer.
    with make_client(portal) as client:
        CutAfter(client, 5)
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
            CutAfter(client, 4, after_cut=stop)  # 1 = version handshake, 2 = changes page
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


# --- 200 rounds through a proxy that cuts connections at random points -------------------------


def _agent(db):
    from backoffice.models import Role, StaffUser
    from backoffice.services.common.actors import current_actor

    with db.session() as s:
        s.add(StaffUser(login="agent", full_name="Agent d'accueil", role=Role.DIRECTOR))
    with db.session() as s:
        return current_actor(s, "agent")


def test_random_cuts_over_200_rounds_lose_and_double_nothing(sqlite_db, portal, smtp_sink):
    db, agent = sqlite_db, _agent(sqlite_db)
    seed = int(os.environ.get("FAULT_SEED", "20261127"))
    world = World(db, agent, portal, smtp_sink, seed=seed)
    proxy = FaultProxy(int(portal.base.rsplit(":", 1)[1]), seed=seed)
    parents = world.start_parents()
    ok = 0
    started = time.monotonic()
    try:
        with make_client(proxy) as client:
            for _ in range(ROUNDS):
                world.agent_step()
                ok += run_round(db, client).ok
    finally:
        world.stop.set()
        parents.join(timeout=120)
        proxy.close()
    assert not world.errors, world.errors
    # Then a fault-free round: everything moves, and a second one moves nothing.
    with make_client(portal) as client:
        final = run_round(db, client)
        assert final.ok, final.error
        again = run_round(db, client)
        assert again.ok and again.moved == 0, again.summary()
    figures = assert_converged(world)
    print(
        f"\n{ROUNDS} passages ({ok} complets) en {time.monotonic() - started:.0f} s ; "
        f"coupures : {dict(proxy.cuts)} ; agents : {dict(world.agent_ops)} ; "
        f"parents : {dict(world.parent_ops)} ; {figures}"
    )
    assert sum(proxy.cuts.values()) >= ROUNDS // 4  # the proxy did cut, often
    # And rounds did go through. How many depends on how the parents' thread and the
    # rounds interleave (19 to 25 of 200 on the seed, 7 in a CI run beside the killed-sync
    # test): the check is that cuts do not stop every round, not a rate.
    assert ok >= 1


class BeforeFirstPut:
    """Wraps the client's adapter: runs ``action`` just before the first account PUT."""

    def __init__(self, client, action):
        self.adapter = client.session.get_adapter(client.base_url)
        self.action, self.done = action, False
        client.session.mount("http://", self)

    def send(self, request, **kwargs):
        if not self.done and request.method == "PUT" and "/staff/families/" in request.url:
            self.done = True
            self.action()
        return self.adapter.send(request, **kwargs)

    def close(self):
        self.adapter.close()


def test_parent_edit_overwritten_by_a_push_is_pushed_again(db, agent, portal, smtp_sink):
    from sync_helpers import Parent, family

    from backoffice.services.families.edit import FamilyChanges, update_family

    family_id, code = open_account(db, agent, LOGINS[0])
    with make_client(portal) as client:
        assert run_round(db, client).ok
    parent = Parent(portal, smtp_sink, LOGINS[0])
    with db.session() as s:
        update_family(
            s, agent, family_id, FamilyChanges(name="LEMOINE-BODIN"), family(db, family_id).version
        )
    # The parent saves a new phone after the round's pull, before the account's PUT:
    # the PUT carries the old phone and overwrites it on the portal.
    with make_client(portal) as client:
        BeforeFirstPut(client, lambda: parent.edit_family(phone="0243778899"))
        assert run_round(db, client).ok
    with make_client(portal) as client:
        assert run_round(db, client).ok
        assert run_round(db, client).moved == 0
    held = portal.staff("GET", f"/staff/families/{code}").json()["family"]
    assert family(db, family_id).phone == "02 43 77 88 99"
    assert held["phone"].replace(" ", "") == "0243778899" and held["name"] == "LEMOINE-BODIN"


# --- the back-office process killed (SIGKILL) at random moments of its rounds ----------------


def test_sync_process_killed_mid_round_loses_and_doubles_nothing(
    db, db_url, agent, portal, smtp_sink
):
    import random
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from portal_testkit import STAFF_TOKEN

    cli = [str(Path(sys.executable).with_name("backoffice-cli")), "--database-url", db_url]
    env = {**os.environ, "BACKOFFICE_PORTAL_TOKEN": STAFF_TOKEN}
    world = World(db, agent, portal, smtp_sink, seed=99, max_families=6)
    rng = random.Random(99)
    parents = world.start_parents()
    killed = 0
    try:
        # The kills fall anywhere in a run of this machine's speed: a whole run is timed
        # first (a fixed window let 2 runs in 3 end before their kill on a fast day).
        started = time.perf_counter()
        subprocess.run(
            [*cli, "sync", "--portal", portal.base],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=120,
        )
        whole_run = time.perf_counter() - started
        for _ in range(KILLED_ROUNDS):
            world.agent_step()
            world.agent_step()
            process = subprocess.Popen(
                [*cli, "sync", "--portal", portal.base],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                process.wait(timeout=rng.uniform(0.2, 2.5) * whole_run)
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
                process.wait()
                killed += 1
    finally:
        world.stop.set()
        parents.join(timeout=120)
    assert not world.errors, world.errors
    done = subprocess.run([*cli, "sync", "--portal", portal.base], env=env, timeout=120)
    assert done.returncode == 0
    with make_client(portal) as client:
        assert run_round(db, client).moved == 0
    assert_converged(world)
    assert killed >= KILLED_ROUNDS // 3, (killed, whole_run)
