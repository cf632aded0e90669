"""Screenshots of the back-office, rendered offscreen, for the README and for review.

    .venv/bin/python scripts/screenshot.py [--database-url URL] [--out docs/screenshots]

Without ``--database-url`` a demo database (``load_demo``, 300 families, seed 1)
is created in a temp dir. Saves ``main-window.png`` (the families list, a family
selected) and ``family-view.png`` (that family opened).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("BACKOFFICE_NO_DIALOGS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEMO_TODAY = date(2026, 11, 27)
SIZE = (1280, 800)


def demo_database(directory: Path, families: int):
    from backoffice.services.demo import load_demo
    from backoffice.storage import open_database

    path = directory / "demo" / "backoffice.sqlite3"
    path.unlink(missing_ok=True)
    db = open_database(f"sqlite:///{path}")
    load_demo(db, families, 1, today=DEMO_TODAY)
    return db


def pick_family(db, today: date) -> int:
    """A family worth showing: two children or more, an alert flag and a missing item."""
    from backoffice.services.families import get_family_detail, search_families

    with db.session() as session:
        rows = search_families(session, "", limit=None)
        fallback = rows[0].id
        for row in rows:
            if row.children.count(",") < 1:
                continue
            detail = get_family_detail(session, row.id, today=today)
            if (
                any(c.alerts for c in detail.children)
                and any(c.missing for c in detail.children)
                and any(c.complete for c in detail.children)
            ):
                return row.id
    return fallback


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--families", type=int, default=300)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    os.environ.setdefault("BACKOFFICE_DATA_DIR", tmp.name)

    from backoffice.app import create_main_window, install_french
    from backoffice.storage import open_database
    from backoffice.ui.qt import QApplication
    from backoffice.ui.tasks import SynchronousExecutor, TaskRunner

    app = QApplication.instance() or QApplication([sys.argv[0]])
    install_french(app)
    if args.database_url:
        db, today = open_database(args.database_url), date.today()
    else:
        db, today = demo_database(Path(tmp.name), args.families), DEMO_TODAY

    # Synchronous tasks: the family view is loaded when the shot is taken.
    window = create_main_window(db, runner=TaskRunner(SynchronousExecutor()), today=today)
    window.resize(*SIZE)
    window.show()
    app.processEvents()
    args.out.mkdir(parents=True, exist_ok=True)

    family_id = pick_family(db, today)
    page = window.families.list_page
    while not page.select_family(family_id) and page.model.canFetchMore():
        page.model.fetchMore()
    page.view.scrollTo(page.view.currentIndex(), page.view.ScrollHint.PositionAtCenter)
    page.view.setFocus()
    app.processEvents()
    main_png = args.out / "main-window.png"
    window.grab().save(str(main_png))

    page.open_current()
    app.processEvents()
    family_png = args.out / "family-view.png"
    window.grab().save(str(family_png))
    print(f"{main_png}\n{family_png}")
    window.close()
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
