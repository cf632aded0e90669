"""The week table: one row per unit, the unit in column 0, then Monday to Sunday."""

from __future__ import annotations

from datetime import date

from backoffice.dates import WEEKDAYS
from backoffice.services.bookings.planning import PlanningCell, PlanningRow, WeekPlanning
from backoffice.ui.planning.icons import background, cell_text, display_state, state_icon
from backoffice.ui.qt import QAbstractTableModel, QColor, QModelIndex, QPersistentModelIndex, Qt

CELL_ROLE = Qt.ItemDataRole.UserRole + 1
_Index = QModelIndex | QPersistentModelIndex
UNIT_BACKGROUND = QColor("#F4F6F8")


def day_header(day: date) -> str:
    return f"{WEEKDAYS[day.weekday()][:3]}. {day:%d/%m}"


def cell_tooltip(cell: PlanningCell) -> str:
    lines = [f"{WEEKDAYS[cell.day.weekday()]} {cell.day:%d/%m/%Y} — {cell.label}"]
    if cell.reason and cell.reason != cell.label:
        lines.append(cell.reason)
    if cell.places_left is not None and cell.state != "closed":
        left = max(cell.places_left, 0)
        lines.append(f"Places restantes : {left}")
    if cell.can_book:
        lines.append("Espace ou Entrée : réserver")
    if cell.can_unbook:
        lines.append("Suppr : annuler la réservation")
    return "\n".join(lines)


class WeekModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.week: WeekPlanning | None = None

    def set_week(self, week: WeekPlanning | None) -> None:
        self.beginResetModel()
        self.week = week
        self.endResetModel()

    @property
    def rows(self) -> tuple[PlanningRow, ...]:
        return self.week.rows if self.week else ()

    def cell_at(self, index: _Index) -> PlanningCell | None:
        if not index.isValid() or index.column() == 0 or self.week is None:
            return None
        return self.rows[index.row()].cells[index.column() - 1]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else 8

    def flags(self, index: _Index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if index.column() == 0:
            return Qt.ItemFlag.ItemIsEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if index.column() == 0:
            if role == Qt.ItemDataRole.DisplayRole:
                times = f" {row.times}" if row.times else ""
                return f"{row.unit_name}{times}\n{row.activity_name}"
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{row.activity_name} — {row.unit_name}\n{row.period_name}"
            if role == Qt.ItemDataRole.BackgroundRole:
                return UNIT_BACKGROUND
            return None
        cell = row.cells[index.column() - 1]
        if role == Qt.ItemDataRole.DisplayRole:
            text = cell_text(cell)
            if cell.state == "open" and cell.places_left is not None:
                left = max(cell.places_left, 0)
                text += f"\n{left} place{'s' if left > 1 else ''}"
            return text
        if role == Qt.ItemDataRole.DecorationRole:
            return state_icon(display_state(cell))
        if role == Qt.ItemDataRole.BackgroundRole:
            return background(display_state(cell))
        if role == Qt.ItemDataRole.ToolTipRole:
            return cell_tooltip(cell)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return cell_tooltip(cell)
        if role == CELL_ROLE:
            return cell
        return None

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ):
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if section == 0:
            return "Unité"
        if self.week is None:
            return WEEKDAYS[section - 1].capitalize()
        return day_header(self.week.days[section - 1])
