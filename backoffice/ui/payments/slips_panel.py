"""« Remises de chèques »: the cheques of a régie not yet deposited, the deposit slip
(bordereau de remise) numbered with them, its PDF (rendered in the background by
:mod:`backoffice.services.billing.slip_pdfs`) opened in the system viewer; earlier
slips can be printed again. A PDF that cannot be written shows the service's French
message."""

from __future__ import annotations

from datetime import date

from backoffice.services.billing import cheques_to_deposit
from backoffice.services.billing.common import ZERO
from backoffice.services.billing.queries import RegieRow, SlipRow, deposit_slip_rows
from backoffice.services.billing.slip_pdfs import NewSlip, create_deposit_slip_pdf, write_slip_pdf
from backoffice.services.billing.slips import SlipCheque, SlipData
from backoffice.services.common.actors import Actor
from backoffice.storage import Database
from backoffice.ui import dialogs, files
from backoffice.ui.billing.period import RegieCombo
from backoffice.ui.billing.table import (
    Column,
    RowsModel,
    current_row,
    day,
    make_view,
    money,
    selected_rows,
)
from backoffice.ui.qt import QHBoxLayout, QLabel, QPushButton, QSplitter, Qt, QVBoxLayout, QWidget
from backoffice.ui.tasks import TaskRunner

CHEQUE_COLUMNS = (
    Column("Reçu le", lambda c: day(c.received_on), width=90),
    Column("Famille", lambda c: c.family, width=70),
    Column("Tireur", lambda c: c.payer_name, width=220, stretch=True),
    Column("Banque", lambda c: c.bank, width=200),
    Column("N° de chèque", lambda c: c.number, width=130),
    Column("Montant", lambda c: money(c.amount), amount=True, width=120),
)
SLIP_COLUMNS = (
    Column("Bordereau", lambda s: s.number, width=170),
    Column("Régie", lambda s: s.regie, width=60),
    Column("Remis le", lambda s: day(s.deposit_date), width=90),
    Column("Chèques", lambda s: str(s.count), amount=True, width=80),
    Column("Total", lambda s: money(s.total), amount=True, width=120),
)


class SlipsPanel(QWidget):
    def __init__(self, db: Database, actor: Actor, runner: TaskRunner, today: date, parent=None):
        super().__init__(parent)
        self.db, self.actor, self.runner, self.today = db, actor, runner, today
        self.regie = RegieCombo()
        self.regie.currentIndexChanged.connect(lambda _i: self.reload())
        self.count = QLabel()
        self.cheques = RowsModel(CHEQUE_COLUMNS, self)
        self.cheques_view = make_view(self.cheques, "Chèques à remettre en banque", multi=True)
        self.cheques_view.setToolTip(
            "Tous les chèques sont sélectionnés ; désélectionnez (Ctrl+clic, Ctrl+Espace) ceux "
            "qui ne partent pas en banque aujourd'hui"
        )
        self.create_button = QPushButton("Créer le bordereau de remise…")
        self.create_button.setToolTip(
            "Numérote le bordereau avec les chèques sélectionnés, les marque remis et ouvre le PDF"
        )
        self.create_button.clicked.connect(self.create_slip)
        self.slips = RowsModel(SLIP_COLUMNS, self)
        self.slips_view = make_view(self.slips, "Bordereaux de remise")
        self.slips_view.activated.connect(lambda _index: self.print_slip())
        self.print_button = QPushButton("Ouvrir le PDF du bordereau")
        self.print_button.clicked.connect(self.print_slip)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("Régie :"))
        row.addWidget(self.regie)
        row.addStretch(1)
        row.addWidget(self.count)
        top_layout.addLayout(row)
        top_layout.addWidget(QLabel("<b>Chèques reçus, pas encore remis en banque</b>"))
        top_layout.addWidget(self.cheques_view, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.create_button)
        buttons.addStretch(1)
        top_layout.addLayout(buttons)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(QLabel("<b>Bordereaux déjà établis</b>"))
        bottom_layout.addWidget(self.slips_view, 1)
        reprint = QHBoxLayout()
        reprint.addWidget(self.print_button)
        reprint.addStretch(1)
        bottom_layout.addLayout(reprint)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self._update_buttons()

    def set_regies(self, regies: list[RegieRow]) -> None:
        self.regie.set_regies(regies)

    def reload(self) -> None:
        code = self.regie.code()
        if not code:
            return

        def work() -> tuple[SlipData, list[SlipRow]]:
            with self.db.session() as session:
                return cheques_to_deposit(session, code), deposit_slip_rows(session, code)

        def done(result: tuple[SlipData, list[SlipRow]]) -> None:
            pending, slips = result
            self.cheques.set_rows(pending.cheques)
            self.cheques_view.selectAll()
            self.slips.set_rows(slips)
            self.count.setText(f"{pending.count} chèque(s) à remettre, {money(pending.total)}")
            self._update_buttons()

        self.runner.run(work, done, label="Chargement des chèques…", parent=self)

    def _update_buttons(self) -> None:
        self.create_button.setEnabled(self.cheques.rowCount() > 0)
        self.print_button.setEnabled(self.slips.rowCount() > 0)

    def pending_cheques(self) -> list[SlipCheque]:
        """The cheques selected for the slip (all of them when none is selected)."""
        return selected_rows(self.cheques_view) or self.cheques.rows

    def create_slip(self) -> None:
        code, cheques = self.regie.code(), self.pending_cheques()
        if not cheques:
            return
        total = sum((c.amount for c in cheques), ZERO)
        if not dialogs.ask(
            self,
            f"Établir le bordereau de remise de la régie {code} avec {len(cheques)} chèque(s), "
            f"total {money(total)}, remis le {self.today:%d/%m/%Y} ?\n\nLes chèques seront "
            "marqués remis en banque.",
            yes="Établir le bordereau",
            no="Annuler",
            unattended=False,
        ):
            return
        actor, deposit_date = self.actor, self.today
        payment_ids = [c.payment_id for c in cheques]

        def work() -> NewSlip:
            return create_deposit_slip_pdf(
                self.db, actor, code, deposit_date=deposit_date, payment_ids=payment_ids
            )

        def done(result: NewSlip) -> None:
            self.reload()
            text = f"Bordereau {result.number} établi ({len(cheques)} chèque(s), {money(total)})."
            if result.path is None:  # recorded, but the PDF could not be written
                dialogs.warning(
                    self,
                    f"{text}\n\n{result.error}\n\nUne fois le problème réglé, « Ouvrir le PDF "
                    "du bordereau » l'écrit à nouveau.",
                )
                return
            files.open_file(result.path)
            dialogs.information(self, text, modal=False)

        self.runner.run(work, done, label="Bordereau de remise…", parent=self)

    def print_slip(self) -> None:
        """Write the chosen slip's PDF again and open it (a write refused: its French
        message, through the runner's failure path)."""
        slip = current_row(self.slips_view)
        if slip is None:
            return
        number, actor = slip.number, self.actor
        self.runner.run(
            lambda: write_slip_pdf(self.db, actor, number),
            files.open_file,
            label=f"PDF du bordereau {number}…",
            parent=self,
        )
