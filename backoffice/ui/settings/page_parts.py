"""What the settings pages share: a title and its explanation, a scrolling body, a
message line (green when done, red when refused), a path field with « Choisir… »."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from backoffice.ui.qt import (
    QFont,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    Qt,
    QVBoxLayout,
    QWidget,
)

ERROR_STYLE = "color: #a40000;"
DONE_STYLE = "color: #1d6b2a;"
FIELD_ERROR_STYLE = "border: 1px solid #a40000;"
FORM_MAX_WIDTH = 760


class SettingsPageFrame(QWidget):
    """Title, explanation, then ``self.body`` (a column that scrolls); :meth:`end_form`
    puts the buttons and ``self.message`` under the form."""

    def __init__(self, title: str, intro: str, parent: QWidget | None = None):
        super().__init__(parent)
        heading = QLabel(title)
        font = QFont(heading.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.25)
        heading.setFont(font)
        explanation = QLabel(intro)
        explanation.setWordWrap(True)
        content = QWidget()
        content.setMaximumWidth(FORM_MAX_WIDTH)
        self.body = QVBoxLayout(content)
        self.body.setContentsMargins(0, 0, 8, 0)
        self.body.addWidget(heading)
        self.body.addWidget(explanation)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        self.message = QLabel(self)  # placed by end_form; never a window of its own
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setVisible(False)
        self.message.setAccessibleName("Message")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 8, 16, 8)
        layout.addWidget(scroll, 1)

    def end_form(self, *buttons: QWidget, stretch: bool = True) -> None:
        """The buttons in a row under the form, the message line right under them."""
        row = QHBoxLayout()
        for button in buttons:
            row.addWidget(button)
        row.addStretch(1)
        self.body.addLayout(row)
        self.body.addWidget(self.message)
        if stretch:
            self.body.addStretch(1)

    def say(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(ERROR_STYLE if error else DONE_STYLE)
        self.message.setVisible(bool(text))


def mark(fields: dict[str, QWidget], errors: dict[str, str]) -> None:
    """Red border on the fields in error, none on the others."""
    for key, widget in fields.items():
        widget.setStyleSheet(FIELD_ERROR_STYLE if key in errors else "")
        widget.setToolTip(errors.get(key, ""))


class PathField(QWidget):
    """A path typed or chosen with « Choisir… » (``choose`` returns a path or None)."""

    def __init__(
        self,
        accessible_name: str,
        choose: Callable[[QWidget, Path], Path | None],
        placeholder: str = "",
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.edit = QLineEdit()
        self.edit.setAccessibleName(accessible_name)
        self.edit.setPlaceholderText(placeholder)
        self.choose_button = QPushButton("Choisir…")
        self.choose_button.setAccessibleName(f"Choisir : {accessible_name}")
        self.clear_button = QPushButton("Retirer")
        self.clear_button.setAccessibleName(f"Retirer : {accessible_name}")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.choose_button)
        layout.addWidget(self.clear_button)
        self._choose = choose
        self.choose_button.clicked.connect(self._pick)
        self.clear_button.clicked.connect(self.edit.clear)

    def text(self) -> str:
        return self.edit.text().strip()

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's spelling
        self.edit.setText(text)

    def setStyleSheet(self, style: str) -> None:  # noqa: N802 - the red border goes on the edit
        self.edit.setStyleSheet(style)

    def _pick(self) -> None:
        start = Path(self.text()) if self.text() else Path.home()
        chosen = self._choose(self, start if start.is_dir() else start.parent)
        if chosen is not None:
            self.edit.setText(str(chosen))
