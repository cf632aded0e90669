"""The status-bar line of the sync: « Synchronisé à 10:42 », « Synchronisation… »,
« Portail injoignable (nouvel essai à 10:52) », with the open conflicts and
quarantined changes; a click opens the « Synchronisation » area."""

from __future__ import annotations

from backoffice.ui.qt import QTimer, QToolButton, QWidget
from backoffice.ui.sync.controller import SyncController

REFRESH_MS = 30_000


class SyncIndicator(QToolButton):
    def __init__(self, controller: SyncController, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.setAutoRaise(True)
        self.setAccessibleName("État de la synchronisation")
        self.setToolTip("Ouvrir l'espace « Synchronisation »")
        controller.changed.connect(self.refresh)
        controller.round_finished.connect(lambda _outcome: self.refresh())
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()

    def refresh(self) -> None:
        state = self.controller.status()
        self.setText(state.indicator_text())
        # The status bar has no room to spare: the announcement goes in the tooltip (and
        # in the round's summary of the area).
        tip = "Ouvrir l'espace « Synchronisation »"
        self.setToolTip(f"{state.new_version()}\n{tip}" if state.new_version() else tip)
        problem = (
            state.conflicts
            or state.quarantined
            or (state.outcome is not None and not state.outcome.ok)
        )
        self.setStyleSheet("color: #a40000;" if problem else "")
