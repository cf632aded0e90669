"""« Oui » / « Non » radio buttons for a question that may stay unanswered."""

from __future__ import annotations

from backoffice.ui.qt import QButtonGroup, QHBoxLayout, QRadioButton, QWidget, Signal


class YesNo(QWidget):
    """``value`` is True, False, or None while neither button is chosen."""

    changed = Signal()

    def __init__(self, label: str, default: bool | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.yes = QRadioButton("Oui")
        self.no = QRadioButton("Non")
        self.yes.setAccessibleName(f"{label} : oui")
        self.no.setAccessibleName(f"{label} : non")
        self.group = QButtonGroup(self)
        self.group.addButton(self.yes)
        self.group.addButton(self.no)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.yes)
        layout.addWidget(self.no)
        layout.addStretch(1)
        self.group.buttonToggled.connect(lambda *_: self.changed.emit())
        self.set_value(default)

    @property
    def value(self) -> bool | None:
        if self.yes.isChecked():
            return True
        if self.no.isChecked():
            return False
        return None

    def set_value(self, value: bool | None) -> None:
        if value is None:
            # An exclusive group cannot uncheck its last button.
            self.group.setExclusive(False)
            self.yes.setChecked(False)
            self.no.setChecked(False)
            self.group.setExclusive(True)
        else:
            (self.yes if value else self.no).setChecked(True)
