"""The top of an area: its title, then one row of pickers and buttons; F5 reloads it.

Every area builds its head the same way: a bold title a third larger than the
text, a row « Label : picker », buttons, a stretch, buttons at the right end,
and shortcuts that work wherever the focus is inside the area.
"""

from __future__ import annotations

from collections.abc import Callable

from backoffice.ui.qt import (
    QFont,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QShortcut,
    Qt,
    QVBoxLayout,
    QWidget,
)

TITLE_SCALE = 1.3
REFRESH_KEY = "F5"


def area_shortcut(
    area: QWidget, keys: str | QKeySequence | QKeySequence.StandardKey, slot: Callable[[], object]
) -> QShortcut:
    """``keys`` run ``slot`` while the focus is anywhere inside ``area``."""
    shortcut = QShortcut(QKeySequence(keys), area)
    shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    shortcut.activated.connect(slot)
    return shortcut


class AreaToolbar(QWidget):
    """``title`` (optional) above a row the area fills with :meth:`add_field`, :meth:`add`,
    :meth:`add_spacing` and :meth:`add_stretch`; the row stays hidden while empty.

    ``row`` is the row's widget: an area may hide it (e.g. on a tab with its own
    pickers) while the title stays.
    """

    def __init__(self, title: str | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title: QLabel | None = None
        if title is not None:
            self.title = QLabel(title)
            font = QFont(self.title.font())
            font.setPointSizeF(font.pointSizeF() * TITLE_SCALE)
            font.setBold(True)
            self.title.setFont(font)
            layout.addWidget(self.title)
        self.row = QWidget()
        self._row = QHBoxLayout(self.row)
        self._row.setContentsMargins(0, 0, 0, 0)
        self.row.hide()
        layout.addWidget(self.row)

    def add(self, widget: QWidget, stretch: int = 0) -> QWidget:
        self._row.addWidget(widget, stretch)
        self.row.show()
        return widget

    def add_field(self, label: str, widget: QWidget, stretch: int = 0) -> QLabel:
        """« Régie : » then its picker; returns the label."""
        text = QLabel(label)
        self.add(text)
        self.add(widget, stretch)
        return text

    def add_spacing(self, size: int) -> None:
        self._row.addSpacing(size)

    def add_stretch(self) -> None:
        self._row.addStretch(1)

    def reload_with(self, area: QWidget, slot: Callable[[], object]) -> QShortcut:
        """F5 reloads ``area`` (its whole surface, not just the toolbar)."""
        return area_shortcut(area, REFRESH_KEY, slot)
