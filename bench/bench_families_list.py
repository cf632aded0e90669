"""Families list on 10,000 families: first paint, search keystroke, and the SQL floor.

Run offscreen:  QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_families_list.py

The database (10,000 families with 1–3 children each, inserted with Core
executemany) is created once in a temp dir and reused. Figures:
(a) first paint: from creating the main window to the first page of rows painted
    (``view.grab()`` once the view has rows);
(b) a search keystroke: from the (debounced) search firing to the results painted;
(c) the floor: the same first-page SQL run with ``sqlite3`` directly.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("BACKOFFICE_NO_DIALOGS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from results import Results, add_json_argument  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from backoffice.models import AccountState, Child, Family, Role, Sex  # noqa: E402
from backoffice.services.common.actors import Actor  # noqa: E402
from backoffice.services.database import open_database  # noqa: E402
from backoffice.text import fold  # noqa: E402

SURNAMES = (
    "MARTIN BERNARD THOMAS PETIT ROBERT RICHARD DURAND DUBOIS MOREAU LAURENT SIMON MICHEL "
    "LEFÈVRE LEROY ROUX DAVID BERTRAND MOREL FOURNIER GIRARD BONNET DUPONT LAMBERT FONTAINE "
    "ROUSSEAU VINCENT MULLER LEFEBVRE FAURE ANDRÉ MERCIER BLANC GUÉRIN BOYER GARNIER CHEVALIER "
    "FRANÇOIS LEGRAND GAUTHIER GARCIA PERRIN ROBIN CLÉMENT MORIN NICOLAS HENRY ROUSSEL MATHIEU "
    "GAUTIER MASSON MARCHAND DUVAL DENIS DUMONT MARIE LEMAIRE NOËL MEYER DUFOUR MEUNIER BRUN "
    "BLANCHARD GIRAUD JOLY RIVIÈRE LUCAS BRUNET GAILLARD BARBIER ARNAUD MARTINEZ GÉRARD ROCHE"
).split()
FIRST_NAMES_F = (
    "Léa Emma Jade Louise Alice Chloé Lina Rose Anna Mila Inès Ambre Julia Zoé Léna Manon".split()
)
FIRST_NAMES_M = "Gabriel Léo Raphaël Louis Arthur Jules Adam Lucas Hugo Noah Paul Tom Nathan Noé Sacha Théo".split()
COMMUNES = (
    "Le Lude",
    "Mayet",
    "Aubigné-Racan",
    "Pontvallain",
    "Vaas",
    "Luché-Pringé",
    "Mansigné",
    "Coulongé",
    "Lavernat",
    "Requeil",
    "Sarcé",
    "Thorée-les-Pins",
    "Verneil-le-Chétif",
)
# The window needs an agent; the bench only reads, so no staff row is needed.
BENCH_ACTOR = Actor(None, "bench", Role.ADMIN, "Banc d'essai")
STATES = [AccountState.ACTIVE] * 7 + [AccountState.AWAITING_ACTIVATION, AccountState.FORM_RECEIVED]


def populate(db, count: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    families, children = [], []
    for n in range(1, count + 1):
        code, name, commune = f"F{n:05d}", rng.choice(SURNAMES), rng.choice(COMMUNES)
        kids = []
        for _ in range(rng.randint(1, 3)):
            sex = rng.choice((Sex.FEMALE, Sex.MALE))
            first = rng.choice(FIRST_NAMES_F if sex == Sex.FEMALE else FIRST_NAMES_M)
            born = date(2008, 1, 1) + timedelta(days=rng.randrange(16 * 365))
            kids.append(
                {
                    "family_id": n,
                    "first_name": first,
                    "last_name": name,
                    "sex": sex,
                    "birth_date": born,
                }
            )
        children += kids
        text = " ".join(
            [code, name, commune, *(f"{k['first_name']} {k['last_name']}" for k in kids)]
        )
        families.append(
            {
                "id": n,
                "code": code,
                "name": name,
                "commune": commune,
                "postcode": "72800",
                "account_state": rng.choice(STATES),
                "phone": f"02 43 {rng.randrange(100):02d} {rng.randrange(100):02d} {rng.randrange(100):02d}",
                "login_email": f"{fold(name).replace(' ', '')}.{n}@example.org",
                "search_text": fold(text),
            }
        )
    with db.session() as session:
        session.execute(insert(Family), families)
        session.execute(insert(Child), children)


def open_bench_database(directory: Path, count: int):
    path = directory / f"bench-families-{count}.sqlite3"
    db = open_database(f"sqlite:///{path}")
    with db.session() as session:
        existing = session.scalar(select(func.count(Family.id)))
    if existing != count:
        db.dispose()
        path.unlink()
        db = open_database(f"sqlite:///{path}")
        started = time.perf_counter()
        populate(db, count)
        print(f"Base créée : {count} familles en {time.perf_counter() - started:.1f} s ({path})")
    else:
        print(f"Base réutilisée : {path}")
    return db, path


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def first_paint(db, app) -> float:
    from backoffice.app import create_main_window

    started = time.perf_counter()
    window = create_main_window(db, BENCH_ACTOR)
    window.show()
    view = window.families.list_page.view
    while view.model().rowCount() == 0:
        app.processEvents()
    app.processEvents()
    view.grab()
    elapsed = time.perf_counter() - started
    window.close()
    window.deleteLater()
    app.processEvents()
    return elapsed


def search_keystroke(window, app, query: str) -> tuple[float, int]:
    page = window.families.list_page
    page.search_field.blockSignals(True)  # the debounce timer is measured apart
    page.search_field.setText(query)
    page.search_field.blockSignals(False)
    started = time.perf_counter()
    page.run_search()
    app.processEvents()
    page.view.grab()
    elapsed = time.perf_counter() - started
    total = page.model.total
    return elapsed, (f"{page.model.rowCount()}+" if total is None else str(total))


def floor(path: Path, query: str) -> tuple[float, float]:
    """(first page only, first page + count + children names) with sqlite3 directly."""
    conn = sqlite3.connect(path)
    where = " AND ".join("search_text LIKE ? ESCAPE '/'" for _ in fold(query).split()) or "1"
    params = [f"%{term}%" for term in fold(query).split()]
    page_sql = (
        "SELECT id, code, name, commune, account_state, phone, login_email FROM family "
        f"WHERE {where} ORDER BY name, id LIMIT 200 OFFSET 0"
    )
    started = time.perf_counter()
    rows = conn.execute(page_sql, params).fetchall()
    page_only = time.perf_counter() - started
    conn.execute(f"SELECT count(id) FROM family WHERE {where}", params).fetchone()
    ids = [r[0] for r in rows]
    if ids:
        marks = ",".join("?" * len(ids))
        conn.execute(
            f"SELECT family_id, first_name FROM child WHERE family_id IN ({marks}) "
            "ORDER BY family_id, birth_date",
            ids,
        ).fetchall()
    everything = time.perf_counter() - started
    conn.close()
    return page_only, everything


def pg_search(url: str, count: int, queries, results: Results, scale: str) -> None:
    """The service's search (first page, as the list asks it) on PostgreSQL."""
    from sqlalchemy import text

    from backoffice.services.families.queries import count_families, search_families

    schema = f"bench_families_{os.getpid()}"
    with open_database(url, migrate=False).engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    db = open_database(f"{url}{sep}options=-csearch_path%3D{schema}")
    try:
        started = time.perf_counter()
        populate(db, count)
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE family"))
            conn.execute(text("ANALYZE child"))
        print(
            f"\n(c) PostgreSQL, {count} familles (créées en {time.perf_counter() - started:.1f} s)"
        )
        print(
            f"    {'recherche':<14} {'1re page (201 lignes max)':>26} {'compte à la demande':>22}"
        )
        worst = (0.0, "")
        for query in queries:

            def page(q=query):
                with db.session() as s:
                    t = time.perf_counter()
                    search_families(s, q, limit=201)
                    return time.perf_counter() - t

            def counted(q=query):
                with db.session() as s:
                    t = time.perf_counter()
                    count_families(s, q)
                    return time.perf_counter() - t

            first_page = best(page)
            worst = max(worst, (first_page, query))
            print(f"    {query:<14} {ms(first_page):>26} {ms(best(counted)):>22}")
        results.add(
            "Recherche des familles, pire frappe (1re page)",
            scale,
            "PostgreSQL",
            worst[0] * 1000,
            "ms",
            target="< 50 ms à 100 000 familles",
            detail=f"{count} familles, « {worst[1]} »",
        )
    finally:
        db.dispose()
        with open_database(url, migrate=False).engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def best(fn, repeat: int = 5):
    return min(fn() for _ in range(repeat))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=10_000)
    parser.add_argument(
        "--database-url",
        help="also time the service's search on this PostgreSQL (throw-away schema)",
    )
    parser.add_argument(
        "--dir", type=Path, default=Path(tempfile.gettempdir()) / "backoffice-bench"
    )
    parser.add_argument("--scale", default="—", help="étiquette d'échelle (1×, 10×) du JSON")
    add_json_argument(parser)
    args = parser.parse_args()
    results = Results.from_args(args)
    args.dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("BACKOFFICE_DATA_DIR", str(args.dir / "data"))

    db, path = open_bench_database(args.dir, args.families)
    from backoffice.app import create_main_window
    from backoffice.ui.families.list_page import SEARCH_DELAY_MS
    from backoffice.ui.qt import QApplication

    app = QApplication.instance() or QApplication([])

    print(
        f"\nListe des familles — {args.families} familles, SQLite, plateforme {app.platformName()}"
    )
    cold = first_paint(db, app)
    warm = [first_paint(db, app) for _ in range(5)]
    floor_empty = best(lambda: floor(path, "")[0])
    floor_empty_all = best(lambda: floor(path, "")[1])
    print(
        f"(a) premier affichage (fenêtre créée → 1re page peinte) : {ms(cold)} à froid, "
        f"{ms(statistics.median(warm))} médiane à chaud"
    )
    print(
        f"    plancher SQL 1re page (sqlite3)                     : {ms(floor_empty)} "
        f"(+ compte + prénoms : {ms(floor_empty_all)})"
    )
    print(
        f"    ratio premier affichage / plancher page              : {statistics.median(warm) / floor_empty:7.1f}×"
    )

    window = create_main_window(db, BENCH_ACTOR)
    window.show()
    app.processEvents()
    print(
        f"\n(b) frappe dans la recherche → résultats peints (hors délai de saisie de {SEARCH_DELAY_MS} ms)"
    )
    print(
        f"    {'recherche':<14} {'résultats':>9} {'interface':>11} {'plancher':>11} {'+compte':>11} {'ratio':>7}"
    )
    queries = ("lea", "mayet", "F04242", "martin", "zoe martin", "e", "introuvable")
    worst = (0.0, 0.0, "")
    for query in queries:
        elapsed = best(lambda q=query: search_keystroke(window, app, q)[0])
        total = search_keystroke(window, app, query)[1]
        page_only, everything = (best(lambda q=query, i=i: floor(path, q)[i]) for i in (0, 1))
        print(
            f"    {query:<14} {total:>9} {ms(elapsed)} {ms(page_only)} {ms(everything)} "
            f"{elapsed / everything:6.1f}×"
        )
        worst = max(worst, (elapsed, everything, query))
    results.add(
        "Recherche des familles, pire frappe (peinte)",
        args.scale,
        "SQLite",
        worst[0] * 1000,
        "ms",
        floor=worst[1] * 1000,
        target="< 50 ms à 100 000 familles",
        detail=f"{args.families} familles, « {worst[2]} » ; plancher : LIKE + compte (sqlite3)",
    )

    # Scrolling to the end: every page fetched on demand.
    search_keystroke(window, app, "")
    view = window.families.list_page.view
    started = time.perf_counter()
    while view.model().canFetchMore():
        view.scrollToBottom()
        app.processEvents()
    print(
        f"\n    défilement jusqu'à la fin ({view.model().rowCount()} lignes chargées par pages de 200) : "
        f"{ms(time.perf_counter() - started)}"
    )
    window.close()
    db.dispose()
    if args.database_url:
        pg_search(args.database_url, args.families, queries, results, args.scale)
    return 0


if __name__ == "__main__":
    sys.exit(main())
