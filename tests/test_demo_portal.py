"""The demo of ``python3 tasks.py run``: a local portal (``portal serve`` for real, in a
child process), simulated parents, and what a sync round brings into the back-office."""

from __future__ import annotations

import importlib.util
import os
import queue
import re
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from backoffice.demo.load import load_demo
from backoffice.models import AuditAction, AuditEvent, PortalRequest, RequestKind
from backoffice.services.database import open_database
from backoffice.sync import client_from_settings, run_round
from backoffice.sync import settings as sync_settings
from backoffice.sync.settings import automatic_interval

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "demo_portal.py"
TOKEN = "jeton-de-demonstration-0123456789abcdef"

_spec = importlib.util.spec_from_file_location("demo_portal", SCRIPT)
demo_portal = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("demo_portal", demo_portal)
_spec.loader.exec_module(demo_portal)


@pytest.fixture
def data_dir() -> Path:
    """The demo's data folder (the tests' own, see tests/conftest.py), demo loaded."""
    folder = Path(os.environ["BACKOFFICE_DATA_DIR"])
    db = open_database(None)
    load_demo(db, families=40, seed=1, billing=True)
    db.dispose()
    return folder


@pytest.fixture
def running(data_dir):
    sink = demo_portal.MailSink()
    sink.start()
    portal = demo_portal.PortalProcess(data_dir / "portal", TOKEN, sink.port)
    try:
        portal.start()
        yield portal, sink
    finally:
        portal.stop()
        sink.stop()


def test_simulated_parents_reach_the_backoffice_at_the_next_sync(data_dir, running):
    portal, sink = running
    assert portal.fresh and (data_dir / "portal" / "portal.sqlite3").exists()
    db = open_database(None)
    try:
        families = demo_portal.prepare_backoffice(db, portal, 5, date.today())
        assert len(families) == 5
        with db.session() as s:
            assert sync_settings.portal_url(s) == portal.url
            assert automatic_interval(s) == 1
        for code, _login in families:  # published by the first round
            assert portal.staff("GET", f"/staff/families/{code}").status_code == 200
        with db.session() as s:  # with their invoices of last month
            from backoffice.models import Family, Invoice

            numbers = s.scalars(
                select(Invoice.number)
                .join(Family, Family.id == Invoice.family_id)
                .where(Family.code.in_([code for code, _ in families]))
            ).all()
        assert numbers
        for number in numbers:
            assert portal.staff("GET", f"/staff/invoices/{number}").status_code == 200

        simulator = demo_portal.Simulator(
            portal, sink, data_dir / "portal" / "parents.json", seed=4
        )
        simulator.activate(families)
        assert len(simulator.parents) == 4  # three quarters of them
        for _ in range(40):
            if simulator.done["booking"] and simulator.done["phone"]:
                break
            simulator.step()
        assert simulator.done["booking"] >= 1 and simulator.done["phone"] >= 1, simulator.done

        with client_from_settings(db, token=TOKEN, retries=1, backoff=0) as client:
            report = run_round(db, client)
        assert report.ok, report.error
        assert report.pull.requests >= 1 and report.pull.applied >= 1, report.summary()

        with db.session() as s:
            bookings = [
                r.payload
                for r in s.scalars(
                    select(PortalRequest).where(PortalRequest.kind == RequestKind.BOOKING)
                )
                if r.payload.get("feed_kind") == "booking.submitted"
            ]
            phones = s.scalars(
                select(AuditEvent).where(
                    AuditEvent.actor == "portail",
                    AuditEvent.action == AuditAction.UPDATE,
                    AuditEvent.field == "phone",
                )
            ).all()
        assert bookings, "aucune demande de réservation venue du portail"
        assert all(b["submission"].startswith("RES-") and b["action"] == "book" for b in bookings)
        assert phones, "aucune modification de téléphone venue du portail"
        # Nothing is left behind: a second round moves only what parents did meanwhile.
        with client_from_settings(db, token=TOKEN, retries=1, backoff=0) as client:
            assert run_round(db, client).moved == 0
    finally:
        db.dispose()


def test_demo_script_starts_then_stops_when_its_input_closes(data_dir):
    env = {**os.environ, "BACKOFFICE_PORTAL_TOKEN": TOKEN}
    process = subprocess.Popen(
        [
            sys.executable,
            str(SCRIPT),
            "--data-dir",
            str(data_dir),
            "--families",
            "3",
            "--every",
            "0.2",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        env=env,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in process.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    seen: list[str] = []
    try:
        url = None
        while url is None:
            line = lines.get(timeout=120)
            assert line is not None, "\n".join(seen)
            seen.append(line)
            if line.startswith(demo_portal.READY):
                url = line.split()[-1]
        assert (
            requests.get(
                url + "/staff/catalogue", timeout=60, headers={"Authorization": f"Bearer {TOKEN}"}
            ).status_code
            == 200
        )
        # A newcomer sees both sides: the parents' pages and a demo parent to log in with.
        shown = next(s for s in seen if "pages des parents : " in s)
        match = re.search(
            r"pages des parents : (\S+) — identifiant (\S+), mot de passe (\S+)", shown
        )
        assert match, shown
        assert requests.get(match[1], timeout=60).status_code == 200
        login = {"login": match[2], "password": match[3]}
        assert requests.post(url + "/auth/login", json=login, timeout=60).status_code == 200
        # Parents act on their own, every 0.2 s or so.
        while not any(" : " in s and s.startswith("[démo portail] F") for s in seen):
            line = lines.get(timeout=60)
            assert line is not None, "\n".join(seen)
            seen.append(line)

        process.stdin.close()  # what tasks.py does when the back-office window closes
        assert process.wait(120) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    while (line := lines.get(timeout=60)) is not None:
        seen.append(line)
    reader.join(60)
    process.stdout.close()
    assert seen[-1] == "[démo portail] portail de démonstration arrêté."
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/staff/catalogue", timeout=60)
