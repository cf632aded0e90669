"""« Prélèvements SEPA » (Règlements): the families' mandates, the debits asked for,
a new run file (pain.008), a bank reject; :class:`MandateDialog` also opens from the
family card (« Mandat SEPA… »).
"""

from __future__ import annotations

from datetime import date

from backoffice.paths import sepa_dir
from backoffice.services.billing.queries import RegieRow
from backoffice.services.billing.sepa import (
    REJECT_REASONS,
    DebitRow,
    DebitRunReport,
    MandateRow,
    debit_run,
    list_debits,
    list_mandates,
    record_reject,
    revoke_mandate,
)
from backoffice.services.common.actors import Actor, bind
from backoffice.storage import Database
from backoffice.ui import dialogs, files
from backoffice.ui.billing.period import PeriodPicker, RegieCombo
from backoffice.ui.billing.table import Column, RowsModel, current_row, day, make_view, money
from backoffice.ui.payments.mandate_dialog import MandateDialog
from backoffice.ui.qt import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from backoffice.ui.tasks import TaskRunner
from backoffice.ui.widgets.dates import DateField

MANDATE_COLUMNS = (
    Column("Famille", lambda m: m.family_code, width=70),
    Column("Nom", lambda m: m.family_name, width=150),
    Column("Titulaire du compte", lambda m: m.debtor_name, width=190),
    Column(
        "IBAN", lambda m: " ".join(m.iban[i : i + 4] for i in range(0, len(m.iban), 4)), width=270
    ),
    Column("RUM", lambda m: m.reference, width=130),
    Column("Signé le", lambda m: day(m.signed_on), width=90),
    Column("Séquence", lambda m: m.sequence, width=75),
    Column("Révoqué le", lambda m: day(m.revoked_on)),
)
DEBIT_COLUMNS = (
    Column("Échéance", lambda d: day(d.due_date), width=90),
    Column("Famille", lambda d: d.family_code, width=70),
    Column("Titulaire", lambda d: d.debtor_name, width=190),
    Column("Facture", lambda d: d.invoice_number, width=135),
    Column("Montant", lambda d: money(d.amount), amount=True, width=100),
    Column("Séquence", lambda d: d.sequence, width=75),
    Column("État", lambda d: d.state_label),
)


