"""Cold start of the back-office to a painted main window, and the GUI's peak memory.

    .venv/bin/python bench/bench_cold_start.py [--runs 5] [--families 300]
        [--big-families 3000] [--dir DIR]

(a) cold start: ``python -m backoffice.app`` on a demo database (SQLite, built once
    in ``--dir``), offscreen, in a subprocess; the time from starting the process to
    the main window's first paint, which the application reports on standard output
    when ``BACKOFFICE_STARTUP_MARKER`` is set (``backoffice/ui/first_paint.py``);
    median of ``--runs``;
(b) floor: a bare PySide6 ``QMainWindow`` painted in a subprocess the same way
    (interpreter and Qt start-up, nothing of ours); the ratio (a)/(b);
(c) peak memory (``ru_maxrss``) of the GUI with every area opened on a bigger demo
    database (``--big-families``, with last month invoiced), or on the year's volume of
    ``bench/volume.py`` (``--volume 20000``: the 10× database); target under 300 MB.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from results import Results, add_json_argument  # noqa: E402

MARKER = "PREMIER-AFFICHAGE"
AGENT = "mhuet"  # a desk agent of the demo
TODAY = date(2026, 11, 27)

FLOOR = f"""
import sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

class Watch(QObject):
    done = False
    def eventFilter(self, watched, event):
        if not self.done and event.type() == QEvent.Type.Paint:
            self.done = True
            QTimer.singleShot(0, lambda: (print({MARKER!r}, flush=True), app.quit()))
        return False

app = QApplication(sys.argv)
window = QMainWindow()
window.setCentralWidget(QLabel("Portail Famille"))
window.resize(1280, 800)
watch = Watch()
window.installEventFilter(watch)
window.show()
app.exec()
"""

ALL_AREAS = """
import resource, sys, time
from backoffice.app import create_main_window
from backoffice.services.database import open_database
from backoffice.ui.qt import QApplication

app = QApplication(sys.argv)
db = open_database(sys.argv[1])
window = create_main_window(db)
window.show()
for row in range(window.navigation.count()):
    window.navigation.setCurrentRow(row)
    deadline = time.perf_counter() + 3
    while time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.01)
deadline = time.perf_counter() + 120  # the areas' loads in the background, to their end
while window.runner.active and time.perf_counter() < deadline:
    app.processEvents()
    time.sleep(0.05)
window.sync.stop()
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, flush=True)
"""


def environment(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        BACKOFFICE_USER=AGENT,
        BACKOFFICE_NO_DIALOGS="1",
        BACKOFFICE_DATA_DIR=str(data_dir),
        BACKOFFICE_STARTUP_MARKER=MARKER,
        PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]),
    )
    env.pop("BACKOFFICE_PORTAL_URL", None)  # no automatic sync against a real portal
    # The installed program starts from compiled bytecode (the installer ships .pyc
    # files): the warm-up run writes ours, the timed runs read them.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def time_to_marker(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.strip() == MARKER:
            elapsed = time.perf_counter() - started
            break
    else:
        process.wait()
        raise SystemExit(f"Pas d'affichage : {process.stderr.read() if process.stderr else ''}")
    process.wait(timeout=60)
    return elapsed


def demo_database(directory: Path, families: int, billing: bool = False) -> str:
    path = directory / f"demo-{families}{'-billing' if billing else ''}.sqlite3"
    url = f"sqlite:///{path}"
    if not path.exists():
        from backoffice.demo.load import load_demo
        from backoffice.services.database import open_database

        started = time.perf_counter()
        db = open_database(url)
        load_demo(db, families, 1, today=TODAY, billing=billing)
        db.dispose()
        print(
            f"Base de démonstration : {families} familles ({time.perf_counter() - started:.1f} s)"
        )
    return url


def volume_database(directory: Path, families: int) -> str:
    """The year's volume (cached by bench/volume.py), with the demo's desk agent."""
    from volume import build_volume

    from backoffice.models import Role, StaffUser

    path = directory / f"volume-{families}.sqlite3"
    url = f"sqlite:///{path}"
    if not path.exists():
        db = build_volume(url, families)
        with db.session() as session:
            if session.query(StaffUser).filter_by(login=AGENT).first() is None:
                session.add(StaffUser(login=AGENT, full_name="Agent", role=Role.AGENT))
        db.dispose()
    return url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--families", type=int, default=300)
    parser.add_argument("--big-families", type=int, default=3000)
    parser.add_argument(
        "--volume",
        type=int,
        default=0,
        help="mémoire mesurée sur le volume d'une année (bench/volume.py) de N familles",
    )
    parser.add_argument(
        "--dir", type=Path, default=Path(tempfile.gettempdir()) / "backoffice-bench-start"
    )
    add_json_argument(parser)
    args = parser.parse_args()
    results = Results.from_args(args)
    args.dir.mkdir(parents=True, exist_ok=True)
    env = environment(args.dir / "data")
    os.environ.setdefault("BACKOFFICE_DATA_DIR", str(args.dir / "data"))
    url = demo_database(args.dir, args.families)

    app_command = [sys.executable, "-m", "backoffice.app", "--database-url", url]
    floor_command = [sys.executable, "-c", FLOOR]
    time_to_marker(app_command, env)  # warm the file cache (an "idle machine" start)
    starts, floors = [], []
    for _ in range(args.runs):  # interleaved: the same load on both
        starts.append(time_to_marker(app_command, env))
        floors.append(time_to_marker(floor_command, env))
    start, floor = statistics.median(starts), statistics.median(floors)
    print(
        f"(a) démarrage → fenêtre principale peinte : {start * 1000:7.0f} ms (médiane de "
        f"{args.runs} ; min {min(starts) * 1000:.0f}, max {max(starts) * 1000:.0f})"
    )
    print(f"(b) plancher (QMainWindow nue peinte)     : {floor * 1000:7.0f} ms")
    print(f"    ratio                                 : {start / floor:7.2f}×")
    results.add(
        "Démarrage à froid → fenêtre peinte",
        "—",
        "SQLite",
        start * 1000,
        "ms",
        floor=floor * 1000,
        target="< 1 200 ms",
        detail=f"démo de {args.families} familles, médiane de {args.runs}",
    )

    if args.volume:
        big = volume_database(args.dir, args.volume)
        label = f"volume d'une année, {args.volume} familles"
    elif args.big_families:
        big = demo_database(args.dir, args.big_families, billing=True)
        label = f"démo de {args.big_families} familles"
    if args.volume or args.big_families:
        out = subprocess.run(
            [sys.executable, "-c", ALL_AREAS, big],
            env={k: v for k, v in env.items() if k != "BACKOFFICE_STARTUP_MARKER"},
            capture_output=True,
            text=True,
            check=True,
        )
        peak_kb = int(out.stdout.split()[-1])
        print(
            f"(c) mémoire maximale, toutes les zones ouvertes ({label}) : "
            f"{peak_kb / 1024:.0f} Mo (objectif : moins de 300 Mo)"
        )
        results.add(
            "Mémoire maximale, toutes les zones ouvertes",
            "10×" if args.volume >= 20000 else "—",
            "SQLite",
            peak_kb / 1024,
            "Mo",
            target="< 300 Mo",
            detail=label,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
