"""A read-only table of small immutable rows, described by its columns.

Used by the « Facturation » and « Règlements » areas: each column says its
title, how to show a row, and whether it is an amount (amounts are
right-aligned, formatted « 1 234,56 € »).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from backoffice.documents.formatting import format_date, format_euros
from backoffice.ui.qt import (
    QAbstractItemView,
    QAbstractTableModel,
    QBrush,
    QColor,
    QHeaderView,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTableView,
)

_Index = QModelIndex | QPersistentModelIndex
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
ALERT = QColor("#a40000")


def money(value: Decimal | None) -> str:
    return "" if value is None else format_euros(value)


def day(value: date | None) -> str:
    return format_date(value)


@dataclass(frozen=True)
class Column:
    title: str
    text: Callable[[Any], str]
    amount: bool = False  # right-aligned
    width: int | None = None
    tooltip: Callable[[Any], str] | None = None
    stretch: bool = False  # takes the room left (else the last column does, unless an amount)


class RowsModel(QAbstractTableModel):
    """Rows set at once (:meth:`set_rows`); ``alert(row)`` paints a row's text red."""

    def __init__(
        self,
        columns: Sequence[Column],
        parent=None,
        alert: Callable[[Any], bool] | None = None,
    ):
        super().__init__(parent)
        self.columns = list(columns)
        self.alert = alert
        self._rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    @property
    def rows(self) -> list[Any]:
        return list(self._rows)

    def row_at(self, row: int) -> Any:
        return self._rows[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT if column.amount else LEFT
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not None:
            return column.tooltip(row)
        if role == Qt.ItemDataRole.ForegroundRole and self.alert and self.alert(row):
            return QBrush(ALERT)
        if role == ROW_ROLE:
            return row
        return None

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ):
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT if self.columns[section].amount else LEFT
        return None


def make_view(
    model: RowsModel, name: str, *, multi: bool = False, wrap: bool = False
) -> QTableView:
    """A table view of whole rows, not editable, sized for the columns' widths;
    ``wrap``: long texts (anomalies) wrap on more lines instead of being cut."""
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(
        QAbstractItemView.SelectionMode.ExtendedSelection
        if multi
        else QAbstractItemView.SelectionMode.SingleSelection
    )
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(wrap)
    view.setTabKeyNavigation(False)
    view.setAccessibleName(name)
    vertical = view.verticalHeader()
    vertical.hide()
    vertical.setDefaultSectionSize(view.fontMetrics().height() + 10)
    if wrap:
        view.setTextElideMode(Qt.TextElideMode.ElideNone)
        vertical.setMinimumSectionSize(view.fontMetrics().height() + 10)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    else:
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    for number, column in enumerate(model.columns):
        if column.width:
            header.resizeSection(number, column.width)
        if column.stretch:
            header.setSectionResizeMode(number, QHeaderView.ResizeMode.Stretch)
    # An amount far away on the right edge is hard to read with its row: no stretch then.
    stretch_last = not any(c.stretch for c in model.columns) and not model.columns[-1].amount
    header.setStretchLastSection(stretch_last)
    return view


def selected_rows(view: QTableView) -> list[Any]:
    model: RowsModel = view.model()
    numbers = sorted({index.row() for index in view.selectionModel().selectedRows()})
    return [model.row_at(n) for n in numbers]


def current_row(view: QTableView) -> Any | None:
    rows = selected_rows(view)
    return rows[0] if rows else None


def select_first(view: QTableView, match: Callable[[Any], bool] | None = None) -> None:
    """Select the first row (or the first matching ``match``)."""
    model: RowsModel = view.model()
    for n in range(model.rowCount()):
        if match is None or match(model.row_at(n)):
            view.selectRow(n)
            return
