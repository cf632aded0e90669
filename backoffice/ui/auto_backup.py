"""Automatic backups of a SQLite database: at close, and once a day while the
back-office stays open (an hourly check: no backup yet today → one now).

The copy runs on the task runner (the sqlite3 backup API, off the GUI thread); the
program makes it, not the agent (actor « système »), so an agent's closing the
back-office backs up too. A PostgreSQL database is backed up on its server
(``backoffice-cli backup`` planned each night, docs/backups.md).
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from backoffice.services.backup import service
from backoffice.services.common.actors import SYSTEM
from backoffice.storage import Database
from backoffice.ui.qt import QObject, QTimer
from backoffice.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

CHECK_MS = 60 * 60 * 1000  # hourly: is there a backup of today?
FIRST_CHECK_MS = 5 * 60 * 1000  # not during the start


class AutoBackup(QObject):
    def __init__(self, db: Database, runner: TaskRunner, parent: QObject | None = None):
        super().__init__(parent)
        self.db, self.runner = db, runner
        self.last: Path | None = None
        self.last_error = ""
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_MS)
        self.timer.timeout.connect(self.daily_check)

    @property
    def enabled(self) -> bool:
        return self.db.is_sqlite and ":memory:" not in self.db.url

    def start(self) -> None:
        if self.enabled:
            self.timer.start()
            QTimer.singleShot(FIRST_CHECK_MS, self, self.daily_check)

    def _backed_up_today(self) -> bool:
        backups = service.list_backups(service.folder_of(self.db, SYSTEM))
        return bool(backups) and backups[0].taken_at.date() == datetime.now().date()

    def daily_check(self) -> None:
        if not self.enabled:
            return

        def work() -> Path | None:
            if self._backed_up_today():
                return None
            return service.backup_now(self.db, SYSTEM)

        self.runner.run(work, self._done, self._failed, label="Sauvegarde de la base…")

    def at_close(self) -> None:
        """A backup now (the main window then waits for its runner to finish)."""
        if self.enabled:
            self.timer.stop()
            self.runner.run(
                lambda: service.backup_now(self.db, SYSTEM),
                self._done,
                self._failed,
                label="Sauvegarde de la base…",
            )

    def _done(self, path: Path | None) -> None:
        if path is not None:
            self.last = path
            log.info("Sauvegarde automatique : %s", path)

    def _failed(self, exc: BaseException) -> None:
        # Shown on the « Sauvegardes » page and in the log; never a dialog at close.
        self.last_error = str(exc)
        log.error("Sauvegarde automatique impossible : %s", exc)
