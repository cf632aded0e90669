"""« Règlements »: a family's balance and payments at the desk, online payments to
watch, invoices to transmit to the Trésor public, unpaid invoices, cheque deposits.

Lists load through the runner when their tab is shown (and on :meth:`reload`).
"""

from __future__ import annotations

from datetime import date

from backoffice.dates import paris_today
from backoffice.services.billing.common import BILLING_ROLES
from backoffice.services.billing.queries import RegieRow, regie_rows
from backoffice.services.common.actors import Actor
from backoffice.services.families.queries import find_family_id
from backoffice.storage import Database
from backoffice.ui.payments.attestations_dialog import AttestationsDialog
from backoffice.ui.payments.caf_dialog import CafDialog
from backoffice.ui.payments.documents_panel import DocumentsPanel
from backoffice.ui.payments.family_panel import FamilyPanel
from backoffice.ui.payments.lists import OnlinePanel, TresorPanel, UnpaidPanel
from backoffice.ui.payments.reminders_panel import RemindersPanel
from backoffice.ui.payments.sepa_panel import SepaPanel
from backoffice.ui.payments.slips_panel import SlipsPanel
from backoffice.ui.qt import QPushButton, QTabWidget, QVBoxLayout, QWidget, Signal
from backoffice.ui.tasks import TaskRunner
from backoffice.ui.widgets import AreaToolbar


class PaymentsArea(QWidget):
    open_family = Signal(int)  # to the families area (the family's file)

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
        self.regies: list[RegieRow] = []

        self.toolbar = AreaToolbar("Règlements")
        self.family = FamilyPanel(db, actor, runner, self.today)
        self.online = OnlinePanel(db, runner)
        self.tresor = TresorPanel(db, actor, runner, self.today)
        self.unpaid = UnpaidPanel(db, runner, self.today)
        self.slips = SlipsPanel(db, actor, runner, self.today)
        self.reminders = RemindersPanel(db, actor, runner, self.today)
        self.documents = DocumentsPanel(db, actor, runner, self.today)
        self.dialog: AttestationsDialog | CafDialog | None = None
        self.attestations_button = QPushButton("Attestations…")
        self.attestations_button.setToolTip(
            "Attestations de frais de garde et de présence : une famille ou toutes, "
            "à imprimer ou par courriel"
        )
        self.attestations_button.clicked.connect(self.open_attestations)
        self.caf_button = QPushButton("Statistiques CAF…")
        self.caf_button.clicked.connect(self.open_caf)
        self.toolbar.add_stretch()
        self.toolbar.add(self.attestations_button)
        self.toolbar.add(self.caf_button)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.family, "Compte d'une famille")
        self.tabs.addTab(self.online, "Paiements en ligne")
        self.tabs.addTab(self.tresor, "Trésor public")
        self.tabs.addTab(self.unpaid, "Impayés")
        self.tabs.addTab(self.slips, "Remises de chèques")
        # Direct debits: the régisseur's and the administrator's.
        self.sepa: SepaPanel | None = None
        if actor.role.value in ("admin", "accountant"):
            self.sepa = SepaPanel(db, actor, runner, self.today)
            self.sepa.changed.connect(self.family.refresh)
            self.tabs.addTab(self.sepa, "Prélèvements SEPA")
        if actor.role in BILLING_ROLES:  # the régisseur's papers
            self.tabs.addTab(self.reminders, "Relances")
            self.tabs.addTab(self.documents, "Reçus et avoirs")
        else:
            for button in (self.attestations_button, self.caf_button):
                button.setEnabled(False)
                button.setToolTip("Réservé au régisseur, au directeur ou à l'administrateur")
        layout = QVBoxLayout(self)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.tabs, 1)

        self.tabs.currentChanged.connect(lambda _index: self._reload_current())
        self.unpaid.open_family.connect(self.show_family_code)
        self.family.open_family.connect(self.open_family)
        self.tresor.changed.connect(self.family.refresh)

    def reload(self) -> None:
        """Régies first (every list depends on them), then the tab shown."""

        def load() -> list[RegieRow]:
            with self.db.session() as session:
                return regie_rows(session)

        self.runner.run(load, self._regies_loaded, label="Chargement des régies…", parent=self)

    def _regies_loaded(self, regies: list[RegieRow]) -> None:
        self.regies = regies
        self.family.regies = regies
        for panel in (self.tresor, self.unpaid, self.slips, self.reminders, self.documents):
            panel.regie.blockSignals(True)
            panel.set_regies(regies)
            panel.regie.blockSignals(False)
        if self.sepa is not None:
            self.sepa.set_regies(regies)
        self._reload_current()

    def _reload_current(self) -> None:
        current = self.tabs.currentWidget()
        if current is self.family:
            self.family.run_search()
        elif current in (
            self.online, self.tresor, self.unpaid, self.slips, self.reminders, self.documents
        ):  # fmt: skip
            current.reload()
        elif current is not None and current is self.sepa:
            self.sepa.reload()

    def show_family(self, family_id: int) -> None:
        self.tabs.setCurrentWidget(self.family)
        self.family.show_family(family_id)

    def show_invoice(self, family_id: int, invoice_id: int) -> None:
        self.tabs.setCurrentWidget(self.family)
        self.family.show_invoice(family_id, invoice_id)

    def show_family_code(self, code: str) -> None:
        with self.db.session() as session:
            family_id = find_family_id(session, code)
        self.show_family(family_id)

    def open_attestations(self) -> AttestationsDialog:
        self.dialog = AttestationsDialog(self.db, self.actor, self.runner, self.today, self)
        self.dialog.show()
        return self.dialog

    def open_caf(self) -> CafDialog:
        self.dialog = CafDialog(self.db, self.actor, self.runner, self.today, self)
        self.dialog.show()
        return self.dialog
