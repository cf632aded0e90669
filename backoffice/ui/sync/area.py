"""« Synchronisation »: the portal link as an agent sees it.

Last successful sync and next automatic one, the interval, « Synchroniser
maintenant », a progress bar during a round, what the last round moved, and the
two lists to work through: conflicts and quarantine. When no portal is set up,
a small panel asks for its address and the back-office token (OS keyring).
"""

from __future__ import annotations

from backoffice.errors import UserError
from backoffice.services.common.actors import Actor
from backoffice.storage import Database
from backoffice.ui.qt import (
    QFont,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    Qt,
    QTabWidget,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from backoffice.ui.sync import status
from backoffice.ui.sync.controller import SyncController
from backoffice.ui.sync.lists import ConflictsList, QuarantineList
from backoffice.ui.sync.status import Outcome
from backoffice.ui.widgets import AreaToolbar

CLOCK_REFRESH_MS = 30_000  # « il y a 3 min » stays true


class SetupPanel(QGroupBox):
    """Portal address and token, when nothing is configured (or on demand)."""

    saved = Signal(bool)  # True: the token is in the keyring (nothing more to say)

    def __init__(self, controller: SyncController, parent: QWidget | None = None):
        super().__init__("Configurer le portail", parent)
        self.controller = controller
        intro = QLabel(
            "Indiquez l'adresse du portail famille et le jeton du back-office, donné par "
            "l'administrateur du portail (« portal create-staff-token »). Le jeton est rangé "
            "dans le trousseau du système, jamais dans un fichier."
        )
        intro.setWordWrap(True)
        self.url = QLineEdit(controller.portal_url)
        self.url.setPlaceholderText("https://portail.exemple.fr")
        self.url.setAccessibleName("Adresse du portail")
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setAccessibleName("Jeton du back-office")
        self.save = QPushButton("Enregistrer")
        self.save.setDefault(True)
        self.cancel = QPushButton("Fermer")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        form = QFormLayout()
        form.addRow("Adresse du portail :", self.url)
        form.addRow("Jeton du back-office :", self.token)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save)
        buttons.addWidget(self.cancel)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self.save.clicked.connect(self.submit)
        self.token.returnPressed.connect(self.submit)

    def say(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #a40000;" if error else "")
        self.message.setVisible(bool(text))

    def submit(self) -> bool:
        try:
            note = self.controller.configure(self.url.text(), self.token.text())
        except UserError as exc:
            self.say(str(exc), error=True)
            return False
        self.token.clear()
        in_keyring = self.controller.session_token is None
        self.say(note, error=not in_keyring)
        self.saved.emit(in_keyring)
        return True


class SyncArea(QWidget):
    def __init__(
        self,
        db: Database,
        actor: Actor,
        controller: SyncController,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.db, self.actor, self.controller = db, actor, controller

        self.portal_label = QLabel()
        self.portal_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.edit_portal = QPushButton("Modifier le portail…")
        self.edit_portal.clicked.connect(lambda: self.show_setup(True))
        self.toolbar = AreaToolbar("Synchronisation avec le portail famille")
        self.toolbar.add(self.portal_label)
        self.toolbar.add(self.edit_portal)
        self.toolbar.add_stretch()

        self.setup = SetupPanel(controller)
        self.setup.cancel.clicked.connect(lambda: self.show_setup(False))
        self.setup.saved.connect(lambda in_keyring: in_keyring and self.show_setup(False))

        # -- state and actions
        self.last_label = QLabel()
        self.next_label = QLabel()
        self.interval = QSpinBox()
        self.interval.setRange(0, status.MAX_INTERVAL_MINUTES)
        self.interval.setSuffix(" min")
        self.interval.setSpecialValueText("jamais")
        self.interval.setAccessibleName("Intervalle de synchronisation automatique")
        self.interval.setValue(controller.interval)
        self.interval.setToolTip("0 : pas de synchronisation automatique")
        self.interval.valueChanged.connect(self._interval_changed)
        interval_row = QHBoxLayout()
        interval_row.addWidget(self.interval)
        interval_row.addWidget(QLabel("(0 = jamais)"))
        interval_row.addStretch(1)
        self.sync_button = QPushButton("Synchroniser maintenant")
        self.sync_button.clicked.connect(self.sync_now)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setMaximumWidth(320)
        self.progress_label = QLabel()
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.sync_button)
        progress_row.addWidget(self.progress)
        progress_row.addWidget(self.progress_label)
        progress_row.addStretch(1)
        state_box = QGroupBox("État")
        state_form = QFormLayout(state_box)
        state_form.addRow("Dernière synchronisation réussie :", self.last_label)
        state_form.addRow("Prochaine synchronisation automatique :", self.next_label)
        state_form.addRow("Synchroniser automatiquement toutes les :", interval_row)
        state_form.addRow(progress_row)

        # -- what the last round moved
        self.summary_title = QLabel()
        bold = QFont(self.summary_title.font())
        bold.setBold(True)
        self.summary_title.setFont(bold)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        summary_box = QGroupBox("Dernier passage")
        summary_layout = QVBoxLayout(summary_box)
        summary_layout.addWidget(self.summary_title)
        summary_layout.addWidget(self.summary)

        # -- lists
        self.conflicts = ConflictsList(db, actor)
        self.quarantine = QuarantineList(db, actor)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.conflicts, "Conflits")
        self.tabs.addTab(self.quarantine, "Quarantaine")
        self.conflicts.changed.connect(self._lists_changed)
        self.quarantine.changed.connect(self._lists_changed)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.setup)
        layout.addWidget(state_box)
        layout.addWidget(summary_box)
        layout.addWidget(self.tabs, 1)

        controller.changed.connect(self.refresh_state)
        controller.round_started.connect(self._round_started)
        controller.progressed.connect(self._progressed)
        controller.round_finished.connect(self._round_finished)
        self.clock_timer = QTimer(self)
        self.clock_timer.setInterval(CLOCK_REFRESH_MS)
        self.clock_timer.timeout.connect(self.refresh_state)
        self.clock_timer.start()
        self.show_setup(not controller.configured)
        self._show_outcome(controller.outcome)
        self.reload_lists()
        self.refresh_state()

    # -- display -------------------------------------------------------------------

    def show_setup(self, shown: bool) -> None:
        self.setup.setVisible(shown)
        self.setup.cancel.setVisible(self.controller.configured)
        self.edit_portal.setVisible(not shown and self.controller.configured)
        if shown:
            self.setup.url.setText(self.controller.portal_url or self.setup.url.text())

    def refresh_state(self) -> None:
        c = self.controller
        now = c.clock()
        self.portal_label.setText(
            f"Portail : {c.portal_url}" if c.configured else "Aucun portail n'est configuré."
        )
        if c.last_success_at is None:
            self.last_label.setText("jamais synchronisé")
        else:
            self.last_label.setText(
                f"{status.day_text(c.last_success_at, now)} "
                f"({status.ago_text(c.last_success_at, now)})"
            )
        if c.running:
            self.next_label.setText("synchronisation en cours…")
        elif not c.configured:
            self.next_label.setText("aucune (portail non configuré)")
        elif c.next_run_at is None:
            self.next_label.setText("désactivée")
        else:
            self.next_label.setText(
                f"{status.day_text(c.next_run_at, now)} ({status.interval_text(c.interval)})"
            )
        if self.interval.value() != c.interval:  # changed in « Paramètres › Portail »
            self.interval.blockSignals(True)
            self.interval.setValue(c.interval)
            self.interval.blockSignals(False)
        self.sync_button.setEnabled(c.configured and not c.running)
        self.progress.setVisible(c.running)
        self.progress_label.setVisible(c.running)
        self.tabs.setTabText(0, f"Conflits ({c.conflicts})" if c.conflicts else "Conflits")
        self.tabs.setTabText(
            1, f"Quarantaine ({c.quarantined})" if c.quarantined else "Quarantaine"
        )
        self.setup.cancel.setVisible(c.configured)
        self.edit_portal.setVisible(c.configured and self.setup.isHidden())

    def _show_outcome(self, outcome: Outcome | None) -> None:
        if outcome is None:
            self.summary_title.setText("Aucun passage depuis l'ouverture du programme.")
            self.summary.setText("")
            self.summary.setVisible(False)
            return
        when = status.clock_text(outcome.finished_at)
        if outcome.ok:
            moved = status.moved_lines(outcome.report)
            head = ", ".join(moved) if moved else "rien de nouveau"
            self.summary_title.setText(f"Passage de {when} : {head}.")
            self.summary_title.setStyleSheet("")
        else:
            self.summary_title.setText(f"Passage de {when} interrompu.")
            self.summary_title.setStyleSheet("color: #a40000;")
        text = outcome.summary()
        if not outcome.ok and self.controller.next_run_at is not None:
            text += (
                f"\nNouvel essai automatique à {status.clock_text(self.controller.next_run_at)}."
            )
        self.summary.setText(text)
        self.summary.setVisible(bool(text))

    def reload_lists(self) -> None:
        self.conflicts.reload()
        self.quarantine.reload()

    # -- actions -------------------------------------------------------------------

    def sync_now(self) -> bool:
        """« Synchroniser maintenant »; nothing happens while a round runs."""
        return self.controller.sync_now()

    def _interval_changed(self, minutes: int) -> None:
        self.controller.set_interval(minutes)

    def _lists_changed(self) -> None:
        self.controller.refresh_counts()

    def _round_started(self) -> None:
        self.progress.setRange(0, 0)  # busy until the core says how much
        self.progress_label.setText(self.controller.progress_text)
        self.refresh_state()

    def _progressed(self, text: str, done: int, total: int) -> None:
        if total > 0 and done < total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        else:
            self.progress.setRange(0, 0)
        counted = (
            f" : {done} / {total}"
            if total and text.startswith("Envoi")
            else (f" : {done} changement(s)" if done else "")
        )
        self.progress_label.setText(f"{text}{counted}")

    def _round_finished(self, outcome: Outcome) -> None:
        self._show_outcome(outcome)
        if outcome.kind == status.NOT_CONFIGURED:
            self.show_setup(True)
            self.setup.say(outcome.message, error=True)
        self.reload_lists()
        self.refresh_state()

    def showEvent(self, event) -> None:  # noqa: N802
        self.reload_lists()
        self.refresh_state()
        super().showEvent(event)
