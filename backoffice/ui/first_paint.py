"""``BACKOFFICE_STARTUP_MARKER``: say when the main window has first painted.

``bench/bench_cold_start.py`` starts the real ``backoffice`` in a subprocess with
this variable set; once the window's first paint event is handled, the marker is
printed on standard output and the application quits. Unset in normal use.
"""

from __future__ import annotations

import os
import sys

from backoffice.ui.qt import QApplication, QEvent, QObject, QTimer, QWidget

MARKER_VARIABLE = "BACKOFFICE_STARTUP_MARKER"


class _FirstPaint(QObject):
    def __init__(self, window: QWidget, marker: str):
        super().__init__(window)
        self.marker = marker
        self.done = False
        window.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802
        if not self.done and event.type() == QEvent.Type.Paint:
            self.done = True
            # After this paint is handled: the window is on screen.
            QTimer.singleShot(0, self._report)
        return False

    def _report(self) -> None:
        print(self.marker, flush=True)
        sys.stdout.flush()
        QApplication.instance().quit()


def watch_first_paint(window: QWidget) -> None:
    """When ``BACKOFFICE_STARTUP_MARKER`` is set: print it after the first paint, quit."""
    marker = os.environ.get(MARKER_VARIABLE, "").strip()
    if marker:
        window._first_paint = _FirstPaint(window, marker)  # type: ignore[attr-defined]
