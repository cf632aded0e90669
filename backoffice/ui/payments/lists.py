"""Lists of the payments area: online payments to watch, invoices to transmit to the
Trésor public, unpaid invoices per régie. Each loads through the runner."""

from __future__ import annotations

from datetime import date

from backoffice.models import PaymentState
from backoffice.services.billing import mark_sent_to_tresor, unpaid_invoices
from backoffice.services.billing.balances import PaymentRow, UnpaidRow
from backoffice.services.billing.common import ZERO
from backoffice.services.billing.payments import PAYMENT_STATE_LABELS
from backoffice.services.billing.queries import (
    InvoiceRow,
    RegieRow,
    online_payment_rows,
    tresor_invoice_rows,
)
from backoffice.services.common.actors import Actor, bind
from backoffice.storage import Database
from backoffice.ui import dialogs
from backoffice.ui.billing.period import RegieCombo
from backoffice.ui.billing.table import Column, RowsModel, day, make_view, money, selected_rows
from backoffice.ui.payments.pes_panel import PesExportsPanel
from backoffice.ui.qt import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from backoffice.ui.tasks import TaskRunner

ONLINE_COLUMNS = (
    Column("Reçu le", lambda p: day(p.received_on), width=90),
    Column("Famille", lambda p: p.family, width=70),
    Column("Payeur", lambda p: p.payer_name, width=180),
    Column("Régie", lambda p: p.regie, width=60),
    Column("Montant", lambda p: money(p.amount), amount=True, width=100),
    Column("État", lambda p: PAYMENT_STATE_LABELS[p.state], width=270),
    Column("Factures", lambda p: ", ".join(n for n, _ in p.allocations), width=260),
    Column("Référence", lambda p: p.reference),
)
TRESOR_COLUMNS = (
    Column("Facture", lambda r: r.number, width=135),
    Column("Famille", lambda r: r.family_code, width=70),
    Column("Facturé à", lambda r: r.billing_name, width=230),
    Column("Émise le", lambda r: day(r.issue_date), width=90),
    Column("Échéance", lambda r: day(r.due_date), width=90),
    Column("Total", lambda r: money(r.total), amount=True, width=100),
    Column("Reste dû", lambda r: money(r.balance), amount=True, width=100),
    Column("État", lambda r: r.state_label),
)
UNPAID_COLUMNS = (
    Column("Facture", lambda r: r.number, width=135),
    Column("Famille", lambda r: r.family, width=70),
    Column("Facturé à", lambda r: r.billing_name, width=230),
    Column("Échéance", lambda r: day(r.due_date), width=90),
    Column("Total", lambda r: money(r.total), amount=True, width=100),
    Column("Reste dû", lambda r: money(r.balance), amount=True, width=100),
    Column(
        "Retard", lambda r: f"{r.days_overdue} j" if r.days_overdue else "", amount=True, width=70
    ),
    Column("État", lambda r: r.as_dict()["state_label"]),
)
STATE_CHOICES = (
    ("En attente de validation par la banque", PaymentState.PENDING_BANK_VALIDATION),
    ("Validés", PaymentState.VALIDATED),
    ("Refusés par la banque", PaymentState.REFUSED),
    ("Tous", None),
)


def _header(*widgets) -> QHBoxLayout:
    row = QHBoxLayout()
    for widget in widgets:
        if widget is None:
            row.addStretch(1)
        elif isinstance(widget, str):
            row.addWidget(QLabel(widget))
        else:
            row.addWidget(widget)
    return row


