"""One way to run slow work off the GUI thread (STYLE §3, §4).

``runner.run(fn, on_success, on_failure)`` runs ``fn`` on the runner's executor;
the callbacks come back on the GUI thread through a queued signal. A progress
dialog appears only when the work lasts more than ~0.5 s. The executor and the
progress factory are injected, so tests can pass :class:`SynchronousExecutor`
(Anki ``aqt/operations``, Picard ``util/thread.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any, Protocol

from backoffice.ui import crash
from backoffice.ui.qt import QObject, QProgressDialog, Qt, QTimer, QWidget, Signal, Slot

log = logging.getLogger(__name__)

PROGRESS_DELAY_MS = 500

# progress(done, total, text): what a task reporting progress receives.
ProgressCallback = Callable[[int, int, str], None]


class SynchronousExecutor(Executor):
    """Runs each task at once in the caller's thread (tests, scripts)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the failure callback
            future.set_exception(exc)
        return future


class Progress(Protocol):
    def update(self, done: int, total: int, text: str) -> None: ...
    def close(self) -> None: ...


class ProgressDialog:
    """The default progress display: a window-modal busy/progress dialog."""

    def __init__(self, parent: QWidget | None, label: str):
        self.dialog = QProgressDialog(label, "", 0, 0, parent)
        self.dialog.setWindowTitle("Portail Famille")
        self.dialog.setCancelButton(None)
        self.dialog.setMinimumDuration(0)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.show()

    def update(self, done: int, total: int, text: str) -> None:
        self.dialog.setRange(0, max(total, 0))
        self.dialog.setValue(done)
        if text:
            self.dialog.setLabelText(text)

    def close(self) -> None:
        self.dialog.close()
        self.dialog.deleteLater()


ProgressFactory = Callable[[QWidget | None, str], Progress]


class Task(QObject):
    """One piece of background work; lives in the GUI thread."""

    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()
    progressed = Signal(int, int, str)
    # Emitted from the worker thread; queued to the GUI thread.
    _completed = Signal(object)

    def __init__(
        self,
        label: str,
        parent_widget: QWidget | None,
        progress_factory: ProgressFactory,
        delay_ms: int,
    ):
        super().__init__()
        self.label = label
        self.parent_widget = parent_widget
        self.progress_factory = progress_factory
        self.progress: Progress | None = None
        self.done = False
        self._last_progress: tuple[int, int, str] | None = None
        self._completed.connect(self._on_completed)
        self.progressed.connect(self._on_progressed)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._show_progress)

    def report_progress(self, done: int, total: int, text: str = "") -> None:
        """Called by the work, from any thread."""
        self.progressed.emit(done, total, text)

    @Slot()
    def _show_progress(self) -> None:
        if self.done or self.progress is not None:
            return
        self.progress = self.progress_factory(self.parent_widget, self.label)
        if self._last_progress is not None:
            self.progress.update(*self._last_progress)

    @Slot(int, int, str)
    def _on_progressed(self, done: int, total: int, text: str) -> None:
        self._last_progress = (done, total, text)
        if self.progress is not None:
            self.progress.update(done, total, text)

    @Slot(object)
    def _on_completed(self, future: Future) -> None:
        self.done = True
        self._timer.stop()
        if self.progress is not None:
            self.progress.close()
            self.progress = None
        if future.cancelled():  # the window closed before the work started
            self.finished.emit()
            return
        exc = future.exception()
        try:
            if exc is None:
                self.succeeded.emit(future.result())
            else:
                self.failed.emit(exc)
        finally:
            self.finished.emit()


class TaskRunner(QObject):
    """Runs callables on an executor; callbacks on the GUI thread."""

    def __init__(
        self,
        executor: Executor | None = None,
        progress_factory: ProgressFactory = ProgressDialog,
        progress_delay_ms: int = PROGRESS_DELAY_MS,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self._owns_executor = executor is None
        self.executor = executor or ThreadPoolExecutor(max_workers=2, thread_name_prefix="task")
        self.progress_factory = progress_factory
        self.progress_delay_ms = progress_delay_ms
        self._tasks: set[Task] = set()

    @property
    def active(self) -> int:
        return len(self._tasks)

    def run(
        self,
        fn: Callable[..., Any],
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        *,
        label: str = "Traitement en cours…",
        parent: QWidget | None = None,
        reports_progress: bool = False,
    ) -> Task:
        """Run ``fn()`` (or ``fn(progress)`` with ``reports_progress``) in the background.

        Failures go to ``on_failure``, else to the crash handler (which shows a
        plain warning for a :class:`~backoffice.errors.UserError`). Callbacks always
        run on the GUI thread; when the work is already done on submission
        (:class:`SynchronousExecutor`) they run before ``run`` returns.
        """
        task = Task(label, parent, self.progress_factory, self.progress_delay_ms)
        if on_success is not None:
            task.succeeded.connect(on_success)
        task.failed.connect(on_failure or crash.report)
        task.finished.connect(lambda: self._tasks.discard(task))
        self._tasks.add(task)
        task._timer.start()
        work = (lambda: fn(task.report_progress)) if reports_progress else fn
        future = self.executor.submit(work)
        future.add_done_callback(task._completed.emit)
        return task

    def shutdown(self, wait: bool = True) -> None:
        if self._owns_executor:
            self.executor.shutdown(wait=wait, cancel_futures=True)
