"""« Occupation » : a site on a day — per unit booked / places, waiting list, requests —
and the children expected (name, age, group, alerts), printable as a PDF."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from backoffice.dates import long_day
from backoffice.services.bookings import occupancy
from backoffice.services.bookings.attendance import busiest_site
from backoffice.services.bookings.expected_list import write_expected_list_pdf
from backoffice.services.bookings.occupancy import ExpectedChild, UnitOccupancy
from backoffice.services.common.actors import Actor
from backoffice.storage import Database
from backoffice.ui import dialogs, files
from backoffice.ui.qt import (
    QAbstractItemView,
    QColor,
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
from backoffice.ui.widgets import AreaToolbar, DateField, area_shortcut
from backoffice.ui.widgets.site_activity import SiteActivityPicker

log = logging.getLogger(__name__)

UNIT_COLUMNS = ("Activité", "Unité", "Horaires", "Réservés / places", "Places libres",
                "Liste d'attente", "Demandes à traiter", "Fermeture")  # fmt: skip
CHILD_COLUMNS = ("Unité", "Enfant", "Âge", "Groupe / classe", "Alertes", "Manque au dossier")
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
ALERT = QColor("#B3261E")
FULL = QColor("#F6DCDA")


@dataclass(frozen=True)
class Snapshot:
    day: date
    units: list[UnitOccupancy]
    children: list[ExpectedChild]


def _item(text: str, align_right: bool = False, tooltip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if align_right:
        item.setTextAlignment(RIGHT)
    if tooltip:
        item.setToolTip(tooltip)
    return item


def _table(columns: tuple[str, ...]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().hide()
    table.setAlternatingRowColors(True)
    table.horizontalHeader().setStretchLastSection(True)
    return table


class OccupancyPage(QWidget):
    open_child = Signal(int)
    open_family = Signal(int)

    def __init__(self, db: Database, actor: Actor, runner: TaskRunner, today: date,
                 parent: QWidget | None = None):  # fmt: skip
        super().__init__(parent)
        self.db, self.actor, self.runner, self.today = db, actor, runner, today
        self.snapshot: Snapshot | None = None
        # Opens on the site where children are expected that day.
        self.picker = SiteActivityPicker(
            db, runner, self, self.load, lambda s: busiest_site(s, self.date.date() or today)
        )
        self.site, self.activity = self.picker.site, self.picker.activity
        self.date = DateField(today=today)
        self.date.set_date(today)
        self.previous = QPushButton("◀")
        self.previous.setToolTip("Jour précédent (Ctrl+Page préc.)")
        self.next = QPushButton("▶")
        self.next.setToolTip("Jour suivant (Ctrl+Page suiv.)")
        for button in (self.previous, self.next):
            button.setMaximumWidth(36)
        self.refresh = QPushButton("Actualiser (F5)")
        self.print_button = QPushButton("Imprimer la liste (PDF)")
        self.print_button.setToolTip("Ctrl+P")
        self.day_label = QLabel("")
        self.date.editingFinished.connect(self.load)
        self.previous.clicked.connect(lambda: self.shift(-1))
        self.next.clicked.connect(lambda: self.shift(1))
        self.refresh.clicked.connect(self.load)
        self.print_button.clicked.connect(self.print_list)
        for keys, slot in (("Ctrl+P", self.print_list),
                           ("Ctrl+PgUp", lambda: self.shift(-1)),
                           ("Ctrl+PgDown", lambda: self.shift(1))):  # fmt: skip
            area_shortcut(self, keys, slot)

        self.units = _table(UNIT_COLUMNS)
        self.units.itemSelectionChanged.connect(self._fill_children)
        self.children = _table(CHILD_COLUMNS)
        self.children.itemActivated.connect(self._child_activated)
        self.children_title = QLabel("Enfants attendus")
        font = self.children_title.font()
        font.setBold(True)
        self.children_title.setFont(font)
        self.health = QLabel(
            "" if actor.sees_medical_data
            else "Alertes santé (PAI, allergies) : visibles par la direction seulement."
        )  # fmt: skip
        self.health.setStyleSheet("color: #555F69")

        self.toolbar = AreaToolbar()
        self.toolbar.add_field("Établissement :", self.site, 2)
        self.toolbar.add_field("Activité :", self.activity, 2)
        self.toolbar.add_field("Date :", self.previous)
        self.toolbar.add(self.date)
        self.toolbar.add(self.next)
        self.toolbar.add(self.refresh)
        self.toolbar.reload_with(self, self.load)
        bottom = QHBoxLayout()
        bottom.addWidget(self.children_title, 1)
        bottom.addWidget(self.health)
        bottom.addWidget(self.print_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.day_label)
        layout.addWidget(self.units, 2)
        layout.addLayout(bottom)
        layout.addWidget(self.children, 3)

    # -- loading -------------------------------------------------------------------------

    def reload(self) -> None:
        self.picker.load()

    def shift(self, days: int) -> None:
        self.date.set_date((self.date.date() or self.today) + timedelta(days=days))
        self.load()

    def load(self) -> None:
        site_id, activity_id = self.site.currentData(), self.activity.currentData()
        day = self.date.date()
        if site_id is None:
            return
        if day is None:
            dialogs.warning(self, "Date invalide : tapez-la sous la forme jj/mm/aaaa.")
            return

        def work() -> Snapshot:
            with self.db.session() as s:
                units = occupancy.occupancy(s, site_id, day, activity_id)
                children = occupancy.expected_children(s, self.actor, site_id, day, activity_id)
                return Snapshot(day, units, children)

        self.runner.run(work, self._loaded, label="Chargement de l'occupation…", parent=self)

    def _loaded(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.day_label.setText(f"<b>{long_day(snapshot.day).capitalize()}</b>")
        self.units.setRowCount(len(snapshot.units))
        for r, unit in enumerate(snapshot.units):
            free = "" if unit.free is None else str(max(unit.free, 0))
            cells = [
                _item(unit.activity_name),
                _item(unit.unit_name),
                _item(unit.times),
                _item(unit.rate_text, True),
                _item(free or "—", True),
                _item(str(unit.waiting), True),
                _item(str(unit.requested), True),
                _item(unit.closed),
            ]
            for c, item in enumerate(cells):
                if unit.free is not None and unit.free <= 0:
                    item.setBackground(FULL)
                self.units.setItem(r, c, item)
        self.units.resizeColumnsToContents()
        if not snapshot.units:
            self.day_label.setText(
                f"<b>{long_day(snapshot.day).capitalize()}</b> — aucune unité ne fonctionne ce "
                "jour-là."
            )
        self._fill_children()

    def _selected_unit(self) -> UnitOccupancy | None:
        rows = self.units.selectionModel().selectedRows()
        if not rows or self.snapshot is None:
            return None
        return self.snapshot.units[rows[0].row()]

    def _fill_children(self) -> None:
        if self.snapshot is None:
            return
        unit = self._selected_unit()
        children = [c for c in self.snapshot.children if unit is None or c.unit_id == unit.unit_id]
        where = f" — {unit.unit_name}" if unit else ""
        self.children_title.setText(f"Enfants attendus{where} : {len(children)}")
        self.children.setRowCount(len(children))
        for r, child in enumerate(children):
            group = " · ".join(p for p in (child.age_group, child.school_class) if p)
            alerts = _item(" ; ".join(child.alerts))
            missing = _item(" · ".join(child.missing), tooltip="\n".join(child.missing))
            for item in (alerts, missing):
                item.setForeground(ALERT)
            for c, item in enumerate([_item(child.unit_name), _item(child.child_name),
                                      _item(child.age, True), _item(group), alerts, missing]):  # fmt: skip
                self.children.setItem(r, c, item)
        self.children.resizeColumnsToContents()
        for column, widest in ((4, 380), (5, 520)):  # long texts: the tooltip has them whole
            self.children.setColumnWidth(column, min(self.children.columnWidth(column), widest))

    def _child_activated(self, item: QTableWidgetItem) -> None:
        unit = self._selected_unit()
        children = [c for c in self.snapshot.children if unit is None or c.unit_id == unit.unit_id]
        self.open_child.emit(children[item.row()].child_id)

    # -- printing ------------------------------------------------------------------------

    def print_list(self) -> None:
        site_id, activity_id = self.site.currentData(), self.activity.currentData()
        day = self.date.date()
        if site_id is None or day is None:
            return

        actor = self.actor
        self.runner.run(
            lambda: write_expected_list_pdf(self.db, actor, site_id, day, activity_id),
            files.open_file,
            label="Préparation de la liste…",
            parent=self,
        )
