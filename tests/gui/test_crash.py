"""Crash handler: a details dialog once per distinct bug, a plain message for expected errors."""

from __future__ import annotations

import logging
import sys

import pytest

from backoffice import logs
from backoffice.errors import UserError
from backoffice.ui import crash, dialogs
from backoffice.ui.qt import QApplication, QObject, Qt, Signal


def _raise_at(where: str, value: int):
    try:
        if where == "here":
            raise ValueError(f"mauvaise valeur {value}")
        {}["absent"]
    except Exception:
        return sys.exc_info()


@pytest.fixture
def log_path(tmp_path):
    path = logs.setup_logging(directory=tmp_path)
    yield path
    logs.shutdown_logging()


@pytest.mark.allow_log_warnings
def test_one_dialog_per_distinct_traceback(no_dialogs, log_path, caplog):
    handler = crash.CrashHandler(log_path)
    handler.handle(*_raise_at("here", 1))
    handler.handle(*_raise_at("here", 2))  # same bug, other value: no second dialog
    handler.handle(*_raise_at("elsewhere", 1))
    crashes = [d for d in no_dialogs if d.kind == "crash"]
    assert len(crashes) == 2
    first = crashes[0]
    assert first.text.startswith("Une erreur inattendue s'est produite")
    assert "ValueError: mauvaise valeur 1" in first.details
    assert "KeyError: 'absent'" in crashes[1].details
    # Every occurrence is logged, with its traceback, in the rotating log file.
    logged = log_path.read_text(encoding="utf-8")
    assert logged.count("ERROR    backoffice.ui.crash") == 3
    assert "mauvaise valeur 2" in logged and "Traceback" in logged


def test_expected_errors_get_a_plain_french_message(no_dialogs):
    handler = crash.CrashHandler()
    try:
        raise UserError("La base de données est verrouillée par un autre poste.")
    except UserError:
        handler.handle(*sys.exc_info())
    assert [(d.kind, d.text) for d in no_dialogs] == [
        ("warning", "La base de données est verrouillée par un autre poste.")
    ]


def test_install_replaces_and_restores_excepthook():
    before = sys.excepthook
    handler = crash.install()
    try:
        assert sys.excepthook == handler.handle
    finally:
        crash.uninstall()
    assert sys.excepthook is before


@pytest.mark.allow_log_warnings
def test_exception_in_a_slot_reaches_the_handler(qtbot, no_dialogs, caplog):
    class Emitter(QObject):
        fired = Signal()

    def broken_slot():
        raise RuntimeError("bogue dans un slot")

    emitter = Emitter()
    emitter.fired.connect(broken_slot)
    handler = crash.CrashHandler()
    # pytest-qt captures exceptions raised in Qt callbacks; replay them in the handler
    # as sys.excepthook would get them in the application.
    with qtbot.capture_exceptions() as caught:
        emitter.fired.emit()
    assert len(caught) == 1
    handler.handle(*caught[0])
    assert [d.kind for d in no_dialogs] == ["crash"]
    assert "bogue dans un slot" in no_dialogs[0].details
    assert any(r.levelno == logging.ERROR for r in caplog.records)


def test_crash_dialog_shows_details_log_file_and_copies(qtbot, tmp_path):
    details = "Traceback (most recent call last):\nValueError: x"
    dialog = crash.CrashDialog(details, tmp_path / "backoffice.log")
    qtbot.addWidget(dialog)
    assert dialog.details_edit.toPlainText() == details
    assert str(tmp_path / "backoffice.log") in dialog.log_label.text()
    assert dialog.copy_button.text() == "Copier"
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QApplication.clipboard().text() == details


def test_no_dialogs_switch_records_instead_of_showing(no_dialogs):
    assert dialogs.no_dialogs()
    assert dialogs.warning(None, "Attention") is None
    assert no_dialogs == [dialogs.DialogRecord("warning", "Portail Famille", "Attention")]


def test_the_details_use_a_fixed_pitch_font_this_platform_has(qtbot):
    """Windows has no « DejaVu Sans Mono »: the details ask for the platform's fixed font."""
    from PySide6.QtGui import QFontInfo

    dialog = crash.CrashDialog("Traceback…", None)
    qtbot.addWidget(dialog)
    font = dialog.details_edit.font()
    assert font.families()[0] == "Consolas" and font.styleHint() == font.StyleHint.Monospace
    assert QFontInfo(font).fixedPitch()
