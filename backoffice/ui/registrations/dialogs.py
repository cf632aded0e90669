"""« Inscrire… » and « Désinscrire… » a child at the desk (issue #15 item 1).

:class:`RegisterDialog`: site, activity (its age groups shown), one or more periods or
« toute l'année »; a refusal (incomplete file, age) is shown in the dialog in red, the
choices kept, so the agent reads it and nothing typed is lost.
:class:`UnregisterDialog`: the registration, the bookings ahead it will cancel (late
ones marked), whether the late ones are billed, a reason for the history.

Both load and save through the :class:`~backoffice.ui.tasks.TaskRunner` (the GUI thread
never waits on the database) and emit ``done(summary)`` once saved.
"""

from __future__ import annotations

from datetime import date

from backoffice.errors import UserError
from backoffice.services.bookings import registrations as regs
from backoffice.services.bookings import unregistration
from backoffice.services.bookings.registrations import ActivityChoice
from backoffice.services.bookings.unregistration import Ahead
from backoffice.services.common.actors import Actor
from backoffice.storage import Database
from backoffice.ui.qt import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from backoffice.ui.tasks import TaskRunner

ERROR_STYLE = "color: #b00020; font-weight: bold;"
ID_ROLE = Qt.ItemDataRole.UserRole + 1
ALL_SITES = "Tous les sites"


def _error_label() -> QLabel:
    label = QLabel("")
    label.setObjectName("registrationError")
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


