"""« Tarifs »: the prices of a unit in force on a day, the planned changes, and a new
set of prices from a date (:mod:`.tariff_dialog`).

Loading and saving go through the runner. Changing prices is the régisseur's (or
director's, administrator's) job, like issuing: the buttons say so beforehand and
the services refuse anyone else. A price never changes what is already invoiced.
"""

from __future__ import annotations

from datetime import date

from backoffice.dates import paris_today, parse_french_date
from backoffice.models import ROLE_LABELS
from backoffice.services.billing.common import BILLING_ROLES
from backoffice.services.billing.tariff_edit import (
    GridRow,
    TariffGrid,
    UnitChoice,
    delete_future_tariffs,
    list_units,
    tariff_grid,
)
from backoffice.services.common.actors import Actor, bind
from backoffice.storage import Database
from backoffice.ui import dialogs
from backoffice.ui.billing.table import Column, RowsModel, current_row, day, make_view, money
from backoffice.ui.billing.tariff_dialog import NewTariffsDialog
from backoffice.ui.qt import (
    QComboBox,
    QFont,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from backoffice.ui.tasks import TaskRunner
from backoffice.ui.widgets.dates import DateField

RESERVED = "Réservé au régisseur, au directeur ou à l'administrateur"
ROLE_NOTE = (
    "Votre rôle ({role}) permet de consulter les tarifs ; les changer est réservé au "
    "régisseur, au directeur ou à l'administrateur."
)


def _nth(rank: int) -> str:
    return "1er" if rank == 1 else f"{rank}e"


def rank_text(row: GridRow) -> str:
    """The children the row prices: « Tous », « 1er », « 2e », « 3e et suivants »…"""
    if row.rank_from is None or (row.rank_from == 1 and row.rank_to is None):
        return "Tous"
    if row.rank_to is None:
        return f"{_nth(row.rank_from)} et suivants"
    if row.rank_to == row.rank_from:
        return _nth(row.rank_from)
    return f"{_nth(row.rank_from)} au {_nth(row.rank_to)}"


def uses_text(row: GridRow) -> str:
    return f"oui ({row.uses} ligne{'s' if row.uses > 1 else ''})" if row.uses else "non"


class TariffsPanel(QWidget):
    """The « Tarifs » tab of « Facturation » (usable alone: same constructor as an area)."""

    def __init__(
        self,
        db: Database,
        actor: Actor,
        runner: TaskRunner,
        today: date | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.db, self.actor, self.runner = db, actor, runner
        self.today = today or paris_today()
        self.can_edit = actor.role in BILLING_ROLES
        self.grid: TariffGrid | None = None
        self.dialog: NewTariffsDialog | None = None
        self._loaded = False
        self._date_error = False

        self.unit = QComboBox()
        self.unit.setAccessibleName("Unité")
        self.unit.setMinimumContentsLength(44)
        self.on = DateField(today=self.today)
        self.on.setAccessibleName("En vigueur le")
        self.on.setText(f"{self.today:%d/%m/%Y}")
        self.show_button = QPushButton("Afficher")
        self.new_button = QPushButton("Nouveaux tarifs à partir du…")
        self.new_button.setToolTip(
            "Une nouvelle grille à partir d'une date : les jours déjà facturés gardent leur prix"
        )
        self.delete_button = QPushButton("Supprimer le changement prévu…")
        self.delete_button.setToolTip(
            "Retire les tarifs prévus à la date choisie (pas encore en vigueur ni facturés)"
        )
        if not self.can_edit:
            for button in (self.new_button, self.delete_button):
                button.setToolTip(RESERVED)
        choice = QHBoxLayout()
        choice.addWidget(QLabel("Unité :"))
        choice.addWidget(self.unit)
        choice.addSpacing(12)
        choice.addWidget(QLabel("En vigueur le :"))
        choice.addWidget(self.on)
        choice.addWidget(self.show_button)
        choice.addStretch(1)
        choice.addWidget(self.new_button)

        self.info = QLabel()
        self.info.setWordWrap(True)
        self.current_title = self._title("Tarifs en vigueur")
        self.current = RowsModel(self._columns(with_start=False), self)
        self.current_view = make_view(self.current, "Tarifs en vigueur")
        self.future_title = self._title("Changements prévus")
        self.future = RowsModel(self._columns(with_start=True), self)
        self.future_view = make_view(self.future, "Changements de tarif prévus")
        self.future_view.selectionModel().selectionChanged.connect(lambda *_: self._update())
        for view in (self.current_view, self.future_view):
            # A right-aligned price next to a left-aligned date needs air between them.
            view.setStyleSheet("QTableView::item { padding: 0 6px; }")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.role_note = QLabel(ROLE_NOTE.format(role=ROLE_LABELS[actor.role]))
        self.role_note.setWordWrap(True)
        self.role_note.setStyleSheet("color: #6a4a00;")
        self.role_note.setVisible(not self.can_edit)
        future_buttons = QHBoxLayout()
        future_buttons.addStretch(1)
        future_buttons.addWidget(self.delete_button)

        layout = QVBoxLayout(self)
        layout.addLayout(choice)
        layout.addWidget(self.role_note)
        layout.addWidget(self.info)
        layout.addWidget(self.current_title)
        layout.addWidget(self.current_view, 3)
        layout.addWidget(self.future_title)
        layout.addWidget(self.future_view, 2)
        layout.addLayout(future_buttons)
        layout.addWidget(self.status)

        self.unit.currentIndexChanged.connect(lambda _index: self.load_grid())
        self.on.editingFinished.connect(self.load_grid)
        self.show_button.clicked.connect(self.reload)  # units too: the catalogue may have changed
        self.new_button.clicked.connect(self.open_new_tariffs)
        self.delete_button.clicked.connect(self.delete_planned)
        self._update()

    def _title(self, text: str) -> QLabel:
        label = QLabel(text)
        font = QFont(label.font())
        font.setBold(True)
        label.setFont(font)
        return label

    def _columns(self, *, with_start: bool) -> list[Column]:
        columns = [
            Column("Rang", rank_text, width=130),
            Column("QF de", lambda r: str(r.qf_min), amount=True, width=80),
            Column(
                "QF à",
                lambda r: "et plus" if r.qf_max is None else str(r.qf_max),
                amount=True,
                width=80,
            ),
            Column("Prix", lambda r: money(r.price), amount=True, width=100),
            Column("Depuis le", lambda r: day(r.valid_from), width=100),
            Column("Facturé", uses_text, width=130, tooltip=lambda r: _uses_tip(r)),
        ]
        if with_start:
            columns[4] = Column("À partir du", lambda r: day(r.valid_from), width=100)
            columns.insert(0, columns.pop(4))
        columns.append(Column("", lambda _r: "", stretch=True))
        return columns

    # -- loading ---------------------------------------------------------------------

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._loaded:
            self.reload()

    def reload(self) -> None:
        """The units, then the grid of the chosen one (through the runner)."""
        self._loaded = True

        def load() -> list[UnitChoice]:
            with self.db.session() as session:
                return list_units(session)

        self.runner.run(load, self._units_loaded, label="Chargement des unités…", parent=self)

    def _units_loaded(self, units: list[UnitChoice]) -> None:
        current = self.unit.currentData()
        blocked = self.unit.blockSignals(True)
        self.unit.clear()
        self.units = {u.id: u for u in units}
        for u in units:
            self.unit.addItem(u.label, u.id)
        self.unit.setCurrentIndex(max(self.unit.findData(current), 0) if current else 0)
        self.unit.blockSignals(blocked)
        if not units:
            self._show(None)
            self.info.setText(
                "Aucune unité n'est définie : importez le catalogue (activités, unités, tarifs)."
            )
            return
        self.load_grid()

    def select_unit(self, label: str) -> None:
        self.unit.setCurrentIndex(self.unit.findText(label))

    def on_date(self) -> date | None:
        try:
            on = parse_french_date(self.on.text(), self.today) or self.today
        except ValueError as exc:
            self.status.setText(f"<span style='color:#a40000'>{exc}.</span>")
            self._date_error = True
            return None
        if self._date_error:
            self.status.clear()
            self._date_error = False
        return on

    def load_grid(self) -> None:
        unit_id = self.unit.currentData()
        on = self.on_date()
        if unit_id is None or on is None:
            return

        def load() -> TariffGrid:
            with self.db.session() as session:
                return tariff_grid(session, unit_id, on)

        self.runner.run(load, self._show, label="Chargement des tarifs…", parent=self)

    def _show(self, grid: TariffGrid | None) -> None:
        self.grid = grid
        rank_pricing = bool(grid and grid.unit.rank_pricing)
        for view in (self.current_view, self.future_view):
            view.setColumnHidden(view.model().columns.index(_rank_column(view)), not rank_pricing)
        self.current.set_rows(grid.current if grid else [])
        self.future.set_rows(grid.future if grid else [])
        if grid is None:
            self._update()
            return
        unit = grid.unit
        facts = [
            "prix de l'heure (quart d'heure commencé dû)" if unit.per_hour else "prix par unité"
        ]
        facts.append("par rang de l'enfant" if unit.rank_pricing else "sans rang")
        if grid.closed_until is not None:
            facts.append(f"période clôturée jusqu'au {grid.closed_until:%d/%m/%Y}")
        self.info.setText(f"<b>{unit.label}</b> — " + ", ".join(facts) + ".")
        self.current_title.setText(f"Tarifs en vigueur le {grid.on:%d/%m/%Y}")
        if not grid.current:
            self.current_title.setText(
                f"Aucun tarif en vigueur le {grid.on:%d/%m/%Y} : les jours de cette unité ne "
                "peuvent pas être facturés."
            )
        self.future_title.setText(
            f"Changements prévus après le {grid.on:%d/%m/%Y}"
            if grid.future
            else f"Aucun changement prévu après le {grid.on:%d/%m/%Y}"
        )
        self._update()

    def _update(self) -> None:
        loaded = self.grid is not None
        self.new_button.setEnabled(self.can_edit and loaded)
        self.delete_button.setEnabled(self.can_edit and current_row(self.future_view) is not None)

    # -- actions ---------------------------------------------------------------------

    def open_new_tariffs(self) -> NewTariffsDialog | None:
        if self.grid is None:
            return None
        dialog = NewTariffsDialog(self.db, self.actor, self.runner, self.grid, self.today, self)
        dialog.saved.connect(self._saved)
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _saved(self, summary: str) -> None:
        self.status.setText(summary)
        dialogs.information(self, summary)
        self.load_grid()

    def delete_planned(self) -> None:
        row: GridRow | None = current_row(self.future_view)
        if row is None or self.grid is None:
            return
        unit, valid_from = self.grid.unit, row.valid_from
        if not dialogs.ask(
            self,
            f"Supprimer les tarifs de « {unit.label} » prévus à partir du {valid_from:%d/%m/%Y} ?",
            yes="Supprimer",
            no="Annuler",
            unattended=False,
        ):
            return
        actor, today = self.actor, self.today

        def work() -> int:
            with self.db.session() as session:
                bind(session, actor)
                return delete_future_tariffs(session, actor, unit.id, valid_from, today=today)

        def done(count: int) -> None:
            self.status.setText(
                f"{count} tarif(s) prévu(s) à partir du {valid_from:%d/%m/%Y} supprimé(s)."
            )
            self.load_grid()

        self.runner.run(work, done, label="Suppression des tarifs prévus…", parent=self)


def _rank_column(view) -> Column:
    return next(c for c in view.model().columns if c.title == "Rang")


def _uses_tip(row: GridRow) -> str:
    if row.uses:
        return "Utilisé par des factures émises : ce tarif ne changera plus."
    return "Pas encore utilisé par une facture."
