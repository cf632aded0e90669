#!/usr/bin/env python3
# Long module: the simulated parents and the portal they act on, one script started by tasks.py.
"""A local parent portal with simulated parents, beside the demo back-office.

Started by ``python3 tasks.py run`` (with the virtual environment's Python):

1. an SMTP sink (aiosmtpd, in this process) catches the portal's e-mails;
2. ``portal serve`` runs as a child process on a free loopback port, with its own
   SQLite file in ``<data dir>/portal/`` and the back-office token given by
   ``BACKOFFICE_PORTAL_TOKEN`` (its SHA-256 in ``PORTAL_STAFF_TOKEN_HASH``);
3. the back-office database (``<data dir>/backoffice.sqlite3``) gets the portal's
   address and a 1-minute automatic sync; a few demo families (and, for a new
   portal, the catalogue and the payment windows) are queued for the portal and a
   first sync round publishes them;
4. parents activate their accounts from the caught links, then every few seconds
   one of them edits a phone number, books days or cancels one — what the agent
   sees arrive at each sync.

When ready it prints ``PORTAIL-DEMO-PRET <url>`` on its own line; it stops (portal
and sink included) when its standard input closes or on SIGTERM/Ctrl+C.

    python scripts/demo_portal.py --data-dir .demo-data [--families 12] [--every 5]
"""

from __future__ import annotations

import argparse
import email
import email.policy
import hashlib
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import requests

READY = "PORTAIL-DEMO-PRET"
PASSWORD = "Demo-Portail-2026"
LINK_RE = re.compile(r"https?://\S+#jeton=([A-Za-z0-9_\-]+)")
VACCINES = (
    "diphterie tetanos poliomyelite coqueluche hib hepatite_b pneumocoque "
    "meningocoque_c rougeole oreillons rubeole"
).split()
PHONES = ("06 11 22 33 44", "06 52 18 77 90", "07 81 45 12 03", "06 70 34 56 21", "02 43 94 27 15")


