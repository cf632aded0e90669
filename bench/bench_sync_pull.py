"""Pulling 10,000 changes from a real local portal: changes/s applied, and the floor.

    .venv/bin/python bench/bench_sync_pull.py [--changes 10000] [--families 200]
        [--page 1000] [--database-url URL]

The portal runs as ``portal serve`` in its own process on a loopback port
(SQLite file in a temp dir); its change feed is filled beforehand directly
through its own database session (``portal.feed.append``): parents' edits of the family (phones, address) and of
the children (school, class). The back-office (SQLite file, or ``--database-url``)
holds the same families, opened at the desk.

Figures:
(a) pull: ``backoffice.sync.pull_changes`` from cursor 0 to the end — fetch,
    check, apply with conflict detection and audit trail, cursor in the same
    transaction — changes/s;
(b) floor: the same feed pages fetched with a bare ``requests.Session`` and
    parsed (``response.json()``), nothing applied — changes/s;
(c) the ratio (b)/(a); the target is within 3×.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import requests  # noqa: E402
from results import Results, add_json_argument  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from backoffice.models import AuditEvent, Family, utcnow  # noqa: E402
from backoffice.services.common.actors import current_actor  # noqa: E402
from backoffice.services.database import open_database  # noqa: E402
from backoffice.services.families import accounts  # noqa: E402
from backoffice.services.families.accounts import AccountForm, ChildForm, GuardianForm  # noqa: E402
from backoffice.sync import PortalClient, pull_changes  # noqa: E402
from backoffice.sync import pull as sync_pull  # noqa: E402
from portal import feed  # noqa: E402
from portal.db import open_database as open_portal_database  # noqa: E402
from portal.security import token_hash  # noqa: E402

TOKEN = "jeton-du-banc-de-mesure-0123456789abcdef0123"
TODAY = date(2026, 11, 27)
CLASSES = ("CP", "CE1", "CE2", "CM1", "CM2")


def serve(database_url: str, workers: int = 1):
    """``portal serve`` in its own process, as in production (not sharing our GIL)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "PORTAL_STAFF_TOKEN_HASH": token_hash(TOKEN)}
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
            "--workers",
            str(workers),
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(base + "/openapi.json", timeout=1)
            break
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("le portail n'a pas démarré") from None
            time.sleep(0.1)

    def stop():
        process.terminate()
        process.wait(timeout=15)

    return base, stop


def open_families(db, count: int) -> list[tuple[str, int, str]]:
    """(family code, child id, phone) of ``count`` accounts opened at the desk."""
    rng = random.Random(1)
    with db.session() as s:
        agent = current_actor(s, "banc")
    out = []
    with db.session() as s:
        for i in range(count):
            form = AccountForm(
                family_name=f"Famille{i}",
                address_line1=f"{i} rue du Mail",
                postcode="72800",
                commune="Le Lude",
                phone=f"0243{rng.randrange(10**6):06d}",
                login_email=f"parent{i}@example.org",
                allowance_scheme=accounts.AllowanceScheme.NONE,
                guardians=[GuardianForm(last_name=f"Famille{i}", first_name="Alex", is_payer=True)],
                children=[
                    ChildForm(
                        first_name="Lou", sex=accounts.Sex.FEMALE, birth_date=date(2018, 5, 3)
                    )
                ],
            )
            family = accounts.open_account(s, agent, form, TODAY)
            out.append((family.code, family.children[0].id, family.phone))
    return out


def fill_feed(portal_db, families, changes: int) -> None:
    rng = random.Random(2)
    phones = {code: phone for code, _child, phone in families}
    classes = {code: "" for code, _child, _phone in families}
    with portal_db.session() as ps:
        for n in range(changes):
            code, child_id, _phone = families[rng.randrange(len(families))]
            if n % 4 == 3:
                new = CLASSES[n % len(CLASSES)]
                feed.append(
                    ps,
                    code,
                    "child.information.updated",
                    {"before": {"school_class": classes[code]}, "after": {"school_class": new}},
                    child_ref=str(child_id),
                )
                classes[code] = new
            else:
                new = f"0612{rng.randrange(10**6):06d}"
                after = {"phone": new}
                if n % 3 == 0:
                    after["address_line2"] = f"Bâtiment {n % 7}"
                feed.append(
                    ps, code, "family.updated", {"before": {"phone": phones[code]}, "after": after}
                )
                phones[code] = new


