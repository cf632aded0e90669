"""What happens once the main window has first painted.

- The cyclic garbage collector, paused by :func:`backoffice.app.main` while the
  program starts, is switched back on with the start-up objects moved out of its way
  (:func:`backoffice.collector.settle`).
- ``BACKOFFICE_STARTUP_MARKER``: ``bench/bench_cold_start.py`` starts the real
  ``backoffice`` in a subprocess with this variable set; once the first paint is
  handled, the marker is printed on standard output and the application quits.
  Unset in normal use.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from backoffice import collector
from backoffice.ui.qt import QApplication, QEvent, QObject, QTimer, QWidget

MARKER_VARIABLE = "BACKOFFICE_STARTUP_MARKER"


class _FirstPaint(QObject):
    def __init__(self, window: QWidget, callbacks: list[Callable[[], None]]):
        super().__init__(window)
        self.callbacks = callbacks
        self.done = False
        window.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802
        if not self.done and event.type() == QEvent.Type.Paint:
            self.done = True
            # After this paint is handled: the window is on screen.
            QTimer.singleShot(0, self._run)
        return False

    def _run(self) -> None:
        self.parent().removeEventFilter(self)
        for callback in self.callbacks:
            callback()


def _print_marker(marker: str) -> None:
    print(marker, flush=True)
    sys.stdout.flush()
    QApplication.instance().quit()


def after_first_paint(window: QWidget) -> None:
    """Once ``window`` has painted: the collector settles; when
    ``BACKOFFICE_STARTUP_MARKER`` is set, the marker is printed and the program quits."""
    callbacks: list[Callable[[], None]] = []
    marker = os.environ.get(MARKER_VARIABLE, "").strip()
    if marker:
        callbacks.append(lambda: _print_marker(marker))
    callbacks.append(collector.settle)
    window._first_paint = _FirstPaint(window, callbacks)  # type: ignore[attr-defined]
