"""How fast a month is invoiced, against inserting the same rows with raw SQL.

    .venv/bin/python bench/bench_billing.py [--families 2000] [--seed 1] [--no-postgres]

1. ``load_demo(db, N, seed)`` (not timed), then ``issue_run`` of February 2026
   for every régie (PERI, ALSH, JEUN, MAC), each in its own transaction as the
   CLI does: time, invoices/s and lines/s (computing the lines from bookings,
   attendance and tariffs, numbering, inserting invoices, lines and outbox items).
2. The floor, in the same run and database: the very same invoice and line rows
   (read back) inserted again with the DBAPI's ``executemany`` (new numbers),
   in one transaction that is rolled back. The ratio is issue time / floor time.
3. The same on a throw-away schema of the local PostgreSQL, if reachable
   (``BACKOFFICE_BENCH_PG_URL``, default postgresql+psycopg://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text  # noqa: E402

from backoffice.demo.load import load_demo  # noqa: E402
from backoffice.services.billing import issue_run  # noqa: E402
from backoffice.services.database import open_database  # noqa: E402

PG_URL = os.environ.get(
    "BACKOFFICE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TODAY = date(2026, 3, 16)
PERIOD = (date(2026, 2, 1), date(2026, 2, 28))
REGIES = ("PERI", "ALSH", "JEUN", "MAC")
INVOICE_COLS = (
    "number, regie_id, year, seq, run_id, family_id, issue_date, due_date, period_start, "
    "period_end, total, state, billing_name, billing_address, billing_email, created_at"
)
LINE_COLS = (
    "invoice_id, position, child_id, unit_id, booking_id, tariff_id, day, label, qf_bracket, "
    "quantity, unit_price, amount"
)


def issue_all(db) -> tuple[float, int, int]:
    invoices = lines = 0
    started = time.perf_counter()
    for regie in REGIES:
        t = time.perf_counter()
        with db.session() as session:
            report = issue_run(session, regie, *PERIOD, issue_date=TODAY)
        invoices += report.invoices
        lines += report.lines
        print(
            f"    {regie:<5} {report.invoices:>6} factures {report.lines:>7} lignes "
            f"{time.perf_counter() - t:>7.2f} s"
        )
    return time.perf_counter() - started, invoices, lines


def floor(db) -> float:
    """The same invoice and line rows inserted again with the DBAPI (rolled back)."""
    sqlite = db.is_sqlite
    mark = "?" if sqlite else "%s"
    with db.engine.connect() as conn:
        invoices = conn.execute(text(f"SELECT id, {INVOICE_COLS} FROM invoice ORDER BY id")).all()
        lines = conn.execute(text(f"SELECT {LINE_COLS} FROM invoice_line ORDER BY id")).all()
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        if sqlite:
            cur.execute("BEGIN")
        # The copies keep their booking (one line per booking): drop the originals first.
        cur.execute("DELETE FROM invoice_line")
        started = time.perf_counter()
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM invoice")
        offset = cur.fetchone()[0]
        rows = []
        for row in invoices:
            values = list(row)
            values[0] += offset
            values[1] = "X" + values[1]  # number
            values[4] += 1000  # seq
            rows.append(values)
        cur.executemany(
            f"INSERT INTO invoice (id, {INVOICE_COLS}) VALUES ({', '.join([mark] * 17)})", rows
        )
        line_rows = [[row[0] + offset, *row[1:]] for row in lines]
        cur.executemany(
            f"INSERT INTO invoice_line ({LINE_COLS}) VALUES ({', '.join([mark] * 12)})",
            line_rows,
        )
        elapsed = time.perf_counter() - started
        raw.rollback()
    finally:
        raw.close()
    return elapsed


def bench(url: str, families: int, seed: int, label: str) -> None:
    db = open_database(url)
    try:
        t = time.perf_counter()
        load_demo(db, families, seed, today=TODAY)
        print(f"{label} : {families} familles chargées en {time.perf_counter() - t:.1f} s")
        print(f"  Émission de février 2026, toutes régies (date d'émission {TODAY:%d/%m/%Y}) :")
        seconds, invoices, lines = issue_all(db)
        print(
            f"  total {invoices} factures, {lines} lignes en {seconds:.2f} s : "
            f"{invoices / seconds:,.0f} factures/s, {lines / seconds:,.0f} lignes/s"
        )
        plancher = floor(db)
        print(
            f"  plancher (mêmes lignes, executemany brut) : {plancher:.2f} s — "
            f"rapport {seconds / plancher:.1f}×"
        )
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", args.families, args.seed, "SQLite")
    if args.no_postgres:
        return
    try:
        import psycopg

        raw = PG_URL.replace("+psycopg", "")
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(raw, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except Exception as exc:  # noqa: BLE001 - no server: say so and skip
        print(f"PostgreSQL non joignable ({exc}) : mesure ignorée.")
        return
    try:
        bench(f"{PG_URL}?options=-csearch_path%3D{schema}", args.families, args.seed, "PostgreSQL")
    finally:
        with psycopg.connect(raw, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
