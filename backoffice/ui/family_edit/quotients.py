"""The QF history of a family and the dialog adding a QF.

Adding a QF is its own action (``add_quotient``), saved as soon as the small
dialog is validated: the history table then shows it with the previous QF's
new end date. Earlier QF rows are never edited here.
"""

from __future__ import annotations

from datetime import date

from backoffice.dates import date_error
from backoffice.models import AllowanceScheme
from backoffice.services.common.validation import FieldErrors
from backoffice.services.families.edit import SOURCE_LABELS
from backoffice.services.families.quotients import QuotientRow, add_quotient
from backoffice.storage import Database
from backoffice.ui.family_edit.sections import hint
from backoffice.ui.qt import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QIntValidator,
    QLineEdit,
    QPushButton,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from backoffice.ui.tasks import TaskRunner
from backoffice.ui.widgets import DateField, ErrorLabel, FormField, ok_cancel

HEADERS = ("QF", "Du", "Au", "Source", "Saisi le")
COLUMN_WIDTHS = (90, 120, 120, 170)  # the last column stretches
SOURCES = tuple((label, scheme) for scheme, label in SOURCE_LABELS.items())


def _date(value: date | None) -> str:
    return f"{value:%d/%m/%Y}" if value else "—"


class QuotientsSection(QWidget):
    """The QF history table (newest start first) and "Ajouter un QF…"."""

    addRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setAccessibleName("Historique des quotients familiaux")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for column, width in enumerate(COLUMN_WIDTHS):
            header.resizeSection(column, width)
        header.setStretchLastSection(True)
        vertical = self.table.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        self.add_button = QPushButton("Ajouter un QF…")
        self.add_button.clicked.connect(self.addRequested)
        layout = QVBoxLayout(self)
        layout.addWidget(
            hint(
                "Un nouveau QF s'applique à partir de sa date de début ; les QF précédents "
                "gardent leur montant (le QF en cours prend fin la veille). Le QF est "
                "enregistré dès que vous le validez."
            )
        )
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

    def set_rows(self, rows: list[QuotientRow]) -> None:
        self.table.setRowCount(len(rows))
        for r, q in enumerate(rows):
            values = (
                str(q.quotient),
                _date(q.valid_from),
                _date(q.valid_to),
                q.source_label,
                q.recorded_at_text,
            )
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if c == 0:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(r, c, item)

    def rows_text(self) -> list[tuple[str, ...]]:
        return [
            tuple(self.table.item(r, c).text() for c in range(self.table.columnCount()))
            for r in range(self.table.rowCount())
        ]


class QuotientDialog(QDialog):
    """QF, start, optional end and source; saved with ``add_quotient`` on "Enregistrer"."""

    saved = Signal()

    def __init__(
        self,
        db: Database,
        runner: TaskRunner,
        actor,
        family_id: int,
        scheme: AllowanceScheme,
        today: date | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.db, self.runner, self.actor, self.family_id = db, runner, actor, family_id
        self.setWindowTitle("Ajouter un quotient familial")
        self.quotient = QLineEdit()
        self.quotient.setValidator(QIntValidator(0, 99_999, self.quotient))
        self.quotient.setMaximumWidth(self.quotient.fontMetrics().horizontalAdvance("0000000") + 24)
        self.valid_from = DateField(today=today)
        self.valid_to = DateField(today=today)
        self.valid_to.setPlaceholderText("facultatif")
        self.source = QComboBox()
        for label, value in SOURCES:
            self.source.addItem(label, value)
        self.source.setCurrentIndex(max(self.source.findData(scheme), 0))
        self.fields = {
            "quotient": FormField("Quotient familial", self.quotient, required=True),
            "valid_from": FormField("Valable à partir du", self.valid_from, required=True),
            "valid_to": FormField("Jusqu'au", self.valid_to),
            "source": FormField("Source", self.source),
        }
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(8)
        # One field a row: an error message under a field has the dialog's width.
        for row, key in enumerate(("quotient", "valid_from", "valid_to", "source")):
            grid.addWidget(self.fields[key], row, 0)
        self.buttons, self._save_button = ok_cancel(self, "Enregistrer", on_ok=self.save)
        self.message = ErrorLabel()
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(
            hint("Sans date de fin, le QF vaut jusqu'au suivant (en général revu chaque janvier).")
        )
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(480)

    @property
    def save_button(self) -> QPushButton:
        return self._save_button

    def save(self) -> None:
        errors: dict[str, str] = {}
        for key, field in (("valid_from", self.valid_from), ("valid_to", self.valid_to)):
            if not field.is_valid():
                errors[key] = date_error(field.text())
        if errors:
            self._show_errors(errors)
            return
        text = self.quotient.text().strip()
        quotient = int(text) if text.isdigit() else None
        valid_from, valid_to = self.valid_from.date(), self.valid_to.date()
        source = self.source.currentData()
        db, actor, family_id = self.db, self.actor, self.family_id

        def work() -> None:
            with db.session() as session:
                add_quotient(session, actor, family_id, quotient, valid_from, valid_to, source)

        self.save_button.setEnabled(False)
        self.runner.run(work, self._saved, self._failed, label="Enregistrement du QF…", parent=self)

    def _saved(self, _result) -> None:
        self.save_button.setEnabled(True)
        self.saved.emit()
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(exc, FieldErrors):
            self._show_errors(exc.errors)
            return
        from backoffice.ui import crash

        crash.report(exc)

    def _show_errors(self, errors: dict[str, str]) -> None:
        first = None
        for key, field in self.fields.items():
            field.set_error(errors.get(key, ""))
            if key in errors and first is None:
                first = field
        others = [m for k, m in errors.items() if k not in self.fields]
        self.message.show_error("\n".join(others))
        self.adjustSize()  # room for the messages: nothing cut
        if first is not None:
            first.setFocus()
