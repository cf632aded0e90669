"""SQL statements per page of the registrations morning (issue #16), counted in-process.

    .venv/bin/python bench/bench_portal_statements.py [--parents 3]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test] [--show PAGE]

The portal app (``create_app``) on a throw-away PostgreSQL schema, served by uvicorn in a
thread of this process and driven by ``requests`` through the same path as ``bench_registrations_morning.py`` (login page,
login, « Ma famille », registration, planning, ticked box → review, validation →
summary). Each statement the app's engine sends (SQLAlchemy ``before_cursor_execute``)
is charged to the page being asked, and so are the connections taken from the pool
(each one costs a ``pool_pre_ping`` round trip) and the transactions (BEGIN and
COMMIT/ROLLBACK: two round trips; none in autocommit). The round trips to the server
are estimated as statements + connections + 2 × transactions. The counts do not depend on the machine's load: printed per page for the last
parent (the first ones warm the caches, as a running portal would be).
Also printed, as an indication only (load-dependent): each page's median time over the
parents after the first, one parent at a time, and the CPU time of this process (server
and client) per parent. ``--show PAGE`` prints that page's statements (``tout``: all).
"""

from __future__ import annotations

import argparse
import re
import socket
import statistics
import sys
import threading
import time
import uuid
from collections import defaultdict
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import requests  # noqa: E402
import uvicorn  # noqa: E402
from bench_registrations_morning import (  # noqa: E402
    PASSWORD,
    PG_URL,
    catalogue,
    family,
    the_day,
)
from bench_sync_pull import TOKEN, throwaway_schema  # noqa: E402
from sqlalchemy import event, select  # noqa: E402

from portal.app import create_app  # noqa: E402
from portal.models import AccountState, ParentAccount  # noqa: E402
from portal.security import hash_password, token_hash  # noqa: E402
from portal.settings import Settings  # noqa: E402


class Counter:
    def __init__(self) -> None:
        self.page = ""
        self.statements: dict[str, list[str]] = defaultdict(list)
        self.transactions: dict[str, int] = defaultdict(int)
        self.checkouts: dict[str, int] = defaultdict(int)
        self.times: dict[str, list[float]] = defaultdict(list)

    def listen(self, engine) -> None:
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._transaction)
        event.listen(engine, "rollback", self._transaction)
        event.listen(engine.pool, "checkout", self._checkout)

    def _checkout(self, *_args) -> None:
        if self.page:
            self.checkouts[self.page] += 1

    def _statement(self, _conn, _cursor, statement, _params, _context, _many) -> None:
        if self.page:
            self.statements[self.page].append(" ".join(statement.split()))

    def _transaction(self, conn) -> None:
        autocommit = conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
        if self.page and not autocommit:
            self.transactions[self.page] += 1


PAGES = [
    "connexion (page)",
    "connexion (envoi)",
    "ma famille",
    "inscription (envoi)",
    "inscriptions",
    "planning",
    "planning (envoi)",
    "vérification",
    "validation",
    "récapitulatif",
]


