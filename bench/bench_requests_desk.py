"""Requests desk (« Demandes ») on 50,000 pending requests: first paint, filter keystroke.

Run offscreen:  QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_requests_desk.py

The database (the demo with 300 families, then one-day portal-like requests
bulk-inserted by ``add_portal_requests`` up to 50,000 pending) is created once in
a temp dir and reused. Figures:
(a) first paint: from creating the area to its first rows painted (``view.grab()``),
    with the application's thread-pool runner; then the whole queue loaded in the
    background and shown;
(b) a filter keystroke: from the (debounced) filter firing to the rows painted,
    for a few family texts, a site, a date range and the grouping by family;
(c) floors: the same SQL with ``sqlite3`` directly (the first page, the whole
    queue, and each filter run in SQL), and the ratios.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("BACKOFFICE_NO_DIALOGS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy.dialects import sqlite as sqlite_dialect  # noqa: E402

from backoffice.demo.load import load_demo  # noqa: E402
from backoffice.demo.requests import add_portal_requests  # noqa: E402
from backoffice.models import Role  # noqa: E402
from backoffice.services.common.actors import Actor  # noqa: E402
from backoffice.services.database import open_database  # noqa: E402
from backoffice.services.requests.queue import (  # noqa: E402
    Grouping,
    RequestFilter,
    _queue_select,
    count_pending,
)

TODAY = date(2026, 11, 27)
BENCH_ACTOR = Actor(None, "bench", Role.DIRECTOR, "Banc d'essai")


def open_bench_database(directory: Path, count: int):
    path = directory / f"bench-requests-{count}.sqlite3"
    if path.exists():
        db = open_database(f"sqlite:///{path}")
        with db.session() as session:
            if count_pending(session) >= count:
                print(f"Base réutilisée : {path}")
                return db, path
        db.dispose()
        path.unlink()
    db = open_database(f"sqlite:///{path}")
    started = time.perf_counter()
    load_demo(db, families=300, seed=1, today=TODAY)
    with db.session() as session:
        missing = count - count_pending(session)
        added = add_portal_requests(session, missing, seed=1, today=TODAY)
    with db.session() as session:
        total = count_pending(session)
    print(
        f"Base créée : démo de 300 familles + {added} demandes du portail = {total} demandes "
        f"en attente, en {time.perf_counter() - started:.1f} s ({path})"
    )
    return db, path


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def sql_of(flt: RequestFilter | None = None, limit: int | None = None) -> str:
    statement = _queue_select(flt, limit)
    return str(
        statement.compile(dialect=sqlite_dialect.dialect(), compile_kwargs={"literal_binds": True})
    )


def floor(path: Path, sql: str) -> float:
    conn = sqlite3.connect(path)
    started = time.perf_counter()
    conn.execute(sql).fetchall()
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def best(fn, repeat: int = 5) -> float:
    return min(fn() for _ in range(repeat))


def make_area(db, app):
    from backoffice.ui.requests import RequestsArea
    from backoffice.ui.tasks import TaskRunner

    runner = TaskRunner()
    area = RequestsArea(db, BENCH_ACTOR, runner, today=TODAY)
    area.resize(1280, 800)
    return area, runner


def first_paint(db, app) -> tuple[float, float]:
    """(first rows painted, whole queue shown) from the area's creation."""
    started = time.perf_counter()
    area, runner = make_area(db, app)
    loaded: list[float] = []
    area.loaded.connect(lambda: loaded.append(time.perf_counter()))
    area.show()
    area.reload()
    while area.model.rowCount() == 0:
        app.processEvents()
    area.view.grab()
    painted = time.perf_counter() - started
    while not loaded:
        app.processEvents()
        time.sleep(0.001)
    area.view.grab()
    whole = time.perf_counter() - started
    area.close()
    runner.shutdown()
    area.deleteLater()
    app.processEvents()
    return painted, whole


