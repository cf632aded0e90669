"""« Familles » of the payments area: find a family, its balance per régie, its
invoices, and record a payment at the desk or use the family's credit."""

from __future__ import annotations

from datetime import date

from backoffice.services.billing import apply_family_credit
from backoffice.services.billing.balances import RegieBalance
from backoffice.services.billing.common import euros
from backoffice.services.billing.queries import (
    OPEN_STATES,
    FamilyAccount,
    RegieRow,
    family_account,
)
from backoffice.services.common.actors import Actor, bind
from backoffice.services.families.queries import FamilyRow, search_families
from backoffice.storage import Database
from backoffice.ui import dialogs
from backoffice.ui.billing.table import (
    Column,
    RowsModel,
    current_row,
    day,
    make_view,
    money,
    select_first,
)
from backoffice.ui.payments.record_dialog import RecordPaymentDialog
from backoffice.ui.qt import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from backoffice.ui.tasks import TaskRunner

SEARCH_DELAY_MS = 250
SEARCH_LIMIT = 100


def balance_text(value) -> str:
    if value > 0:
        return f"{money(value)} à payer"
    if value < 0:
        return f"{money(-value)} en avoir"
    return "soldé"


# Sized for the left pane of a 1280 px window (about 330 px): the name and the commune
# share what the code leaves, their whole text in the tooltip.
FAMILY_COLUMNS = (
    Column("Famille", lambda f: f.code, width=58),
    Column("Nom", lambda f: f.name, width=110, tooltip=lambda f: f.name),
    Column("Commune", lambda f: f.commune, tooltip=lambda f: f.commune),
)
# Long communes of the territory, shown whole in the family list.
LONG_COMMUNES = ("Saint-Jean-de-la-Motte", "La Chapelle-aux-Choux", "Château-l'Hermitage")
BALANCE_COLUMNS = (
    Column("Régie", lambda r: r.regie, width=60),
    Column("Facturé", lambda r: money(r.invoiced), amount=True, width=95),
    Column("Avoirs", lambda r: money(r.credited), amount=True, width=85),
    Column("Réglé", lambda r: money(r.paid), amount=True, width=95),
    Column(
        "Attente banque",
        lambda r: money(r.pending_online) if r.pending_online else "",
        amount=True,
        width=110,
    ),
    Column(
        "Avoir non affecté",
        lambda r: money(r.credit) if r.credit else "",
        amount=True,
        width=125,
    ),
    Column("Solde", lambda r: balance_text(r.balance), amount=True, width=160),
)
# At 1280 px the invoices get about 750 px beside the family list: the figures sized to
# « 1 032,40 € », the state (« Partiellement réglée ») still whole after them.
INVOICE_COLUMNS = (
    Column("Facture", lambda r: r.number, width=116),
    Column("Régie", lambda r: r.regie, width=50),
    Column("Émise le", lambda r: day(r.issue_date), width=78),
    Column("Échéance", lambda r: day(r.due_date), width=78),
    Column("Total", lambda r: money(r.total), amount=True, width=72),
    Column("Avoirs", lambda r: money(r.credited) if r.credited else "", amount=True, width=66),
    Column("Réglé", lambda r: money(r.paid) if r.paid else "", amount=True, width=72),
    Column("Reste dû", lambda r: money(r.balance), amount=True, width=72),
    Column("État", lambda r: r.state_label, tooltip=lambda r: r.state_label),
)


