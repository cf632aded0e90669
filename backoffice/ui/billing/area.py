"""« Facturation »: preview and issue a régie's run for a period, the runs issued,
their PDFs and credit notes, closing a period.

Every database step goes through the runner (off the GUI thread). Issuing,
credit notes and closing are the régisseur's (or director's, administrator's)
job — the services refuse anyone else; here the buttons say so beforehand.
"""

from __future__ import annotations

from datetime import date

from backoffice.dates import paris_today
from backoffice.errors import UserError
from backoffice.models import ROLE_LABELS
from backoffice.services.billing import close_period, issue_run, preview_run
from backoffice.services.billing.common import BILLING_ROLES
from backoffice.services.billing.queries import RegieRow, regie_rows
from backoffice.services.common.actors import Actor, bind
from backoffice.storage import Database
from backoffice.ui import dialogs
from backoffice.ui.billing.period import PeriodPicker, RegieCombo, period_text
from backoffice.ui.billing.preview import PreviewPanel
from backoffice.ui.billing.runs import RunsPanel
from backoffice.ui.billing.table import money
from backoffice.ui.billing.tariffs import TariffsPanel
from backoffice.ui.qt import (
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    Signal,
)
from backoffice.ui.tasks import TaskRunner
from backoffice.ui.widgets import AreaToolbar

ROLE_NOTE = (
    "Votre rôle ({role}) permet l'aperçu, les PDF et les envois ; émettre les factures, "
    "établir un avoir et clôturer une période sont réservés au régisseur, au directeur "
    "ou à l'administrateur."
)
RESERVED = "Réservé au régisseur, au directeur ou à l'administrateur"


