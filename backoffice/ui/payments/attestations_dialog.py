"""« Attestations… »: frais de garde (a year) or présence et paiement (a span), for one
family or all, printed as one PDF or e-mailed to each family — in the background."""

from __future__ import annotations

from datetime import date

from backoffice.services.billing.attestations import (
    attestations_pdf,
    childcare_attestations,
    email_attestations,
    presence_attestations,
)
from backoffice.services.billing.receipts import regie_documents_dir
from backoffice.services.common.actors import Actor
from backoffice.services.common.files import ensure_folder, write_atomically
from backoffice.storage import Database
from backoffice.ui import dialogs, files
from backoffice.ui.qt import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from backoffice.ui.tasks import TaskRunner
from backoffice.ui.widgets.dates import DateField


class AttestationsDialog(QDialog):
    def __init__(self, db: Database, actor: Actor, runner: TaskRunner, today: date, parent=None):
        super().__init__(parent)
        self.db, self.actor, self.runner, self.today = db, actor, runner, today
        self.setWindowTitle("Attestations")
        self.childcare = QRadioButton("Attestation de frais de garde (enfants de moins de 6 ans)")
        self.presence = QRadioButton("Attestation de présence et de paiement")
        self.childcare.setChecked(True)
        kinds = QButtonGroup(self)
        kinds.addButton(self.childcare)
        kinds.addButton(self.presence)
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(today.year - 1)
        self.year.setAccessibleName("Année")
        self.start = DateField(today=today)
        self.start.set_date(date(today.year, 1, 1))
        self.end = DateField(today=today)
        self.end.set_date(today)
        span = QWidget()
        span_row = QHBoxLayout(span)
        span_row.setContentsMargins(0, 0, 0, 0)
        span_row.addWidget(QLabel("du"))
        span_row.addWidget(self.start)
        span_row.addWidget(QLabel("au"))
        span_row.addWidget(self.end)
        span_row.addStretch(1)
        self.year.setMaximumWidth(90)
        for field in (self.start, self.end):
            field.setMaximumWidth(110)
        self.family = QLineEdit()
        self.family.setPlaceholderText("F00042 — vide : toutes les familles")
        self.family.setAccessibleName("Famille")
        self.print_mode = QRadioButton("Un PDF à imprimer")
        self.email_mode = QRadioButton("Un courriel à chaque famille (PDF joint)")
        self.print_mode.setChecked(True)
        modes = QButtonGroup(self)
        modes.addButton(self.print_mode)
        modes.addButton(self.email_mode)
        self.status = QLabel()
        self.status.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Année (frais de garde) :", self.year)
        form.addRow("Période (présence) :", span)
        form.addRow("Famille :", self.family)
        buttons = QDialogButtonBox()
        self.go_button = buttons.addButton("Établir", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("Fermer", QDialogButtonBox.ButtonRole.RejectRole)
        self.go_button.clicked.connect(self.run)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.childcare)
        layout.addWidget(self.presence)
        layout.addLayout(form)
        layout.addSpacing(8)
        layout.addWidget(QLabel("<b>Envoi</b>"))
        layout.addWidget(self.print_mode)
        layout.addWidget(self.email_mode)
        layout.addWidget(self.status)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.resize(620, 380)

    def run(self) -> None:
        actor, today = self.actor, self.today
        codes = [self.family.text().strip().upper()] if self.family.text().strip() else None
        by_mail = self.email_mode.isChecked()
        if self.childcare.isChecked():
            year = self.year.value()
            name = f"attestations-frais-de-garde-{year}.pdf"

            def build(session):
                return childcare_attestations(session, actor, year, today, codes)
        else:
            start, end = self.start.date(), self.end.date()
            if start is None or end is None:
                dialogs.warning(self, "Indiquez le début et la fin de la période (jj/mm/aaaa).")
                return
            name = f"attestations-presence-{start:%Y%m%d}-{end:%Y%m%d}.pdf"

            def build(session):
                return presence_attestations(session, actor, start, end, today, codes)

        def work(progress):
            with self.db.session() as session:
                found = build(session)
            if by_mail:
                return email_attestations(
                    self.db, actor, found,
                    progress=lambda d, t: progress(d, t, f"Courriel {d} sur {t}…"),
                )  # fmt: skip
            folder = ensure_folder(regie_documents_dir("attestations"))
            return write_atomically(folder / name, attestations_pdf(actor, found))

        def done(result) -> None:
            if by_mail:
                self.status.setText(result.summary())
                dialogs.information(self, result.summary(), details="\n".join(
                    f"{code} : {why}" for code, why in result.failed))  # fmt: skip
            else:
                self.status.setText(f"PDF écrit : {result}")
                files.open_file(result)

        self.runner.run(work, done, label="Attestations…", parent=self, reports_progress=True)