def throwaway_schema(url: str):
    """A PostgreSQL URL on a new schema, and the function that drops it."""
    import uuid

    import psycopg

    schema = f"bench_sync_{uuid.uuid4().hex[:10]}"
    raw = url.replace("+psycopg", "")
    with psycopg.connect(raw, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')

    def drop():
        with psycopg.connect(raw, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')

    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}", drop


def floor(base: str, page: int) -> tuple[float, int]:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {TOKEN}"
    after, count = 0, 0
    started = time.perf_counter()
    while True:
        body = session.get(
            f"{base}/staff/changes", params={"after": after, "limit": page}, timeout=60
        ).json()
        count += len(body["changes"])
        after = body["last_seq"]
        if not body["has_more"]:
            break
    elapsed = time.perf_counter() - started
    session.close()
    return elapsed, count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--families", type=int, default=200)
    parser.add_argument("--page", type=int, default=1000)
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="profile the pull with cProfile; the stats go to FILE (pstats format)",
    )
    parser.add_argument(
        "--database-url",
        help="back-office database (default: SQLite in a temp dir); "
        "PostgreSQL: a throw-away schema is created and dropped",
    )
    parser.add_argument("--scale", default="—", help="étiquette d'échelle (1×, 10×) du JSON")
    add_json_argument(parser)
    args = parser.parse_args()
    results = Results.from_args(args)

    with tempfile.TemporaryDirectory() as tmp:
        portal_url = f"sqlite:///{Path(tmp) / 'portal.sqlite3'}"
        portal_db = open_portal_database(portal_url)
        url, drop = args.database_url or f"sqlite:///{Path(tmp) / 'bo.sqlite3'}", None
        if url.startswith("postgres"):
            url, drop = throwaway_schema(url)  # never the server's public schema
        db = open_database(url)
        stop = None
        try:
            print(f"Back-office : {db.description}")
            t = time.perf_counter()
            families = open_families(db, args.families)
            print(f"{len(families)} familles ouvertes ({time.perf_counter() - t:.1f} s)")
            t = time.perf_counter()
            fill_feed(portal_db, families, args.changes)
            portal_db.dispose()
            print(
                f"{args.changes} changements écrits dans le flux ({time.perf_counter() - t:.1f} s)"
            )
            base, stop = serve(portal_url)

            # As after the round that pushed the accounts: agents' edits count from now.
            with db.session() as s:
                sync_pull._cursor(s).last_success_at = utcnow()
            floor(base, args.page)  # warm-up (connection, caches of the portal)
            floor_s, fetched = floor(base, args.page)
            # As in the back-office and its command line once started, the start-up
            # objects (and here the set-up's) are out of the collector's way
            # (backoffice.collector.settle): a full collection walks the pull's own.
            gc.collect()
            gc.freeze()
            with PortalClient(base, TOKEN) as client:
                profiler = cProfile.Profile() if args.profile else None
                t = time.perf_counter()
                if profiler:
                    profiler.enable()
                report = pull_changes(db, client, page_size=args.page)
                pull_s = time.perf_counter() - t
                if profiler:
                    profiler.disable()
                    profiler.dump_stats(args.profile)
            assert report.received == fetched == args.changes, (report, fetched)
            with db.session() as s:
                events = s.scalar(
                    select(func.count(AuditEvent.id)).where(AuditEvent.actor == "portail")
                )
                assert s.scalar(select(func.count(Family.id))) == len(families)
            floor_rate, pull_rate = fetched / floor_s, report.received / pull_s
            print(
                f"pull   : {report.received} changements en {pull_s:.2f} s = {pull_rate:,.0f} changements/s "
                f"({report.applied} appliqués, {report.unchanged} sans effet, "
                f"{report.conflicts} conflits, {report.quarantined} en quarantaine ; "
                f"{events} lignes d'historique)"
            )
            print(
                f"plancher : {fetched} changements en {floor_s:.2f} s = {floor_rate:,.0f} changements/s "
                "(HTTP + JSON seuls)"
            )
            print(f"ratio  : {pull_s / floor_s:.2f}× le plancher (objectif : 2,5× au plus)")
            results.add(
                "Réception (pull) des changements du portail",
                args.scale,
                "PostgreSQL" if drop else "SQLite",
                pull_s,
                "s",
                floor=floor_s,
                target="≤ 2,5× le plancher",
                detail=f"{args.changes} changements, {report.applied} appliqués",
            )
        finally:
            db.dispose()
            if stop:
                stop()
            if drop:
                drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
