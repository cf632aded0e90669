"""Screenshots of the back-office, rendered offscreen, for the README and for review.

    .venv/bin/python scripts/screenshot.py [--database-url URL] [--out docs/screenshots]

Without ``--database-url`` a demo database (``load_demo``, 30 families, seed 1)
is created in a temp dir, the window is that of a demo desk agent, and a few
changes are made first (address, QF, a medical record) so the history has
something to show. With ``--database-url`` nothing is changed: the window is
that of this computer's agent and only the list and the family view are shot.

Saves ``main-window.png`` (the families list, a family selected),
``family-view.png`` (that family opened), ``history.png`` (its "Historique"
tab), ``family-edit.png`` ("Modifier la famille…"), ``family-edit-errors.png``
(a wrong postcode refused), ``family-edit-guardians.png``,
``family-edit-qf.png`` (the QF history) and ``family-edit-qf-add.png``.
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
    from backoffice.demo.load import load_demo
    from backoffice.services.database import open_database

    path = directory / "demo" / "backoffice.sqlite3"
    path.unlink(missing_ok=True)
    db = open_database(f"sqlite:///{path}")
    load_demo(db, families, 1, today=DEMO_TODAY)
    return db


def demo_changes(db, family_id: int) -> None:
    """What agents did on this family lately, for the history to show."""
    from sqlalchemy import select

    from backoffice.models import Child, Family
    from backoffice.services.common.actors import bind, current_actor
    from backoffice.services.families import edit as family_info
    from backoffice.services.families.quotients import add_quotient

    with db.session() as s:
        agent, director = current_actor(s, "mhuet"), current_actor(s, "lchauvin")
        colleague = current_actor(s, "tpapin")
    with db.session() as s:
        family = s.get(Family, family_id)
        family_info.update_family(
            s,
            agent,
            family_id,
            family_info.FamilyChanges(
                phone="02 43 94 18 18", billing_email="factures.famille@example.org"
            ),
            family.version,
        )
    with db.session() as s:
        add_quotient(s, colleague, family_id, 812, date(2027, 1, 1))
    with db.session() as s:
        bind(s, director)
        child = s.scalars(
            select(Child).where(Child.family_id == family_id).order_by(Child.birth_date)
        ).first()
        if child.medical_record is not None:
            record = child.medical_record
            record.observations = (record.observations + " Porte des lunettes.").strip()
            record.wears_glasses = True


def pick_family(db, today: date) -> int:
    """A family worth showing: two children or more, with as many of an alert flag,
    a missing item and a complete file as the demo offers."""
    from backoffice.services.families.queries import get_family_detail, search_families

    with db.session() as session:
        rows = search_families(session, "", limit=None)
        best, best_score = rows[0].id, -1
        for row in rows:
            if row.children.count(",") < 1:
                continue
            children = get_family_detail(session, row.id, today=today).children
            score = (
                any(c.alerts for c in children)
                + any(c.missing for c in children)
                + any(c.complete for c in children)
            )
            if score > best_score:
                best, best_score = row.id, score
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--families", type=int, default=30)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    os.environ.setdefault("BACKOFFICE_DATA_DIR", tmp.name)

    from backoffice.app import create_main_window, install_french
    from backoffice.services.common.actors import current_actor
    from backoffice.services.database import open_database
    from backoffice.ui.qt import QApplication
    from backoffice.ui.tasks import SynchronousExecutor, TaskRunner

    app = QApplication.instance() or QApplication([sys.argv[0]])
    install_french(app)
    if args.database_url:
        db, today = open_database(args.database_url), date.today()
    else:
        db, today = demo_database(Path(tmp.name), args.families), DEMO_TODAY

    family_id = pick_family(db, today)
    if args.database_url:
        actor = None  # this computer's agent
    else:
        demo_changes(db, family_id)
        with db.session() as session:
            actor = current_actor(session, "mhuet")

    # Synchronous tasks: the family view is loaded when the shot is taken.
    window = create_main_window(db, actor, runner=TaskRunner(SynchronousExecutor()), today=today)
    window.resize(*SIZE)
    window.show()
    app.processEvents()
    args.out.mkdir(parents=True, exist_ok=True)
    saved = []

    def shot(widget, name: str) -> None:
        app.processEvents()
        path = args.out / name
        widget.grab().save(str(path))
        saved.append(path)

    page = window.families.list_page
    while not page.select_family(family_id) and page.model.canFetchMore():
        page.model.fetchMore()
    page.view.scrollTo(page.view.currentIndex(), page.view.ScrollHint.PositionAtCenter)
    page.view.setFocus()
    shot(window, "main-window.png")

    page.open_current()
    view = window.families.currentWidget()
    shot(window, "family-view.png")
    if args.database_url:
        print("\n".join(map(str, saved)))
        window.close()
        db.dispose()
        return 0

    view.show_history()
    shot(window, "history.png")

    dialog = view.edit_family()
    shot(dialog, "family-edit.png")
    dialog.tabs.setCurrentIndex(1)
    shot(dialog, "family-edit-guardians.png")
    dialog.tabs.setCurrentWidget(dialog.quotients_section)
    shot(dialog, "family-edit-qf.png")
    dialog.tabs.setCurrentIndex(0)
    dialog.family_section.place.postcode_edit.setText("72999")
    dialog.save()
    shot(dialog, "family-edit-errors.png")
    quotient = dialog.add_quotient()
    quotient.quotient.setText("790")
    quotient.valid_from.setText("01/01/2027")
    quotient.save()
    shot(quotient, "family-edit-qf-add.png")
    quotient.reject()
    dialog.reject()
    print("\n".join(map(str, saved)))
    window.close()
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
