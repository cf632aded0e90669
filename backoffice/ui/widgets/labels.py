"""Labels every form shares: the mandatory mark, grey hints and the red error line.

One error colour for every form and dialog; an :class:`ErrorLabel` stays hidden
until it has something to say.
"""

from __future__ import annotations

from backoffice.ui.qt import QLabel, Qt, QWidget

ERROR_COLOUR = "#b3261e"
ERROR_BACKGROUND = "#fdecea"
MUTED_COLOUR = "#666666"
REQUIRED_MARK = " *"
MANDATORY_LEGEND = "Les champs suivis d'un astérisque (*) sont obligatoires."


def mandatory(label: str) -> str:
    """« Nom » → « Nom * »."""
    return label + REQUIRED_MARK


def muted_label(text: str) -> QLabel:
    """A grey, wrapped hint."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {MUTED_COLOUR};")
    return label


class ErrorLabel(QLabel):
    """The red French message under a wrong field or at the foot of a dialog; hidden
    while there is none. Selectable, so an agent can copy it into a ticket."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def show_error(self, text: str) -> None:
        """Show ``text``; an empty text hides the line."""
        self.setText(text)
        self.setVisible(bool(text))
