"""Start-up: French translations, the main window, a clear message when the database fails."""

from __future__ import annotations

import gc
import sys

import pytest

from backoffice import app as app_module
from backoffice import paths
from backoffice.ui.main_window import MainWindow
from backoffice.ui.qt import QApplication, QCoreApplication, QLocale, QTimer


@pytest.mark.allow_log_warnings
def test_storage_error_exits_1_with_the_french_message(qapp, tmp_path, no_dialogs):
    # A directory where the database file should be: SQLite cannot open it.
    where = tmp_path / "dossier.sqlite3"
    where.mkdir()
    hook = sys.excepthook
    code = app_module.main(["--database-url", f"sqlite:///{where}"])
    assert code == 1
    assert len(no_dialogs) == 1
    message = no_dialogs[0]
    assert message.kind == "critical"
    assert message.title == "Portail Famille — démarrage impossible"
    assert message.text.startswith(f"Impossible d'ouvrir la base de données (SQLite : {where})")
    assert sys.excepthook is hook  # main leaves the process as it found it


@pytest.mark.allow_log_warnings
def test_not_a_database_file_exits_1_with_the_french_message(qapp, tmp_path, no_dialogs):
    broken = tmp_path / "pas-une-base.sqlite3"
    broken.write_bytes(b"ceci n'est pas une base SQLite" * 100)
    assert app_module.main(["--database-url", f"sqlite:///{broken}"]) == 1
    [message] = no_dialogs
    assert message.kind == "critical"
    assert message.text.startswith("Ce fichier n'est pas une base du back-office")


def test_main_opens_the_window_in_french(qapp, tmp_path, monkeypatch):
    # A new database with BACKOFFICE_USER set (demo, tests): no first-run wizard.
    monkeypatch.setenv("BACKOFFICE_USER", "essai")
    seen = {}

    def inspect_then_quit():
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        window = windows[0]
        seen["visible"] = window.isVisible()
        seen["database"] = window.database_label.text()
        seen["cancel"] = QCoreApplication.translate("QPlatformTheme", "Cancel")
        seen["locale"] = QLocale().name()
        seen["hook"] = sys.excepthook
        # exit(), not quit(): Qt 6 routes quit() through the platform, which leaves a
        # Quit behind that ends every later event loop (the next tests' waits).
        QApplication.exit(0)

    url = f"sqlite:///{tmp_path / 'ici.sqlite3'}"
    QTimer.singleShot(0, inspect_then_quit)
    assert app_module.main(["--database-url", url]) == 0
    for window in QApplication.topLevelWidgets():
        if isinstance(window, MainWindow):
            window.deleteLater()
    assert seen["visible"]
    assert seen["database"] == f"SQLite : {tmp_path / 'ici.sqlite3'}"
    # Qt's own strings (standard buttons) come from the qtbase_fr catalogue.
    assert seen["cancel"] == "Annuler"
    assert seen["locale"] == "fr_FR"
    assert seen["hook"] != sys.excepthook  # the crash handler was installed, then removed
    log_file = paths.log_dir() / "backoffice.log"
    assert "Démarrage du back-office" in log_file.read_text(encoding="utf-8")


def test_the_collector_waits_for_the_first_paint(qapp, tmp_path, monkeypatch):
    # Paused while the program starts (cold start), back once the window has painted,
    # with the start-up objects frozen out of later collections; on again after main.
    monkeypatch.setenv("BACKOFFICE_USER", "essai")
    url = f"sqlite:///{tmp_path / 'ici.sqlite3'}"
    seen: dict[str, object] = {}

    def watch():
        window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
        seen.setdefault("at_start", gc.isenabled())
        if window.isVisible() and gc.isenabled():
            seen["frozen"] = gc.get_freeze_count()
            QApplication.exit(0)
        else:
            QTimer.singleShot(20, watch)

    gc.unfreeze()
    QTimer.singleShot(0, watch)
    try:
        assert app_module.main(["--database-url", url]) == 0
    finally:
        gc.unfreeze()
        for window in QApplication.topLevelWidgets():
            if isinstance(window, MainWindow):
                window.deleteLater()
    assert seen["at_start"] is False
    assert seen["frozen"] > 10_000
    assert gc.isenabled()


@pytest.mark.allow_log_warnings
def test_unknown_agent_exits_1_with_the_french_message(qapp, tmp_path, monkeypatch, no_dialogs):
    from backoffice.models import Role, StaffUser
    from backoffice.services.database import open_database

    url = f"sqlite:///{tmp_path / 'agents.sqlite3'}"
    db = open_database(url)
    with db.session() as s:
        s.add(StaffUser(login="mhuet", full_name="Mélanie Huet", role=Role.AGENT))
    db.dispose()
    monkeypatch.setenv("BACKOFFICE_USER", "inconnu")
    assert app_module.main(["--database-url", url]) == 1
    [message] = no_dialogs
    assert message.kind == "critical"
    assert message.title == "Portail Famille — démarrage impossible"
    assert message.text.startswith("Le compte « inconnu » n'est pas enregistré comme agent")


def test_main_shows_the_agent_in_the_status_bar(qapp, tmp_path, monkeypatch):
    from backoffice.models import Role, StaffUser
    from backoffice.services.database import open_database

    url = f"sqlite:///{tmp_path / 'agents.sqlite3'}"
    db = open_database(url)
    with db.session() as s:
        s.add(StaffUser(login="lchauvin", full_name="Laurence Chauvin", role=Role.DIRECTOR))
    db.dispose()
    monkeypatch.setenv("BACKOFFICE_USER", "lchauvin")
    seen = {}

    def inspect_then_quit():
        window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
        seen["agent"] = window.actor_label.text()
        seen["actor"] = window.actor
        QApplication.exit(0)

    QTimer.singleShot(0, inspect_then_quit)
    assert app_module.main(["--database-url", url]) == 0
    for window in QApplication.topLevelWidgets():
        if isinstance(window, MainWindow):
            window.deleteLater()
    assert seen["agent"] == "Laurence Chauvin — Direction"
    assert seen["actor"].login == "lchauvin" and seen["actor"].sees_medical_data
