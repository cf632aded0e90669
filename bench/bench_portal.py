"""The portal under concurrent reads: the change feed and a parent's weekly planning.

    .venv/bin/python bench/bench_portal.py [--families 500] [--bookers 40]
        [--requests 2000] [--clients 8] [--no-postgres]

The portal runs as ``portal serve`` in its own process on a loopback port (SQLite
file in a temp dir; then PostgreSQL in a throw-away schema if the server answers at
``PORTAL_BENCH_PG_URL``, default ``postgresql://postgres@127.0.0.1:5432/test``). Its
e-mails go to an aiosmtpd sink in this process (the activation links are read there).

Loaded through the API, as in production: the catalogue (an ALSH with two units over
five weeks starting next Monday), ``--families`` families pushed by the staff API
(two complete children each); ``--bookers`` of them activate their account, register
both children and book every day of both units (one feed entry per day: a few
thousand entries), and edit their family once.

Measured with ``--clients`` threads (one ``requests.Session`` each), ``--requests``
requests per figure:
(a) the feed: ``GET /staff/changes?after=N&limit=500`` (N random);
(b) a planning read: ``GET /me/registrations/{ref}/planning?week=…`` (random parent,
    child and week);
(c) the floor: ``GET /health`` (one ``SELECT 1``) — the cost of HTTP + the app.
Printed: requests/s, latency p50/p95 (ms), and the ratios to the floor.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402

from portal.security import token_hash  # noqa: E402

TOKEN = "jeton-du-banc-portail-0123456789abcdef0123456789"
PASSWORD = "Soleil-d-ete-2026"
PG_URL = os.environ.get("PORTAL_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
LINK = re.compile(r"#jeton=([A-Za-z0-9_\-]+)")
VACCINES = (
    "diphterie tetanos poliomyelite coqueluche hib hepatite_b pneumocoque meningocoque_c "
    "rougeole oreillons rubeole"
).split()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Sink:
    """SMTP sink: the last activation token received per address."""

    def __init__(self):
        self.tokens: dict[str, str] = {}
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        found = LINK.search(msg.get_body(preferencelist=("plain",)).get_content())
        if found:
            with self.lock:
                for rcpt in envelope.rcpt_tos:
                    self.tokens[rcpt] = found.group(1)
        return "250 OK"


def serve(database_url: str, smtp_port: int):
    """``portal serve`` in its own process (not sharing our GIL); returns (base, stop)."""
    port = free_port()
    # The server's own log (one line per e-mail sent…) goes to a file, not over the figures.
    log = open(Path(tempfile.gettempdir()) / f"bench_portal_{port}.log", "w")  # noqa: SIM115
    env = {
        **os.environ,
        "PORTAL_STAFF_TOKEN_HASH": token_hash(TOKEN),
        "PORTAL_SMTP_HOST": "127.0.0.1",
        "PORTAL_SMTP_PORT": str(smtp_port),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "portal.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--database-url",
            database_url,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(base + "/health", timeout=1)
            break
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("le portail n'a pas démarré") from None
            time.sleep(0.1)

    def stop():
        process.terminate()
        process.wait(timeout=15)
        log.close()

    return base, stop


# --- loading through the API ---------------------------------------------------------------


def catalogue(today: date) -> tuple[dict, list[str]]:
    """An ALSH over five weeks from next Monday, open for booking today; and its ISO weeks."""
    start = today + timedelta(days=7 - today.weekday())
    end = start + timedelta(days=34)
    weeks = sorted({f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" for d in _days(start, end)})
    body = {
        "activities": [
            {
                "code": "ALSH",
                "name": "Accueil de loisirs",
                "kind": "alsh",
                "site": "Le Lude",
                "age_groups": [{"code": "ELEM", "label": "6-11 ans", "min_age": 6, "max_age": 11}],
                "periods": [
                    {
                        "code": "P1",
                        "label": "Cinq semaines",
                        "start": start.isoformat(),
                        "end": end.isoformat(),
                        "booking_opens": (today - timedelta(days=1)).isoformat(),
                        "booking_closes": end.isoformat(),
                    }
                ],
                "units": [
                    {
                        "code": "JOURNEE",
                        "name": "Journée",
                        "start_time": "08:30",
                        "end_time": "17:30",
                        "weekdays": [1, 2, 3, 4, 5],
                    },
                    {
                        "code": "MATIN",
                        "name": "Accueil du matin",
                        "start_time": "07:30",
                        "end_time": "08:30",
                        "weekdays": [1, 2, 4, 5],
                    },
                ],
                "capacities": [
                    {
                        "unit": "JOURNEE",
                        "start": start.isoformat(),
                        "end": end.isoformat(),
                        "places": 60,
                    }
                ],
                "rules": {"auto_accept": True, "when_full": "waiting_list"},
            }
        ],
        "closures": [],
    }
    return body, weeks


def _days(start: date, end: date):
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def child(ref: str, first: str, birth: str) -> dict:
    person = {"last_name": "DUPONT", "first_name": "Jeanne", "relationship_label": "grand-mère"}
    return {
        "ref": ref,
        "information": {
            "last_name": "FAMILLE",
            "first_name": first,
            "sex": "F",
            "birth_date": birth,
            "school": "École",
            "school_class": "CE2",
        },
        "medical": {
            "vaccinations": [
                {"vaccine": v, "done": True, "last_date": "2019-05-01"} for v in VACCINES
            ],
            "doctor_name": "Dr Morel",
            "doctor_phone": "0243999999",
        },
        "emergency_contacts": [person | {"phone1": "0243112233"}],
        "authorised_pickups": [person | {"phone1": "0243112233"}],
        "consents": [],
    }


def family(i: int) -> dict:
    login = f"famille{i}@banc.example.fr"
    return {
        "name": f"FAMILLE{i}",
        "login_email": login,
        "address_line1": f"{i} rue du Mail",
        "postcode": "72800",
        "commune": "Le Lude",
        "phone": f"0243{i:06d}",
        "guardians": [
            {
                "rank": 1,
                "civility": "Mme",
                "last_name": f"FAMILLE{i}",
                "first_name": "Claire",
                "relationship_label": "mère",
                "is_payer": True,
                "mobile_phone": "0611223344",
                "email": login,
            }
        ],
        "children": [child(f"C{i}A", "Léa", "2017-04-02"), child(f"C{i}B", "Tom", "2018-09-10")],
    }


class Staff:
    def __init__(self, base: str):
        self.base = base
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {TOKEN}"

    def put(self, path: str, body: dict) -> requests.Response:
        r = self.http.put(
            self.base + path,
            json=body,
            headers={"Idempotency-Key": f"banc-{uuid.uuid4().hex}"},
            timeout=30,
        )
        assert r.status_code in (200, 201), (path, r.status_code, r.text[:300])
        return r


def load(base: str, sink: Sink, families: int, bookers: int, today: date):
    """Returns ([(parent token, [registration refs])], weeks, feed length, timings)."""
    staff = Staff(base)
    timings = {}
    body, weeks = catalogue(today)
    staff.put("/staff/catalogue", body)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda i: staff.put(f"/staff/families/F{i:05d}", family(i)), range(families)))
    timings["familles (API staff)"] = time.perf_counter() - t0

    def book(i: int):
        http = requests.Session()
        login = f"famille{i}@banc.example.fr"
        r = http.post(
            base + "/auth/activate",
            json={
                "token": sink.tokens[login],
                "password": PASSWORD,
                "password_confirmation": PASSWORD,
            },
            timeout=30,
        )
        assert r.status_code == 200, r.text
        http.headers["Authorization"] = "Bearer " + r.json()["access_token"]
        refs = []
        for c in ("A", "B"):
            r = http.post(
                base + "/me/registrations",
                json={"child_ref": f"C{i}{c}", "activity": "ALSH", "period": "P1"},
                timeout=30,
            )
            assert r.status_code in (200, 201), r.text
            ref = r.json()["ref"]
            refs.append(ref)
            for unit in ("JOURNEE", "MATIN"):
                change = {"action": "book", "unit": unit, "scope": "period"}
                r = http.post(
                    f"{base}/me/registrations/{ref}/draft", json={"changes": [change]}, timeout=30
                )
                assert r.status_code == 200, r.text
            r = http.post(f"{base}/me/registrations/{ref}/draft/validate", timeout=60)
            assert r.status_code == 201, r.text
        r = http.get(base + "/me/family", timeout=30)
        fam = r.json()
        r = http.put(base + "/me/family", json=_editable(fam, f"0243{i + 500000:06d}"), timeout=30)
        assert r.status_code == 200, r.text[:300]
        return http.headers["Authorization"].split()[1], refs

    t0 = time.perf_counter()
    with ThreadPoolExecutor(4) as pool:
        parents = list(pool.map(book, range(bookers)))
    timings["parents : activation, inscriptions, réservations"] = time.perf_counter() - t0
    position = 0
    while True:  # the feed's length: read it to the end
        page = staff.http.get(
            f"{base}/staff/changes?after={position}&limit=1000", timeout=60
        ).json()
        position = page["last_seq"]
        if not page["has_more"]:
            break
    return parents, weeks, position, timings


def _editable(fam: dict, phone: str) -> dict:
    """The body of ``PUT /me/family`` from what ``GET /me/family`` said, with a new phone."""
    keep = (
        "address_line1",
        "address_line2",
        "postcode",
        "commune",
        "phone",
        "billing_email",
        "guardians",
    )
    body = {k: fam[k] for k in keep if k in fam}
    contact = ("rank", "mobile_phone", "home_phone", "work_phone", "email")
    body["guardians"] = [{k: g[k] for k in contact if k in g} for g in fam.get("guardians", [])]
    body["phone"] = phone
    return body


# --- measuring -------------------------------------------------------------------------------------


def measure(count: int, clients: int, request) -> dict:
    """``count`` calls of ``request(session, rng)`` over ``clients`` threads."""
    latencies: list[float] = []
    lock = threading.Lock()
    per_client = [count // clients + (1 if i < count % clients else 0) for i in range(clients)]

    def worker(n: int, seed: int):
        http, rng, mine = requests.Session(), random.Random(seed), []
        for _ in range(n):
            t = time.perf_counter()
            r = request(http, rng)
            mine.append(time.perf_counter() - t)
            assert r.status_code == 200, (r.status_code, r.text[:200])
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(n, i)) for i, n in enumerate(per_client)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    assert len(latencies) == count, "des requêtes ont échoué"
    q = statistics.quantiles(latencies, n=100)
    return {"rps": count / elapsed, "p50": q[49] * 1000, "p95": q[94] * 1000}


def run(label: str, url: str, args, sink: Sink, smtp_port: int) -> None:
    print(f"\n== {label} ==")
    base, stop = serve(url, smtp_port)
    try:
        today = date.today()
        parents, weeks, position, timings = load(base, sink, args.families, args.bookers, today)
        for what, seconds in timings.items():
            print(f"chargement — {what} : {seconds:.1f} s")
        print(
            f"données : {args.families} familles, {2 * args.families} enfants, "
            f"{args.bookers} familles qui réservent, {position} changements dans le flux"
        )
        staff_auth = {"Authorization": f"Bearer {TOKEN}"}
        top = max(position - 500, 0)

        def feed(http, rng):
            after = rng.randint(0, top)
            return http.get(
                f"{base}/staff/changes?after={after}&limit=500", headers=staff_auth, timeout=60
            )

        def plan(http, rng):
            token, refs = rng.choice(parents)
            return http.get(
                f"{base}/me/registrations/{rng.choice(refs)}/planning?week={rng.choice(weeks)}",
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            )

        def health(http, rng):
            return http.get(f"{base}/health", timeout=60)

        # Warm-up (connections, caches), not counted.
        measure(min(200, args.requests), args.clients, health)
        results = {
            "plancher GET /health": measure(args.requests, args.clients, health),
            "flux GET /staff/changes (500)": measure(args.requests, args.clients, feed),
            "planning d'une semaine": measure(args.requests, args.clients, plan),
        }
        floor = results["plancher GET /health"]["rps"]
        print(
            f"{args.requests} requêtes par mesure, {args.clients} clients simultanés "
            f"(fils, un requests.Session chacun)"
        )
        print(f"{'':32} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'plancher/x':>11}")
        for name, r in results.items():
            print(
                f"{name:32} {r['rps']:8.0f} {r['p50']:8.1f} {r['p95']:8.1f} {floor / r['rps']:10.1f}×"
            )
    finally:
        stop()


def postgres_schema():
    """A throw-away schema on the local PostgreSQL: (url, drop) or None if unreachable."""
    try:
        import psycopg
    except ImportError:
        return None
    schema = f"banc_portail_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(PG_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except psycopg.Error as exc:
        print(f"\nPostgreSQL injoignable ({PG_URL}) : {type(exc).__name__} ; mesure sautée.")
        return None

    def drop():
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')

    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}", drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", type=int, default=500)
    parser.add_argument("--bookers", type=int, default=40)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    sink = Sink()
    smtp_port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    print(f"Machine : {os.cpu_count()} cœurs ; Python {sys.version.split()[0]}")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            run("SQLite", f"sqlite:///{Path(tmp) / 'portal.sqlite3'}", args, sink, smtp_port)
        if not args.no_postgres:
            pg = postgres_schema()
            if pg is not None:
                url, drop = pg
                try:
                    run("PostgreSQL (schéma jetable)", url, args, sink, smtp_port)
                finally:
                    drop()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
