"""« Établir un avoir » on an issued invoice: the whole invoice, or some lines.

Each line can be credited in full or for a part typed in euros (« 5,50 »), never
more than what remains of it; the reason is mandatory. The credit note's total is
shown under the lines as they are ticked and typed, before the agent confirms. A
refused input leaves everything as typed, with the French reason under the form.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from backoffice.errors import UserError
from backoffice.services.billing import BillingError, issue_credit_note, parse_amount
from backoffice.services.billing.queries import InvoiceRow, LineRow, invoice_line_rows
from backoffice.services.common.actors import Actor, bind
from backoffice.storage import Database
from backoffice.ui.billing.table import RIGHT, day, money
from backoffice.ui.qt import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QRadioButton,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from backoffice.ui.widgets.dialog_parts import ok_cancel
from backoffice.ui.widgets.labels import ErrorLabel


def plain_amount(value: Decimal) -> str:
    """« 11,20 »: how the agent types an amount (parse_amount reads it back)."""
    return f"{value:.2f}".replace(".", ",")


COLUMNS = ("Ligne", "Enfant", "Libellé", "Jour", "Montant", "Déjà crédité", "À créditer")
AMOUNT_COLUMN = 6


class CreditNoteDialog(QDialog):
    """``issued(number, text)`` once the credit note is written."""

    issued = Signal(str, str)

    def __init__(
        self,
        db: Database,
        actor: Actor,
        invoice: InvoiceRow,
        today: date,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.db, self.actor, self.invoice, self.today = db, actor, invoice, today
        self.setWindowTitle(f"Avoir sur la facture {invoice.number}")
        self.resize(900, 560)
        with db.session() as session:
            self.lines: list[LineRow] = invoice_line_rows(session, invoice.number)

        intro = QLabel(
            f"Facture <b>{invoice.number}</b> — {invoice.billing_name} ({invoice.family_code}), "
            f"émise le {invoice.issue_date:%d/%m/%Y} : total {money(invoice.total)}, "
            f"déjà crédité {money(invoice.credited)}, reste dû {money(invoice.balance)}."
        )
        intro.setWordWrap(True)
        self.whole = QRadioButton(
            f"Toute la facture (ce qui n'est pas encore crédité : "
            f"{money(invoice.total - invoice.credited)})"
        )
        self.some = QRadioButton("Certaines lignes (cochez-les ; montant modifiable)")
        self.whole.setChecked(True)
        self.whole.toggled.connect(self._mode_changed)
        self.total_label = QLabel()
        self.total_label.setAccessibleName("Total de l'avoir")

        self.table = QTableWidget(len(self.lines), len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setAccessibleName("Lignes de la facture")
        self.table.verticalHeader().hide()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        for n, line in enumerate(self.lines):
            check = QTableWidgetItem(str(line.position))
            check.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
            check.setCheckState(Qt.CheckState.Unchecked)
            self.table.setItem(n, 0, check)
            texts = (line.child, line.label, day(line.day), money(line.amount))
            credited = money(line.credited) if line.credited else ""
            for column, text in enumerate((*texts, credited), start=1):
                item = QTableWidgetItem(text)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                if column >= 4:
                    item.setTextAlignment(RIGHT)
                self.table.setItem(n, column, item)
            left = QTableWidgetItem(plain_amount(line.left) if line.left > 0 else "")
            left.setTextAlignment(RIGHT)
            if line.left <= 0:
                left.setFlags(Qt.ItemFlag.ItemIsEnabled)
                check.setFlags(Qt.ItemFlag.NoItemFlags)
            self.table.setItem(n, AMOUNT_COLUMN, left)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        for column, width in enumerate((50, 110, 0, 90, 90, 100, 95)):
            if width:
                header.resizeSection(column, width)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)

        self.reason = QLineEdit()
        self.reason.setAccessibleName("Motif de l'avoir")
        self.reason.setPlaceholderText("Obligatoire : séjour annulé, erreur de pointage…")
        form = QFormLayout()
        form.addRow("Motif de l'avoir :", self.reason)
        self.error = ErrorLabel()
        buttons, self.ok_button = ok_cancel(self, "Établir l'avoir")

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.whole)
        layout.addWidget(self.some)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.total_label)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.table.itemChanged.connect(lambda _item: self.show_total())
        self._mode_changed()

    def _mode_changed(self) -> None:
        self.table.setEnabled(self.some.isChecked())
        self.show_total()

    def total(self) -> Decimal:
        """What the credit note would credit, as ticked and typed (French error else)."""
        wanted = self.wanted_lines()
        if wanted is None:
            return sum((line.left for line in self.lines if line.left > 0), Decimal("0.00"))
        left = {line.position: line.left for line in self.lines}
        return sum(
            (left[p] if amount is None else amount for p, amount in wanted.items()),
            Decimal("0.00"),
        )

    def show_total(self) -> None:
        try:
            text = f"Total de l'avoir : <b>{money(self.total())}</b>"
        except BillingError as exc:
            text = f"Total de l'avoir : — ({exc})"
        self.total_label.setText(text)

    def check_line(self, position: int, amount: str | None = None) -> None:
        """Tick line ``position`` (and type an amount): what the agent does by hand."""
        self.some.setChecked(True)
        n = next(i for i, line in enumerate(self.lines) if line.position == position)
        self.table.item(n, 0).setCheckState(Qt.CheckState.Checked)
        if amount is not None:
            self.table.item(n, AMOUNT_COLUMN).setText(amount)

    def wanted_lines(self) -> dict[int, Decimal | None] | None:
        """None: the whole invoice; else position → amount (None: all that remains)."""
        if self.whole.isChecked():
            return None
        wanted: dict[int, Decimal | None] = {}
        for n, line in enumerate(self.lines):
            if self.table.item(n, 0).checkState() != Qt.CheckState.Checked:
                continue
            text = self.table.item(n, AMOUNT_COLUMN).text().strip()
            try:
                amount = parse_amount(text) if text else line.left
            except BillingError as exc:
                raise BillingError(f"Ligne {line.position} : {exc}") from None
            wanted[line.position] = None if amount == line.left else amount
        if not wanted:
            raise BillingError("Cochez au moins une ligne à créditer (ou « Toute la facture »).")
        return wanted

    def say(self, text: str) -> None:
        self.error.show_error(text)

    def submit(self) -> bool:
        try:
            reason = self.reason.text().strip()
            if not reason:
                raise BillingError("Indiquez le motif de l'avoir : il figure sur la pièce.")
            lines = self.wanted_lines()
            with self.db.session() as session:
                bind(session, self.actor)
                note = issue_credit_note(
                    session,
                    self.invoice.number,
                    reason,
                    lines=lines,
                    issue_date=self.today,
                    actor=self.actor,
                )
                number, total = note.number, note.total
        except UserError as exc:
            self.say(str(exc))
            return False
        self.say("")
        text = f"Avoir {number} établi sur la facture {self.invoice.number} : {money(total)}." + (
            " La facture est entièrement annulée." if lines is None else ""
        )
        self.issued.emit(number, text)
        self.accept()
        return True
