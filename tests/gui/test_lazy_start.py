"""Cold start (issue #21): the main window paints before the heavy modules load.

A fresh interpreter (the test process has imported everything already) opens an
up-to-date database and the main window, then says which modules it holds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import json, sys
from backoffice.app import create_main_window
from backoffice.models import Role
from backoffice.services.common.actors import Actor
from backoffice.services.database import open_database
from backoffice.ui.qt import QApplication, QEvent, QObject

# The areas' modules (their packages may load for a table or an icon the card shares).
HEAVY = ("alembic", "reportlab", "holidays", "backoffice.sync", "backoffice.ui.billing.area",
         "backoffice.ui.payments", "backoffice.ui.planning.area", "backoffice.ui.requests",
         "backoffice.documents.invoice_pdf", "sepaxml", "schwifty", "openpyxl",
         "backoffice.ui.settings.area", "backoffice.ui.families.family_view",
         "backoffice.ui.accounts", "phonenumbers", "sqlalchemy.dialects.postgresql",
         "backoffice.services.billing.runs", "backoffice.services.billing.balances")
class AtFirstPaint(QObject):
    loaded = None
    def eventFilter(self, watched, event):
        if self.loaded is None and event.type() == QEvent.Type.Paint:
            self.loaded = sorted(m for m in HEAVY if m in sys.modules)
        return False

app = QApplication([])
db = open_database(sys.argv[1])
window = create_main_window(db, Actor(None, "essai", Role.ADMIN, "Essai"))
watch = AtFirstPaint()
window.installEventFilter(watch)
window.show()
while watch.loaded is None or not window.sync_started:
    app.processEvents()
painted = watch.loaded
areas = {n: window.is_built(n) for n in ("requests", "billing", "sync_area")}
assert "backoffice.sync" in sys.modules
window.navigation.setCurrentRow(4)  # Facturation: built when shown
shown = window.stack.currentWidget() is window.billing and window.is_built("billing")
requests = type(window.requests).__name__  # built when asked for
print(json.dumps({"painted": painted, "areas": areas, "shown": shown, "requests": requests}))
window.close()
"""


def test_the_window_paints_without_the_other_areas_alembic_or_reportlab(tmp_path):
    from backoffice.services.database import open_database

    url = f"sqlite:///{tmp_path / 'backoffice.sqlite3'}"
    open_database(url).dispose()  # migrated here: the child opens it up to date
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "BACKOFFICE_DATA_DIR": str(tmp_path / "data"),
        "BACKOFFICE_NO_DIALOGS": "1",
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD, url],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    # At the first paint; the automatic sync (portal client, holidays) comes just after.
    assert seen["painted"] == [], seen
    assert seen["areas"] == {"requests": False, "billing": False, "sync_area": False}
    assert seen["shown"] is True
    assert seen["requests"] == "RequestsArea"
