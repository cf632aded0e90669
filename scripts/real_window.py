"""Screenshots of every area of the real main window, under a real X server.

    DISPLAY=:N QT_QPA_PLATFORM=xcb .venv/bin/python scripts/real_window.py [--out DIR]

Run by ``tests/gui/test_real_window.py`` inside an Xvfb it starts itself (1920×1080):
a demo database (``load_demo``, 30 families, seed 1, billing) in a temp dir, the main
window of a site director as an agent would open it (French translations
installed by ``install_french``, like ``backoffice``), each area visited in turn
at 1280×800 and at 1920×1080 and grabbed from the screen (``QScreen.grabWindow``):
``real-<area>-1280x800.png`` and ``real-<area>-1920x1080.png``. Each area is
shown as an agent finds it: a family selected, a child's week with past days,
the pointage of the day, the billing preview computed.

No pytest here: this is the program the agent runs, in a real window. Prints one
line per file written; exit code 0 when every shot was saved.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("BACKOFFICE_NO_DIALOGS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEMO_TODAY = date(2026, 11, 27)
SIZES = ((1280, 800), (1920, 1080))
AREA_FILES = {
    "Familles": "familles",
    "Demandes": "demandes",
    "Planning": "planning",
    "Pointage": "pointage",
    "Facturation": "facturation",
    "Règlements": "reglements",
    "Dossiers incomplets": "dossiers-incomplets",
    "Synchronisation": "synchronisation",
    "Paramètres": "parametres",
}


def settle(app, seconds: float = 0.4) -> None:
    """Let the window paint (and the X server draw it)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def prepare(window, area: str, db) -> None:
    """Show the area as an agent finds it mid-morning."""
    from datetime import timedelta

    from sqlalchemy import func, select

    from backoffice.models import Activity, Booking, Child, MedicalRecord, Unit

    if area == "Familles":
        page = window.families.list_page
        if page.model.rowCount():
            page.view.setCurrentIndex(page.model.index(0, 0))
    elif area == "Planning":
        monday = DEMO_TODAY - timedelta(days=DEMO_TODAY.weekday())
        with db.session() as session:  # the child with the most days pointed this week
            child_id = session.scalar(
                select(Child.id)
                .join(Booking, Booking.child_id == Child.id)
                .where(
                    Booking.day >= monday,
                    Booking.day < DEMO_TODAY,
                    Booking.attendance.is_not(None),
                )
                .group_by(Child.id)
                .order_by(func.count(Booking.id).desc(), Child.id)
                .limit(1)
            )
        if child_id is not None:
            window.planning.show_child(child_id, DEMO_TODAY)
    elif area == "Pointage":
        with db.session() as session:  # a site where a child with a health alert is expected
            site_id = session.scalar(
                select(Activity.site_id)
                .join(Unit, Unit.activity_id == Activity.id)
                .join(Booking, Booking.unit_id == Unit.id)
                .join(MedicalRecord, MedicalRecord.child_id == Booking.child_id)
                .where(
                    Booking.day == DEMO_TODAY,
                    MedicalRecord.has_pai | MedicalRecord.allergy_food,
                )
                .order_by(Activity.site_id)
                .limit(1)
            )
        site = window.attendance.site
        if site_id is not None and site.findData(site_id) >= 0:
            site.setCurrentIndex(site.findData(site_id))
    elif area == "Facturation":
        billing = window.billing
        if billing.regie.count():
            billing.regie.select("PERI")  # the périscolaire of the month: many families
            billing.preview()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--families", type=int, default=30)
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    os.environ.setdefault("BACKOFFICE_DATA_DIR", tmp.name)

    from backoffice.app import create_main_window, install_french
    from backoffice.demo.load import load_demo
    from backoffice.services.common.actors import current_actor
    from backoffice.services.database import open_database
    from backoffice.ui.qt import QApplication
    from backoffice.ui.tasks import SynchronousExecutor, TaskRunner

    app = QApplication.instance() or QApplication([sys.argv[0]])
    translators = install_french(app)  # noqa: F841 - kept referenced
    print(f"Plateforme Qt : {app.platformName()}", flush=True)
    db = open_database(f"sqlite:///{Path(tmp.name) / 'backoffice.sqlite3'}")
    load_demo(db, args.families, 1, today=DEMO_TODAY, billing=True)
    with db.session() as session:
        actor = current_actor(session, "lchauvin")  # a director: health data shown
    # Synchronous work: each area is loaded when it is shot.
    window = create_main_window(
        db, actor, runner=TaskRunner(SynchronousExecutor()), today=DEMO_TODAY
    )
    window.sync.stop()  # no portal here: the automatic sync would only say so
    args.out.mkdir(parents=True, exist_ok=True)
    saved = 0
    for width, height in SIZES:
        window.resize(width, height)
        window.move(0, 0)
        window.show()
        window.raise_()
        window.activateWindow()
        settle(app, 0.8)
        for row in range(window.navigation.count()):
            area = window.navigation.item(row).text()
            window.navigation.setCurrentRow(row)
            prepare(window, area, db)
            settle(app)
            screen = window.screen()
            pixmap = screen.grabWindow(window.winId())
            shots = [(AREA_FILES[area], pixmap)]
            if area == "Planning":  # its second tab: the occupancy of a site
                window.planning.tabs.setCurrentWidget(window.planning.occupancy_page)
                settle(app)
                shots.append(("planning-occupation", screen.grabWindow(window.winId())))
                window.planning.tabs.setCurrentWidget(window.planning.child_page)
            for name, shot in shots:
                path = args.out / f"real-{name}-{width}x{height}.png"
                if not shot.save(str(path)):
                    print(f"Capture impossible : {path}", flush=True)
                    return 1
                saved += 1
                print(f"{path.name} {shot.width()}x{shot.height()}", flush=True)
    window.close()
    db.dispose()
    print(f"{saved} captures enregistrées dans {args.out}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
