"""« Nouveaux tarifs à partir du… »: an editable grid of brackets, pre-filled from
the rows in force, saved through the runner as a new set starting at the date typed.

A refused set leaves everything as typed, with every French reason beside the
grid (:class:`~backoffice.services.billing.tariff_edit.TariffErrors`).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from backoffice.dates import parse_french_date
from backoffice.errors import UserError
from backoffice.services.billing.tariff_edit import (
    TariffChange,
    TariffErrors,
    TariffGrid,
    TariffInput,
    set_tariffs,
)
from backoffice.services.common.actors import Actor, bind
from backoffice.storage import Database
from backoffice.ui import crash
from backoffice.ui.billing.table import RIGHT
from backoffice.ui.qt import (
    QAbstractItemView,
    QBrush,
    QColor,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from backoffice.ui.tasks import TaskRunner
from backoffice.ui.widgets.dates import DateField
from backoffice.ui.widgets.dialog_parts import ok_cancel

COLUMNS = ("QF de", "QF à (vide : et plus)", "Rang", "Prix (€)")
QF_MIN, QF_MAX, RANK, PRICE = range(4)


def plain_price(value: Decimal) -> str:
    """« 12,50 »: how the agent types a price (read back by the service)."""
    return f"{value:.2f}".replace(".", ",")


def first_free_day(grid: TariffGrid, today: date) -> date:
    """The default start: the 1st of next month, after any closed period."""
    start = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    if grid.closed_until is not None and start <= grid.closed_until:
        start = grid.closed_until + timedelta(days=1)
    return start


class NewTariffsDialog(QDialog):
    """``saved(summary)`` once the new set is written."""

    saved = Signal(str)

    def __init__(
        self,
        db: Database,
        actor: Actor,
        runner: TaskRunner,
        grid: TariffGrid,
        today: date,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.db, self.actor, self.runner, self.grid, self.today = db, actor, runner, grid, today
        self.unit = grid.unit
        self.setWindowTitle(f"Nouveaux tarifs — {self.unit.label}")
        self.resize(860, 520)

        per = "de l'heure" if self.unit.per_hour else "de l'unité"
        intro = QLabel(
            f"<b>{self.unit.label}</b> : prix {per} par tranche de quotient familial"
            + (" et par rang de l'enfant dans la famille" if self.unit.rank_pricing else "")
            + ". Les tranches partent de QF 0, se suivent sans trou ni chevauchement, la "
            "dernière reste ouverte (« QF à » vide)."
            + (
                " Rang : 1 pour l'aîné, 2 pour le suivant… le plus grand rang saisi vaut aussi "
                "pour les enfants suivants."
                if self.unit.rank_pricing
                else ""
            )
            + " Les jours déjà facturés gardent leur prix."
        )
        intro.setWordWrap(True)
        self.start = DateField(today=today)
        self.start.setAccessibleName("Nouveaux tarifs à partir du")
        self.start.setText(f"{first_free_day(grid, today):%d/%m/%Y}")
        start_row = QHBoxLayout()
        start_row.addWidget(QLabel("Nouveaux tarifs à partir du :"))
        start_row.addWidget(self.start)
        if grid.closed_until is not None:
            start_row.addSpacing(12)
            closed = QLabel(f"(période clôturée jusqu'au {grid.closed_until:%d/%m/%Y})")
            closed.setStyleSheet("color: #555;")
            start_row.addWidget(closed)
        start_row.addStretch(1)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setAccessibleName("Tranches des nouveaux tarifs")
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        for column, width in ((QF_MIN, 90), (QF_MAX, 170), (RANK, 70), (PRICE, 110)):
            header.resizeSection(column, width)
        header.setStretchLastSection(False)
        header.setDefaultAlignment(RIGHT)  # numbers, right-aligned like their cells
        self.table.setColumnHidden(RANK, not self.unit.rank_pricing)
        for row in grid.current:
            rank = "" if row.child_rank is None else str(row.child_rank)
            qf_max = "" if row.qf_max is None else str(row.qf_max)
            self.add_row(str(row.qf_min), qf_max, rank, plain_price(row.price))
        if not grid.current:
            self.add_row("0", "", "1" if self.unit.rank_pricing else "")

        self.add_button = QPushButton("Ajouter une tranche")
        self.add_button.clicked.connect(lambda: self.add_row())
        self.remove_button = QPushButton("Retirer la tranche")
        self.remove_button.clicked.connect(self.remove_row)
        edit_row = QHBoxLayout()
        edit_row.addWidget(self.add_button)
        edit_row.addWidget(self.remove_button)
        edit_row.addStretch(1)

        self.errors = QLabel()
        self.errors.setWordWrap(True)
        self.errors.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.errors.setStyleSheet("color: #a40000;")
        self.errors.setAccessibleName("Erreurs de saisie")
        self.errors.setMinimumWidth(280)
        self.errors.setVisible(False)
        middle = QHBoxLayout()
        grid_side = QVBoxLayout()
        grid_side.addWidget(self.table, 1)
        grid_side.addLayout(edit_row)
        middle.addLayout(grid_side, 3)
        middle.addWidget(self.errors, 2)

        buttons, self.ok_button = ok_cancel(self, "Enregistrer les nouveaux tarifs")

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(start_row)
        layout.addLayout(middle, 1)
        layout.addWidget(buttons)

    # -- the grid ------------------------------------------------------------------

    def add_row(self, qf_min: str = "", qf_max: str = "", rank: str = "", price: str = "") -> int:
        n = self.table.rowCount()
        self.table.insertRow(n)
        for column, text in enumerate((qf_min, qf_max, rank, price)):
            item = QTableWidgetItem(text)
            item.setTextAlignment(RIGHT)
            self.table.setItem(n, column, item)
        return n

    def remove_row(self) -> None:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        for n in reversed(rows):
            self.table.removeRow(n)

    def set_cell(self, row: int, column: int, text: str) -> None:
        """Type ``text`` in a cell (what the agent does by hand)."""
        self.table.item(row, column).setText(text)

    def cell(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item is not None else ""

    def inputs(self) -> list[TariffInput]:
        return [
            TariffInput(
                self.cell(n, QF_MIN),
                self.cell(n, QF_MAX),
                self.cell(n, RANK) if self.unit.rank_pricing else "",
                self.cell(n, PRICE),
            )
            for n in range(self.table.rowCount())
        ]

    # -- saving --------------------------------------------------------------------

    def say(self, errors: list[str]) -> None:
        """Show every reason beside the grid and tint the rows they name."""
        wrong = {int(n) for e in errors for n in _LINES.findall(_named_lines(e))}
        for n in range(self.table.rowCount()):
            for column in range(self.table.columnCount()):
                item = self.table.item(n, column)
                if item is not None:
                    item.setBackground(_WRONG if n + 1 in wrong else QBrush())
        self.errors.setText(
            "<b>Rien n'est enregistré :</b><ul>"
            + "".join(f"<li>{_escape(e)}</li>" for e in errors)
            + "</ul>"
            if errors
            else ""
        )
        self.errors.setVisible(bool(errors))

    def submit(self) -> None:
        try:
            valid_from = parse_french_date(self.start.text(), self.today)
        except ValueError as exc:
            self.say([f"Date de début : {exc}."])
            return
        if valid_from is None:
            self.say(["Indiquez la date de début des nouveaux tarifs (jj/mm/aaaa)."])
            return
        db, actor, unit_id, rows, today = (
            self.db,
            self.actor,
            self.unit.id,
            self.inputs(),
            self.today,
        )

        def work() -> TariffChange:
            with db.session() as session:
                bind(session, actor)
                return set_tariffs(session, actor, unit_id, valid_from, rows, today=today)

        self.ok_button.setEnabled(False)
        self.runner.run(
            work, self._saved, self._refused, label="Enregistrement des tarifs…", parent=self
        )

    def _saved(self, change: TariffChange) -> None:
        self.ok_button.setEnabled(True)
        self.say([])
        self.saved.emit(change.summary())
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        self.ok_button.setEnabled(True)
        if isinstance(exc, TariffErrors):
            self.say(exc.errors)
        elif isinstance(exc, UserError):
            self.say([str(exc)])
        else:
            crash.report(exc)


_WRONG = QBrush(QColor("#fbe3e3"))
_LINES = re.compile(r"\d+")
_LINE_REFS = re.compile(r"^Ligne (\d+)|lignes? (\d+)(?: et (\d+))?")


def _named_lines(error: str) -> str:
    """« Ligne 2 : … », « (lignes 1 et 2 : … ) », « (ligne 3 commence…) » → "2", "1 2", "3"."""
    return " ".join(n for m in _LINE_REFS.finditer(error) for n in m.groups() if n)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