class OnlinePanel(QWidget):
    """Online payments (PayFiP, from the portal) by state: what to watch."""

    def __init__(self, db: Database, runner: TaskRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.runner = db, runner
        self.state = QComboBox()
        self.state.setAccessibleName("État des paiements en ligne")
        for label, state in STATE_CHOICES:
            self.state.addItem(label, state)
        self.state.currentIndexChanged.connect(lambda _i: self.reload())
        self.count = QLabel()
        self.model = RowsModel(
            ONLINE_COLUMNS, self, alert=lambda p: p.state is PaymentState.REFUSED
        )
        self.view = make_view(self.model, "Paiements en ligne")
        note = QLabel(
            "Les paiements en ligne arrivent du portail à chaque synchronisation : en attente "
            "de validation par la banque, puis validés (affectés automatiquement aux factures "
            "payées, le reste en avoir) ou refusés."
        )
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(_header("Afficher :", self.state, None, self.count))
        layout.addWidget(self.view, 1)

    def set_state(self, state: PaymentState | None) -> None:
        self.state.setCurrentIndex(self.state.findData(state) if state else self.state.count() - 1)

    def reload(self) -> None:
        state = self.state.currentData()

        def work() -> list[PaymentRow]:
            with self.db.session() as session:
                return online_payment_rows(session, state)

        def done(rows: list[PaymentRow]) -> None:
            self.model.set_rows(rows)
            total = sum((r.amount for r in rows), ZERO)
            self.count.setText(f"{len(rows)} paiement(s), {money(total)}")

        self.runner.run(work, done, label="Chargement des paiements en ligne…", parent=self)


class TresorPanel(QWidget):
    """Invoices of the Trésor public régies still open: select, then transmit."""

    changed = Signal()

    def __init__(self, db: Database, actor: Actor, runner: TaskRunner, today: date, parent=None):
        super().__init__(parent)
        self.db, self.actor, self.runner, self.today = db, actor, runner, today
        self.regie = RegieCombo(everyone="Toutes les régies du Trésor public")
        self.regie.currentIndexChanged.connect(lambda _i: self.reload())
        self.count = QLabel()
        self.model = RowsModel(TRESOR_COLUMNS, self)
        self.view = make_view(self.model, "Factures à transmettre au Trésor public", multi=True)
        self.select_all = QPushButton("Tout sélectionner")
        self.select_all.clicked.connect(self.view.selectAll)
        self.send_button = QPushButton("Transmettre au Trésor public…")
        self.send_button.setToolTip(
            "Les factures choisies sont soldées pour la régie : le Trésor public les recouvre"
        )
        self.send_button.clicked.connect(self.transmit)
        note = QLabel(
            "Périscolaire et multi-accueil : les factures sont recouvrées par le Trésor public "
            "(avis des sommes à payer). Une fois transmises, elles apparaissent soldées pour "
            "les familles."
        )
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(_header("Régie :", self.regie, None, self.count))
        layout.addWidget(self.view, 1)
        layout.addLayout(_header(self.select_all, self.send_button, None))
        # The PES V2 files (régisseur, administrator): what was sent, and the next one.
        self.pes: PesExportsPanel | None = None
        if actor.role.value in ("admin", "accountant"):
            self.pes = PesExportsPanel(db, actor, runner, today)
            self.pes.exported.connect(self.reload)
            self.pes.exported.connect(self.changed.emit)
            layout.addWidget(self.pes, 1)

    def set_regies(self, regies: list[RegieRow]) -> None:
        self.regie.set_regies([r for r in regies if r.via_tresor])
        if self.pes is not None:
            self.pes.set_regies(regies)

    def reload(self) -> None:
        code = self.regie.code()

        def work() -> list[InvoiceRow]:
            with self.db.session() as session:
                return tresor_invoice_rows(session, code or None)

        def done(rows: list[InvoiceRow]) -> None:
            self.model.set_rows(rows)
            total = sum((r.balance for r in rows), ZERO)
            self.count.setText(f"{len(rows)} facture(s) à transmettre, {money(total)}")

        self.runner.run(work, done, label="Chargement des factures…", parent=self)
        if self.pes is not None:
            self.pes.reload()

    def transmit(self) -> None:
        rows = selected_rows(self.view)
        if not rows:
            dialogs.warning(self, "Sélectionnez les factures à transmettre au Trésor public.")
            return
        total = sum((r.balance for r in rows), ZERO)
        if not dialogs.ask(
            self,
            f"Transmettre {len(rows)} facture(s) au Trésor public ({money(total)}) ? "
            "Elles seront soldées pour la régie.",
            yes="Transmettre",
            no="Annuler",
            unattended=False,
        ):
            return
        numbers, actor, on_date = [r.number for r in rows], self.actor, self.today

        def work() -> int:
            with self.db.session() as session:
                bind(session, actor)
                return mark_sent_to_tresor(
                    session, invoice_numbers=numbers, on_date=on_date, actor=actor
                )

        def done(count: int) -> None:
            dialogs.information(
                self, f"{count} facture(s) transmise(s) au Trésor public (soldées pour la régie)."
            )
            self.reload()
            self.changed.emit()

        self.runner.run(work, done, label="Transmission au Trésor public…", parent=self)


class UnpaidPanel(QWidget):
    """Unpaid invoices of a régie, oldest due date first, with the days overdue."""

    open_family = Signal(str)  # family code

    def __init__(self, db: Database, runner: TaskRunner, today: date, parent=None):
        super().__init__(parent)
        self.db, self.runner, self.today = db, runner, today
        self.regie = RegieCombo()
        self.regie.currentIndexChanged.connect(lambda _i: self.reload())
        self.not_due = QCheckBox("Afficher aussi les factures non échues")
        self.not_due.setToolTip("Par défaut, seules les factures dont l'échéance est passée")
        self.not_due.toggled.connect(lambda _on: self.reload())
        self.count = QLabel()
        self.model = RowsModel(UNPAID_COLUMNS, self, alert=lambda r: r.days_overdue > 0)
        self.view = make_view(self.model, "Factures impayées")
        self.view.activated.connect(
            lambda index: self.open_family.emit(self.model.row_at(index.row()).family)
        )
        layout = QVBoxLayout(self)
        layout.addLayout(_header("Régie :", self.regie, self.not_due, None, self.count))
        layout.addWidget(self.view, 1)
        layout.addWidget(
            QLabel("Double-cliquez sur une facture pour ouvrir le compte de la famille.")
        )

    def set_regies(self, regies: list[RegieRow]) -> None:
        self.regie.set_regies(regies)

    def reload(self) -> None:
        code, as_of, not_due = self.regie.code(), self.today, self.not_due.isChecked()
        if not code:
            self.model.set_rows([])
            return

        def work() -> list[UnpaidRow]:
            with self.db.session() as session:
                return unpaid_invoices(session, code, as_of=as_of, include_not_due=not_due)

        def done(rows: list[UnpaidRow]) -> None:
            self.model.set_rows(rows)
            total = sum((r.balance for r in rows), ZERO)
            late = sum(1 for r in rows if r.days_overdue > 0)
            self.count.setText(
                f"{len(rows)} facture(s) impayée(s), dont {late} en retard — reste dû {money(total)}"
            )

        self.runner.run(work, done, label="Chargement des impayés…", parent=self)