def say(text: str) -> None:
    print(f"[démo portail] {text}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def key() -> str:
    return f"demo-{uuid.uuid4().hex}"


# -- the SMTP sink -------------------------------------------------------------------


class MailSink:
    """The portal's outgoing mail, kept in memory (activation links)."""

    def __init__(self):
        self.port = free_port()
        self.messages: list[tuple[list[str], str]] = []
        self.lock = threading.Condition()
        self.controller = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = msg.get_body(preferencelist=("plain",)).get_content()
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), body))
            self.lock.notify_all()
        return "250 Message accepted for delivery"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def link_token(self, address: str, after: int = 0, timeout: float = 10) -> str | None:
        """The token of the newest link sent to ``address`` (message index >= after)."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                for to, body in reversed(self.messages[after:]):
                    match = LINK_RE.search(body)
                    if address in to and match:
                        return match.group(1)
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.lock.wait(left)


# -- the portal process --------------------------------------------------------------


class PortalProcess:
    """``portal serve`` on a free loopback port, its own SQLite file."""

    def __init__(self, folder: Path, token: str, smtp_port: int):
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = folder / "portal.sqlite3"
        self.fresh = not self.database.exists()
        self.token = token
        self.smtp_port = smtp_port
        self.process: subprocess.Popen | None = None
        self.log = None

    def start(self, timeout: float = 60) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "PORTAL_DATABASE_URL": f"sqlite:///{self.database}",
            "PORTAL_DATA_DIR": str(self.folder),
            "PORTAL_PUBLIC_BASE_URL": self.url,
            "PORTAL_SMTP_HOST": "127.0.0.1",
            "PORTAL_SMTP_PORT": str(self.smtp_port),
            "PORTAL_STAFF_TOKEN_HASH": hashlib.sha256(self.token.encode()).hexdigest(),
        }
        code = "import sys; from portal.cli import main; sys.exit(main())"
        command = [sys.executable, "-c", code, "serve", "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--log-level", "warning"]
        self.log = open(self.folder / "portal.log", "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(command, env=env, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"le portail s'est arrêté au démarrage (voir {self.folder / 'portal.log'})"
                )
            try:
                if self.staff("GET", "/staff/catalogue").status_code in (200, 404):
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"le portail n'a pas répondu en {timeout:.0f} s")

    def staff(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        if method != "GET":
            headers["Idempotency-Key"] = key()
        return requests.request(method, self.url + path, headers=headers, timeout=15, **kwargs)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None
        if self.log is not None:
            self.log.close()
            self.log = None


# -- the back-office side ------------------------------------------------------------


def demo_families(db, count: int, today: date) -> list[tuple[str, str]]:
    """(code, login e-mail) of active demo families with a child of 3 to 11."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from backoffice.models import AccountState, Family

    chosen = []
    with db.session() as session:
        families = session.scalars(
            select(Family)
            .where(Family.account_state == AccountState.ACTIVE, Family.login_email != "")
            .options(selectinload(Family.children))
            .order_by(Family.code)
        )
        for f in families:
            ages = [(today - c.birth_date).days // 365 for c in f.children if c.birth_date]
            if any(3 <= age <= 11 for age in ages):
                chosen.append((f.code, f.login_email))
            if len(chosen) == count:
                break
    return chosen


def prepare_backoffice(
    db, portal: PortalProcess, families: int, today: date
) -> list[tuple[str, str]]:
    """Point the back-office at the portal, queue the demo families, run a first round."""
    from backoffice.models import Family, Invoice, SyncCursor
    from backoffice.services.billing.publish import republish
    from backoffice.services.common import outbox
    from backoffice.services.families.accounts import account_payload
    from backoffice.sync import client_from_settings, run_round
    from backoffice.sync import settings as sync_settings
    from backoffice.sync.pull import CURSOR

    with db.session() as session:
        sync_settings.save_settings(session, url=portal.url, interval=1)
        cursor = session.get(SyncCursor, CURSOR)
        if portal.fresh and cursor is not None and cursor.position:
            # A new portal starts its change feed at 1 again.
            cursor.position = 0
        if portal.fresh:
            # A new portal has no catalogue yet: the sync sends it (built from the rows).
            outbox.enqueue(session, "catalogue.publish", {"source": "démo"})
            outbox.enqueue(session, "payment_windows.publish", {"source": "démo"})
    chosen = demo_families(db, families, today)
    queued = 0
    with db.session() as session:
        from sqlalchemy import select

        for code, _login in chosen:
            if portal.staff("GET", f"/staff/families/{code}").status_code != 404:
                continue
            family = session.scalars(select(Family).where(Family.code == code)).one()
            outbox.enqueue(session, "account.upsert", account_payload(family), family.id)
            outbox.enqueue(session, "account.send_activation", {"family_code": code}, family.id)
            # Their invoices of the demo's last month too (lines, state, payments).
            republish(
                session, session.scalars(select(Invoice.id).where(Invoice.family_id == family.id))
            )
            queued += 1
    with client_from_settings(db, portal_url=portal.url, token=portal.token) as client:
        report = run_round(db, client)
    say(
        f"{queued} famille(s) publiée(s) sur le portail ; premier passage : {report.moved} élément(s)."
    )
    if not report.ok:
        say(f"premier passage interrompu : {report.error}")
    return chosen


# -- the parents ---------------------------------------------------------------------


@dataclass
class Parent:
    code: str
    login: str
    token: str
    children: list[dict] = field(default_factory=list)
    complete: set[str] = field(default_factory=set)
    registrations: dict[str, str] = field(default_factory=dict)  # child ref → INS-…


class Simulator:
    """Parents doing what parents do on the portal, one action per :meth:`step`."""

    def __init__(
        self, portal: PortalProcess, sink: MailSink, state_file: Path, seed: int | None = None
    ):
        self.portal, self.sink, self.state_file = portal, sink, state_file
        self.rng = random.Random(seed)
        self.parents: list[Parent] = []
        self.done: dict[str, int] = {"phone": 0, "booking": 0, "cancel": 0}

    def call(self, parent: Parent, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {parent.token}"}
        return requests.request(
            method, self.portal.url + path, headers=headers, timeout=15, **kwargs
        )

    def _activated(self) -> set[str]:
        try:
            return set(json.loads(self.state_file.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return set()

    def activate(self, families: list[tuple[str, str]], share: float = 0.75) -> None:
        """Log in the parents activated before; activate some more from their e-mail."""
        known = self._activated()
        wanted = max(1, round(len(families) * share))
        for code, login in families[:wanted]:
            token = None
            if login in known:
                r = requests.post(
                    self.portal.url + "/auth/login",
                    timeout=15,
                    json={"login": login, "password": PASSWORD},
                )
                token = r.json().get("access_token") if r.status_code == 200 else None
            if token is None:
                token = self._activate_from_mail(code, login)
            if token is None:
                continue
            known.add(login)
            parent = Parent(code, login, token)
            r = self.call(parent, "GET", "/me/children")
            parent.children = r.json() if r.status_code == 200 else []
            self.parents.append(parent)
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        self.state_file.write_text(json.dumps(sorted(known)), encoding="utf-8")
        say(f"{len(self.parents)} parent(s) connecté(s) au portail.")

    def _activate_from_mail(self, code: str, login: str) -> str | None:
        link = self.sink.link_token(login, timeout=2)
        if link is None:  # the link of a previous run is gone: ask for a new one
            start = len(self.sink.messages)
            self.portal.staff("POST", f"/staff/families/{code}/activation-email")
            link = self.sink.link_token(login, after=start, timeout=10)
        if link is None:
            return None
        r = requests.post(
            self.portal.url + "/auth/activate",
            json={"token": link, "password": PASSWORD, "password_confirmation": PASSWORD},
            timeout=15,
        )
        return r.json()["access_token"] if r.status_code == 200 else None

    # -- actions ---------------------------------------------------------------------

    def step(self) -> str:
        """One parent does one thing; returns what, in French."""
        if not self.parents:
            return "aucun parent connecté"
        parent = self.rng.choice(self.parents)
        action = self.rng.choices(["phone", "booking", "cancel"], weights=[3, 5, 2])[0]
        try:
            if action == "booking":
                return self.book(parent) or self.edit_phone(parent)
            if action == "cancel":
                return self.cancel(parent) or self.book(parent) or self.edit_phone(parent)
            return self.edit_phone(parent)
        except requests.RequestException as exc:
            return f"portail injoignable ({exc.__class__.__name__})"

    def edit_phone(self, parent: Parent) -> str:
        r = self.call(parent, "GET", "/me/family")
        if r.status_code != 200:
            return f"{parent.code} : lecture de la famille refusée ({r.status_code})"
        current = r.json()
        keys = ("address_line1", "address_line2", "postcode", "commune", "phone", "billing_email")
        body = {k: current.get(k) or "" for k in keys}
        body["phone"] = self.rng.choice(
            [p for p in PHONES if p.replace(" ", "") != body["phone"].replace(" ", "")]
        )
        r = self.call(parent, "PUT", "/me/family", json=body)
        if r.status_code != 200:
            return f"{parent.code} : téléphone refusé ({r.status_code})"
        self.done["phone"] += 1
        return f"{parent.code} : nouveau téléphone du foyer {body['phone']}"

    def _complete_file(self, parent: Parent, child: dict) -> None:
        ref = child["ref"]
        if ref in parent.complete:
            return
        contact = {
            "last_name": child["last_name"],
            "first_name": self.rng.choice(["Odette", "Gérard", "Monique", "Bernard"]),
            "relationship_label": self.rng.choice(["grand-mère", "grand-père", "voisine", "oncle"]),
            "phone1": self.rng.choice(PHONES),
        }
        r = self.call(parent, "GET", f"/me/children/{ref}")
        medical = r.json().get("medical", {}) if r.status_code == 200 else {}
        if not medical.get("doctor_name") or not medical.get("doctor_phone"):
            medical["doctor_name"] = "Dr Morel"
            medical["doctor_phone"] = "02 43 94 11 11"
        done = {
            v["vaccine"]
            for v in medical.get("vaccinations", [])
            if v.get("done") and v.get("last_date")
        }
        if not set(VACCINES) <= done:
            birth = (
                date.fromisoformat(child["birth_date"])
                if child.get("birth_date")
                else date(2018, 1, 1)
            )
            given = (birth + timedelta(days=400)).isoformat()
            medical["vaccinations"] = [
                {"vaccine": v, "done": True, "last_date": given} for v in VACCINES
            ]
        for block, body in (
            ("medical", medical),
            ("emergency-contacts", {"persons": [contact]}),
            ("authorised-pickups", {"persons": [contact]}),
        ):
            self.call(parent, "PUT", f"/me/children/{ref}/{block}", json=body)
        parent.complete.add(ref)

    def _registration(self, parent: Parent) -> tuple[dict, str] | None:
        """A registration of one of the parent's children (new if needed)."""
        if parent.registrations and self.rng.random() < 0.7:
            ref = self.rng.choice(sorted(parent.registrations))
            child = next(c for c in parent.children if c["ref"] == ref)
            return child, parent.registrations[ref]
        r = self.call(parent, "GET", "/me/activities")
        activities = r.json() if r.status_code == 200 else []
        for child in self.rng.sample(parent.children, len(parent.children)):
            for activity in self.rng.sample(activities, len(activities)):
                periods = [p for p in activity["periods"] if p.get("open_for_booking")]
                if not periods:
                    continue
                self._complete_file(parent, child)
                body = {
                    "child_ref": child["ref"],
                    "activity": activity["code"],
                    "period": periods[0]["code"],
                }
                r = self.call(parent, "POST", "/me/registrations", json=body)
                if r.status_code in (200, 201) and r.json().get("state") == "accepted":
                    parent.registrations[child["ref"]] = r.json()["ref"]
                    return child, r.json()["ref"]
        return None

    def _weeks(self, parent: Parent, reg: str) -> list[str]:
        r = self.call(parent, "GET", f"/me/registrations/{reg}/planning")
        if r.status_code != 200:
            return []
        soon = date.today() + timedelta(days=2)
        return [w["week"] for w in r.json()["weeks"] if date.fromisoformat(w["last_day"]) >= soon]

    def book(self, parent: Parent) -> str:
        found = self._registration(parent)
        if found is None:
            return ""
        child, reg = found
        for week in self._weeks(parent, reg)[:4]:
            planning = self.call(
                parent, "GET", f"/me/registrations/{reg}/planning", params={"week": week}
            ).json()
            open_cells = [
                (d["date"], c["unit"])
                for d in planning["days"]
                for c in d["cells"]
                if "book" in c["actions"] and c["state"] == "open"
            ]
            if not open_cells:
                continue
            unit = self.rng.choice(sorted({u for _d, u in open_cells}))
            days = sorted({d for d, u in open_cells if u == unit})
            days = self.rng.sample(days, min(len(days), self.rng.randint(1, 3)))
            change = {"action": "book", "unit": unit, "dates": sorted(days)}
            self.call(parent, "POST", f"/me/registrations/{reg}/draft", json={"changes": [change]})
            r = self.call(parent, "POST", f"/me/registrations/{reg}/draft/validate")
            if r.status_code == 201:
                self.done["booking"] += 1
                summary = r.json()
                return (
                    f"{parent.code} : réservation {summary['number']} pour {child['first_name']} "
                    f"({len(summary['lines'])} jour(s), {summary['state_label'].lower()})"
                )
        return ""

    def cancel(self, parent: Parent) -> str:
        for reg in sorted(parent.registrations.values()):
            for week in self._weeks(parent, reg)[:4]:
                planning = self.call(
                    parent, "GET", f"/me/registrations/{reg}/planning", params={"week": week}
                ).json()
                booked = [
                    (d["date"], c["unit"])
                    for d in planning["days"]
                    for c in d["cells"]
                    if "unbook" in c["actions"]
                ]
                if not booked:
                    continue
                day, unit = self.rng.choice(booked)
                change = {"action": "unbook", "unit": unit, "dates": [day]}
                self.call(
                    parent, "POST", f"/me/registrations/{reg}/draft", json={"changes": [change]}
                )
                r = self.call(parent, "POST", f"/me/registrations/{reg}/draft/validate")
                if r.status_code == 201:
                    self.done["cancel"] += 1
                    line = r.json()["lines"][0]
                    return f"{parent.code} : annulation du {line['label']} ({line['reason']})"
        return ""

    def run(self, stop: threading.Event, every: float) -> None:
        while not stop.wait(every * (0.5 + self.rng.random())):
            what = self.step()
            if what:
                say(what)


# -- the command ---------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Portail local et parents simulés (démonstration)."
    )
    parser.add_argument(
        "--data-dir", type=Path, required=True, help="dossier des données de démonstration"
    )
    parser.add_argument("--families", type=int, default=12, help="familles publiées sur le portail")
    parser.add_argument(
        "--every", type=float, default=5.0, help="secondes entre deux actions de parents"
    )
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    token = os.environ.get("BACKOFFICE_PORTAL_TOKEN", "").strip()
    if not token:
        say("BACKOFFICE_PORTAL_TOKEN manquant : le jeton du back-office doit être donné.")
        return 2
    os.environ["BACKOFFICE_DATA_DIR"] = str(args.data_dir.resolve())
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    sink = MailSink()
    portal = PortalProcess(args.data_dir / "portal", token, sink.port)
    try:
        sink.start()
        portal.start()
        from backoffice.services.database import open_database

        db = open_database(None)
        try:
            families = prepare_backoffice(db, portal, args.families, date.today())
        finally:
            db.dispose()
        simulator = Simulator(portal, sink, args.data_dir / "portal" / "parents.json", args.seed)
        simulator.activate(families)
        if simulator.parents:  # both sides for a newcomer: the parents' pages too
            parent = simulator.parents[0]
            say(
                f"pages des parents : {portal.url}/connexion — identifiant {parent.login}, "
                f"mot de passe {PASSWORD}"
            )
        print(f"{READY} {portal.url}", flush=True)

        def watch_stdin() -> None:
            # tasks.py closes our stdin when the back-office window closes.
            while sys.stdin.readline():
                pass
            stop.set()

        threading.Thread(target=watch_stdin, daemon=True, name="stdin").start()
        try:
            simulator.run(stop, args.every)
        except KeyboardInterrupt:
            pass
        return 0
    except Exception as exc:  # noqa: BLE001 - the back-office starts anyway; say why
        say(f"le portail de démonstration n'a pas pu démarrer : {exc}")
        return 1
    finally:
        portal.stop()
        sink.stop()
        say("portail de démonstration arrêté.")


if __name__ == "__main__":
    sys.exit(main())
