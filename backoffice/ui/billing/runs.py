"""« Lots émis »: the issued runs of a régie, their invoices, PDFs, e-mails, credit notes.

PDFs of a whole run are rendered in the background (the runner's task) with a
progress bar here and in the runner's progress dialog; they go into a folder the
agent chooses (by default under the data folder, one sub-folder per run) and
are queued for the portal. One invoice's PDF opens in the system viewer.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from backoffice.paths import invoices_dir
from backoffice.services.billing.common import BILLING_ROLES
from backoffice.services.billing.invoice_pdfs import email_run, render_run
from backoffice.services.billing.queries import InvoiceRow, RunRow, run_invoice_rows, run_rows
from backoffice.services.common.actors import Actor
from backoffice.storage import Database
from backoffice.ui import crash, dialogs, files
from backoffice.ui.billing.credit_note import CreditNoteDialog
from backoffice.ui.billing.period import period_text
from backoffice.ui.billing.table import (
    Column,
    RowsModel,
    current_row,
    day,
    make_view,
    money,
    select_first,
)
from backoffice.ui.qt import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from backoffice.ui.tasks import TaskRunner

RUN_COLUMNS = (
    Column("Lot", lambda r: f"n° {r.id}", width=60),
    Column("Régie", lambda r: r.regie, width=60),
    Column("Période", lambda r: period_text(r.start, r.end), width=200),
    Column("Émis le", lambda r: day(r.issued_on), width=90),
    Column("Factures", lambda r: str(r.count), amount=True, width=80),
    Column("Total", lambda r: money(r.total), amount=True, width=110),
    Column("Numéros", lambda r: r.numbers, width=300),
)
INVOICE_COLUMNS = (
    Column("Facture", lambda r: r.number, width=135),
    Column("Famille", lambda r: r.family_code, width=70),
    Column("Facturé à", lambda r: r.billing_name, width=210),
    Column("Échéance", lambda r: day(r.due_date), width=90),
    Column("Total", lambda r: money(r.total), amount=True, width=95),
    Column("Avoirs", lambda r: money(r.credited) if r.credited else "", amount=True, width=90),
    Column("Réglé", lambda r: money(r.paid) if r.paid else "", amount=True, width=90),
    Column("Reste dû", lambda r: money(r.balance), amount=True, width=95),
    Column("État", lambda r: r.state_label),
)


class RunsPanel(QWidget):
    """``changed()`` after a credit note (balances moved)."""

    changed = Signal()
    pdf_progress = Signal(int, int)  # done, total — emitted from the worker

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
        self.regie_code = ""
        self.pdf_dirs: dict[int, Path] = {}
        self.credit_dialog: CreditNoteDialog | None = None
        self._select_run: int | None = None

        self.runs = RowsModel(RUN_COLUMNS, self)
        self.runs_view = make_view(self.runs, "Lots de facturation émis")
        self.invoices = RowsModel(
            INVOICE_COLUMNS, self, alert=lambda r: r.balance > 0 and r.due_date < self.today
        )
        self.invoices_view = make_view(self.invoices, "Factures du lot")
        self.runs_view.selectionModel().selectionChanged.connect(lambda *_: self._run_changed())
        self.invoices_view.selectionModel().selectionChanged.connect(
            lambda *_: self._update_buttons()
        )
        self.invoices_view.activated.connect(lambda _index: self.open_pdf())

        self.pdf_button = QPushButton("Générer les PDF du lot…")
        self.pdf_button.setToolTip(
            "Écrit le PDF de chaque facture du lot dans un dossier et les met en file "
            "pour le portail famille"
        )
        self.pdf_button.clicked.connect(self.generate_pdfs)
        self.email_button = QPushButton("Envoyer par e-mail…")
        self.email_button.setToolTip("Envoie chaque facture du lot à l'adresse de facturation")
        self.email_button.clicked.connect(self.send_emails)
        self.open_button = QPushButton("Ouvrir le PDF")
        self.open_button.setToolTip("Ouvre la facture choisie dans le lecteur de PDF")
        self.open_button.clicked.connect(self.open_pdf)
        self.credit_button = QPushButton("Établir un avoir…")
        self.credit_button.clicked.connect(self.open_credit_note)
        self.can_bill = actor.role in BILLING_ROLES
        if not self.can_bill:
            self.credit_button.setToolTip(
                "Réservé au régisseur, au directeur ou à l'administrateur"
            )
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(260)
        self.progress.setFormat("%v / %m")
        self.progress.setVisible(False)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.pdf_progress.connect(self._show_progress)

        run_buttons = QHBoxLayout()
        run_buttons.addWidget(self.pdf_button)
        run_buttons.addWidget(self.email_button)
        run_buttons.addWidget(self.progress)
        run_buttons.addStretch(1)
        invoice_buttons = QHBoxLayout()
        invoice_buttons.addWidget(self.open_button)
        invoice_buttons.addWidget(self.credit_button)
        invoice_buttons.addStretch(1)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.runs_view, 1)
        top_layout.addLayout(run_buttons)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        self.invoices_title = QLabel("<b>Factures du lot</b>")
        bottom_layout.addWidget(self.invoices_title)
        bottom_layout.addWidget(self.invoices_view, 1)
        bottom_layout.addLayout(invoice_buttons)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status)
        self._update_buttons()

    # -- loading -------------------------------------------------------------------

    def reload(self, regie_code: str | None = None, select_run: int | None = None) -> None:
        if regie_code is not None:
            self.regie_code = regie_code
        self._select_run = select_run or (self.current_run().id if self.current_run() else None)
        code = self.regie_code

        def load() -> list[RunRow]:
            with self.db.session() as session:
                return run_rows(session, code or None)

        self.runner.run(load, self._runs_loaded, label="Chargement des lots…", parent=self)

    def _runs_loaded(self, rows: list[RunRow]) -> None:
        self.runs.set_rows(rows)
        wanted = self._select_run
        select_first(self.runs_view, (lambda r: r.id == wanted) if wanted else None)
        if not rows:
            self.invoices.set_rows([])
        self._update_buttons()

    def current_run(self) -> RunRow | None:
        return current_row(self.runs_view)

    def current_invoice(self) -> InvoiceRow | None:
        return current_row(self.invoices_view)

    def _run_changed(self) -> None:
        run = self.current_run()
        self.invoices.set_rows([])
        self._update_buttons()
        if run is None:
            self.invoices_title.setText("<b>Factures du lot</b>")
            return
        self.invoices_title.setText(
            f"<b>Factures du lot n° {run.id}</b> — {run.regie}, {period_text(run.start, run.end)}"
        )
        self.load_invoices(run.id)

    def load_invoices(self, run_id: int, select_number: str = "") -> None:
        def load() -> list[InvoiceRow]:
            with self.db.session() as session:
                return run_invoice_rows(session, run_id)

        def loaded(rows: list[InvoiceRow]) -> None:
            run = self.current_run()
            if run is None or run.id != run_id:
                return  # the agent moved on meanwhile
            self.invoices.set_rows(rows)
            if select_number:
                select_first(self.invoices_view, lambda r: r.number == select_number)
            self._update_buttons()

        self.runner.run(load, loaded, label="Chargement des factures…", parent=self)

    def _update_buttons(self) -> None:
        has_run = self.current_run() is not None
        invoice = self.current_invoice()
        self.pdf_button.setEnabled(has_run)
        self.email_button.setEnabled(has_run)
        self.open_button.setEnabled(invoice is not None)
        self.credit_button.setEnabled(
            self.can_bill and invoice is not None and invoice.total > invoice.credited
        )

    # -- PDFs ----------------------------------------------------------------------

    def _show_progress(self, done: int, total: int) -> None:
        self.progress.setVisible(True)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def generate_pdfs(self) -> None:
        run = self.current_run()
        if run is None:
            return
        default = self.pdf_dirs.get(run.id) or invoices_dir(run.id)
        folder = files.choose_folder(self, f"Dossier des PDF du lot n° {run.id}", default)
        if folder is None:
            return
        self.pdf_button.setEnabled(False)
        self._show_progress(0, run.count)

        def work(progress):
            def step(done: int, total: int) -> None:
                progress(done, total, f"Facture {done} sur {total}…")
                self.pdf_progress.emit(done, total)

            return render_run(self.db, run.id, out_dir=folder, progress=step)

        def done(report) -> None:
            self.progress.setVisible(False)  # the work is over: « 37 / 37 » goes
            self.pdf_dirs[run.id] = report.out_dir
            text = (
                f"{report.count} PDF écrit(s) dans {report.out_dir} ; "
                f"{report.queued} envoi(s) au portail en attente de synchronisation."
            )
            self.status.setText(text)
            if report.errors:
                dialogs.warning(self, text, details="\n".join(report.errors))
            self._update_buttons()

        def failed(exc: BaseException) -> None:
            self._update_buttons()
            self.progress.setVisible(False)
            crash.report(exc)

        self.runner.run(
            work,
            done,
            failed,
            label=f"Génération des PDF du lot n° {run.id}…",
            parent=self,
            reports_progress=True,
        )

    def pdf_path(self, invoice: InvoiceRow) -> Path:
        run = self.current_run()
        folder = self.pdf_dirs.get(run.id) if run else None
        return (folder or invoices_dir(run.id if run else None)) / f"{invoice.number}.pdf"

    def open_pdf(self) -> None:
        """Open the chosen invoice's PDF (rendered first when it is not on disk)."""
        invoice = self.current_invoice()
        if invoice is None:
            return
        path = self.pdf_path(invoice)
        if path.is_file():
            files.open_file(path)
            return

        def work():
            return render_run(self.db, invoice_ids=[invoice.id], out_dir=path.parent)

        def done(report) -> None:
            if report.errors:
                dialogs.warning(self, "\n".join(report.errors))
            elif report.files:
                files.open_file(report.files[0].path)

        self.runner.run(work, done, label=f"PDF de la facture {invoice.number}…", parent=self)

    def send_emails(self) -> None:
        run = self.current_run()
        if run is None:
            return
        if not dialogs.ask(
            self,
            f"Envoyer par e-mail les {run.count} facture(s) du lot n° {run.id} à l'adresse de "
            "facturation de chaque famille ? Les factures déjà envoyées ne le sont pas deux fois.",
            yes="Envoyer",
            no="Annuler",
            unattended=False,
        ):
            return
        folder = self.pdf_dirs.get(run.id) or invoices_dir(run.id)

        def work(progress):
            return email_run(
                self.db,
                run.id,
                out_dir=folder,
                actor=self.actor,
                progress=lambda done, total: progress(done, total, f"E-mail {done} sur {total}…"),
            )

        def done(report) -> None:
            text = (
                f"{len(report.sent)} facture(s) envoyée(s) par e-mail, "
                f"{len(report.already_sent)} déjà envoyée(s), "
                f"{len(report.without_email)} sans adresse, {len(report.failed)} en échec."
            )
            self.status.setText(text)
            details = "\n".join(f"{number} : {reason}" for number, reason in report.failed)
            (dialogs.warning if report.failed else dialogs.information)(self, text, details=details)

        self.runner.run(
            work, done, label="Envoi des factures par e-mail…", parent=self, reports_progress=True
        )

    # -- credit notes --------------------------------------------------------------

    def open_credit_note(self) -> CreditNoteDialog | None:
        invoice = self.current_invoice()
        if invoice is None:
            return None
        dialog = CreditNoteDialog(self.db, self.actor, invoice, self.today, self)
        dialog.issued.connect(lambda _number, text: self._credited(invoice, text))
        dialog.finished.connect(dialog.deleteLater)
        self.credit_dialog = dialog
        dialog.open()
        return dialog

    def _credited(self, invoice: InvoiceRow, text: str) -> None:
        self.status.setText(text)
        dialogs.information(self, text)
        run = self.current_run()
        if run is not None:
            self.load_invoices(run.id, select_number=invoice.number)
        self.changed.emit()