class SepaPanel(QWidget):
    changed = Signal()

    def __init__(self, db: Database, actor: Actor, runner: TaskRunner, today: date, parent=None):
        super().__init__(parent)
        self.db, self.actor, self.runner, self.today = db, actor, runner, today
        self.mandates = RowsModel(MANDATE_COLUMNS, self, alert=lambda m: m.revoked_on is not None)
        self.mandates_view = make_view(self.mandates, "Mandats de prélèvement")
        self.debits = RowsModel(DEBIT_COLUMNS, self, alert=lambda d: d.rejected_on is not None)
        self.debits_view = make_view(self.debits, "Prélèvements demandés")
        self.new_mandate = QPushButton("Nouveau mandat…")
        self.new_mandate.clicked.connect(lambda: self.open_mandate(""))
        self.revoke_button = QPushButton("Révoquer le mandat…")
        self.revoke_button.setToolTip(
            "La famille a retiré son autorisation de prélèvement (lettre à la régie ou à sa "
            "banque) : plus aucun prélèvement sur ce mandat."
        )
        self.revoke_button.clicked.connect(self.revoke)
        self.regie = RegieCombo()
        self.regie.setAccessibleName("Régie du prélèvement")
        self.period = PeriodPicker(today)
        self.due = DateField(today=today)
        self.due.setAccessibleName("Date d'échéance du prélèvement")
        self.run_button = QPushButton("Générer le fichier de prélèvement…")
        self.run_button.clicked.connect(self.generate)
        self.reason = QComboBox()
        for code, words in REJECT_REASONS.items():
            self.reason.addItem(f"{code} — {words}", code)
        self.reason.setCurrentIndex(list(REJECT_REASONS).index("AM04"))
        self.reject_button = QPushButton("Enregistrer un rejet…")
        self.reject_button.clicked.connect(self.record_reject)
        self.status = QLabel()
        self.status.setWordWrap(True)

        top = QHBoxLayout()
        top.addWidget(QLabel("<b>Mandats</b>"))
        top.addStretch(1)
        top.addWidget(self.revoke_button)
        top.addWidget(self.new_mandate)
        run = QHBoxLayout()
        run.addWidget(QLabel("<b>Prélèvements</b>   Régie :"))
        run.addWidget(self.regie)
        run.addWidget(QLabel("Factures de :"))
        run.addWidget(self.period)
        run.addWidget(QLabel("Échéance :"))
        run.addWidget(self.due)
        run.addWidget(self.run_button)
        run.addStretch(1)
        reject = QHBoxLayout()
        reject.addWidget(QLabel("Rejet de la banque pour le prélèvement choisi :"))
        reject.addWidget(self.reason)
        reject.addWidget(self.reject_button)
        reject.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.mandates_view, 1)
        layout.addLayout(run)
        layout.addWidget(self.status)
        layout.addWidget(self.debits_view, 1)
        layout.addLayout(reject)

    def set_regies(self, regies: list[RegieRow]) -> None:
        self.regie.set_regies([r for r in regies if not r.via_tresor])

    def reload(self) -> None:
        actor = self.actor

        def work() -> tuple[list[MandateRow], list[DebitRow]]:
            with self.db.session() as session:
                return list_mandates(session, actor), list_debits(session, actor)

        def done(rows: tuple[list[MandateRow], list[DebitRow]]) -> None:
            self.mandates.set_rows(rows[0])
            self.debits.set_rows(rows[1])

        self.runner.run(work, done, label="Chargement des prélèvements…", parent=self)

    def open_mandate(self, family_code: str) -> MandateDialog:
        dialog = MandateDialog(self.db, self.actor, family_code, self)
        dialog.accepted.connect(self.reload)
        dialog.open()
        return dialog

    def revoke(self) -> None:
        row = current_row(self.mandates_view)
        if row is None:
            dialogs.warning(self, "Choisissez le mandat à révoquer dans la liste.")
            return
        if row.revoked_on is not None:
            dialogs.warning(
                self, f"Le mandat {row.reference} est déjà révoqué (le {day(row.revoked_on)})."
            )
            return
        if not dialogs.ask(
            self,
            f"Révoquer le mandat {row.reference} de la famille {row.family_code} "
            f"({row.debtor_name}) au {day(self.today)} ? Ses factures ne seront plus "
            "prélevées : il faudra un nouveau mandat signé pour reprendre les prélèvements.",
            yes="Révoquer le mandat",
            no="Annuler",
            unattended=False,
        ):
            return
        actor, mandate_id, on = self.actor, row.id, self.today

        def work() -> None:
            with self.db.session() as session:
                bind(session, actor)
                revoke_mandate(session, actor, mandate_id, on=on)

        def done(_result) -> None:
            self.status.setText(f"Mandat {row.reference} révoqué au {day(on)}.")
            self.reload()
            self.changed.emit()

        self.runner.run(work, done, label="Révocation du mandat…", parent=self)

    def generate(self) -> None:
        code, due = self.regie.code(), self.due.date()
        if not code or due is None:
            dialogs.warning(self, "Choisissez la régie et la date d'échéance du prélèvement.")
            return
        try:
            period = self.period.period()
        except Exception as exc:  # noqa: BLE001 - the picker's French message
            dialogs.warning(self, str(exc))
            return
        folder = files.choose_folder(self, "Dossier du fichier de prélèvement", sepa_dir())
        if folder is None:
            return
        actor = self.actor

        def work() -> DebitRunReport:
            with self.db.session() as session:
                bind(session, actor)
                return debit_run(session, actor, code, due, folder, period=period)

        def done(report: DebitRunReport) -> None:
            self.status.setText(
                f"{report.file_name} : {report.count} prélèvement(s) ({report.first} FRST, "
                f"{report.recurrent} RCUR), {money(report.total)} — écrit dans "
                f"{report.path.parent}."
            )
            self.reload()
            self.changed.emit()

        self.runner.run(work, done, label="Fichier de prélèvement en cours…", parent=self)

    def record_reject(self) -> None:
        row = current_row(self.debits_view)
        if row is None or row.rejected_on is not None:
            dialogs.warning(self, "Choisissez un prélèvement présenté à la banque.")
            return
        reason = self.reason.currentData()
        if not dialogs.ask(
            self,
            f"Enregistrer le rejet du prélèvement de la facture {row.invoice_number} "
            f"({money(row.amount)}) pour le motif {reason} ? La facture redevient à régler.",
            yes="Enregistrer le rejet",
            no="Annuler",
            unattended=False,
        ):
            return
        actor, payment_id = self.actor, row.payment_id

        def work() -> None:
            with self.db.session() as session:
                bind(session, actor)
                record_reject(session, actor, payment_id, reason, on_date=self.today)

        def done(_result) -> None:
            self.reload()
            self.changed.emit()

        self.runner.run(work, done, label="Enregistrement du rejet…", parent=self)
