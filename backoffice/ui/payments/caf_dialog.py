"""« Statistiques CAF »: the multi-accueil hours per month and child, the ALSH and
périscolaire child-days and child-hours by age, for a span (a calendar year by default);
computed in the background, exported as CSV (French Excel) or XLSX."""

from __future__ import annotations

from datetime import date

from backoffice.documents.formatting import format_decimal
from backoffice.services.billing.receipts import regie_documents_dir
from backoffice.services.common.actors import Actor
from backoffice.services.reports.caf import CafFigures, caf_figures
from backoffice.services.reports.caf_export import write_caf_export
from backoffice.storage import Database
from backoffice.ui import dialogs, files
from backoffice.ui.billing.table import Column, RowsModel, make_view
from backoffice.ui.qt import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
)
from backoffice.ui.tasks import TaskRunner
from backoffice.ui.widgets.dates import DateField


def hours(value) -> str:
    return format_decimal(value, 2)


MAC_COLUMNS = (
    Column("Mois", lambda r: r.month, width=80),
    Column("Enfant", lambda r: r.child_name, width=240),
    Column("Famille", lambda r: r.family_code, width=70),
    Column("Heures réservées", lambda r: hours(r.hours_booked), amount=True, width=130),
    Column("Heures réalisées", lambda r: hours(r.hours_attended), amount=True, width=130),
    Column("Heures facturées", lambda r: hours(r.hours_billed), amount=True, width=130),
)
ALSH_COLUMNS = (
    Column("Type", lambda r: r.kind, width=100),
    Column("Accueil", lambda r: r.activity, width=240),
    Column("Période", lambda r: r.period, width=200),
    Column("Tranche d'âge", lambda r: r.age_class, width=120),
    Column("Journées-enfants", lambda r: str(r.child_days), amount=True, width=130),
    Column("Heures-enfants", lambda r: hours(r.child_hours), amount=True, width=130),
)


class CafDialog(QDialog):
    def __init__(self, db: Database, actor: Actor, runner: TaskRunner, today: date, parent=None):
        super().__init__(parent)
        self.db, self.actor, self.runner = db, actor, runner
        self.figures: CafFigures | None = None
        self.setWindowTitle("Statistiques CAF")
        self.start = DateField(today=today)
        self.start.set_date(date(today.year - 1, 1, 1))
        self.end = DateField(today=today)
        self.end.set_date(date(today.year - 1, 12, 31))
        for field in (self.start, self.end):
            field.setMaximumWidth(110)
        self.compute_button = QPushButton("Calculer")
        self.compute_button.clicked.connect(self.compute)
        self.csv_button = QPushButton("Exporter en CSV…")
        self.csv_button.clicked.connect(lambda: self.export("csv"))
        self.xlsx_button = QPushButton("Exporter en XLSX…")
        self.xlsx_button.clicked.connect(lambda: self.export("xlsx"))
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.mac = RowsModel(MAC_COLUMNS, self)
        self.alsh = RowsModel(ALSH_COLUMNS, self)
        self.tabs = QTabWidget()
        self.tabs.addTab(make_view(self.mac, "Multi-accueil"), "Multi-accueil (PSU)")
        self.tabs.addTab(make_view(self.alsh, "ALSH et périscolaire"), "ALSH et périscolaire")
        top = QHBoxLayout()
        for widget in (QLabel("Du"), self.start, QLabel("au"), self.end, self.compute_button):
            top.addWidget(widget)
        top.addStretch(1)
        top.addWidget(self.csv_button)
        top.addWidget(self.xlsx_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs, 1)
        self._enable_export()
        self.resize(1100, 640)

    def _enable_export(self) -> None:
        for button in (self.csv_button, self.xlsx_button):
            button.setEnabled(self.figures is not None)

    def compute(self) -> None:
        start, end, actor = self.start.date(), self.end.date(), self.actor
        if start is None or end is None:
            dialogs.warning(self, "Indiquez le début et la fin de la période (jj/mm/aaaa).")
            return

        def work() -> CafFigures:
            with self.db.session() as session:
                return caf_figures(session, actor, start, end)

        def done(figures: CafFigures) -> None:
            self.figures = figures
            self.mac.set_rows(figures.mac)
            self.alsh.set_rows(figures.alsh)
            booked, attended, billed = figures.mac_totals()
            days, child_hours = figures.alsh_totals()
            self.summary.setText(
                f"Multi-accueil : {hours(booked)} h réservées, {hours(attended)} h réalisées, "
                f"{hours(billed)} h facturées. ALSH et périscolaire : {days} journées-enfants, "
                f"{hours(child_hours)} heures-enfants."
            )
            self._enable_export()

        self.runner.run(work, done, label="Calcul des statistiques CAF…", parent=self)

    def export(self, suffix: str) -> None:
        figures = self.figures
        if figures is None:
            return
        path = regie_documents_dir("statistiques") / (
            f"statistiques-caf-{figures.start:%Y%m%d}-{figures.end:%Y%m%d}.{suffix}"
        )

        def done(written) -> None:
            self.summary.setText(
                self.summary.text().split(" — Fichier")[0] + f" — Fichier : {written}"
            )
            files.open_file(written)

        self.runner.run(
            lambda: write_caf_export(figures, path), done, label="Export CAF…", parent=self
        )
