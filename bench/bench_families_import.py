"""How fast ``backoffice-cli families import`` loads 2,000 families, against SQLite itself.

    .venv/bin/python bench/bench_families_import.py [--families 2000] [--seed 1] [--no-postgres]

1. The CSV: ``load_demo`` of N families into a scratch SQLite file (untimed), then
   ``families export`` of it (timed) — the very file an agent would get back.
2. The import of that CSV into an empty SQLite file (migrations excluded, commit
   included): decoding, every row checked like the account dialog does, duplicates
   against the database and the file, then the inserts (families, guardians,
   children, QF, audit events, portal outbox items) in one transaction.
3. The floor, in the same process: the very rows the import wrote (read back
   from that file) inserted with the standard library's ``sqlite3.executemany``
   into a fresh file with the same schema and pragmas, in one transaction. The
   ratio says what reading, checking and SQLAlchemy cost on top of SQLite.
4. The same import into a throw-away schema of the local PostgreSQL, if reachable
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

from sqlalchemy import select  # noqa: E402

from backoffice.demo.load import load_demo  # noqa: E402
from backoffice.models import Family, Guardian  # noqa: E402
from backoffice.services.common.actors import current_actor  # noqa: E402
from backoffice.services.common.validation import format_phone  # noqa: E402
from backoffice.services.database import open_database  # noqa: E402
from backoffice.services.families.csv_export import export_families_csv  # noqa: E402
from backoffice.services.families.csv_import import import_families_csv  # noqa: E402

PG_URL = os.environ.get(
    "BACKOFFICE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TODAY = date(2026, 11, 27)
WRITTEN = ("family", "guardian", "child", "family_quotient", "audit_event", "outbox_item")


def repair_demo_phones(db) -> int:
    """The demo draws some mobiles in unallocated or overseas ranges (07 0x–07 2x, 06 39,
    06 9x) that the account rules refuse: give those a valid metropolitan number so the
    export is importable. Returns how many were changed."""
    changed = 0

    def fix(value: str) -> str:
        nonlocal changed
        try:
            return format_phone(value) if value else value
        except ValueError:
            changed += 1
            return "06 1" + value[4:]

    with db.session() as s:
        for family in s.scalars(select(Family)):
            family.phone = fix(family.phone)
        for g in s.scalars(select(Guardian)):
            g.mobile_phone, g.home_phone, g.work_phone = (
                fix(g.mobile_phone),
                fix(g.home_phone),
                fix(g.work_phone),
            )
    return changed


def make_csv(path: Path, workdir: Path, families: int, seed: int) -> None:
    db = open_database(f"sqlite:///{workdir / 'source.sqlite3'}")
    try:
        load_demo(db, families=families, seed=seed, today=TODAY)
        changed = repair_demo_phones(db)
        started = time.perf_counter()
        with db.session() as s:
            count = export_families_csv(s, path)
        seconds = time.perf_counter() - started
    finally:
        db.dispose()
    lines = path.read_text(encoding="utf-8-sig").count("\n") - 1
    print(
        f"CSV : {count} familles, {lines} lignes, {path.stat().st_size / 1024:,.0f} Kio, "
        f"exporté en {seconds:.2f} s ({changed} numéros de démo hors plan corrigés avant)"
    )


def timed_import(url: str, csv_path: Path):
    db = open_database(url)
    try:
        started = time.perf_counter()
        with db.session() as s:
            report = import_families_csv(s, current_actor(s, "bench"), csv_path, TODAY)
        return time.perf_counter() - started, report
    finally:
        db.dispose()


def sqlite_floor(source: Path, target: Path) -> tuple[float, dict[str, int]]:
    """Insert the rows the import wrote in ``source`` into a copy of its schema, timed."""
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
    dst.execute("BEGIN")
    for name in tables:
        if name not in WRITTEN and data[name]:
            marks = ", ".join("?" * len(data[name][0]))
            dst.executemany(f'INSERT INTO "{name}" VALUES ({marks})', data[name])
    dst.execute("COMMIT")
    counts = {}
    started = time.perf_counter()
    dst.execute("BEGIN")
    for name in WRITTEN:
        if data[name]:
            marks = ", ".join("?" * len(data[name][0]))
            dst.executemany(f'INSERT INTO "{name}" VALUES ({marks})', data[name])
        counts[name] = len(data[name])
    dst.execute("COMMIT")
    seconds = time.perf_counter() - started
    dst.close()
    return seconds, counts


def postgres(csv_path: Path) -> None:
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
        seconds, report = timed_import(f"{PG_URL}?options=-csearch_path%3D{schema}", csv_path)
        print(
            f"PostgreSQL ({PG_URL}, schéma {schema}) : {report.families} familles importées "
            f"en {seconds:.2f} s ({_phases(report)})"
        )
    finally:
        with psycopg.connect(raw, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _phases(report) -> str:
    t = report.timings
    return f"lecture {t['read']:.2f} s, contrôles {t['check']:.2f} s, écriture {t['write']:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("BACKOFFICE_USER", "bench")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        os.environ["BACKOFFICE_DATA_DIR"] = str(workdir)
        csv_path = workdir / "familles.csv"
        make_csv(csv_path, workdir, args.families, args.seed)

        target = workdir / "import.sqlite3"
        seconds, report = timed_import(f"sqlite:///{target}", csv_path)
        print(
            f"Import SQLite : {report.families} familles, {report.guardians} responsables, "
            f"{report.children} enfants en {seconds:.2f} s ({_phases(report)}, commit compris)"
        )
        floor, counts = sqlite_floor(target, workdir / "floor.sqlite3")
        total = sum(counts.values())
        print(
            "Plancher (sqlite3.executemany des mêmes lignes, une transaction) : "
            f"{floor:.3f} s pour {total} lignes ("
            + ", ".join(f"{name} {count}" for name, count in counts.items())
            + ")"
        )
        print(f"Rapport import / plancher : {seconds / floor:.0f}×")
        if not args.no_postgres:
            postgres(csv_path)


if __name__ == "__main__":
    main()