class RegisterDialog(QDialog):
    """Register one child to an activity (see the module docstring)."""

    done = Signal(str)

    def __init__(self, db: Database, actor: Actor, runner: TaskRunner, child_id: int,
                 child_name: str, today: date, parent: QWidget | None = None):  # fmt: skip
        super().__init__(parent)
        self.db, self.actor, self.runner = db, actor, runner
        self.child_id, self.child_name, self.today = child_id, child_name, today
        self.choices: list[ActivityChoice] = []
        self.setWindowTitle(f"Inscrire {child_name} à une activité")
        self.setMinimumWidth(560)

        intro = QLabel(
            f"Inscription de <b>{child_name}</b> à l'accueil. Le dossier de l'enfant doit "
            "être complet et son âge dans une tranche de l'activité, comme sur le portail."
        )
        intro.setWordWrap(True)
        self.site = QComboBox()
        self.site.setAccessibleName("Site")
        self.activity = QComboBox()
        self.activity.setAccessibleName("Activité")
        self.groups = QLabel("")
        self.groups.setObjectName("ageGroups")
        self.groups.setWordWrap(True)
        self.whole_year = QCheckBox("&Toute l'année (toutes les périodes en cours et à venir)")
        self.periods = QListWidget()
        self.periods.setAccessibleName("Périodes")
        self.periods.setMinimumHeight(90)
        self.periods.setMaximumHeight(180)
        self.error = _error_label()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("&Inscrire")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Fermer")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("&Site :", self.site)
        form.addRow("&Activité :", self.activity)
        form.addRow("Tranches d'âge :", self.groups)
        form.addRow("", self.whole_year)
        form.addRow("&Période(s) :", self.periods)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        self.site.currentIndexChanged.connect(lambda _i: self._fill_activities())
        self.activity.currentIndexChanged.connect(lambda _i: self._fill_periods())
        self.whole_year.toggled.connect(self._whole_year_toggled)
        self.periods.itemChanged.connect(lambda _item: self._enable())
        self._enable()

    # -- loading ------------------------------------------------------------------------

    def load(self) -> None:
        db, actor, child_id, today = self.db, self.actor, self.child_id, self.today

        def work() -> list[ActivityChoice]:
            with db.session() as s:
                return regs.registration_choices(s, actor, child_id, today)

        self.runner.run(work, self._loaded, self._failed, label="Chargement…", parent=self)

    def _loaded(self, choices: list[ActivityChoice]) -> None:
        self.choices = choices
        self.site.blockSignals(True)
        self.site.clear()
        self.site.addItem(ALL_SITES)
        for site in sorted({c.site for c in choices if c.site}):
            self.site.addItem(site)
        self.site.blockSignals(False)
        self._fill_activities()
        if not choices:
            self._show_error("Aucune activité n'a de période en cours ou à venir.")

    def _fill_activities(self) -> None:
        site = self.site.currentText()
        self.activity.blockSignals(True)
        self.activity.clear()
        for choice in self.choices:
            if site in (ALL_SITES, choice.site):
                self.activity.addItem(f"{choice.name} — {choice.site}", choice.id)
        self.activity.blockSignals(False)
        self._fill_periods()

    def current_activity(self) -> ActivityChoice | None:
        wanted = self.activity.currentData()
        return next((c for c in self.choices if c.id == wanted), None)

    def _fill_periods(self) -> None:
        self.periods.blockSignals(True)
        self.periods.clear()
        choice = self.current_activity()
        self.groups.setText(
            (choice.age_groups or "tous âges") if choice is not None else "",
        )
        for period in choice.periods if choice is not None else ():
            text = f"{period.label} (du {period.start:%d/%m/%Y} au {period.end:%d/%m/%Y})"
            item = QListWidgetItem(text + (f" — {period.registered}" if period.registered else ""))
            item.setData(ID_ROLE, period.id)
            if period.registered in ("inscrit", "demande en attente"):
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                item.setCheckState(Qt.CheckState.Checked)
            else:
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
            self.periods.addItem(item)
        self.periods.blockSignals(False)
        self._whole_year_toggled(self.whole_year.isChecked())

    def _whole_year_toggled(self, on: bool) -> None:
        self.periods.setEnabled(not on)
        self._enable()

    def check_period(self, label_start: str) -> None:
        """Tick the period whose text starts with ``label_start`` (tests, keyboard)."""
        for row in range(self.periods.count()):
            item = self.periods.item(row)
            if item.text().startswith(label_start):
                item.setCheckState(Qt.CheckState.Checked)

    def select_activity(self, name: str) -> None:
        for row in range(self.activity.count()):
            if self.activity.itemText(row).startswith(name):
                self.activity.setCurrentIndex(row)
                return

    def chosen_periods(self) -> list[int] | None:
        """The periods ticked (None: the whole year)."""
        if self.whole_year.isChecked():
            return None
        return [
            self.periods.item(row).data(ID_ROLE)
            for row in range(self.periods.count())
            if self.periods.item(row).flags() & Qt.ItemFlag.ItemIsEnabled
            and self.periods.item(row).checkState() == Qt.CheckState.Checked
        ]

    def _enable(self) -> None:
        chosen = self.chosen_periods()
        self.ok.setEnabled(self.current_activity() is not None and (chosen is None or bool(chosen)))

    # -- saving ---------------------------------------------------------------------------

    def save(self) -> None:
        choice = self.current_activity()
        if choice is None:
            return
        period_ids = self.chosen_periods()
        if period_ids is not None and not period_ids:
            self._show_error("Cochez au moins une période, ou « Toute l'année ».")
            return
        db, actor, child_id, today = self.db, self.actor, self.child_id, self.today

        def work() -> str:
            with db.session() as s:
                result = regs.register_child(s, actor, child_id, choice.id, period_ids, today)
                return result.summary(self.child_name, choice.name)

        self.error.hide()
        self.runner.run(work, self._saved, self._failed, label="Inscription…", parent=self)

    def _saved(self, summary: str) -> None:
        self.done.emit(summary)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, UserError):
            self._show_error(str(exc))
            return
        from backoffice.ui import crash

        crash.report(exc)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()


