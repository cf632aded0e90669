"""How fast the demo data loads, against what SQLite itself can do.

    .venv/bin/python bench/bench_demo.py [--families 2000] [--seed 1] [--no-postgres]

1. ``load_demo`` of N families into a fresh SQLite file (migrations excluded):
   time, rows per table, rows/s.
2. The floor, measured in the same process: the very same rows (read back from
   that file) inserted with the standard library's ``sqlite3.executemany`` into
   a second file with the same schema and pragmas, in one transaction. The
   ratio says how much the generation and SQLAlchemy cost on top of SQLite.
3. The same load into a throw-away schema of the local PostgreSQL, if reachable
   (``BACKOFFICE_BENCH_PG_URL``, default postgresql+psycopg://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backoffice.demo.load import TABLES, load_demo  # noqa: E402
from backoffice.services.database import open_database  # noqa: E402

PG_URL = os.environ.get(
    "BACKOFFICE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TODAY = date(2026, 11, 27)


def load(url: str, families: int, seed: int):
    db = open_database(url)
    try:
        started = time.perf_counter()
        report = load_demo(db, families=families, seed=seed, today=TODAY)
        return time.perf_counter() - started, report
    finally:
        db.dispose()


def print_rows(seconds: float, report) -> int:
    total = sum(report.rows.values())
    for table, count in report.rows.items():
        print(f"    {table:<18} {count:>8}")
    print(f"    {'total':<18} {total:>8}   ({total / seconds:,.0f} rows/s)")
    return total


def sqlite_floor(source: Path, target: Path) -> tuple[float, int]:
    """Insert the family tables' rows of ``source`` into a copy of its schema, timed."""
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target, isolation_level=None)
    for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL"):
        dst.execute(f"PRAGMA {pragma}")
    for (sql,) in src.execute(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
        "ORDER BY type = 'index', rowid"
    ):
        dst.execute(sql)
    tables = [
        name for (name,) in src.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    ]
    data = {name: src.execute(f'SELECT * FROM "{name}"').fetchall() for name in tables}
    src.close()
    # Catalogue, staff and migration bookkeeping first, untimed: the rows below refer to them.
    dst.execute("BEGIN")
    for name in tables:
        if name not in TABLES and data[name]:
            marks = ", ".join("?" * len(data[name][0]))
            dst.executemany(f'INSERT INTO "{name}" VALUES ({marks})', data[name])
    dst.execute("COMMIT")
    rows = 0
    started = time.perf_counter()
    dst.execute("BEGIN")
    for name in TABLES:
        if data[name]:
            marks = ", ".join("?" * len(data[name][0]))
            dst.executemany(f'INSERT INTO "{name}" VALUES ({marks})', data[name])
            rows += len(data[name])
    dst.execute("COMMIT")
    seconds = time.perf_counter() - started
    dst.close()
    return seconds, rows


def postgres(families: int, seed: int) -> None:
    try:
        import psycopg

        raw = PG_URL.replace("+psycopg", "")
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(raw, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except Exception as exc:  # noqa: BLE001 - no server: say so and go on
        print(f"PostgreSQL : non mesuré ({exc.__class__.__name__}: {exc})")
        return
    try:
        seconds, report = load(f"{PG_URL}?options=-csearch_path%3D{schema}", families, seed)
        print(f"PostgreSQL ({PG_URL}, schéma {schema}) : {families} familles en {seconds:.2f} s")
        print_rows(seconds, report)
    finally:
        with psycopg.connect(raw, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo.sqlite3"
        seconds, report = load(f"sqlite:///{path}", args.families, args.seed)
        print(
            f"SQLite : {args.families} familles en {seconds:.2f} s (load_demo, catalogue compris)"
        )
        total = print_rows(seconds, report)
        floor, rows = sqlite_floor(path, Path(tmp) / "floor.sqlite3")
        print(
            f"Plancher sqlite3.executemany des mêmes {rows} lignes : {floor:.2f} s "
            f"({rows / floor:,.0f} rows/s)"
        )
        print(f"Rapport load_demo / plancher : {seconds / floor:.1f}×")
        assert rows == total - report.rows.get("staff_user", 0)
    if not args.no_postgres:
        postgres(args.families, args.seed)


if __name__ == "__main__":
    main()
