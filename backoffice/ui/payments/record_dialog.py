"""« Enregistrer un règlement » at the desk: mode, amount, allocation, family credit.

The amount is pre-filled with what the family owes for the régie (what CESU may pay,
in CESU) until the agent types another. The allocation is pre-filled oldest invoice first (what the service does by
default) each time the amount, the mode or the régie changes, and stays
editable; what is not allocated is shown as the family's credit. Amounts are
typed the French way (« 12,50 »). A refused input (the service's rules, such as an
allocation left empty while invoices are open) keeps everything typed and says why
under the form, in French.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from backoffice.dates import parse_french_date
from backoffice.errors import UserError
from backoffice.models import PAYMENT_MODE_LABELS, PaymentMode
from backoffice.services.billing import BillingError, parse_amount, record_payment
from backoffice.services.billing.common import ZERO
from backoffice.services.billing.queries import (
    FamilyHeader,
    OpenInvoice,
    RegieRow,
    oldest_first,
    open_invoice_rows,
)
from backoffice.services.common.actors import Actor, bind
from backoffice.storage import Database
from backoffice.ui.billing.credit_note import plain_amount
from backoffice.ui.billing.period import RegieCombo
from backoffice.ui.billing.table import RIGHT, day, money
from backoffice.ui.qt import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from backoffice.ui.widgets.dates import DateField
from backoffice.ui.widgets.dialog_parts import ok_cancel
from backoffice.ui.widgets.labels import ErrorLabel

DESK_MODES = (
    PaymentMode.CHEQUE,
    PaymentMode.CASH,
    PaymentMode.CARD,
    PaymentMode.ANCV,
    PaymentMode.CESU,
    PaymentMode.TRANSFER,
)
COLUMNS = ("Facture", "Émise le", "Échéance", "Reste dû", "Payable en CESU", "Affecté")
ALLOCATED = 5
CESU_NOTE = (
    "CESU : seulement la garde des enfants de moins de 6 ans (multi-accueil, périscolaire "
    "maternelle), jamais rendus en avoir."
)


def optional_amount(text: str) -> Decimal:
    """An allocation cell: empty or zero is nothing; else a positive amount."""
    raw = text.strip()
    if not raw or raw.replace(",", ".").strip("0.") == "":
        return ZERO
    return parse_amount(raw)


class RecordPaymentDialog(QDialog):
    """``recorded(text)`` once the payment is written."""

    recorded = Signal(str)

    def __init__(
        self,
        db: Database,
        actor: Actor,
        family: FamilyHeader,
        regies: list[RegieRow],
        today: date,
        regie_code: str = "",
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.db, self.actor, self.family, self.today = db, actor, family, today
        self.invoices: list[OpenInvoice] = []
        self._filling = False
        self._amount_prefilled = ""  # the amount last put there for the agent
        self.setWindowTitle(f"Règlement — {family.name} ({family.code})")
        self.resize(820, 600)

        self.regie = RegieCombo()
        self.regie.set_regies(regies)
        if regie_code:
            self.regie.select(regie_code)
        self.mode = QComboBox()
        self.mode.setAccessibleName("Mode de règlement")
        for mode in DESK_MODES:
            self.mode.addItem(PAYMENT_MODE_LABELS[mode], mode.value)
        self.amount = QLineEdit()
        self.amount.setAccessibleName("Montant")
        self.amount.setPlaceholderText("12,50")
        self.amount.setMaximumWidth(140)
        self.amount.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.bank = QLineEdit()
        self.bank.setAccessibleName("Banque du chèque")
        self.bank.setPlaceholderText("Crédit Agricole, La Poste…")
        self.cheque_number = QLineEdit()
        self.cheque_number.setAccessibleName("Numéro du chèque")
        self.cheque_number.setMaximumWidth(200)
        self.payer = QLineEdit()
        self.payer.setAccessibleName("Payeur")
        self.payer.setPlaceholderText(family.name)
        self.received = DateField(today=today)
        self.received.setAccessibleName("Date de réception")
        self.received.setText(f"{today:%d/%m/%Y}")
        self.cesu_note = QLabel(CESU_NOTE)
        self.cesu_note.setWordWrap(True)
        self.cesu_note.setStyleSheet("color: #6a4a00;")

        form = QFormLayout()
        form.addRow("Régie :", self.regie)
        form.addRow("Mode :", self.mode)
        form.addRow("Montant (€) :", self.amount)
        form.addRow("Banque :", self.bank)
        form.addRow("N° du chèque :", self.cheque_number)
        form.addRow("Payeur :", self.payer)
        form.addRow("Reçu le :", self.received)
        self.form = form

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setAccessibleName("Affectation aux factures")
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for column, width in enumerate((150, 95, 95, 110, 130)):
            header.resizeSection(column, width)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(3, len(COLUMNS)):
            self.table.horizontalHeaderItem(column).setTextAlignment(RIGHT)
        self.table.horizontalHeaderItem(ALLOCATED).setToolTip(
            "Modifiable : le montant affecté à chaque facture (12,50)"
        )
        self.allocation_label = QLabel()
        self.error = ErrorLabel()
        buttons, self.ok_button = ok_cancel(self, "Enregistrer le règlement")

        heading = QLabel(f"Famille <b>{family.name}</b> ({family.code})")
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.cesu_note)
        layout.addWidget(QLabel("<b>Affectation</b> (les plus anciennes d'abord ; modifiable) :"))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.allocation_label)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

        self.regie.currentIndexChanged.connect(self.load_invoices)
        self.mode.currentIndexChanged.connect(self._mode_changed)
        self.amount.textChanged.connect(lambda _text: self.prefill())
        self.table.itemChanged.connect(lambda _item: self._filling or self.show_totals())
        self._mode_changed()
        self.load_invoices()

    # -- state ---------------------------------------------------------------------

    def current_mode(self) -> PaymentMode:
        return PaymentMode(self.mode.currentData())

    def set_mode(self, mode: PaymentMode) -> None:
        self.mode.setCurrentIndex(self.mode.findData(mode.value))

    def _mode_changed(self) -> None:
        cheque = self.current_mode() is PaymentMode.CHEQUE
        for widget in (self.bank, self.cheque_number):
            widget.setEnabled(cheque)
            self.form.labelForField(widget).setEnabled(cheque)
        cesu = self.current_mode() is PaymentMode.CESU
        self.cesu_note.setVisible(cesu)
        self.table.setColumnHidden(ALLOCATED - 1, not cesu)
        self.prefill_amount()
        self.prefill()

    def load_invoices(self) -> None:
        """The open invoices of the family for the chosen régie (a small query)."""
        code = self.regie.code()
        try:
            with self.db.session() as session:
                self.invoices = open_invoice_rows(session, self.family.code, code) if code else []
        except UserError as exc:
            self.invoices = []
            self.say(str(exc))
        self._filling = True
        self.table.setRowCount(len(self.invoices))
        for n, invoice in enumerate(self.invoices):
            texts = (
                invoice.number,
                day(invoice.issue_date),
                day(invoice.due_date),
                money(invoice.balance),
                money(min(invoice.cesu_room, invoice.balance)),
            )
            for column, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                if column >= 3:
                    item.setTextAlignment(RIGHT)
                self.table.setItem(n, column, item)
            cell = QTableWidgetItem("")
            cell.setTextAlignment(RIGHT)
            self.table.setItem(n, ALLOCATED, cell)
        self._filling = False
        self.prefill_amount()
        self.prefill()

    def owed(self) -> Decimal:
        """What the family owes for the régie (in CESU: what CESU may pay of it)."""
        if self.current_mode() is PaymentMode.CESU:
            return sum((min(i.cesu_room, i.balance) for i in self.invoices), ZERO)
        return sum((i.balance for i in self.invoices), ZERO)

    def prefill_amount(self) -> None:
        """The amount owed, unless the agent typed one of their own."""
        if self.amount.text().strip() not in ("", self._amount_prefilled):
            return
        owed = self.owed()
        self._amount_prefilled = plain_amount(owed) if owed > 0 else ""
        self.amount.setText(self._amount_prefilled)
        self.amount.selectAll()  # typing replaces it

    def typed_amount(self) -> Decimal | None:
        try:
            return parse_amount(self.amount.text())
        except BillingError:
            return None

    def prefill(self) -> None:
        """Oldest first, as the service would do it; the agent may then edit."""
        amount = self.typed_amount()
        if amount is None:
            self.show_totals()
            return
        plan = oldest_first(self.invoices, amount, cesu=self.current_mode() is PaymentMode.CESU)
        self._filling = True
        for n, invoice in enumerate(self.invoices):
            part = plan.get(invoice.number)
            self.table.item(n, ALLOCATED).setText(plain_amount(part) if part else "")
        self._filling = False
        self.show_totals()

    def allocations(self) -> dict[str, Decimal]:
        """What the agent allocated, by invoice number; French error for a bad cell."""
        result: dict[str, Decimal] = {}
        for n, invoice in enumerate(self.invoices):
            try:
                part = optional_amount(self.table.item(n, ALLOCATED).text())
            except BillingError as exc:
                raise BillingError(f"Affectation à {invoice.number} : {exc}") from None
            if part > 0:
                result[invoice.number] = part
        return result

    def show_totals(self) -> None:
        amount = self.typed_amount()
        if amount is None:
            self.allocation_label.setText(
                "Saisissez le montant reçu (par exemple 12,50) : il sera affecté aux "
                "factures les plus anciennes."
            )
            return
        try:
            allocated = sum(self.allocations().values(), ZERO)
        except BillingError as exc:
            self.allocation_label.setText(str(exc))
            return
        left = amount - allocated
        text = f"Affecté : <b>{money(allocated)}</b> sur {money(amount)}"
        if left > 0:
            text += f" — reste en avoir pour la famille : <b>{money(left)}</b>"
        elif left < 0:
            text += (
                f" — <span style='color:#a40000'>les affectations dépassent le montant de "
                f"{money(-left)}</span>"
            )
        self.allocation_label.setText(text)

    def say(self, text: str) -> None:
        self.error.show_error(text)

    # -- saving --------------------------------------------------------------------

    def submit(self) -> bool:
        try:
            amount = parse_amount(self.amount.text())
            try:
                received = parse_french_date(self.received.text(), self.today)
            except ValueError as exc:
                raise BillingError(f"Date de réception : {exc}.") from None
            allocations = self.allocations()  # none while invoices are open: the service says no
            with self.db.session() as session:
                bind(session, self.actor)
                report = record_payment(
                    session,
                    self.family.code,
                    self.regie.code(),
                    self.current_mode(),
                    amount,
                    received_on=received or self.today,
                    bank=self.bank.text() if self.current_mode() is PaymentMode.CHEQUE else "",
                    number=(
                        self.cheque_number.text()
                        if self.current_mode() is PaymentMode.CHEQUE
                        else ""
                    ),
                    payer_name=self.payer.text(),
                    allocations=allocations,
                    actor=self.actor,
                )
                text = report.summary()
        except UserError as exc:
            self.say(str(exc))
            return False
        self.say("")
        self.recorded.emit(text)
        self.accept()
        return True
