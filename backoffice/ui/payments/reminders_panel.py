"""« Relances »: the invoices of a régie due for a reminder of level 1 or 2 on a date
(preview), sent in the background — e-mails, and one PDF of letters for the families
without e-mail, opened to print — then who was reminded when."""

from __future__ import annotations

from datetime import date

from backoffice.services.billing.common import ZERO
from backoffice.services.billing.queries import RegieRow
from backoffice.services.billing.receipts import regie_documents_dir
from backoffice.services.billing.reminders import (
    ReminderCandidate,
    ReminderReport,
    ReminderRow,
    reminder_candidates,
    reminder_history,
    send_reminders,
)
from backoffice.services.common.actors import Actor
from backoffice.storage import Database
from backoffice.ui import dialogs, files
from backoffice.ui.billing.period import RegieCombo
from backoffice.ui.billing.table import Column, RowsModel, day, make_view, money
from backoffice.ui.qt import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    Qt,
    QVBoxLayout,
    QWidget,
)
from backoffice.ui.tasks import TaskRunner
from backoffice.ui.widgets.dates import DateField

CANDIDATE_COLUMNS = (
    Column("Facture", lambda c: c.number, width=135),
    Column("Famille", lambda c: c.family_code, width=70),
    Column("Facturé à", lambda c: c.billing_name, width=220),
    Column("Échéance", lambda c: day(c.due_date), width=90),
    Column("Reste dû", lambda c: money(c.balance), amount=True, width=100),
    Column("Retard", lambda c: f"{c.days_overdue} j", amount=True, width=70),
    Column("1re relance", lambda c: day(c.level1_on), width=95),
    Column("Envoi", lambda c: c.channel_label),
)
HISTORY_COLUMNS = (
    Column("Date", lambda r: day(r.sent_on), width=90),
    Column("Niveau", lambda r: str(r.level), amount=True, width=60),
    Column("Facture", lambda r: r.number, width=135),
    Column("Famille", lambda r: r.family_code, width=70),
    Column("Facturé à", lambda r: r.billing_name, width=220),
    Column("Envoi", lambda r: r.channel_label, width=80),
    Column("Reste dû alors", lambda r: money(r.balance), amount=True, width=110),
    Column("Par", lambda r: r.sent_by),
)


class RemindersPanel(QWidget):
    def __init__(self, db: Database, actor: Actor, runner: TaskRunner, today: date, parent=None):
        super().__init__(parent)
        self.db, self.actor, self.runner, self.today = db, actor, runner, today
        self.regie = RegieCombo()
        self.regie.currentIndexChanged.connect(lambda _i: self.reload())
        self.level = QComboBox()
        self.level.setAccessibleName("Niveau de relance")
        self.level.addItem("1re relance", 1)
        self.level.addItem("2e relance", 2)
        self.level.currentIndexChanged.connect(lambda _i: self.reload())
        self.on = DateField(today=today)
        self.on.set_date(today)
        self.on.setMaximumWidth(110)
        self.on.setAccessibleName("Date des relances")
        self.on.editingFinished.connect(self.reload)
        self.count = QLabel()
        self.send_button = QPushButton("Envoyer et imprimer les relances…")
        self.send_button.setToolTip(
            "Envoie un courriel aux familles qui ont une adresse, prépare un PDF de courriers "
            "pour les autres ; une facture n'est jamais relancée deux fois au même niveau"
        )
        self.send_button.clicked.connect(self.send)
        self.candidates = RowsModel(CANDIDATE_COLUMNS, self)
        self.candidates_view = make_view(self.candidates, "Factures à relancer")
        self.history = RowsModel(HISTORY_COLUMNS, self)
        self.history_view = make_view(self.history, "Relances envoyées")

        top = QHBoxLayout()
        for widget in (QLabel("Régie :"), self.regie, QLabel("Niveau :"), self.level,
                       QLabel("Date :"), self.on):  # fmt: skip
            top.addWidget(widget)
        top.addStretch(1)
        top.addWidget(self.send_button)
        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addLayout(top)
        upper_layout.addWidget(self.count)
        upper_layout.addWidget(self.candidates_view, 1)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(QLabel("<b>Relances envoyées</b> (la plus récente d'abord)"))
        lower_layout.addWidget(self.history_view, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(upper)
        splitter.addWidget(lower)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

    def set_regies(self, regies: list[RegieRow]) -> None:
        self.regie.set_regies(regies)

    def day(self) -> date:
        return self.on.date() or self.today

    def reload(self) -> None:
        code, level, on, actor = self.regie.code(), self.level.currentData(), self.day(), self.actor
        if not code:
            self.candidates.set_rows([])
            return

        def work() -> tuple[list[ReminderCandidate], list[ReminderRow]]:
            with self.db.session() as session:
                return (
                    reminder_candidates(session, actor, code, level, on),
                    reminder_history(session, actor, regie_code=code),
                )

        def done(result) -> None:
            rows, history = result
            self.candidates.set_rows(rows)
            self.history.set_rows(history)
            letters = sum(1 for r in rows if r.paper_only or not r.billing_email.strip())
            total = sum((r.balance for r in rows), ZERO)
            self.count.setText(
                f"{len(rows)} facture(s) à relancer ({len(rows) - letters} par courriel, "
                f"{letters} par courrier) — reste dû {money(total)}"
            )
            self.send_button.setEnabled(bool(rows))

        self.runner.run(work, done, label="Chargement des relances…", parent=self)

    def send(self) -> None:
        rows = self.candidates.rows
        if not rows:
            return
        code, level, on, actor = self.regie.code(), self.level.currentData(), self.day(), self.actor
        if not dialogs.ask(
            self,
            f"Relancer {len(rows)} facture(s) de la régie {code} (niveau {level}) ? Les "
            "courriels partent tout de suite ; les courriers sont réunis dans un PDF à imprimer.",
            yes="Relancer",
            no="Annuler",
            unattended=True,
        ):
            return
        numbers = [r.number for r in rows]
        out = regie_documents_dir("relances") / f"relances-{code}-niveau{level}-{on:%Y%m%d}.pdf"

        def work(progress) -> ReminderReport:
            return send_reminders(
                self.db, actor, code, level, on, letters_out=out, invoice_numbers=numbers,
                progress=lambda d, t: progress(d, t, f"Relance {d} sur {t}…"),
            )  # fmt: skip

        def done(report: ReminderReport) -> None:
            details = "\n".join(f"{n} : {why}" for n, why in report.failed)
            (dialogs.warning if report.failed else dialogs.information)(
                self, report.summary(), details=details
            )
            if report.letters_pdf is not None:
                files.open_file(report.letters_pdf)
            self.reload()

        self.runner.run(work, done, label="Envoi des relances…", parent=self, reports_progress=True)