class FamilyPanel(QWidget):
    changed = Signal()  # a payment or a credit moved balances
    open_family = Signal(int)  # the family's file, in the families area

    def __init__(
        self,
        db: Database,
        actor: Actor,
        runner: TaskRunner,
        today: date,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.db, self.actor, self.runner, self.today = db, actor, runner, today
        self.regies: list[RegieRow] = []
        self.account: FamilyAccount | None = None
        self.dialog: RecordPaymentDialog | None = None
        # (family id, invoice id) to select once shown (from a family's card).
        self.wanted_invoice: tuple[int, int] | None = None

        self.search = QLineEdit()
        self.search.setPlaceholderText("Nom, F00042, commune, enfant")
        self.search.setToolTip("Nom, identifiant (F00042), commune ou prénom d'un enfant")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Rechercher une famille")
        self.families = RowsModel(FAMILY_COLUMNS, self)
        self.families_view = make_view(self.families, "Familles trouvées")
        self.families_view.selectionModel().selectionChanged.connect(
            lambda *_: self._family_changed()
        )
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.search)
        left_layout.addWidget(self.families_view, 1)
        # The splitter shrinks its sizes with the window: at 1280 px the communes were cut
        # (« Saint-Germain-d'… »); the list keeps room for a long one, whatever the width.
        view = self.families_view
        left.setMinimumWidth(
            sum(c.width for c in FAMILY_COLUMNS if c.width)
            + max(view.fontMetrics().horizontalAdvance(c) for c in LONG_COMMUNES)
            + 12  # the cell's margins
            + 2 * view.frameWidth()
            + view.verticalScrollBar().sizeHint().width()
        )

        self.title = QLabel("Choisissez une famille à gauche.")
        self.title.setWordWrap(True)
        self.balances = RowsModel(BALANCE_COLUMNS, self)
        self.balances_view = make_view(self.balances, "Solde par régie")
        self.balances_view.setMaximumHeight(150)
        self.open_only = QCheckBox("Seulement les factures restant à payer")
        self.open_only.setChecked(True)
        self.open_only.toggled.connect(lambda _on: self._show_invoices())
        self.invoices = RowsModel(
            INVOICE_COLUMNS, self, alert=lambda r: r.balance > 0 and r.due_date < self.today
        )
        self.invoices_view = make_view(self.invoices, "Factures de la famille")
        self.record_button = QPushButton("Enregistrer un règlement…")
        self.record_button.clicked.connect(self.open_record_dialog)
        self.credit_button = QPushButton("Utiliser l'avoir de la famille")
        self.credit_button.setToolTip(
            "Affecte l'avoir non utilisé de la régie choisie aux factures les plus anciennes"
        )
        self.credit_button.clicked.connect(self.use_credit)
        self.balances_view.selectionModel().selectionChanged.connect(
            lambda *_: self._update_buttons()
        )
        self.file_button = QPushButton("Ouvrir le dossier de la famille")
        self.file_button.clicked.connect(
            lambda: self.account and self.open_family.emit(self.account.header.id)
        )
        buttons = QHBoxLayout()
        buttons.addWidget(self.record_button)
        buttons.addWidget(self.credit_button)
        buttons.addStretch(1)
        buttons.addWidget(self.file_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.title)
        right_layout.addWidget(self.balances_view)
        right_layout.addWidget(self.open_only)
        right_layout.addWidget(self.invoices_view, 1)
        right_layout.addLayout(buttons)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([360, 900])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self.run_search)
        self.search.textChanged.connect(lambda _text: self._debounce.start())
        self.search.returnPressed.connect(self.run_search)
        self._update_buttons()

    # -- search --------------------------------------------------------------------

    def run_search(self, select_id: int | None = None) -> None:
        self._debounce.stop()
        query = self.search.text()

        def work() -> list[FamilyRow]:
            with self.db.session() as session:
                return search_families(session, query, limit=SEARCH_LIMIT)

        def done(rows: list[FamilyRow]) -> None:
            if query != self.search.text():
                return  # typed on meanwhile: the next search answers
            keep = select_id or (self.account.header.id if self.account else None)
            self.families.set_rows(rows)
            if keep is not None:
                select_first(self.families_view, lambda f: f.id == keep)

        self.runner.run(work, done, label="Recherche des familles…", parent=self)

    def show_family(self, family_id: int) -> None:
        """Open a family's account directly (from another area)."""
        self.load_family(family_id)

    def show_invoice(self, family_id: int, invoice_id: int) -> None:
        """A family's account with one invoice selected, paid or not (a family's card)."""
        self.wanted_invoice = (family_id, invoice_id)
        self.open_only.setChecked(False)
        self.load_family(family_id)

    def _family_changed(self) -> None:
        row = current_row(self.families_view)
        if row is not None and (self.account is None or self.account.header.id != row.id):
            self.load_family(row.id)

    def load_family(self, family_id: int) -> None:
        def work() -> FamilyAccount:
            with self.db.session() as session:
                return family_account(session, family_id)

        self.runner.run(work, self._family_loaded, label="Chargement du compte…", parent=self)

    def _family_loaded(self, account: FamilyAccount) -> None:
        self.account = account
        total = account.balance.balance
        self.title.setText(
            f"<b>{account.header.name}</b> ({account.header.code}) — solde toutes régies : "
            f"<b>{balance_text(total)}</b>"
        )
        self.balances.set_rows(account.balance.regies)
        select_first(self.balances_view, lambda r: r.balance > 0)
        self._show_invoices()
        self._update_buttons()

    def _show_invoices(self) -> None:
        rows = self.account.invoices if self.account else []
        if self.open_only.isChecked():
            rows = [r for r in rows if r.balance > 0 and r.state in OPEN_STATES]
        self.invoices.set_rows(rows)
        wanted = self.wanted_invoice
        if wanted is not None and self.account is not None and self.account.header.id == wanted[0]:
            self.wanted_invoice = None
            select_first(self.invoices_view, lambda r: r.id == wanted[1])
            self.invoices_view.scrollTo(self.invoices_view.currentIndex())

    def current_balance(self) -> RegieBalance | None:
        return current_row(self.balances_view)

    def _update_buttons(self) -> None:
        self.record_button.setEnabled(self.account is not None and bool(self.regies))
        self.file_button.setEnabled(self.account is not None)
        row = self.current_balance()
        self.credit_button.setEnabled(
            row is not None and row.credit > 0 and row.balance + row.credit > 0
        )

    # -- actions -------------------------------------------------------------------

    def open_record_dialog(self) -> RecordPaymentDialog | None:
        if self.account is None:
            return None
        invoice = current_row(self.invoices_view)
        balance = self.current_balance()
        regie = invoice.regie if invoice else (balance.regie if balance else "")
        dialog = RecordPaymentDialog(
            self.db, self.actor, self.account.header, self.regies, self.today, regie, self
        )
        dialog.recorded.connect(self._recorded)
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _recorded(self, text: str) -> None:
        dialogs.information(self, text)
        self.refresh()

    def refresh(self) -> None:
        if self.account is not None:
            self.load_family(self.account.header.id)
        self.changed.emit()

    def use_credit(self) -> None:
        row = self.current_balance()
        if self.account is None or row is None:
            return
        code, regie, actor = self.account.header.code, row.regie, self.actor

        def work():
            with self.db.session() as session:
                bind(session, actor)
                return apply_family_credit(session, code, regie, actor=actor)

        def done(allocated) -> None:
            if allocated:
                text = (
                    "Avoir affecté à "
                    + ", ".join(f"{a.number} ({euros(a.amount)})" for a in allocated)
                    + "."
                )
            else:
                text = "Aucune facture ouverte à régler avec l'avoir de la famille."
            dialogs.information(self, text)
            self.refresh()

        self.runner.run(work, done, label="Affectation de l'avoir…", parent=self)
