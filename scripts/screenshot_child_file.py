"""Screenshots of the child file editor and of « Dossiers incomplets », rendered offscreen.

    .venv/bin/python scripts/screenshot_child_file.py [--families 300] [--out docs/screenshots]

A demo database (``load_demo``, seed 1) is created in a temp dir. Saves
``child-file-<block>.png`` for each block (as the director, who sees the
medical record), ``child-file-medical-agent.png`` (a desk agent's notice),
``child-file-person.png`` (the person window), ``child-file-errors.png`` (a
save refused, messages next to the fields) and ``incomplete.png``.
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


def pick_child(db, today: date) -> int:
    """A child worth showing: an allergy, two emergency contacts, a pick-up person,
    something missing, and old enough for every consent."""
    from sqlalchemy import select

    from backoffice.models import Child
    from backoffice.services.child_file.editing import load_child_file
    from backoffice.services.common.actors import SYSTEM

    with db.session() as session:
        ids = session.scalars(select(Child.id).order_by(Child.id)).all()
        fallback = ids[0]
        for child_id in ids:
            file = load_child_file(session, SYSTEM, child_id, today, record_access=False)
            if (
                file.alerts
                and len(file.emergency_contacts) >= 2
                and file.authorised_pickups
                and file.missing
                and file.age >= 11
                and file.medical.allergy_detail
            ):
                return child_id
    return fallback


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=300)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    os.environ.setdefault("BACKOFFICE_DATA_DIR", tmp.name)

    from backoffice.app import install_french
    from backoffice.demo.load import load_demo
    from backoffice.services.common.actors import current_actor
    from backoffice.services.database import open_database
    from backoffice.ui.child_file.editor import ChildFileDialog
    from backoffice.ui.incomplete.page import IncompleteFilesPage
    from backoffice.ui.qt import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0]])
    install_french(app)
    db = open_database(f"sqlite:///{Path(tmp.name) / 'demo.sqlite3'}")
    load_demo(db, args.families, 1, today=DEMO_TODAY)
    with db.session() as session:
        director = current_actor(session, "lchauvin")
        agent = current_actor(session, "mhuet")
    args.out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []

    def shot(widget, name: str) -> None:
        app.processEvents()
        path = args.out / name
        widget.grab().save(str(path))
        saved.append(path)

    child_id = pick_child(db, DEMO_TODAY)
    dialog = ChildFileDialog(db, director, child_id, today=DEMO_TODAY)
    dialog.show()
    for index, name in enumerate(("informations", "medical", "emergency", "pickup", "consents")):
        dialog.tabs.setCurrentIndex(index)
        shot(dialog, f"child-file-{name}.png")

    dialog.tabs.setCurrentIndex(2)
    dialog.emergency.edit()
    person = dialog.emergency.contact_dialog
    person.show()
    shot(person, "child-file-person.png")
    person.reject()

    # A refused save: an allergy without detail, a wrong date, a consent left out.
    dialog.tabs.setCurrentIndex(1)
    medical = dialog.medical
    medical.allergies["allergy_other"].set_value(True)
    medical.allergy_detail.setPlainText("")
    medical.vaccine_date["rougeole"].setText("31/02/2020")
    dialog.information.first_name.setText("")
    dialog.save()
    dialog.tabs.setCurrentIndex(1)
    shot(dialog, "child-file-errors.png")
    dialog.close()

    agent_dialog = ChildFileDialog(db, agent, child_id, today=DEMO_TODAY)
    agent_dialog.show()
    agent_dialog.tabs.setCurrentIndex(1)
    shot(agent_dialog, "child-file-medical-agent.png")
    agent_dialog.close()

    page = IncompleteFilesPage(db, agent, today=DEMO_TODAY)
    page.resize(1120, 700)
    page.show()
    shot(page, "incomplete.png")
    page.close()
    print("\n".join(str(p) for p in saved))
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
