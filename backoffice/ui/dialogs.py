"""Every message box goes through here, with a "no dialogs" switch.

With the switch on (tests, screenshots, benchmarks; or ``BACKOFFICE_NO_DIALOGS=1``)
nothing is shown: each dialog is logged and appended to :data:`recorded`, so a
test can assert on it and never blocks on a modal box (qutebrowser
``misc/msgbox.py``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

from backoffice.ui.qt import QDialog, QMessageBox, Qt, QWidget

log = logging.getLogger(__name__)

APP_TITLE = "Portail Famille"


@dataclass(frozen=True)
class DialogRecord:
    """What a dialog would have said."""

    kind: str  # "information", "warning", "critical", "crash"
    title: str
    text: str
    details: str = ""


recorded: list[DialogRecord] = []
_no_dialogs = os.environ.get("BACKOFFICE_NO_DIALOGS") == "1"
# Non-modal dialogs stay referenced until closed (else Python would collect them).
_open: set[QDialog] = set()


def set_no_dialogs(enabled: bool) -> None:
    global _no_dialogs
    _no_dialogs = enabled


def no_dialogs() -> bool:
    return _no_dialogs


def show(
    record: DialogRecord, build: Callable[[], QDialog], *, modal: bool = True
) -> QDialog | None:
    """Build and show a dialog, or only record it when dialogs are switched off.

    ``modal=True`` runs it to completion (``exec``); otherwise it is shown and
    deleted when closed.
    """
    if _no_dialogs:
        log.info("Dialogue non affiché (%s) : %s — %s", record.kind, record.title, record.text)
        recorded.append(record)
        return None
    dialog = build()
    if modal:
        dialog.exec()
        return dialog
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    _open.add(dialog)
    dialog.finished.connect(lambda _result: _open.discard(dialog))
    dialog.show()
    dialog.raise_()
    return dialog


_ICONS = {
    "information": QMessageBox.Icon.Information,
    "warning": QMessageBox.Icon.Warning,
    "critical": QMessageBox.Icon.Critical,
}


def message(
    parent: QWidget | None,
    kind: str,
    text: str,
    *,
    title: str = APP_TITLE,
    details: str = "",
    modal: bool = True,
) -> QDialog | None:
    def build() -> QMessageBox:
        box = QMessageBox(_ICONS[kind], title, text, QMessageBox.StandardButton.Ok, parent)
        if details:
            box.setDetailedText(details)
        return box

    return show(DialogRecord(kind, title, text, details), build, modal=modal)


def information(parent: QWidget | None, text: str, **kwargs) -> QDialog | None:
    return message(parent, "information", text, **kwargs)


def warning(parent: QWidget | None, text: str, **kwargs) -> QDialog | None:
    return message(parent, "warning", text, **kwargs)


def critical(parent: QWidget | None, text: str, **kwargs) -> QDialog | None:
    return message(parent, "critical", text, **kwargs)


# With dialogs switched off, questions take these answers first in, first out (tests).
scripted_answers: list[bool] = []


def ask(
    parent: QWidget | None,
    text: str,
    *,
    yes: str,
    no: str,
    unattended: bool,
    title: str = APP_TITLE,
) -> bool:
    """True when the agent answers ``yes``. "No" is the default button (the safe
    choice); ``unattended`` is the answer when dialogs are switched off."""
    box: QMessageBox | None = None

    def build() -> QMessageBox:
        nonlocal box
        box = QMessageBox(
            QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent
        )
        yes_button = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
        no_button = box.addButton(no, QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(no_button)
        box.setEscapeButton(no_button)
        box.setProperty("yes_button", yes_button)
        return box

    shown = show(DialogRecord("question", title, text), build)
    if shown is None or box is None:
        return scripted_answers.pop(0) if scripted_answers else unattended
    return box.clickedButton() is box.property("yes_button")
