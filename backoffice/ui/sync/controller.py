"""Runs sync rounds for the GUI: on demand and on a timer, never two at once.

A round runs through a :class:`~backoffice.ui.tasks.TaskRunner` (the app's one
way to run slow work) on the window's executor, with no progress dialog: the
area shows its own progress bar. Progress reported by the sync core from the
worker thread is re-emitted as a Qt signal, so every handler runs on the GUI
thread (STYLE §6).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from backoffice.errors import UserError
from backoffice.storage import Database
from backoffice.sync import PortalAuthError, PortalError, PortalUnreachable, run_round
from backoffice.sync import settings as sync_settings
from backoffice.sync.client import PortalClient
from backoffice.sync.conflicts import open_counts
from backoffice.sync.pull import last_success
from backoffice.sync.round import RoundReport, client_from_settings
from backoffice.ui import crash
from backoffice.ui.qt import QObject, QTimer, QWidget, Signal, Slot
from backoffice.ui.sync import status
from backoffice.ui.sync.status import Outcome, Status
from backoffice.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

STARTUP_DELAY_MS = 5_000  # first automatic round, once the window is up


class NoProgress:
    """The sync shows its progress in its own area, never in a dialog."""

    def __init__(self, _parent: QWidget | None, _label: str):
        pass

    def update(self, done: int, total: int, text: str) -> None:
        pass

    def close(self) -> None:
        pass


class RecordingClient:
    """The portal client, remembering why a call failed (network, token…), so the
    status bar can say « Portail injoignable » rather than guess from a message."""

    def __init__(self, client: PortalClient):
        self._client = client
        self._lock = threading.Lock()
        self.error: PortalError | None = None

    def _recorded(self, call: Callable, *args, **kwargs):
        try:
            return call(*args, **kwargs)
        except PortalError as exc:
            with self._lock:
                self.error = self.error or exc
            raise

    def request(self, *args, **kwargs):
        return self._recorded(self._client.request, *args, **kwargs)

    def get_changes(self, *args, **kwargs):
        return self._recorded(self._client.get_changes, *args, **kwargs)

    def get_version(self, *args, **kwargs):
        return self._recorded(self._client.get_version, *args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._client, name)

    def close(self) -> None:
        self._client.close()

    @property
    def kind(self) -> str:
        if isinstance(self.error, PortalUnreachable):
            return status.UNREACHABLE
        if isinstance(self.error, PortalAuthError):
            return status.REFUSED
        return status.FAILED


class SyncController(QObject):
    """The sync as the window sees it: state, timer, one round at a time."""

    round_started = Signal()
    # text, done, total — from the worker, queued to the GUI thread
    progressed = Signal(str, int, int)
    round_finished = Signal(object)  # Outcome
    changed = Signal()  # anything the status bar shows

    def __init__(
        self,
        db: Database,
        runner: TaskRunner,
        *,
        client_factory: Callable[[], PortalClient] | None = None,
        clock: Callable[[], datetime] = status.now_utc,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.db = db
        # Same executor as the window's work (tests pass a synchronous one), no dialog.
        self.runner = TaskRunner(executor=runner.executor, progress_factory=NoProgress, parent=self)
        self.client_factory = client_factory
        self.clock = clock
        self.session_token: str | None = None  # typed in when no keyring exists; never stored
        self.running = False
        self.outcome: Outcome | None = None
        self.next_run_at: datetime | None = None
        self.started_at: datetime | None = None
        self.progress_text = ""
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._timer_fired)
        self.progressed.connect(self._remember_progress)
        with db.session() as session:
            self.portal_url = sync_settings.portal_url(session)
            self.interval = sync_settings.automatic_interval(session)
            self.last_success_at = last_success(session)
            self.conflicts, self.quarantined = open_counts(session)

    # -- state -------------------------------------------------------------------

    @property
    def configured(self) -> bool:
        return bool(self.portal_url)

    def status(self) -> Status:
        return Status(
            configured=self.configured,
            running=self.running,
            last_success_at=self.last_success_at,
            outcome=self.outcome,
            next_run_at=self.next_run_at,
            conflicts=self.conflicts,
            quarantined=self.quarantined,
        )

    def refresh_counts(self) -> None:
        """After an agent resolved a conflict or dismissed a quarantined change."""
        with self.db.session() as session:
            self.conflicts, self.quarantined = open_counts(session)
        self.changed.emit()

    # -- settings ------------------------------------------------------------------

    def set_interval(self, minutes: int) -> None:
        """Store the interval (0 = no automatic sync) and re-arm the timer."""
        with self.db.session() as session:
            sync_settings.save_automatic_interval(session, minutes)
        self.interval = minutes
        self.schedule()

    def configure(self, url: str, token: str) -> str:
        """Store the portal URL and its token (keyring). Returns a French note for
        the agent; raises :class:`UserError` when the URL or the token is unusable.

        Without a keyring the token is kept in memory for this session only.
        """
        try:
            done = sync_settings.configure_portal(self.db, url, token)
        except UserError:
            with self.db.session() as session:  # the URL may be stored, the token refused
                self.portal_url = sync_settings.portal_url(session)
            raise
        self.portal_url, self.session_token = done.url, done.session_token
        note = done.note
        self.outcome = None
        self.schedule()
        self.changed.emit()
        return note

    # -- rounds --------------------------------------------------------------------

    def start(self) -> None:
        """Arm the automatic sync (first round shortly after start-up)."""
        self.schedule(first_delay_ms=STARTUP_DELAY_MS)

    def stop(self) -> None:
        self.timer.stop()
        self.next_run_at = None

    def schedule(self, first_delay_ms: int | None = None, now: datetime | None = None) -> None:
        """Arm the timer for the next automatic round (none when off or unconfigured)."""
        self.timer.stop()
        self.next_run_at = None
        if self.configured and self.interval > 0 and not self.running:
            delay_ms = self.interval * 60_000 if first_delay_ms is None else first_delay_ms
            self.next_run_at = (now or self.clock()) + timedelta(milliseconds=delay_ms)
            self.timer.start(delay_ms)
        self.changed.emit()

    @Slot()
    def _timer_fired(self) -> None:
        self.sync_now()

    def sync_now(self) -> bool:
        """Start a round; False (and nothing done) when one is already running."""
        if self.running:
            return False
        self.running = True
        self.timer.stop()
        self.next_run_at = None
        self.started_at = self.clock()
        self.progress_text = "Connexion au portail…"
        self.round_started.emit()
        self.changed.emit()
        self.runner.run(
            self._work, self._succeeded, self._failed, label="Synchronisation avec le portail"
        )
        return True

    def _client(self) -> PortalClient:
        if self.client_factory is not None:
            return self.client_factory()
        return client_from_settings(self.db, token=self.session_token)

    def _work(self) -> tuple[RoundReport, str]:
        """In the worker thread: one round."""
        client = RecordingClient(self._client())
        try:
            report = run_round(
                self.db,
                client,  # type: ignore[arg-type] - same calls as PortalClient
                lambda text, done, total: self.progressed.emit(text, done, total),
            )
        finally:
            client.close()
        return report, (status.OK if report.ok else client.kind)

    @Slot(str, int, int)
    def _remember_progress(self, text: str, done: int, total: int) -> None:
        self.progress_text = text

    def _succeeded(self, result: tuple[RoundReport, str]) -> None:
        report, kind = result
        self._finish(Outcome(kind, self.clock(), report, report.error))

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, sync_settings.TokenUnavailable) or (
            isinstance(exc, PortalError) and not self.configured
        ):
            outcome = Outcome(status.NOT_CONFIGURED, self.clock(), message=str(exc))
        elif isinstance(exc, UserError):
            outcome = Outcome(status.FAILED, self.clock(), message=str(exc))
        else:
            crash.report(exc)
            outcome = Outcome(
                status.FAILED,
                self.clock(),
                message="Erreur inattendue pendant la synchronisation (détails dans le journal).",
            )
        self._finish(outcome)

    def _finish(self, outcome: Outcome) -> None:
        self.running = False
        self.outcome = outcome
        with self.db.session() as session:
            self.last_success_at = last_success(session)
            self.conflicts, self.quarantined = open_counts(session)
        if outcome.ok:
            log.info(
                "Synchronisation terminée : %s",
                " ; ".join(status.moved_lines(outcome.report)) or "rien de nouveau",
            )
        else:
            log.info("Synchronisation interrompue : %s", outcome.message)
        self.schedule(now=outcome.finished_at)
        self.round_finished.emit(outcome)
