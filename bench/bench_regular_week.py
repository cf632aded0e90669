"""How fast a « semaine type » is booked for a school year, against raw SQL.

    .venv/bin/python bench/bench_regular_week.py [--others 60] [--no-postgres]

The catalogue: a périscolaire over the school year 2026-2027 (units Matin, 20 places,
and Soir, 30 places, open Monday, Tuesday, Thursday, Friday), the school holidays as
closures, ``--others`` children of other families already booked on it (so the places
taken are counted from real rows, some mornings full → waiting list). Then, for one
child, lundi, mardi, jeudi, vendredi matin et soir from 1 September 2026 to 3 July 2027:

1. ``preview_regular_week`` (nothing written): time and what it says;
2. ``apply_regular_week`` in one transaction, commit included (bookings, audit trail,
   outbox items for the portal): time, rows written per table;
3. the floor: the very same rows (read back) deleted, then inserted again with the
   driver's ``executemany`` in one transaction, commit included; the ratio.

On SQLite (a temp file) and on PostgreSQL if reachable (``BACKOFFICE_BENCH_PG_URL``,
default postgresql+psycopg://postgres@127.0.0.1:5432/test, a throw-away schema created
and dropped). Target: the apply under 1 s on each.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select  # noqa: E402

from backoffice.models import (  # noqa: E402
    Activity,
    ActivityKind,
    Base,
    BillingBasis,
    Booking,
    BookingState,
    Capacity,
    Child,
    Closure,
    Family,
    Period,
    PeriodKind,
    ProcessingRule,
    Regie,
    Registration,
    RegistrationState,
    Role,
    Settlement,
    Sex,
    Site,
    Source,
    StaffUser,
    Unit,
    WhenFull,
)
from backoffice.services.bookings.regular_week import (  # noqa: E402
    apply_regular_week,
    preview_regular_week,
)
from backoffice.services.bookings.week_cells import public_holiday  # noqa: E402
from backoffice.services.common.actors import current_actor  # noqa: E402
from backoffice.services.database import open_database  # noqa: E402

PG_URL = os.environ.get(
    "BACKOFFICE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TODAY = date(2026, 9, 1)
FIRST, LAST = date(2026, 9, 1), date(2027, 7, 3)
HOLIDAYS = [  # zone B, 2026-2027
    ("Vacances de la Toussaint", date(2026, 10, 17), date(2026, 11, 2)),
    ("Vacances de Noël", date(2026, 12, 19), date(2027, 1, 3)),
    ("Vacances d'hiver", date(2027, 2, 20), date(2027, 3, 7)),
    ("Vacances de printemps", date(2027, 4, 17), date(2027, 5, 2)),
]
WEEK = (1, 2, 4, 5)


def build(db, others: int) -> tuple[int, int, dict[int, tuple[int, ...]]]:
    """The catalogue, the child, ``others`` children booked; (child, activity, pattern)."""
    with db.session() as s:
        s.add(StaffUser(login="bench", full_name="Agent du banc", role=Role.AGENT))
        site = Site(code="LUDE", name="Pôle enfance du Lude", commune="Le Lude")
        regie = Regie(code="APS", name="Régie périscolaire", invoice_prefix="APS",
                      credit_note_prefix="AV-APS", settlement=Settlement.TRESOR_PUBLIC)  # fmt: skip
        aps = Activity(code="APS-LUDE", name="Périscolaire du Lude",
                       kind=ActivityKind.PERISCOLAIRE, regie=regie, site=site,
                       billing_basis=BillingBasis.ATTENDANCE)  # fmt: skip
        period = Period(code="2026-2027", name="Année scolaire 2026-2027",
                        kind=PeriodKind.SCHOOL_YEAR, start_date=FIRST, end_date=LAST)  # fmt: skip
        aps.periods = [period]
        matin = Unit(code="MATIN", name="Matin", position=1, weekdays="1,2,4,5",
                     start_time=clock(7, 30), end_time=clock(8, 30))  # fmt: skip
        soir = Unit(code="SOIR", name="Soir", position=2, weekdays="1,2,4,5",
                    start_time=clock(16, 30), end_time=clock(18, 30))  # fmt: skip
        matin.capacities = [Capacity(start_date=FIRST, end_date=LAST, places=20)]
        soir.capacities = [Capacity(start_date=FIRST, end_date=LAST, places=30)]
        aps.units = [matin, soir]
        aps.rule = ProcessingRule(when_full=WhenFull.WAITING_LIST)
        s.add(aps)
        s.flush()
        for label, start, end in HOLIDAYS:
            s.add(Closure(activity_id=aps.id, start_date=start, end_date=end, label=label))
        children = []
        for i in range(others + 1):
            family = Family(code=f"F{i + 1:05d}", name=f"FAMILLE{i + 1}", commune="Le Lude",
                            postcode="72800", address_line1="1 rue de l'École")  # fmt: skip
            child = Child(last_name=family.name, first_name="Camille", sex=Sex.FEMALE,
                          birth_date=date(2018, 5, 1))  # fmt: skip
            family.children.append(child)
            s.add(family)
            children.append(child)
        s.flush()
        regs = {}
        for child in children:
            regs[child.id] = Registration(child_id=child.id, activity_id=aps.id,
                                          period_id=period.id, state=RegistrationState.ACCEPTED)  # fmt: skip
            s.add(regs[child.id])
        s.flush()
        # The others: every Monday and Thursday morning (20 of them: those mornings are
        # full), every Tuesday evening.
        rows = []
        day = FIRST
        while day <= LAST:
            for child in children[1:]:
                for unit, weekdays in ((matin, (1, 4)), (soir, (2,))):
                    if day.isoweekday() in weekdays and (unit is soir or child.id % 3 != 0):
                        rows.append(dict(child_id=child.id, unit_id=unit.id, day=day,
                                         registration_id=regs[child.id].id,
                                         state=BookingState.ACCEPTED, source=Source.DESK))  # fmt: skip
            day += timedelta(days=1)
        s.execute(Booking.__table__.insert(), rows)
        return children[0].id, aps.id, {matin.id: WEEK, soir.id: WEEK}


def tables_with_ids():
    return [t for t in Base.metadata.sorted_tables if "id" in t.c]


def max_ids(db) -> dict[str, int]:
    with db.session() as s:
        return {
            t.name: s.scalar(select(func.coalesce(func.max(t.c.id), 0))) for t in tables_with_ids()
        }


def floor(db, before: dict[str, int]) -> tuple[float, dict[str, int]]:
    """Delete the rows the apply wrote, then insert them again with executemany, timed."""
    tables = [t for t in tables_with_ids()]
    conn = db.engine.raw_connection()
    try:
        cur = conn.cursor()
        mark = "?" if db.engine.dialect.name == "sqlite" else "%s"
        data: dict[str, tuple[list[str], list[tuple]]] = {}
        for t in tables:
            cur.execute(f'SELECT * FROM "{t.name}" WHERE id > {mark}', (before[t.name],))
            rows = cur.fetchall()
            if rows:
                if mark == "%s":  # JSON columns come back as dicts: hand them back as JSON
                    from psycopg.types.json import Json

                    rows = [
                        tuple(Json(v) if isinstance(v, dict | list) else v for v in row)
                        for row in rows
                    ]
                data[t.name] = ([d[0] for d in cur.description], rows)
        for t in reversed(tables):
            if t.name in data:
                cur.execute(f'DELETE FROM "{t.name}" WHERE id > {mark}', (before[t.name],))
        conn.commit()
        started = time.perf_counter()
        for t in tables:
            if t.name in data:
                columns, rows = data[t.name]
                names = ", ".join(f'"{c}"' for c in columns)
                marks = ", ".join([mark] * len(columns))
                cur.executemany(f'INSERT INTO "{t.name}" ({names}) VALUES ({marks})', rows)
        conn.commit()
        seconds = time.perf_counter() - started
        return seconds, {name: len(rows) for name, (_c, rows) in data.items()}
    finally:
        conn.close()


def run(url: str, label: str, others: int) -> float:
    db = open_database(url)
    try:
        child, activity, pattern = build(db, others)
        with db.session() as s:
            actor = current_actor(s, "bench")
        started = time.perf_counter()
        with db.session() as s:
            preview = preview_regular_week(s, actor, child, activity, pattern, FIRST, LAST, TODAY)
        preview_s = time.perf_counter() - started
        print(f"{label} : aperçu en {preview_s * 1000:.0f} ms — {preview.summary()}")
        before = max_ids(db)
        started = time.perf_counter()
        with db.session() as s:
            result = apply_regular_week(s, actor, child, activity, pattern, FIRST, LAST, TODAY)
        apply_s = time.perf_counter() - started
        days = len(result.booked) + len(result.waiting)
        assert days == preview.to_book, (days, preview.to_book)
        floor_s, rows = floor(db, before)
        written = ", ".join(f"{n} {name}" for name, n in rows.items())
        print(
            f"{label} : semaine type appliquée en {apply_s * 1000:.0f} ms — "
            f"{len(result.booked)} réservé(s), {len(result.waiting)} en liste d'attente "
            f"({written})"
        )
        print(
            f"{label} : plancher executemany des mêmes lignes {floor_s * 1000:.1f} ms ; "
            f"rapport {apply_s / floor_s:.0f}× ; objectif < 1 s : "
            f"{'tenu' if apply_s < 1 else 'MANQUÉ'}"
        )
        return apply_s
    finally:
        db.dispose()


def postgres(others: int) -> None:
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
        run(f"{PG_URL}?options=-csearch_path%3D{schema}", "PostgreSQL", others)
    finally:
        with psycopg.connect(raw, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--others", type=int, default=60, help="autres enfants déjà inscrits")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    # The `holidays` package is imported on first use (0.3 to 0.7 s, once per process, as
    # in the running back-office): paid here, not by the first measure.
    started = time.perf_counter()
    public_holiday(FIRST)
    print(
        f"Import du calendrier des jours fériés (une fois par processus) : "
        f"{(time.perf_counter() - started) * 1000:.0f} ms"
    )
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", "SQLite", args.others)
    if not args.no_postgres:
        postgres(args.others)


if __name__ == "__main__":
    main()
