"""Typing like an agent in GUI tests."""

from __future__ import annotations

from backoffice.ui.qt import QApplication, QEvent, QKeyEvent, Qt


def keyboard(qtbot, widget, text: str) -> None:
    """Type ``text`` key by key; QTest only knows ASCII keys, so accented letters are
    sent as key events carrying their text (what a French keyboard produces)."""
    for char in text:
        if char.isascii():
            qtbot.keyClicks(widget, char)
        else:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(
                    widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, char)
                )
