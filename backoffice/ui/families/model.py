"""Table model of the families list: small immutable rows, loaded page by page.

The search runs in the database (``search_families``); the model only keeps the
rows fetched so far and asks for the next page when the view scrolls near the
end (``canFetchMore``/``fetchMore``). A new search resets the model explicitly.
"""

from __future__ import annotations

import logging
import time

from backoffice.services.families.queries import FamilyRow, count_families, search_families
from backoffice.storage import Database
from backoffice.ui.qt import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

log = logging.getLogger(__name__)

PAGE_SIZE = 200

COLUMNS: tuple[tuple[str, str], ...] = (
    ("code", "Identifiant"),
    ("name", "Nom"),
    ("children", "Enfants"),
    ("commune", "Commune"),
    ("account_state_label", "Compte"),
    ("phone", "Téléphone"),
    ("email", "E-mail"),
)

FAMILY_ID_ROLE = Qt.ItemDataRole.UserRole + 1

_Index = QModelIndex | QPersistentModelIndex


class FamiliesModel(QAbstractTableModel):
    """Families matching the current search, in name order."""

    # Total number of families matching the search (the status line shows it).
    countChanged = Signal(int)

    def __init__(self, db: Database, page_size: int = PAGE_SIZE, parent=None):
        super().__init__(parent)
        self.db = db
        self.page_size = page_size
        self.query = ""
        self.total = 0
        self._rows: list[FamilyRow] = []

    # -- loading ---------------------------------------------------------

    def search(self, query: str) -> None:
        """Run a new search: reset, count, first page."""
        started = time.perf_counter()
        self.beginResetModel()
        self.query = query.strip()
        with self.db.session() as session:
            self.total = count_families(session, self.query)
            self._rows = search_families(session, self.query, offset=0, limit=self.page_size)
        self.endResetModel()
        log.debug(
            "Recherche %r : %d familles, %.1f ms",
            self.query,
            self.total,
            (time.perf_counter() - started) * 1000,
        )
        self.countChanged.emit(self.total)

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008, N802
        return not parent.isValid() and len(self._rows) < self.total

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008, N802
        if parent.isValid() or len(self._rows) >= self.total:
            return
        with self.db.session() as session:
            page = search_families(
                session, self.query, offset=len(self._rows), limit=self.page_size
            )
        if not page:
            # Families were deleted meanwhile: stop asking.
            self.total = len(self._rows)
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
        self._rows.extend(page)
        self.endInsertRows()

    # -- access ----------------------------------------------------------

    def family_at(self, row: int) -> FamilyRow:
        return self._rows[row]

    def row_of(self, family_id: int) -> int | None:
        for row, family in enumerate(self._rows):
            if family.id == family_id:
                return row
        return None

    # -- Qt model API ----------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        family = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return getattr(family, COLUMNS[index.column()][0])
        if role == FAMILY_ID_ROLE:
            return family.id
        return None

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][1]
        return None
