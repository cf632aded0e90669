"""Shared parts of the catalogue pages: a form dialog that keeps the agent's input on
refusal and shows every reason, a plain table, a page header."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from backoffice.errors import UserError
from backoffice.services.catalogue_edit.common import CatalogueRefused
from backoffice.services.common.actors import Actor
from backoffice.storage import Database
from backoffice.ui import crash
from backoffice.ui.qt import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from backoffice.ui.tasks import TaskRunner
from backoffice.ui.widgets.dates import DateField

SAVED_NOTE = "Enregistré ; le portail recevra la modification à la prochaine synchronisation."


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class CatalogueDialog(QDialog):
    """A form; « Enregistrer » runs ``work()`` through the runner. A refusal lists its
    reasons above the buttons and leaves every field as typed."""

    def __init__(
        self, title: str, db: Database, actor: Actor, runner: TaskRunner, parent: QWidget | None
    ):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.db, self.actor, self.runner = db, actor, runner
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.errors = QLabel()
        self.errors.setObjectName("errors")
        self.errors.setWordWrap(True)
        self.errors.setTextFormat(Qt.TextFormat.RichText)
        self.errors.setStyleSheet("color: #8a1c1c;")
        self.errors.setVisible(False)
        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton(
            "Enregistrer", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.addButton("Annuler", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.result_value: Any = None
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.errors)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(560)

    def date_field(self, value: date | None = None) -> DateField:
        field = DateField()
        field.set_date(value)
        return field

    def read_date(self, field: DateField, label: str, errors: list[str], required=True):
        if not field.is_valid():
            errors.append(f"{label} : « {field.text()} » n'est pas une date (jj/mm/aaaa).")
            return None
        value = field.date()
        if value is None and required:
            errors.append(f"{label} : date obligatoire (jj/mm/aaaa).")
        return value

    def say(self, reasons: Sequence[str]) -> None:
        self.errors.setText(
            "<b>Rien n'est enregistré :</b><ul>"
            + "".join(f"<li>{_escape(r)}</li>" for r in reasons)
            + "</ul>"
            if reasons
            else ""
        )
        self.errors.setVisible(bool(reasons))

    def reasons(self) -> list[str]:
        """The reasons shown (tests read them)."""
        return [part.split("</li>")[0] for part in self.errors.text().split("<li>")[1:]]

    def make_work(self, errors: list[str]) -> Callable[[], Any] | None:
        """The saving function (run in the background), or None after adding input errors."""
        raise NotImplementedError

    def submit(self) -> None:
        errors: list[str] = []
        work = self.make_work(errors)
        if errors or work is None:
            self.say(errors)
            return
        self.ok_button.setEnabled(False)
        self.runner.run(work, self._saved, self._refused, label="Enregistrement…", parent=self)

    def _saved(self, value: Any) -> None:
        self.ok_button.setEnabled(True)
        self.result_value = value
        self.say([])
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        self.ok_button.setEnabled(True)
        if isinstance(exc, CatalogueRefused):
            self.say(exc.reasons)
        elif isinstance(exc, UserError):
            self.say([str(exc)])
        else:
            crash.report(exc)


def make_table(headers: Sequence[str], name: str) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setAccessibleName(name)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


def fill_table(table: QTableWidget, rows: Sequence[Sequence[Any]], keys: Sequence[Any]) -> None:
    """Rows of texts; ``keys[i]`` kept on the first cell (Qt.UserRole)."""
    table.setRowCount(0)
    for values, key in zip(rows, keys, strict=True):
        row = table.rowCount()
        table.insertRow(row)
        for column, value in enumerate(values):
            item = QTableWidgetItem("" if value is None else str(value))
            if column == 0:
                item.setData(Qt.ItemDataRole.UserRole, key)
            table.setItem(row, column, item)


def selected_key(table: QTableWidget) -> Any:
    row = table.currentRow()
    if row < 0 or table.item(row, 0) is None:
        return None
    return table.item(row, 0).data(Qt.ItemDataRole.UserRole)


def page_header(title: str, text: str) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 4)
    heading = QLabel(title)
    font = heading.font()
    font.setBold(True)
    font.setPointSize(font.pointSize() + 2)
    heading.setFont(font)
    intro = QLabel(text)
    intro.setWordWrap(True)
    layout.addWidget(heading)
    layout.addWidget(intro)
    return box


def button_row(*buttons: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    for button in buttons:
        row.addWidget(button)
    row.addStretch(1)
    return row


def day_text(value: date | None) -> str:
    return f"{value:%d/%m/%Y}" if value else ""