class BillingArea(QWidget):
    open_family = Signal(int)

    def __init__(
        self,
        db: Database,
        actor: Actor,
        runner: TaskRunner,
        today: date | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.db, self.actor, self.runner = db, actor, runner
        self.today = today or paris_today()
        self.can_bill = actor.role in BILLING_ROLES

        self.regie = RegieCombo()
        self.period = PeriodPicker(self.today)
        self.preview_button = QPushButton("Aperçu")
        self.preview_button.setToolTip("Calcule le lot sans rien enregistrer")
        self.preview_button.clicked.connect(self.preview)
        self.issue_button = QPushButton("Émettre les factures…")
        self.issue_button.clicked.connect(self.issue)
        self.close_button = QPushButton("Clôturer la période…")
        self.close_button.setToolTip(
            "Plus aucun lot, réservation, pointage ni tarif ne pourra changer sur la période"
        )
        self.close_button.clicked.connect(self.close_period)
        if not self.can_bill:
            for button in (self.issue_button, self.close_button):
                button.setEnabled(False)
                button.setToolTip(RESERVED)
        self.toolbar = AreaToolbar("Facturation")
        self.toolbar.add_field("Régie :", self.regie)
        self.toolbar.add_spacing(12)
        self.toolbar.add_field("Période :", self.period)
        self.toolbar.add_spacing(12)
        self.toolbar.add(self.preview_button)
        self.toolbar.add(self.issue_button)
        self.toolbar.add_stretch()
        self.toolbar.add(self.close_button)
        # The run's choice (régie, period, actions): greyed on the « Tarifs » tab, which
        # has its own unit picker — still there, so the tabs do not jump up.
        self.run_choice = self.toolbar.row
        self.role_note = QLabel(ROLE_NOTE.format(role=ROLE_LABELS[actor.role]))
        self.role_note.setWordWrap(True)
        self.role_note.setStyleSheet("color: #6a4a00;")
        self.role_note.setVisible(not self.can_bill)

        self.preview_panel = PreviewPanel()
        self.runs = RunsPanel(db, actor, runner, self.today)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.preview_panel, "Aperçu du lot")
        self.tabs.addTab(self.runs, "Lots émis")
        self.tariffs = TariffsPanel(db, actor, runner, self.today)  # loads when first shown
        self.tabs.addTab(self.tariffs, "Tarifs")
        self.tabs.currentChanged.connect(lambda _i: self._tab_changed())
        layout = QVBoxLayout(self)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.role_note)
        layout.addWidget(self.tabs, 1)

        self.preview_panel.families_view.activated.connect(
            lambda index: self.open_family.emit(
                self.preview_panel.families.row_at(index.row()).family_id
            )
        )
        self.regie.currentIndexChanged.connect(self._selection_changed)
        self.period.changed.connect(self._period_changed)

    def _tab_changed(self) -> None:
        on_tariffs = self.tabs.currentWidget() is self.tariffs
        self.run_choice.setEnabled(not on_tariffs)
        self.run_choice.setToolTip(
            "La régie et la période servent à l'aperçu et aux lots ; les tarifs ont "
            "leur propre choix d'unité ci-dessous."
            if on_tariffs
            else ""
        )

    # -- loading -------------------------------------------------------------------

    def reload(self) -> None:
        """Régies, then the runs of the chosen one (called when the area is shown)."""

        def load() -> list[RegieRow]:
            with self.db.session() as session:
                return regie_rows(session)

        self.runner.run(load, self._regies_loaded, label="Chargement des régies…", parent=self)

    def _regies_loaded(self, regies: list[RegieRow]) -> None:
        self.regie.set_regies(regies)  # emits: runs reloaded
        if not regies:
            self.preview_panel.clear(
                "Aucune régie n'est définie : importez le catalogue (régies, activités, tarifs)."
            )

    def _selection_changed(self) -> None:
        self._period_changed()
        self.runs.reload(self.regie.code())

    def _period_changed(self) -> None:
        preview = self.preview_panel.preview
        if preview is not None and not self._matches(preview.regie, preview.start, preview.end):
            self.preview_panel.clear(
                "La régie ou la période a changé : cliquez sur « Aperçu » pour recalculer."
            )

    def _matches(self, regie: str, start: date, end: date) -> bool:
        try:
            return (self.regie.code(), *self.period.period()) == (regie, start, end)
        except UserError:
            return False

    def _choice(self) -> tuple[str, date, date] | None:
        """The régie and period chosen, or None after a French message."""
        code = self.regie.code()
        if not code:
            dialogs.warning(self, "Choisissez d'abord une régie.")
            return None
        try:
            start, end = self.period.period()
        except UserError as exc:
            dialogs.warning(self, str(exc))
            return None
        return code, start, end

    # -- actions -------------------------------------------------------------------

    def preview(self) -> None:
        choice = self._choice()
        if choice is None:
            return
        code, start, end = choice
        as_of = self.today

        def work():
            with self.db.session() as session:
                return preview_run(session, code, start, end, as_of=as_of)

        def done(preview) -> None:
            self.preview_panel.show_preview(preview)
            self.tabs.setCurrentWidget(self.preview_panel)

        self.runner.run(work, done, label="Calcul de l'aperçu…", parent=self)

    def issue(self) -> None:
        choice = self._choice()
        if choice is None:
            return
        code, start, end = choice
        text = f"Émettre les factures de la régie {code} pour {period_text(start, end)} ?"
        preview = self.preview_panel.preview
        if preview is not None and self._matches(preview.regie, preview.start, preview.end):
            text += (
                f"\n\nD'après l'aperçu : {len(preview.families)} facture(s), "
                f"total {money(preview.total)}"
                + (f", {len(preview.anomalies)} anomalie(s)." if preview.anomalies else ".")
            )
        text += (
            "\n\nLes factures émises sont numérotées et ne pourront plus être modifiées "
            "(seul un avoir les corrige)."
        )
        if not dialogs.ask(self, text, yes="Émettre", no="Annuler", unattended=False):
            return
        actor, issue_date = self.actor, self.today

        def work():
            with self.db.session() as session:
                bind(session, actor)
                return issue_run(session, code, start, end, issue_date=issue_date, actor=actor)

        def done(report) -> None:
            dialogs.information(self, report.summary())
            self.preview_panel.clear(report.summary())
            if report.run_id is not None:
                self.runs.reload(code, select_run=report.run_id)
                self.tabs.setCurrentWidget(self.runs)

        self.runner.run(work, done, label="Émission des factures…", parent=self)

    def close_period(self) -> None:
        choice = self._choice()
        if choice is None:
            return
        code, start, end = choice
        if not dialogs.ask(
            self,
            f"Clôturer {period_text(start, end)} pour la régie {code} ?\n\nEnsuite plus aucun "
            "lot, aucune réservation, aucun pointage ni tarif ne pourra changer sur cette "
            "période (un avoir reste possible). Il n'y a pas de réouverture.",
            yes="Clôturer",
            no="Annuler",
            unattended=False,
        ):
            return
        actor = self.actor

        def work():
            with self.db.session() as session:
                bind(session, actor)
                return close_period(session, code, start, end, actor=actor)

        self.runner.run(
            work,
            lambda report: dialogs.information(self, report.summary()),
            label="Clôture de la période…",
            parent=self,
        )
