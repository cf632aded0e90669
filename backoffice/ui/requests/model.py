"""Table model of the requests desk: the queue's immutable rows, optionally grouped.

The model holds a flat list of entries — a :class:`~backoffice.services.requests.queue.QueueRow`
per request, preceded, when grouped, by a :class:`~backoffice.services.requests.queue.Group`
header — and formats only what the view paints (dates are converted on demand).
Filtering and grouping happen on the whole list in memory (``set_rows``): one
explicit reset, no per-row signals.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from backoffice.models import REQUEST_KIND_LABELS, RequestKind
from backoffice.services.requests.queue import Group, Grouping, QueueRow, grouped
from backoffice.ui.qt import (
    QAbstractTableModel,
    QBrush,
    QColor,
    QFont,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

PARIS = ZoneInfo("Europe/Paris")
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1

COLUMNS = ("Famille", "Enfant", "Demande", "Activité", "Jours concernés", "Reçue le", "État")
# Short enough for the column; the full label is in the tooltip.
KIND_LABELS = {
    RequestKind.REGISTRATION: "Inscription",
    RequestKind.BOOKING: "Réservation",
    RequestKind.CANCELLATION: "Annulation",
    RequestKind.FILE_CHANGE: "Dossier modifié",
    RequestKind.LOGIN_EMAIL_CHANGE: "Nouvel identifiant",
}
HEADER_BACKGROUND = QColor(226, 234, 244)
WAITING_COLOUR = QColor(160, 82, 0)

_Index = QModelIndex | QPersistentModelIndex
_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.FontRole,
        Qt.ItemDataRole.BackgroundRole,
        Qt.ItemDataRole.ForegroundRole,
        ENTRY_ROLE,
    }
)


def days_text(row: QueueRow) -> str:
    first, last = row.first_day, row.last_day
    if first is None:
        return ""
    if row.kind is RequestKind.REGISTRATION:
        return f"{first:%d/%m/%y} → {last:%d/%m/%y}"
    if row.days <= 1 or first == last:
        return f"{first:%d/%m/%Y}"
    return f"{first:%d/%m} → {last:%d/%m/%y} ({row.days} j)"


def kind_text(row: QueueRow) -> str:
    """« Réservation », « Réservation ×3 » when the parent sent it three times."""
    label = KIND_LABELS.get(row.kind, str(row.kind))
    return f"{label} ×{len(row.request_ids)}" if row.duplicate_ids else label


def kind_tooltip(row: QueueRow) -> str:
    label = REQUEST_KIND_LABELS.get(row.kind, str(row.kind))
    if not row.duplicate_ids:
        return label
    return (
        f"{label} envoyée {len(row.request_ids)} fois (même enfant, mêmes jours) : "
        "une seule décision, les doublons sont fermés avec elle."
    )


def state_text(row: QueueRow) -> str:
    if not row.decidable:
        return "À examiner"
    if row.waiting:
        if row.days > 1:
            return f"Liste d'attente ({row.waiting} j)"
        return "Liste d'attente"
    return "En attente"


def received_text(row: QueueRow, this_year: int) -> str:
    """« 21/11 20:26 » this year (the column stays narrow), « 21/11/25 20:26 » before."""
    when = row.received_at.astimezone(PARIS)
    if when.year == this_year:
        return f"{when:%d/%m %H:%M}"
    return f"{when:%d/%m/%y %H:%M}"


def received_tooltip(row: QueueRow) -> str:
    return f"Reçue le {row.received_at.astimezone(PARIS):%d/%m/%Y à %H:%M}"


def requests_word(count: int) -> str:
    return f"{count} demande{'s' if count > 1 else ''}"


class RequestsModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.entries: list[QueueRow | Group] = []
        self.grouping = Grouping.NONE
        self.this_year = date.today().year  # the area sets its own day's year
        self.request_count = 0
        self._bold = QFont()
        self._bold.setBold(True)

    def set_rows(self, rows: list[QueueRow], grouping: Grouping) -> None:
        """Show ``rows`` (already filtered), grouped or in request order."""
        self.beginResetModel()
        self.grouping = grouping
        self.request_count = len(rows)
        if grouping is Grouping.NONE:
            self.entries = list(rows)
        else:
            entries: list[QueueRow | Group] = []
            for group in grouped(rows, grouping):
                entries.append(group)
                entries.extend(group.rows)
            self.entries = entries
        self.endResetModel()

    # -- access ----------------------------------------------------------------------

    def entry(self, row: int) -> QueueRow | Group:
        return self.entries[row]

    def requests_in(self, first: int, last: int) -> list[QueueRow]:
        """The requests of entries ``first``..``last`` (a header stands for its group)."""
        result: list[QueueRow] = []
        for entry in self.entries[first : last + 1]:
            if isinstance(entry, Group):
                result.extend(entry.rows)
            else:
                result.append(entry)
        return result

    def rows_by_id(self) -> dict[int, int]:
        """Request id → its entry's row (a duplicate: its line's row)."""
        rows: dict[int, int] = {}
        for number, entry in enumerate(self.entries):
            if isinstance(entry, QueueRow):
                for request_id in entry.request_ids:
                    rows[request_id] = number
        return rows

    def row_of(self, request_id: int) -> int | None:
        for number, entry in enumerate(self.entries):
            if isinstance(entry, QueueRow) and entry.id == request_id:
                return number
        return None

    def group_bounds(self, row: int) -> tuple[int, int] | None:
        """(header row, last row) of the group entry ``row`` belongs to, when grouped."""
        if self.grouping is Grouping.NONE or not self.entries:
            return None
        start = row
        while start > 0 and not isinstance(self.entries[start], Group):
            start -= 1
        header = self.entries[start]
        if not isinstance(header, Group):
            return None
        return start, start + len(header.rows)

    # -- Qt model API ----------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if role not in _ROLES or not index.isValid():
            return None  # painting asks a dozen roles per cell: answer the others at once
        entry = self.entries[index.row()]
        column = index.column()
        if role == ENTRY_ROLE:
            return entry
        if isinstance(entry, Group):
            return self._group_data(entry, column, role)
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0 and self.grouping is not Grouping.NONE:
                return ""  # the group header above says it
            if column == 1 and self.grouping is Grouping.CHILD:
                return ""
            return self._text(entry, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 0:
                return f"{entry.family_name} ({entry.family_code})"
            if column == 2:
                return kind_tooltip(entry)
            if column == 5:
                return received_tooltip(entry)
            return self._text(entry, column)
        if role == Qt.ItemDataRole.ForegroundRole and column == 6 and entry.waiting:
            return QBrush(WAITING_COLOUR)
        return None

    def column_texts(self, column: int) -> set[str]:
        """The distinct texts ``column`` shows on request lines (group headers apart)."""
        if not self.column_shown(column):
            return set()
        text = self._text
        return {text(e, column) for e in self.entries if not isinstance(e, Group)}

    def _group_data(self, group: Group, column: int, role: int):
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:  # spans the whole row (ColumnFitter)
                return f"{group.label} · {requests_word(len(group.rows))}"
            return ""
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{group.label} : {requests_word(len(group.rows))} (Espace : tout sélectionner)"
        if role == Qt.ItemDataRole.FontRole:
            return self._bold
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(HEADER_BACKGROUND)
        return None

    def _text(self, row: QueueRow, column: int) -> str:
        if column == 0:
            return row.family_name  # the code in the tooltip and the group header
        if column == 1:
            return row.child_name
        if column == 2:
            return kind_text(row)
        if column == 3:
            return row.activity_name or ""
        if column == 4:
            return days_text(row)
        if column == 5:
            return received_text(row, self.this_year)
        return state_text(row)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section] if self.column_shown(section) else ""
        return None

    def column_shown(self, column: int) -> bool:
        """False for the columns the group headers say (an indent under them)."""
        if column == 0:
            return self.grouping is Grouping.NONE
        if column == 1:
            return self.grouping is not Grouping.CHILD
        return True