class UnregisterDialog(QDialog):
    """Unregister one child: the bookings ahead shown, then cancelled."""

    done = Signal(str)

    def __init__(self, db: Database, actor: Actor, runner: TaskRunner, child_id: int,
                 child_name: str, today: date, parent: QWidget | None = None):  # fmt: skip
        super().__init__(parent)
        self.db, self.actor, self.runner = db, actor, runner
        self.child_id, self.child_name, self.today = child_id, child_name, today
        self.ahead: Ahead | None = None
        self.setWindowTitle(f"Désinscrire {child_name}")
        self.setMinimumWidth(560)

        self.registration = QComboBox()
        self.registration.setAccessibleName("Inscription")
        self.days_label = QLabel("")
        self.days_label.setWordWrap(True)
        self.days = QListWidget()
        self.days.setAccessibleName("Jours réservés à venir")
        self.days.setMinimumHeight(120)
        self.billed = QRadioButton("&Facturés (absence non justifiée)")
        self.not_billed = QRadioButton("&Non facturés")
        self.billing = QButtonGroup(self)
        self.billing.addButton(self.billed)
        self.billing.addButton(self.not_billed)
        self.billing_label = QLabel("Jours annulés hors délai :")
        self.reason = QLineEdit()
        self.reason.setMaxLength(200)
        self.reason.setPlaceholderText("Déménagement, changement de mode de garde…")
        self.error = _error_label()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("&Désinscrire")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Fermer")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("&Inscription :", self.registration)
        form.addRow("", self.days_label)
        form.addRow("", self.days)
        form.addRow(self.billing_label, self.billed)
        form.addRow("", self.not_billed)
        form.addRow("&Motif :", self.reason)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.registration.currentIndexChanged.connect(lambda _i: self._load_days())
        self.billing.buttonToggled.connect(lambda *_a: self._enable())
        self._enable()

    def load(self) -> None:
        db, actor, child_id, today = self.db, self.actor, self.child_id, self.today

        def work() -> list[tuple[int, str]]:
            with db.session() as s:
                return unregistration.child_registrations(s, actor, child_id, today)

        self.runner.run(work, self._loaded, self._failed, label="Chargement…", parent=self)

    def _loaded(self, rows: list[tuple[int, str]]) -> None:
        self.registration.blockSignals(True)
        self.registration.clear()
        for reg_id, label in rows:
            self.registration.addItem(label, reg_id)
        self.registration.blockSignals(False)
        if not rows:
            self._show_error(f"{self.child_name} n'a aucune inscription en cours ou à venir.")
        self._load_days()

    def select_registration(self, text: str) -> None:
        for row in range(self.registration.count()):
            if self.registration.itemText(row).startswith(text):
                self.registration.setCurrentIndex(row)

    def _load_days(self) -> None:
        reg_id = self.registration.currentData()
        self.ahead = None
        self.days.clear()
        if reg_id is None:
            self._enable()
            return
        db, actor, today = self.db, self.actor, self.today

        def work() -> Ahead:
            with db.session() as s:
                return unregistration.bookings_ahead(s, actor, reg_id, today)

        self.runner.run(work, self._days_loaded, self._failed, label="Chargement…", parent=self)

    def _days_loaded(self, ahead: Ahead) -> None:
        self.ahead = ahead
        self.days.clear()
        for day in ahead.days:
            self.days.addItem(day.label)
        count = len(ahead.days)
        if count:
            text = f"{count} jour(s) réservé(s) à venir seront annulés"
            if ahead.late_count:
                text += f", dont {ahead.late_count} hors délai d'annulation"
            self.days_label.setText(text + " :")
        else:
            self.days_label.setText("Aucun jour réservé à venir : seule l'inscription est close.")
        self.days.setVisible(bool(count))
        late = bool(ahead.late_count)
        for widget in (self.billing_label, self.billed, self.not_billed):
            widget.setEnabled(late)
        self._enable()

    def _enable(self) -> None:
        ready = self.ahead is not None
        if ready and self.ahead is not None and self.ahead.late_count:
            ready = self.billing.checkedButton() is not None
        self.ok.setEnabled(ready)

    def save(self) -> None:
        ahead = self.ahead
        if ahead is None:
            return
        if ahead.late_count and self.billing.checkedButton() is None:
            self._show_error("Dites si les jours annulés hors délai sont facturés ou non.")
            return
        db, actor, today = self.db, self.actor, self.today
        bill_late, reason = self.billed.isChecked(), self.reason.text()

        def work() -> str:
            with db.session() as s:
                result = unregistration.unregister_child(
                    s, actor, ahead.registration_id, today, bill_late=bill_late, reason=reason
                )
                return result.summary()

        self.error.hide()
        self.runner.run(work, self._saved, self._failed, label="Désinscription…", parent=self)

    def _saved(self, summary: str) -> None:
        self.done.emit(summary)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, UserError):
            self._show_error(str(exc))
            return
        from backoffice.ui import crash

        crash.report(exc)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()


def open_register(db: Database, actor: Actor, runner: TaskRunner, child_id: int,
                  child_name: str, today: date, parent: QWidget) -> RegisterDialog:  # fmt: skip
    """« Inscrire… »: window-modal, not blocking; loads its choices."""
    dialog = RegisterDialog(db, actor, runner, child_id, child_name, today, parent)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    dialog.load()
    return dialog


def open_unregister(db: Database, actor: Actor, runner: TaskRunner, child_id: int,
                    child_name: str, today: date, parent: QWidget) -> UnregisterDialog:  # fmt: skip
    """« Désinscrire… »: window-modal, not blocking; loads the child's registrations."""
    dialog = UnregisterDialog(db, actor, runner, child_id, child_name, today, parent)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    dialog.load()
    return dialog
