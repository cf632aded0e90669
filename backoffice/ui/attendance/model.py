"""The pointage table: the expected days with what is recorded and what the agent changed
(not saved until « Enregistrer »)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import time

from backoffice.models import ATTENDANCE_LABELS, Attendance
from backoffice.services.bookings.attendance import AttendanceMark, AttendanceRow, HealthAlert
from backoffice.ui.qt import (
    QAbstractTableModel,
    QColor,
    QFont,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

COLUMNS = ("Activité — unité", "Enfant", "Pointage", "Arrivée", "Départ", "Alertes santé")
STATE, ARRIVAL, DEPARTURE, ALERT = 2, 3, 4, 5
ALERT_BACKGROUND = QColor("#FDE3C0")
ALERT_FOREGROUND = QColor("#7A3E00")
NO_DETAIL = "détail réservé aux directeurs·rices et administrateurs (données de santé)"


def alert_text(alert: HealthAlert | None) -> str:
    """« ⚠ PAI · Allergie alimentaire » for everybody; the details for medical roles."""
    if alert is None:
        return ""
    if alert.details:
        return "⚠ " + " ; ".join(alert.details)
    return "⚠ " + " · ".join(alert.flags)


_Index = QModelIndex | QPersistentModelIndex
COLOURS = {
    Attendance.PRESENT: QColor("#DCEFDC"),
    Attendance.ABSENT_JUSTIFIED: QColor("#FFF0D6"),
    Attendance.ABSENT: QColor("#F6DCDA"),
}
KEYS = {
    Qt.Key.Key_P: Attendance.PRESENT,
    Qt.Key.Key_J: Attendance.ABSENT_JUSTIFIED,
    Qt.Key.Key_A: Attendance.ABSENT,
}
_TIME = re.compile(r"^\s*(\d{1,2})\s*(?:[:hH.]\s*(\d{2})?|(\d{2}))?\s*$")


def parse_time(text: str) -> time | None:
    """« 8:15 », « 08h15 », « 0815 », « 8h » → a time; empty → None; ValueError otherwise."""
    if not text.strip():
        return None
    match = _TIME.match(text)
    if not match:
        raise ValueError(f"« {text} » n'est pas une heure (hh:mm).")
    hours = int(match.group(1))
    minutes = int(match.group(2) or match.group(3) or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"« {text} » n'est pas une heure valide.")
    return time(hours, minutes)


@dataclass(frozen=True)
class Line:
    row: AttendanceRow
    attendance: Attendance | None
    arrival: time | None
    departure: time | None

    @property
    def changed(self) -> bool:
        r = self.row
        return (self.attendance, self.arrival, self.departure) != (
            r.attendance,
            r.arrival,
            r.departure,
        )


class AttendanceModel(QAbstractTableModel):
    invalid = Signal(str)  # a time typed that is not one (French message)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.lines: list[Line] = []
        self.alerts: dict[int, HealthAlert] = {}
        self.editable = True

    def set_rows(
        self,
        rows: list[AttendanceRow],
        editable: bool,
        alerts: dict[int, HealthAlert] | None = None,
    ) -> None:
        self.beginResetModel()
        self.lines = [Line(r, r.attendance, r.arrival, r.departure) for r in rows]
        self.alerts = dict(alerts or {})
        self.editable = editable
        self.endResetModel()

    def changed_marks(self) -> list[AttendanceMark]:
        return [
            AttendanceMark(line.row.booking_id, line.attendance, line.arrival, line.departure)
            for line in self.lines
            if line.changed
        ]

    def counts(self) -> dict[Attendance | None, int]:
        out: dict[Attendance | None, int] = {}
        for line in self.lines:
            out[line.attendance] = out.get(line.attendance, 0) + 1
        return out

    def _update(self, row: int, line: Line) -> None:
        self.lines[row] = line
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def set_attendance(self, rows: list[int], value: Attendance | None) -> None:
        if not self.editable:
            return
        for row in rows:
            self._update(row, replace(self.lines[row], attendance=value))

    def all_present(self) -> int:
        rows = [i for i, line in enumerate(self.lines) if line.attendance is None]
        self.set_attendance(rows, Attendance.PRESENT)
        return len(rows)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.lines)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def flags(self, index: _Index):
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        line = self.lines[index.row()] if index.isValid() else None
        if line and self.editable and line.row.hourly and index.column() in (ARRIVAL, DEPARTURE):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        line, column = self.lines[index.row()], index.column()
        row = line.row
        if column == ALERT:
            return self._alert_data(row.child_id, role)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if column == 0:
                return f"{row.activity_name} — {row.unit_name}"
            if column == 1:
                return row.child_name + (" (annulation demandée)" if row.cancel_requested else "")
            if column == STATE:
                return ATTENDANCE_LABELS[line.attendance] if line.attendance else "À pointer"
            value = line.arrival if column == ARRIVAL else line.departure
            if not row.hourly:
                return "" if role == Qt.ItemDataRole.EditRole else "—"
            return f"{value:%H:%M}" if value else ""
        if role == Qt.ItemDataRole.BackgroundRole and column == STATE and line.attendance:
            return COLOURS[line.attendance]
        if role == Qt.ItemDataRole.FontRole and line.changed:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (ARRIVAL, DEPARTURE):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == STATE:
                return "P : présent · J : absent justifié · A : absent · Suppr : à pointer"
            if column in (ARRIVAL, DEPARTURE) and row.hourly:
                return "Heure (hh:mm), pour l'accueil facturé à l'heure"
        return None

    def _alert_data(self, child_id: int, role: int):
        alert = self.alerts.get(child_id)
        if role == Qt.ItemDataRole.DisplayRole:
            return alert_text(alert)
        if alert is None:
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            return ALERT_BACKGROUND
        if role == Qt.ItemDataRole.ForegroundRole:
            return ALERT_FOREGROUND
        if role == Qt.ItemDataRole.ToolTipRole:
            text = "Alerte santé : " + ", ".join(alert.flags)
            if alert.details:
                return text + "\n" + "\n".join(alert.details)
            return text + "\n(" + NO_DETAIL + ")"
        return None

    def setData(self, index: _Index, value, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.EditRole or index.column() not in (ARRIVAL, DEPARTURE):
            return False
        try:
            parsed = parse_time(str(value))
        except ValueError as exc:
            self.invalid.emit(str(exc))
            return False
        line = self.lines[index.row()]
        if index.column() == ARRIVAL:
            line = replace(line, arrival=parsed)
        else:
            line = replace(line, departure=parsed)
        if parsed is not None and line.attendance is None:
            line = replace(line, attendance=Attendance.PRESENT)  # a time typed: the child came
        self._update(index.row(), line)
        return True

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None
