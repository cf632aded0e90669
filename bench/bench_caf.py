"""How fast the CAF figures of a year come out, against a raw SQL floor.

    .venv/bin/python bench/bench_caf.py [--families 2000] [--seed 1] [--runs 3]

1. The volume (:mod:`volume`, not timed): the demo with 2,000 families, every
   registered child booked on its regular days with the attendance of past days and
   the multi-accueil arrival and departure times; March's multi-accueil invoices
   issued (so that billed hours exist). SQLite, built once and cached.
2. ``caf_figures`` for the calendar year 2026 (multi-accueil per month and child, ALSH
   and périscolaire per period and age class): best of ``--runs``, with the rows and
   totals printed.
3. The floor, in the same process and database: the same aggregates written by hand
   in raw SQL, run with the ``sqlite3`` driver. Ratio: service time / floor time.
   Target (issue #19): under 5 s for the year.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from results import Results, add_json_argument  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from volume import build_volume  # noqa: E402

from backoffice.models import Booking  # noqa: E402
from backoffice.services.billing import issue_run  # noqa: E402
from backoffice.services.reports.caf import caf_figures  # noqa: E402

YEAR = (date(2026, 1, 1), date(2026, 12, 31))
TARGET_S = 5.0

FLOOR_SQL = (
    # multi-accueil: booked (unit span) and attended minutes per child and month
    """SELECT b.child_id, strftime('%Y-%m', b.day),
         SUM(CASE WHEN b.state IN ('accepted','cancel_requested')
             THEN (strftime('%s', u.end_time) - strftime('%s', u.start_time)) / 60 ELSE 0 END),
         SUM(CASE WHEN b.attendance = 'present' AND b.arrival_time IS NOT NULL
                   AND b.departure_time IS NOT NULL
             THEN (strftime('%s', b.departure_time) - strftime('%s', b.arrival_time)) / 60
             ELSE 0 END)
       FROM booking b JOIN unit u ON u.id = b.unit_id JOIN activity a ON a.id = u.activity_id
       WHERE a.kind = 'multi_accueil' AND b.day BETWEEN ? AND ?
       GROUP BY b.child_id, strftime('%Y-%m', b.day)""",
    # multi-accueil: billed hours per child and month
    """SELECT l.child_id, strftime('%Y-%m', l.day), SUM(l.quantity)
       FROM invoice_line l JOIN unit u ON u.id = l.unit_id JOIN activity a ON a.id = u.activity_id
       WHERE a.kind = 'multi_accueil' AND u.billing_unit = 'hour' AND l.day BETWEEN ? AND ?
       GROUP BY l.child_id, strftime('%Y-%m', l.day)""",
    # ALSH and périscolaire: child-days and child-hours per period and age class
    """SELECT period_id, young, COUNT(*), SUM(minutes) FROM (
         SELECT b.child_id, b.day, p.id AS period_id,
                (date(c.birth_date, '+6 years') > b.day) AS young,
                SUM((strftime('%s', u.end_time) - strftime('%s', u.start_time)) / 60) AS minutes
         FROM booking b JOIN unit u ON u.id = b.unit_id JOIN activity a ON a.id = u.activity_id
         JOIN child c ON c.id = b.child_id
         JOIN period p ON p.activity_id = a.id AND b.day BETWEEN p.start_date AND p.end_date
         WHERE a.kind IN ('alsh', 'periscolaire') AND b.attendance = 'present'
           AND b.day BETWEEN ? AND ?
         GROUP BY b.child_id, b.day, p.id, young)
       GROUP BY period_id, young""",
)


def floor(path: Path) -> tuple[float, int]:
    conn = sqlite3.connect(path)
    started = time.perf_counter()
    rows = 0
    for sql in FLOOR_SQL:
        rows += len(conn.execute(sql, (YEAR[0].isoformat(), YEAR[1].isoformat())).fetchall())
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale", default="—", help="étiquette d'échelle (1×, 10×) du JSON")
    add_json_argument(parser)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "caf.sqlite3"
        print(f"Statistiques CAF — {args.families} familles, année 2026 (SQLite)")
        db = build_volume(f"sqlite:///{path}", args.families, args.seed)
        with db.session() as s:
            issue_run(s, "MAC", date(2026, 3, 1), date(2026, 3, 31), issue_date=date(2026, 4, 1))
            bookings = s.scalar(select(func.count()).select_from(Booking))
        print(f"  réservations dans la base : {bookings:,}".replace(",", "\u202f"))
        best = float("inf")
        for _ in range(args.runs):
            with db.session() as s:
                started = time.perf_counter()
                figures = caf_figures(s, None, *YEAR)
                best = min(best, time.perf_counter() - started)
        booked, attended, billed = figures.mac_totals()
        days, hours = figures.alsh_totals()
        print(f"  multi-accueil : {len(figures.mac)} lignes enfant×mois, {booked} h réservées, "
              f"{attended} h réalisées, {billed} h facturées")  # fmt: skip
        print(f"  ALSH/périscolaire : {len(figures.alsh)} lignes, {days} journées-enfants, "
              f"{hours} heures-enfants")  # fmt: skip
        db.dispose()
        floor_best = min(floor(path)[0] for _ in range(args.runs))
        print(f"  caf_figures : {best * 1000:.0f} ms (meilleur de {args.runs}) — cible < {TARGET_S:.0f} s "
              f"{'OK' if best < TARGET_S else 'DÉPASSÉE'}")  # fmt: skip
        print(f"  plancher (SQL brut, sqlite3) : {floor_best * 1000:.0f} ms — ratio "
              f"{best / floor_best:.1f}×")  # fmt: skip
        Results.from_args(args).add(
            "Statistiques CAF d'une année",
            args.scale,
            "SQLite",
            best,
            "s",
            floor=floor_best,
            target="< 5 s à 1×",
            detail=f"{args.families} familles, {bookings} réservations",
        )
    return 0 if best < TARGET_S or args.families > 2000 else 1  # the target is at 1×


if __name__ == "__main__":
    raise SystemExit(main())
