"""``backoffice-cli`` starts without what its command does not need (issue #21).

Alembic (with mako and pygments) is imported only when a migration is due, and the
sync package only by the sync commands: a billing command on a database already at
the head loads neither. Run in a fresh interpreter, as the installed launcher does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from backoffice import storage
from backoffice.services.database import open_database

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("alembic", "mako", "pygments", "backoffice.sync")
PROBE = """
import json, sys
from backoffice.cli.app import main
heavy = sys.argv.pop()
code = main(sys.argv[1:])
print(json.dumps({"code": code, "loaded": [m for m in heavy.split(",") if m in sys.modules]}))
"""


def run_cli(*args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args, ",".join(HEAVY)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    return json.loads(done.stdout.strip().splitlines()[-1]) | {"stderr": done.stderr}


def test_a_billing_command_on_a_current_database_loads_no_alembic_nor_sync(tmp_path):
    url = f"sqlite:///{tmp_path / 'base.sqlite3'}"
    open_database(url).dispose()  # created and migrated to the head
    result = run_cli(
        "--database-url", url, "invoices", "preview", "--regie", "ALSH", "--period", "2026-02"
    )
    assert result["code"] == 1  # no régie in an empty base: a French message, not a crash
    assert "Régie inconnue" in result["stderr"]
    assert result["loaded"] == []


def test_a_database_behind_the_head_is_still_migrated(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = storage.make_engine(url)
    storage.upgrade(engine, "0001")
    engine.dispose()
    result = run_cli(
        "--database-url", url, "invoices", "preview", "--regie", "ALSH", "--period", "2026-02"
    )
    assert "alembic" in result["loaded"]
    assert "backoffice.sync" not in result["loaded"]
    engine = storage.make_engine(url)
    assert storage.current_revision(engine) == storage.head_revision()
    engine.dispose()


def test_the_scripts_head_read_without_alembic_is_alembics_head():
    assert storage._script_head() == storage.head_revision()
