"""« Reçus et avoirs »: the desk payments of a régie, each with « Imprimer le reçu », and
its credit notes, each with « Ouvrir l'avoir (PDF) ». PDFs are written in the background
and opened in the system viewer."""

from __future__ import annotations

from datetime import date

from backoffice.services.billing.queries import RegieRow
from backoffice.services.billing.receipts import (
    CreditNoteRow,
    DeskPaymentRow,
    credit_note_rows,
    desk_payment_rows,
    regie_documents_dir,
    write_credit_note_pdf,
    write_receipt,
)
from backoffice.services.common.actors import Actor
from backoffice.storage import Database
from backoffice.ui import files
from backoffice.ui.billing.period import RegieCombo
from backoffice.ui.billing.table import Column, RowsModel, current_row, day, make_view, money
from backoffice.ui.qt import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget
from backoffice.ui.tasks import TaskRunner

PAYMENT_COLUMNS = (
    Column("N°", lambda p: str(p.id), amount=True, width=60),
    Column("Reçu le", lambda p: day(p.received_on), width=90),
    Column("Famille", lambda p: p.family, width=70),
    Column("Payeur", lambda p: p.payer_name, width=200),
    Column("Mode", lambda p: p.mode_label, width=170),
    Column("Montant", lambda p: money(p.amount), amount=True, width=100),
    Column("Factures", lambda p: p.invoices),
)
CREDIT_COLUMNS = (
    Column("Avoir", lambda c: c.number, width=150),
    Column("Émis le", lambda c: day(c.issue_date), width=90),
    Column("Facture", lambda c: c.invoice, width=135),
    Column("Famille", lambda c: c.family, width=70),
    Column("Montant", lambda c: money(c.total), amount=True, width=100),
    Column("Motif", lambda c: c.reason),
)


class DocumentsPanel(QWidget):
    def __init__(self, db: Database, actor: Actor, runner: TaskRunner, today: date, parent=None):
        super().__init__(parent)
        self.db, self.actor, self.runner, self.today = db, actor, runner, today
        self.regie = RegieCombo()
        self.regie.currentIndexChanged.connect(lambda _i: self.reload())
        self.payments = RowsModel(PAYMENT_COLUMNS, self)
        self.payments_view = make_view(self.payments, "Règlements reçus au guichet")
        self.payments_view.activated.connect(lambda _i: self.print_receipt())
        self.receipt_button = QPushButton("Imprimer le reçu")
        self.receipt_button.setToolTip("Ouvre le reçu du règlement choisi, à imprimer")
        self.receipt_button.clicked.connect(self.print_receipt)
        self.credits = RowsModel(CREDIT_COLUMNS, self)
        self.credits_view = make_view(self.credits, "Avoirs de la régie")
        self.credits_view.activated.connect(lambda _i: self.open_credit_note())
        self.credit_button = QPushButton("Ouvrir l'avoir (PDF)")
        self.credit_button.clicked.connect(self.open_credit_note)

        top = QHBoxLayout()
        top.addWidget(QLabel("Régie :"))
        top.addWidget(self.regie)
        top.addStretch(1)
        pay_row = QHBoxLayout()
        pay_row.addWidget(QLabel("<b>Règlements au guichet</b>"))
        pay_row.addStretch(1)
        pay_row.addWidget(self.receipt_button)
        credit_row = QHBoxLayout()
        credit_row.addWidget(QLabel("<b>Avoirs</b>"))
        credit_row.addStretch(1)
        credit_row.addWidget(self.credit_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(pay_row)
        layout.addWidget(self.payments_view, 3)
        layout.addLayout(credit_row)
        layout.addWidget(self.credits_view, 2)

    def set_regies(self, regies: list[RegieRow]) -> None:
        self.regie.set_regies(regies)

    def reload(self) -> None:
        code, actor = self.regie.code(), self.actor
        if not code:
            return

        def work() -> tuple[list[DeskPaymentRow], list[CreditNoteRow]]:
            with self.db.session() as session:
                return (
                    desk_payment_rows(session, actor, code),
                    credit_note_rows(session, actor, code),
                )

        def done(result) -> None:
            self.payments.set_rows(result[0])
            self.credits.set_rows(result[1])

        self.runner.run(work, done, label="Chargement des règlements et avoirs…", parent=self)

    def print_receipt(self) -> None:
        payment = current_row(self.payments_view)
        if payment is None:
            return
        actor, today = self.actor, self.today
        self.runner.run(
            lambda: write_receipt(self.db, actor, payment.id, regie_documents_dir("recus"), today),
            files.open_file,
            label=f"Reçu du règlement n° {payment.id}…",
            parent=self,
        )

    def open_credit_note(self) -> None:
        note = current_row(self.credits_view)
        if note is None:
            return
        actor = self.actor
        self.runner.run(
            lambda: write_credit_note_pdf(self.db, actor, note.id, regie_documents_dir("avoirs")),
            files.open_file,
            label=f"PDF de l'avoir {note.number}…",
            parent=self,
        )
