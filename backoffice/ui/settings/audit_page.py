"""« Journal des modifications » (Paramètres): filters on top, the events newest first
(a page at a time, « Plus anciens »), the CSV export and the medical-access preset."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from backoffice.dates import paris_today, parse_french_date
from backoffice.paths import data_dir
from backoffice.services import audit_view as q
from backoffice.services.common.actors import Actor
from backoffice.storage import Database
from backoffice.ui import dialogs, files
from backoffice.ui.qt import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from backoffice.ui.tasks import TaskRunner

COLUMNS = ["Date et heure", "Agent", "Action", "Objet", "Famille", "Enfant", "Champ", "Changement"]
ALL = ""


def change_text(row: q.AuditRow) -> str:
    """« ancienne → nouvelle » (the CSV keeps them in two columns)."""
    if row.old_value is None and row.new_value is None:
        return ""
    if row.old_value is None:
        return row.new_value or ""
    return f"{row.old_value} → {row.new_value or '(vide)'}"


class AuditPage(QWidget):
    def __init__(
        self, db: Database, actor: Actor, runner: TaskRunner, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.db, self.actor, self.runner = db, actor, runner
        self.filters = q.AuditFilter()
        self.next_before: int | None = None
        self.people_loaded = False

        title = QLabel("Journal des modifications")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        title.setFont(font)

        self.person = QComboBox()
        self.person.setAccessibleName("Agent")
        self.person.addItem("Tous", ALL)
        self.family = QLineEdit()
        self.family.setPlaceholderText("n° de famille")
        self.family.setAccessibleName("Famille")
        self.start = QLineEdit()
        self.start.setPlaceholderText("jj/mm/aaaa")
        self.start.setAccessibleName("Du")
        self.end = QLineEdit()
        self.end.setPlaceholderText("jj/mm/aaaa")
        self.end.setAccessibleName("Au")
        self.action = QComboBox()
        self.action.setAccessibleName("Action")
        self.action.addItem("Toutes", ALL)
        for value, label in q.known_actions():
            self.action.addItem(label, value)
        self.apply_button = QPushButton("Filtrer")
        self.apply_button.setDefault(True)
        self.apply_button.clicked.connect(self.apply)
        self.medical_button = QPushButton("Accès aux données médicales")
        self.medical_button.setToolTip(
            "Les ouvertures de fiches sanitaires, pour le délégué à la protection des données"
        )
        self.medical_button.clicked.connect(self.show_medical_access)
        self.export_button = QPushButton("Exporter en CSV…")
        self.export_button.clicked.connect(self.export)
        for line in (self.family, self.start, self.end):
            line.returnPressed.connect(self.apply)

        grid = QGridLayout()
        grid.addWidget(QLabel("Agent :"), 0, 0)
        grid.addWidget(self.person, 0, 1)
        grid.addWidget(QLabel("Famille :"), 0, 2)
        grid.addWidget(self.family, 0, 3)
        grid.addWidget(QLabel("Action :"), 0, 4)
        grid.addWidget(self.action, 0, 5)
        grid.addWidget(QLabel("Du :"), 1, 0)
        grid.addWidget(self.start, 1, 1)
        grid.addWidget(QLabel("au :"), 1, 2)
        grid.addWidget(self.end, 1, 3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        grid.setColumnStretch(5, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.apply_button)
        buttons.addWidget(self.medical_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setAccessibleName("Événements du journal")
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((115, 80, 160, 100, 55, 50, 150)):
            self.table.setColumnWidth(column, width)

        self.status = QLabel("")
        self.more_button = QPushButton("Plus anciens")
        self.more_button.clicked.connect(self.load_more)
        footer = QHBoxLayout()
        footer.addWidget(self.status, 1)
        footer.addWidget(self.more_button)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(grid)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addLayout(footer)

    # -- filters ---------------------------------------------------------------

    def _read_filters(self) -> q.AuditFilter | None:
        today = paris_today()
        family = self.family.text().strip()
        if family and not family.isdigit():
            dialogs.warning(self, "Le n° de famille s'écrit en chiffres.")
            return None
        try:
            start = parse_french_date(self.start.text(), today)
            end = parse_french_date(self.end.text(), today)
        except ValueError as exc:
            dialogs.warning(self, str(exc))
            return None
        return q.AuditFilter(
            login=self.person.currentData() or None,
            family_id=int(family) if family else None,
            start=start,
            end=end,
            action=self.action.currentData() or None,
        )

    def refresh(self) -> None:
        if not self.people_loaded:
            self.runner.run(
                lambda: self._people(), self._fill_people, label="Lecture…", parent=self
            )
        self._load(self.filters, before=None)

    def _people(self) -> list[str]:
        with self.db.session() as session:
            return q.people(session, self.actor)

    def _fill_people(self, logins: list[str]) -> None:
        self.people_loaded = True
        for login in logins:
            self.person.addItem(login, login)

    def apply(self) -> None:
        filters = self._read_filters()
        if filters is not None:
            self.filters = filters
            self._load(filters, before=None)

    def show_medical_access(self) -> None:
        """The preset for the data-protection officer: every opening of a fiche sanitaire."""
        self.person.setCurrentIndex(0)
        self.family.clear()
        self.action.setCurrentIndex(max(self.action.findData(q.MEDICAL_ACCESS.action), 0))
        self.apply()

    def load_more(self) -> None:
        if self.next_before is not None:
            self._load(self.filters, before=self.next_before)

    # -- loading ---------------------------------------------------------------

    def _load(self, filters: q.AuditFilter, before: int | None) -> None:
        def work() -> q.AuditPage:
            with self.db.session() as session:
                return q.audit_page(session, self.actor, filters, before)

        self.runner.run(
            work,
            lambda page: self._show(page, append=before is not None),
            label="Lecture du journal…",
            parent=self,
        )

    def _show(self, page: q.AuditPage, *, append: bool) -> None:
        if not append:
            self.table.setRowCount(0)
        first = self.table.rowCount()
        self.table.setRowCount(first + len(page.rows))
        for offset, row in enumerate(page.rows):
            cells = [
                row.at.strftime("%d/%m/%Y %H:%M"),
                row.actor,
                row.action_label,
                row.entity_label,
                "" if row.family_id is None else str(row.family_id),
                "" if row.child_id is None else str(row.child_id),
                row.field_label,
                change_text(row),
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(first + offset, column, item)
        self.next_before = page.next_before
        self.more_button.setEnabled(page.next_before is not None)
        shown = self.table.rowCount()
        if not shown:
            self.status.setText("Aucun événement ne correspond à ces critères.")
        elif page.next_before is None:
            self.status.setText(f"{shown} événement(s).")
        else:
            self.status.setText(f"{shown} premiers événements (les plus récents d'abord).")

    # -- export ----------------------------------------------------------------

    def export(self) -> None:
        filters = self._read_filters()
        if filters is None:
            return
        folder = files.choose_folder(self, "Dossier de l'export CSV", data_dir() / "exports")
        if folder is None:
            return
        target = folder / f"journal-{datetime.now():%Y%m%d-%H%M%S}.csv"

        def work() -> int:
            with self.db.session() as session:
                return q.export_csv(session, self.actor, filters, target)

        def done(count: int) -> None:
            self.status.setText(f"{count} événement(s) exporté(s) dans {target}.")
            self.last_export: Path = target

        self.runner.run(work, done, label="Export du journal…", parent=self)