def keystroke(
    area,
    app,
    text: str = "",
    site: int | None = None,
    grouping: Grouping = Grouping.NONE,
    days: tuple | None = None,
) -> float:
    bar = area.filters
    widgets = (bar.text, bar.site, bar.grouping, bar.date_from, bar.date_to)
    for widget in widgets:
        widget.blockSignals(True)  # the debounce timer is measured apart
    bar.text.setText(text)
    bar.select(bar.site, site)
    bar.set_grouping(grouping)
    bar.date_from.set_date(days[0] if days else None)
    bar.date_to.set_date(days[1] if days else None)
    for widget in widgets:
        widget.blockSignals(False)
    started = time.perf_counter()
    area.apply_filters()
    app.processEvents()
    area.view.grab()
    elapsed = time.perf_counter() - started
    # The side panel follows (debounced, in the background): let it finish before
    # the next measurement, so runs do not overlap.
    while area._side_timer.isActive() or area.runner.active:
        app.processEvents()
        time.sleep(0.001)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument(
        "--dir", type=Path, default=Path(tempfile.gettempdir()) / "backoffice-bench"
    )
    parser.add_argument("--screenshot", type=Path, help="save the area once loaded (PNG)")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("BACKOFFICE_DATA_DIR", str(args.dir / "data"))

    db, path = open_bench_database(args.dir, args.requests)
    from backoffice.services.requests.queue import FIRST_PAGE
    from backoffice.ui.qt import QApplication
    from backoffice.ui.requests.filters import TEXT_DELAY_MS

    app = QApplication.instance() or QApplication([])
    with db.session() as session:
        total = count_pending(session)
    print(f"\nDemandes — {total} demandes en attente, SQLite, plateforme {app.platformName()}")
    cold = first_paint(db, app)
    warm = [first_paint(db, app) for _ in range(5)]
    paint = statistics.median(w[0] for w in warm)
    whole = statistics.median(w[1] for w in warm)
    page_floor = best(lambda: floor(path, sql_of(limit=FIRST_PAGE)))
    all_floor = best(lambda: floor(path, sql_of()), repeat=3)
    print(
        f"(a) premier affichage (zone créée → {FIRST_PAGE} premières lignes peintes) : "
        f"{ms(cold[0])} à froid, {ms(paint)} médiane à chaud (objectif < 300 ms)"
    )
    print(
        f"    plancher SQL de la 1re page (sqlite3)          : {ms(page_floor)}  "
        f"ratio {paint / page_floor:5.1f}×"
    )
    print(f"    file entière chargée en arrière-plan et affichée : {ms(whole)} médiane")
    print(
        f"    plancher SQL de la file entière (sqlite3)      : {ms(all_floor)}  "
        f"ratio {whole / all_floor:5.1f}×"
    )

    area, runner = make_area(db, app)
    area.show()
    done: list[bool] = []
    area.loaded.connect(lambda: done.append(True))
    area.reload()
    while not done:
        app.processEvents()
        time.sleep(0.001)
    with db.session() as session:
        from sqlalchemy import func, select

        from backoffice.models import Activity, PortalRequest, Site

        # The site with the most pending requests.
        site = session.scalar(
            select(Site.id)
            .join(Activity, Activity.site_id == Site.id)
            .join(PortalRequest, PortalRequest.activity_id == Activity.id)
            .group_by(Site.id)
            .order_by(func.count(PortalRequest.id).desc())
            .limit(1)
        )
    print(
        f"\n(b) frappe dans les filtres → lignes peintes (hors délai de saisie de "
        f"{TEXT_DELAY_MS} ms), en mémoire sur les {total} lignes"
    )
    print(f"    {'filtre':<28} {'lignes':>7} {'interface':>11} {'SQL':>11} {'ratio':>7}")
    cases = [
        ("famille « martin »", {"text": "martin"}, RequestFilter(text="martin")),
        ("famille « lea »", {"text": "lea"}, RequestFilter(text="lea")),
        ("famille « F00042 »", {"text": "F00042"}, RequestFilter(text="F00042")),
        ("famille « e »", {"text": "e"}, RequestFilter(text="e")),
        ("famille « introuvable »", {"text": "introuvable"}, RequestFilter(text="introuvable")),
        ("un site", {"site": site}, RequestFilter(site_id=site)),
        (
            "jours du 01/12 au 15/12",
            {"days": (date(2026, 12, 1), date(2026, 12, 15))},
            RequestFilter(date_from=date(2026, 12, 1), date_to=date(2026, 12, 15)),
        ),
        ("regroupé par famille", {"grouping": Grouping.FAMILY}, None),
        ("aucun filtre", {}, None),
    ]
    worst = 0.0
    for label, kwargs, flt in cases:
        elapsed = best(lambda k=kwargs: keystroke(area, app, **k))
        worst = max(worst, elapsed)
        rows = area.model.request_count
        if flt is not None:
            sql = best(lambda f=flt: floor(path, sql_of(f)), repeat=3)
            print(f"    {label:<28} {rows:>7} {ms(elapsed)} {ms(sql)} {elapsed / sql:6.2f}×")
        else:
            print(f"    {label:<28} {rows:>7} {ms(elapsed)} {'—':>11} {'—':>7}")
    print(f"    pire frappe : {ms(worst)} (objectif < 100 ms)")
    if args.screenshot:
        keystroke(area, app, text="martin", grouping=Grouping.FAMILY)
        area.grab().save(str(args.screenshot))
        print(f"\nCapture : {args.screenshot}")
    area.close()
    runner.shutdown()
    db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
