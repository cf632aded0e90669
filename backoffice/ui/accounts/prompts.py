"""Yes/no questions through the dialogs factory (``dialogs.show``).

With dialogs switched off (tests, scripts) nothing is shown, the question is
recorded, and the caller's ``unattended`` answer is taken.
"""

from __future__ import annotations

from .. import dialogs
from ..qt import QMessageBox, QWidget


def ask(
    parent: QWidget | None,
    text: str,
    *,
    yes: str,
    no: str,
    unattended: bool,
    title: str = dialogs.APP_TITLE,
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

    shown = dialogs.show(dialogs.DialogRecord("question", title, text), build)
    if shown is None or box is None:
        return unattended
    return box.clickedButton() is box.property("yes_button")
