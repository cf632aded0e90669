"""« Fichiers PES » under the Trésor public tab: the PES V2 files made, and a new one.

« Générer le fichier PES… » asks for the folder, then writes the file of the chosen
régie and month off the GUI thread (:func:`backoffice.services.billing.pes.export_pes`),
the progress bar following the invoice PDFs attached.
"""

from __future__ import annotations

from datetime import date

from backoffice.paths import pes_dir
from backoffice.services.billing.common import PARIS
from backoffice.services.billing.pes import PesExportRow, PesReport, export_pes, list_exports
from backoffice.services.billing.queries import RegieRow
from backoffice.services.common.actors import Actor, bind
from backoffice.storage import Database
from backoffice.ui import crash, dialogs, files
from backoffice.ui.billing.period import PeriodPicker, RegieCombo, period_text
from backoffice.ui.billing.table import Column, RowsModel, make_view, money
from backoffice.ui.qt import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from backoffice.ui.tasks import TaskRunner

EXPORT_COLUMNS = (
    Column("Créé le", lambda r: f"{r.created_at.astimezone(PARIS):%d/%m/%Y %H:%M}", width=125),
    Column("Par", lambda r: r.created_by, width=150),
    Column("Régie", lambda r: r.regie, width=60),
    Column("Bordereau", lambda r: f"{r.year} n° {r.bordereau}", width=110),
    Column("Période", lambda r: period_text(r.period_start, r.period_end), width=190),
    Column("Factures", lambda r: str(r.invoice_count), amount=True, width=75),
    Column("Total", lambda r: money(r.total), amount=True, width=100),
    Column("Fichier", lambda r: r.file_name, width=260),
    Column("SHA-256", lambda r: r.sha256[:16] + "…", tooltip=lambda r: r.sha256),
)


class PesExportsPanel(QWidget):
    """The PES files of the Trésor public régies, and the button making the next one."""

    exported = Signal()

    def __init__(self, db: Database, actor: Actor, runner: TaskRunner, today: date, parent=None):
        super().__init__(parent)
        self.db, self.actor, self.runner, self.today = db, actor, runner, today
        title = QLabel("<b>Fichiers PES V2 transmis au comptable public (Hélios)</b>")
        self.regie = RegieCombo()
        self.regie.setAccessibleName("Régie du fichier PES")
        self.regie.setMinimumContentsLength(44)  # « PERI — Régie périscolaire TAP … » whole
        self.period = PeriodPicker(today)
        previous = date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)
        self.period.set_month(previous.year, previous.month)
        self.button = QPushButton("Générer le fichier PES…")
        self.button.setToolTip(
            "Les factures non réglées de la régie et du mois, avec leurs PDF : un bordereau "
            "de titres pour le Trésor public. Elles sont ensuite figées et soldées pour la régie."
        )
        self.button.clicked.connect(self.generate)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.model = RowsModel(EXPORT_COLUMNS, self)
        self.view = make_view(self.model, "Fichiers PES")
        row = QHBoxLayout()
        row.addWidget(QLabel("Régie :"))
        row.addWidget(self.regie)
        row.addWidget(QLabel("Mois :"))
        row.addWidget(self.period)
        row.addWidget(self.button)
        row.addWidget(self.progress)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(title)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.view, 1)

    def set_regies(self, regies: list[RegieRow]) -> None:
        self.regie.set_regies([r for r in regies if r.via_tresor])

    def reload(self) -> None:
        actor = self.actor

        def work() -> list[PesExportRow]:
            with self.db.session() as session:
                return list_exports(session, actor)

        self.runner.run(
            work, self.model.set_rows, label="Chargement des fichiers PES…", parent=self
        )

    def generate(self) -> None:
        code = self.regie.code()
        if not code:
            dialogs.warning(self, "Choisissez la régie du fichier PES.")
            return
        try:
            start, end = self.period.period()
        except Exception as exc:  # noqa: BLE001 - the picker's French message
            dialogs.warning(self, str(exc))
            return
        folder = files.choose_folder(self, "Dossier du fichier PES", pes_dir())
        if folder is None:
            return
        actor, on_date = self.actor, self.today
        self.button.setEnabled(False)
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)

        def work(progress) -> PesReport:
            def step(done: int, total: int) -> None:
                progress(done, total, f"Facture {done} sur {total}…")

            with self.db.session() as session:
                bind(session, actor)
                return export_pes(
                    session, actor, code, start, end, folder, on_date=on_date, progress=step
                )

        def done(report: PesReport) -> None:
            self._finished()
            debits = f", dont {report.debits} en prélèvement" if report.debits else ""
            self.status.setText(
                f"{report.file_name} : {report.invoice_count} titre(s){debits}, "
                f"{money(report.total)} — écrit dans {report.path.parent}.\n"
                f"Empreinte SHA-256 : {report.sha256}"
            )
            self.reload()
            self.exported.emit()

        def failed(exc: BaseException) -> None:
            self._finished()
            crash.report(exc)

        self.runner.run(
            work, done, failed, label="Fichier PES en cours…", parent=self, reports_progress=True
        )

    def _finished(self) -> None:
        self.button.setEnabled(True)
        self.progress.setVisible(False)
