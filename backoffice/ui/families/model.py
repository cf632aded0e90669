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
_ATTRIBUTES = tuple(attribute for attribute, _title in COLUMNS)
# The roles the model answers (the others are None): plain ints, quick to test.
_ROLES = frozenset(
    int(role.value) if hasattr(role, "value") else int(role)
    for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, FAMILY_ID_ROLE)
)

_Index = QModelIndex | QPersistentModelIndex


class FamiliesModel(QAbstractTableModel):
    """Families matching the current search, in name order.

    A search reads one page (and one row more, to know whether there are others);
    how many families match a search is counted only when asked (:meth:`count`):
    ``total`` is ``None`` until then, unless every match is already loaded. The
    whole list (empty search) is counted at once: that count needs no filter."""

    # Number of families matching the search, or None while not counted.
    countChanged = Signal(object)

    def __init__(self, db: Database, page_size: int = PAGE_SIZE, parent=None):
        super().__init__(parent)
        self.db = db
        self.page_size = page_size
        self.query = ""
        self.total: int | None = 0
        self._more = False
        self._rows: list[FamilyRow] = []

    # -- loading ---------------------------------------------------------

    def _page(self, session, offset: int) -> list[FamilyRow]:
        page = search_families(session, self.query, offset=offset, limit=self.page_size + 1)
        self._more = len(page) > self.page_size
        return page[: self.page_size]

    def search(self, query: str) -> None:
        """Run a new search: reset, first page (the count only for the whole list)."""
        started = time.perf_counter()
        self.beginResetModel()
        self.query = query.strip()
        with self.db.session() as session:
            self._rows = self._page(session, 0)
            if not self._more:
                self.total = len(self._rows)
            elif not self.query:
                self.total = count_families(session)
            else:
                self.total = None
        self.endResetModel()
        log.debug(
            "Recherche %r : %d familles%s, %.1f ms",
            self.query,
            len(self._rows),
            "" if self._more else " (toutes)",
            (time.perf_counter() - started) * 1000,
        )
        self.countChanged.emit(self.total)

    def count(self) -> int:
        """How many families match the search (counted in the database once)."""
        if self.total is None:
            with self.db.session() as session:
                self.total = count_families(session, self.query)
            self.countChanged.emit(self.total)
        return self.total

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008, N802
        return not parent.isValid() and self._more

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008, N802
        if parent.isValid() or not self._more:
            return
        with self.db.session() as session:
            page = self._page(session, len(self._rows))
        if page:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
            self._rows.extend(page)
            self.endInsertRows()
        if not self._more and self.total != len(self._rows):
            # Every match is loaded now: the count is known (families may have
            # been added or deleted meanwhile).
            self.total = len(self._rows)
            self.countChanged.emit(self.total)

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
        # A paint asks every visible cell for a dozen roles: the others first,
        # answered before touching the index (issue #21, the keystroke's paint).
        if role not in _ROLES or not index.isValid():
            return None
        family = self._rows[index.row()]
        if role == FAMILY_ID_ROLE:
            return family.id
        return getattr(family, _ATTRIBUTES[index.column()])

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][1]
        return None
