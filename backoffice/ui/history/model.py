"""Table model of a family's history: small immutable entries, reset explicitly."""

from __future__ import annotations

from backoffice.services.families.history import HistoryEntry
from backoffice.ui.qt import QAbstractTableModel, QColor, QModelIndex, QPersistentModelIndex, Qt

COLUMNS: tuple[tuple[str, str], ...] = (
    ("at_text", "Date"),
    ("agent", "Agent"),
    ("element", "Élément"),
    ("old_value", "Ancienne valeur"),
    ("new_value", "Nouvelle valeur"),
)
MEDICAL_COLOUR = QColor("#6b4f9e")

_Index = QModelIndex | QPersistentModelIndex


class HistoryModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self._entries: list[HistoryEntry] = []

    def set_entries(self, entries: list[HistoryEntry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self.endResetModel()

    def entry_at(self, row: int) -> HistoryEntry:
        return self._entries[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        entry = self._entries[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return getattr(entry, COLUMNS[index.column()][0])
        if role == Qt.ItemDataRole.ForegroundRole and entry.medical:
            return MEDICAL_COLOUR
        return None

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][1]
        return None