def walk(base: str, count: Counter, i: int, week: str, day: date) -> None:
    client = requests.Session()

    def page(kind: str, method: str, path: str, **kw):
        count.page = kind
        start = time.perf_counter()
        try:
            r = client.request(method, base + path, allow_redirects=False, timeout=60, **kw)
        finally:
            count.page = ""
        if i > 0:
            count.times[kind].append(time.perf_counter() - start)
        assert r.status_code in (200, 303), (kind, r.status_code, r.text[:300])
        return r

    def follow(kind: str, r):
        assert r.status_code == 303, (kind, r.status_code)
        return page(kind, "GET", r.headers["location"].replace(base, ""))

    page("connexion (page)", "GET", "/connexion")
    csrf = client.cookies["portail_csrf"]
    login = {"csrf": csrf, "login": f"matin{i}@example.org", "password": PASSWORD}
    r = page("connexion (envoi)", "POST", "/connexion", data=login)
    follow("ma famille", r)
    csrf = client.cookies["portail_csrf"]
    offer = {"csrf": csrf, "child_ref": f"E{i:05d}", "offer": "ALSH|VAC"}
    r = follow("inscriptions", page("inscription (envoi)", "POST", "/inscriptions", data=offer))
    ref = re.search(r"/reservations/([\w.-]+)/planning", r.text)[1]
    planning = f"/reservations/{ref}/planning"
    page("planning", "GET", f"{planning}?semaine={week}")
    box = {
        "csrf": csrf,
        "semaine": week,
        "case": f"JOURNEE|{day.isoformat()}",
        "suite": "verifier",
    }
    follow("vérification", page("planning (envoi)", "POST", planning, data=box))
    r = page("validation", "POST", f"/reservations/{ref}/valider", data={"csrf": csrf})
    follow("récapitulatif", r)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parents", type=int, default=3)
    parser.add_argument("--database-url", default=PG_URL)
    parser.add_argument(
        "--show", default="", help="imprimer les requêtes de cette page (« tout » : toutes)"
    )
    args = parser.parse_args()

    url, drop = throwaway_schema(args.database_url)
    settings = Settings(database_url=url, staff_token_hash=token_hash(TOKEN))
    app = create_app(settings)
    db = app.state.services.db
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", proxy_headers=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    while not server.started:
        time.sleep(0.05)
    try:
        today = date.today()
        day = the_day(today)
        iso = day.isocalendar()
        week = f"{iso.year}-W{iso.week:02d}"

        def push(path: str, body: dict) -> None:
            headers = {"Authorization": f"Bearer {TOKEN}", "Idempotency-Key": uuid.uuid4().hex}
            r = requests.put(base + path, json=body, headers=headers, timeout=60)
            assert r.status_code < 300, (path, r.status_code, r.text[:300])

        push("/staff/catalogue", catalogue(today, day, 100))
        for i in range(args.parents):
            push(f"/staff/families/B{i:05d}", family(i))
        stored = hash_password(PASSWORD)
        with db.session() as session:
            for account in session.scalars(select(ParentAccount)):
                account.password_hash = stored
                account.state = AccountState.ACTIVE

        count = Counter()
        count.listen(db.engine)
        cpu = 0.0
        for i in range(args.parents):
            if i == 1:
                cpu = time.process_time()
            count.statements.clear()
            count.transactions.clear()
            count.checkouts.clear()
            walk(base, count, i, week, day)
        cpu = time.process_time() - cpu
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        db.dispose()
        drop()

    print(f"Requêtes SQL par page (parent n° {args.parents}, PostgreSQL, en processus)")
    head = f"{'page':<22}{'requêtes':>10}{'connexions':>12}{'transactions':>14}"
    print(f"{head}{'allers-retours':>16}{'p50 ms':>8}")
    total = [0, 0, 0, 0]
    for kind in PAGES:
        row = [len(count.statements[kind]), count.checkouts[kind], count.transactions[kind]]
        row.append(row[0] + row[1] + 2 * row[2])
        total = [a + b for a, b in zip(total, row, strict=True)]
        times = count.times[kind]
        p50 = f"{statistics.median(times) * 1000:8.1f}" if times else f"{'':>8}"
        print(f"{kind:<22}{row[0]:>10}{row[1]:>12}{row[2]:>14}{row[3]:>16}{p50}")
    print(f"{'total':<22}{total[0]:>10}{total[1]:>12}{total[2]:>14}{total[3]:>16}")
    if args.parents > 1:
        per = cpu / (args.parents - 1) * 1000
        print(f"Temps processeur de ce processus (serveur et client) : {per:.0f} ms par parent")
    for kind in PAGES:
        if args.show in (kind, "tout"):
            print(kind)
            for s in count.statements[kind]:
                print("  " + s[:160])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
