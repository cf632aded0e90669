"""« Dossiers incomplets »: the list of incomplete files and exactly what each lacks.

The rows (small, immutable) are computed once per :meth:`IncompleteFilesPage.reload`
by the service; the search field filters them through a ``QSortFilterProxyModel``
on a pre-folded key (a few hundred rows at most), debounced.
"""

from __future__ import annotations

import logging
import time
from datetime import date

from backoffice.services.child_file.incomplete import IncompleteFile, incomplete_files
from backoffice.services.common.actors import Actor
from backoffice.storage import Database
from backoffice.text import fold
from backoffice.ui.qt import (
    QAbstractItemView,
    QAbstractTableModel,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    QPushButton,
    QSortFilterProxyModel,
    Qt,
    QTableView,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from backoffice.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

SEARCH_DELAY_MS = 200
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
COLUMNS = ("Famille", "Enfant", "Âge", "Éléments manquants")
COLUMN_WIDTHS = (230, 190, 70)

_Index = QModelIndex | QPersistentModelIndex


def age_text(row: IncompleteFile) -> str:
    if row.age is None:
        return ""
    if row.age < 1:
        return f"{row.age_months} mois"
    return f"{row.age} an{'s' if row.age > 1 else ''}"


def count_text(shown: int, total: int) -> str:
    locale = QLocale()
    noun = "dossier incomplet" if total == 1 else "dossiers incomplets"
    if total == 0:
        return "Aucun dossier incomplet"
    if shown == total:
        return f"{locale.toString(total)} {noun}"
    return f"{locale.toString(shown)} sur {locale.toString(total)} {noun}"


class IncompleteFilesModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[IncompleteFile] = []

    def set_rows(self, rows: list[IncompleteFile]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> IncompleteFile:
        return self._rows[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return f"{row.family_name} ({row.family_code})"
            if column == 1:
                return row.child_name or "—"
            if column == 2:
                return age_text(row)
            return " · ".join(row.all_missing)
        if role == Qt.ItemDataRole.ToolTipRole and column == 3:
            return "\n".join(row.all_missing)
        if role == ROW_ROLE:
            return row
        return None

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None


class _SearchProxy(QSortFilterProxyModel):
    """Every word typed must appear in the family's code or name or the child's name."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.terms: list[str] = []

    def set_search(self, text: str) -> None:
        self.beginFilterChange()
        self.terms = fold(text).split()
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:  # noqa: N802
        if not self.terms:
            return True
        key = self.sourceModel().row_at(source_row).search_key
        return all(term in key for term in self.terms)


class IncompleteFilesPage(QWidget):
    """``open_child(child_id)`` / ``open_family(family_id)`` on Enter or double-click."""

    open_family = Signal(int)
    open_child = Signal(int)

    def __init__(
        self,
        db: Database,
        actor: Actor,
        parent: QWidget | None = None,
        today: date | None = None,
        runner: TaskRunner | None = None,
        load: bool = True,
    ):
        """With a ``runner``, the list is computed off the GUI thread (it takes about
        half a second on 2,000 families); ``load=False`` waits for the first ``reload()``."""
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.today = today
        self.runner = runner
        self.model = IncompleteFilesModel(self)
        self.proxy = _SearchProxy(self)
        self.proxy.setSourceModel(self.model)

        title = QLabel("<b>Dossiers incomplets</b>")
        self.search_field = QLineEdit()
        self.search_field.setPlaceholderText(
            "Filtrer : nom ou identifiant de la famille, prénom de l'enfant"
        )
        self.search_field.setClearButtonEnabled(True)
        self.search_field.setAccessibleName("Filtrer les dossiers incomplets")
        self.count_label = QLabel()
        self.count_label.setMinimumWidth(200)
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.reload_button = QPushButton("Actualiser")
        self.reload_button.clicked.connect(self.reload)
        self.open_child_button = QPushButton("Ouvrir la fiche enfant")
        self.open_family_button = QPushButton("Ouvrir la famille")
        self.open_child_button.clicked.connect(self.open_current_child)
        self.open_family_button.clicked.connect(self.open_current_family)

        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.setTabKeyNavigation(False)
        self.view.setAccessibleName("Liste des dossiers incomplets")
        vertical = self.view.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.view.fontMetrics().height() + 10)
        header = self.view.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for column, width in enumerate(COLUMN_WIDTHS):
            header.resizeSection(column, width)
        header.setStretchLastSection(True)
        self.view.activated.connect(self._activate)  # Enter and double-click
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self.apply_search)
        self.search_field.textChanged.connect(self._debounce.start)
        self.search_field.returnPressed.connect(self._focus_results)

        top = QHBoxLayout()
        top.addWidget(title)
        top.addWidget(self.search_field, 1)
        top.addWidget(self.count_label)
        top.addWidget(self.reload_button)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.open_family_button)
        bottom.addWidget(self.open_child_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addLayout(bottom)
        self.setFocusProxy(self.search_field)
        if load:
            self.reload()

    # -- loading and searching ----------------------------------------------

    def _fetch(self) -> list[IncompleteFile]:
        started = time.perf_counter()
        with self.db.session() as session:
            rows = incomplete_files(session, self.today or date.today())
        log.debug(
            "Dossiers incomplets : %d lignes, %.0f ms",
            len(rows),
            (time.perf_counter() - started) * 1000,
        )
        return rows

    def reload(self) -> None:
        """Compute the list again (after files were completed or changed)."""
        if self.runner is None:
            self._show(self._fetch())
        else:
            self.runner.run(
                self._fetch, self._show, label="Recherche des dossiers incomplets…", parent=self
            )

    def _show(self, rows: list[IncompleteFile]) -> None:
        current = self.current_row()
        self.model.set_rows(rows)
        self.apply_search()
        if current is not None:
            self.select(current.family_id, current.child_id)

    def apply_search(self) -> None:
        self._debounce.stop()
        self.proxy.set_search(self.search_field.text())
        self.count_label.setText(count_text(self.proxy.rowCount(), self.model.rowCount()))
        if self.proxy.rowCount() and not self.view.currentIndex().isValid():
            self.view.selectRow(0)
        self._update_buttons()

    def rows(self) -> list[IncompleteFile]:
        """The rows shown, in order."""
        return [self.proxy.index(r, 0).data(ROW_ROLE) for r in range(self.proxy.rowCount())]

    def current_row(self) -> IncompleteFile | None:
        index = self.view.currentIndex()
        return index.data(ROW_ROLE) if index.isValid() else None

    def select(self, family_id: int, child_id: int | None) -> bool:
        for r, row in enumerate(self.rows()):
            if row.family_id == family_id and row.child_id == child_id:
                self.view.selectRow(r)
                return True
        return False

    def _focus_results(self) -> None:
        self.apply_search()
        if self.proxy.rowCount():
            self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def _update_buttons(self) -> None:
        row = self.current_row()
        self.open_family_button.setEnabled(row is not None)
        self.open_child_button.setEnabled(row is not None and row.child_id is not None)

    # -- opening -------------------------------------------------------------

    def _activate(self, index: QModelIndex) -> None:
        row = index.data(ROW_ROLE) if index.isValid() else None
        if row is None:
            return
        if row.child_id is not None:
            self.open_child.emit(row.child_id)
        else:
            self.open_family.emit(row.family_id)

    def open_current_child(self) -> None:
        row = self.current_row()
        if row is not None and row.child_id is not None:
            self.open_child.emit(row.child_id)

    def open_current_family(self) -> None:
        row = self.current_row()
        if row is not None:
            self.open_family.emit(row.family_id)
