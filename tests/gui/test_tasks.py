"""Background tasks: callbacks on the GUI thread, progress only after ~0.5 s."""

from __future__ import annotations

import threading
import time

import pytest

from backoffice.errors import UserError
from backoffice.ui.tasks import PROGRESS_DELAY_MS, SynchronousExecutor, TaskRunner


class RecordingProgress:
    instances: list[RecordingProgress] = []

    def __init__(self, parent, label):
        self.label = label
        self.updates: list[tuple[int, int, str]] = []
        self.closed = False
        self.created_at = time.monotonic()
        RecordingProgress.instances.append(self)

    def update(self, done, total, text):
        self.updates.append((done, total, text))

    def close(self):
        self.closed = True


@pytest.fixture
def progress():
    RecordingProgress.instances = []
    return RecordingProgress.instances


@pytest.fixture
def pool_runner(qtbot, progress):
    runner = TaskRunner(progress_factory=RecordingProgress)
    yield runner
    runner.shutdown(wait=True)


def test_synchronous_executor_calls_back_at_once(qtbot, progress):
    runner = TaskRunner(executor=SynchronousExecutor(), progress_factory=RecordingProgress)
    results, errors = [], []
    runner.run(lambda: 6 * 7, results.append, errors.append)
    runner.run(lambda: 1 / 0, results.append, errors.append)
    assert results == [42]
    assert [type(e) for e in errors] == [ZeroDivisionError]
    assert progress == [] and runner.active == 0


def test_thread_pool_work_runs_off_and_callbacks_on_the_gui_thread(qtbot, pool_runner):
    main = threading.current_thread()
    seen = {}

    def work():
        seen["work"] = threading.current_thread()
        return "ok"

    # (The work may finish before run() returns: wait on the task, not on a signal.)
    task = pool_runner.run(
        work, lambda result: seen.update(callback=threading.current_thread(), result=result)
    )
    qtbot.waitUntil(lambda: task.done, timeout=30_000)
    assert seen["work"] is not main
    assert seen["callback"] is main and seen["result"] == "ok"
    assert pool_runner.active == 0


def test_progress_appears_only_after_the_delay(qtbot, pool_runner, progress):
    release = threading.Event()
    started = time.monotonic()

    def slow(report):
        report(1, 3, "Famille 1 sur 3")
        release.wait(60)
        return "fini"

    results = []
    task = pool_runner.run(slow, results.append, label="Synchronisation…", reports_progress=True)
    try:
        qtbot.waitUntil(lambda: bool(progress), timeout=30_000)
        shown = progress[0]
        assert shown.created_at - started >= PROGRESS_DELAY_MS / 1000 * 0.9
        assert shown.label == "Synchronisation…"
        # The progress reported before the dialog appeared is shown at once.
        assert shown.updates == [(1, 3, "Famille 1 sur 3")]
        assert not shown.closed and results == []
    finally:
        release.set()
    qtbot.waitUntil(lambda: task.done, timeout=30_000)
    assert results == ["fini"] and shown.closed


def test_quick_work_shows_no_progress(qtbot, pool_runner, progress):
    task = pool_runner.run(lambda: None)
    qtbot.waitUntil(lambda: task.done, timeout=30_000)
    qtbot.wait(PROGRESS_DELAY_MS + 100)  # the delay passes: still nothing
    assert progress == []


def test_failure_without_handler_goes_to_the_crash_handler(qtbot, no_dialogs):
    runner = TaskRunner(executor=SynchronousExecutor())

    def refused():
        raise UserError("Le portail ne répond pas : réessayez plus tard.")

    runner.run(refused)
    assert [(d.kind, d.text) for d in no_dialogs] == [
        ("warning", "Le portail ne répond pas : réessayez plus tard.")
    ]


def test_work_cancelled_at_shutdown_calls_nothing_back(qtbot, progress):
    """Closing the window cancels work not yet started: no callback, no crash dialog."""
    from concurrent.futures import ThreadPoolExecutor

    executor = ThreadPoolExecutor(max_workers=1)
    runner = TaskRunner(executor=executor, progress_factory=RecordingProgress)
    gate = threading.Event()
    called: list[str] = []
    runner.run(gate.wait, lambda _r: called.append("first"))
    second = runner.run(
        lambda: called.append("ran"), called.append, lambda exc: called.append(repr(exc))
    )
    second.finished.connect(lambda: called.append("finished"))
    executor.shutdown(wait=False, cancel_futures=True)  # cancels the second at once
    gate.set()
    qtbot.waitUntil(lambda: "first" in called, timeout=30_000)
    assert called == ["finished", "first"]
