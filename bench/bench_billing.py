"""How fast a month is invoiced (all régies), against a raw SQL floor, at 1× and 10×.

    .venv/bin/python bench/bench_billing.py [--quick] [--seed 1] [--no-postgres]

1. The volume (:mod:`volume`, not timed): the demo with 2,000 families (1×) or
   20,000 (10×), capacities scaled to the families, every registered child booked
   on its regular days with the attendance of past days recorded. SQLite: built
   once and cached, copied for each run; PostgreSQL: built in a throw-away schema
   (``BACKOFFICE_BENCH_PG_URL``, default postgresql+psycopg://postgres@127.0.0.1:5432/test).
2. ``issue_run`` of March 2026 (a whole school month, every day pointed: about
   36,000 lines at 1×) for every régie (PERI, ALSH, JEUN, MAC), each in
   its own transaction as the CLI does: time, invoices, lines, lines/s, and this
   process's CPU time (what a loaded machine does not inflate).
3. The floor, in the same run and database, in one transaction rolled back: the
   raw SQL aggregate of the same lines (bookings ⋈ children ⋈ tariffs, quantity ×
   price summed per family) plus the very same invoice and line rows inserted
   again with the DBAPI's ``executemany``. Ratio: issue time / floor time.

``--quick``: 1× only. The figures and the targets (issue #21: 1× under 5 s,
within 10× the floor, 10×/1× ≤ 11) are in bench/README.md.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from results import Results, add_json_argument  # noqa: E402
from sqlalchemy import text  # noqa: E402
from volume import TODAY, build_volume  # noqa: E402

from backoffice.services.billing import issue_run  # noqa: E402

PG_URL = os.environ.get(
    "BACKOFFICE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PERIOD = (date(2026, 3, 1), date(2026, 3, 31))  # a whole school month
REGIES = ("PERI", "ALSH", "JEUN", "MAC")
SCALES = {"1×": 2000, "10×": 20000}
INVOICE_COLS = (
    "number, regie_id, year, seq, run_id, family_id, issue_date, due_date, period_start, "
    "period_end, total, state, billing_name, billing_address, billing_email, created_at"
)
LINE_COLS = (
    "invoice_id, position, child_id, unit_id, booking_id, tariff_id, day, label, qf_bracket, "
    "quantity, unit_price, amount"
)
AGGREGATE = (
    "SELECT c.family_id, COUNT(*), SUM(l.quantity * t.price / 100) "
    "FROM booking b JOIN child c ON c.id = b.child_id "
    "JOIN invoice_line l ON l.booking_id = b.id JOIN tariff t ON t.id = l.tariff_id "
    "WHERE b.day BETWEEN {mark} AND {mark} GROUP BY c.family_id"
)


def issue_all(db, verbose: bool) -> tuple[float, float, int, int]:
    """(wall seconds, this process's CPU seconds, invoices, lines)."""
    invoices = lines = 0
    started = time.perf_counter()
    cpu = time.process_time()
    for regie in REGIES:
        t = time.perf_counter()
        with db.session() as session:
            report = issue_run(session, regie, *PERIOD, issue_date=TODAY)
        invoices += report.invoices
        lines += report.lines
        if verbose:
            print(
                f"    {regie:<5} {report.invoices:>6} factures {report.lines:>7} lignes "
                f"{time.perf_counter() - t:>7.2f} s"
            )
    return time.perf_counter() - started, time.process_time() - cpu, invoices, lines


def floor(db) -> tuple[float, float]:
    """(aggregate, inserts): the same lines aggregated in SQL, the same rows inserted again."""
    sqlite = db.is_sqlite
    mark = "?" if sqlite else "%s"
    # The month's invoices only: the volume holds April's holidays invoiced and paid.
    of_month = "SELECT id FROM invoice WHERE period_start = :start"
    with db.engine.connect() as conn:
        invoices = conn.execute(
            text(f"SELECT id, {INVOICE_COLS} FROM invoice WHERE id IN ({of_month}) ORDER BY id"),
            {"start": PERIOD[0]},
        ).all()
        lines = conn.execute(
            text(
                f"SELECT {LINE_COLS} FROM invoice_line WHERE invoice_id IN ({of_month}) ORDER BY id"
            ),
            {"start": PERIOD[0]},
        ).all()
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        if sqlite:
            cur.execute("BEGIN")
        started = time.perf_counter()
        cur.execute(AGGREGATE.format(mark=mark), PERIOD)
        families = cur.fetchall()
        aggregate = time.perf_counter() - started
        assert sum(n for _, n, _ in families) == len(lines)
        # The copies keep their booking (one line per booking): drop the originals first.
        cur.execute(
            f"DELETE FROM invoice_line WHERE invoice_id IN "
            f"(SELECT id FROM invoice WHERE period_start = {mark})",
            (PERIOD[0],),
        )
        started = time.perf_counter()
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM invoice")
        offset = cur.fetchone()[0]
        rows = []
        for row in invoices:
            values = list(row)
            values[0] += offset
            values[1] = "X" + values[1]  # number
            values[4] += 1_000_000  # seq
            rows.append(values)
        cur.executemany(
            f"INSERT INTO invoice (id, {INVOICE_COLS}) VALUES ({', '.join([mark] * 17)})", rows
        )
        line_rows = [[row[0] + offset, *row[1:]] for row in lines]
        cur.executemany(
            f"INSERT INTO invoice_line ({LINE_COLS}) VALUES ({', '.join([mark] * 12)})",
            line_rows,
        )
        inserts = time.perf_counter() - started
        raw.rollback()
    finally:
        raw.close()
    return aggregate, inserts


def measure(url: str, families: int, seed: int, label: str) -> tuple[float, float, float, int]:
    """(issue seconds, issue CPU seconds, floor seconds, lines) at one scale."""
    print(f"{label}, {families} familles :")
    db = build_volume(url, families, seed)
    try:
        seconds, cpu, invoices, lines = issue_all(db, verbose=True)
        aggregate, inserts = floor(db)
        plancher = aggregate + inserts
        print(
            f"  émission de mars 2026, toutes régies : {invoices} factures, {lines} lignes "
            f"en {seconds:.2f} s ({lines / seconds:,.0f} lignes/s), dont CPU du processus "
            f"{cpu:.2f} s"
        )
        print(
            f"  plancher : agrégat SQL {aggregate:.3f} s + insertions executemany "
            f"{inserts:.3f} s = {plancher:.2f} s — rapport {seconds / plancher:.1f}×"
        )
        return seconds, cpu, plancher, lines
    finally:
        db.dispose()


def run(make_url, scales: dict[str, int], seed: int, label: str, out: Results) -> None:
    results = {}
    for name, families in scales.items():
        with make_url() as url:
            results[name] = measure(url, families, seed, f"{label} {name}")
        seconds, cpu, plancher, lines = results[name]
        out.add(
            "Émission d'un mois, toutes régies",
            name,
            label,
            seconds,
            "s",
            floor=plancher,
            target="1× < 5 s, ≤ 10× le plancher",
            detail=f"{lines} lignes, CPU {cpu:.2f} s",
        )
    print(f"{label} — figure : émission d'un mois, toutes régies")
    for name, (seconds, cpu, plancher, lines) in results.items():
        print(
            f"  {name:<4} {lines:>7} lignes  {seconds:>7.2f} s (CPU {cpu:.2f} s)  "
            f"plancher {plancher:>6.2f} s  rapport {seconds / plancher:>5.1f}×"
        )
    if "1×" in results and "10×" in results:
        print(
            f"  10×/1× : {results['10×'][0] / results['1×'][0]:.1f} "
            f"(CPU : {results['10×'][1] / results['1×'][1]:.1f})"
        )


class _SQLiteFile:
    def __enter__(self) -> str:
        self._tmp = tempfile.TemporaryDirectory()
        return f"sqlite:///{Path(self._tmp.name) / 'bench.sqlite3'}"

    def __exit__(self, *exc) -> None:
        self._tmp.cleanup()


class _PgSchema:
    """A throw-away schema of the local PostgreSQL, dropped on exit."""

    def __enter__(self) -> str:
        import psycopg

        self._raw = PG_URL.replace("+psycopg", "")
        self._schema = f"bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(self._raw, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE SCHEMA "{self._schema}"')
        return f"{PG_URL}?options=-csearch_path%3D{self._schema}"

    def __exit__(self, *exc) -> None:
        import psycopg

        with psycopg.connect(self._raw, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{self._schema}" CASCADE')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1× seulement")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    add_json_argument(parser)
    args = parser.parse_args()
    out = Results.from_args(args)
    scales = {"1×": SCALES["1×"]} if args.quick else SCALES
    if not args.no_sqlite:
        run(_SQLiteFile, scales, args.seed, "SQLite", out)
    if args.no_postgres:
        return
    try:
        with _PgSchema():
            pass
    except Exception as exc:  # noqa: BLE001 - no server: say so and skip
        print(f"PostgreSQL non joignable ({exc}) : mesure ignorée.")
        return
    run(_PgSchema, scales, args.seed, "PostgreSQL", out)


if __name__ == "__main__":
    main()
