"""« Semaine type… » : the same weekdays of units of one activity booked for a child over a
range of dates in one action (e.g. lundi, mardi, jeudi, vendredi, matin et soir du
périscolaire), with a preview of every day before saving
(:mod:`backoffice.services.bookings.regular_week`). The preview and the saving run off
the GUI thread; « Enregistrer » is offered only for the preview shown, so what is saved is
what the agent read."""

from __future__ import annotations

from datetime import date

from backoffice.dates import WEEKDAYS, date_error
from backoffice.services.bookings.planning import DeskResult
from backoffice.services.bookings.regular_week import (
    ActivityChoice,
    RegularWeekPreview,
    apply_regular_week,
    preview_regular_week,
    registered_activities,
)
from backoffice.services.common.actors import Actor
from backoffice.storage import Database
from backoffice.ui import dialogs
from backoffice.ui.qt import (
    QAbstractItemView,
    QCheckBox,
    QColor,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
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

# The preview's colours, those of the planning's cells (light, text stays black).
COLOURS = {
    "book": "#d8f0d8",
    "waiting": "#fde9c8",
    "full": "#f6d0d0",
    "already": "#dbe6f6",
    "closed": "#e6e6e6",
    "outside": "#e6e6e6",
}


class RegularWeekDialog(QDialog):
    """Choose the activity, the dates and the semaine type; « Aperçu » fills the table,
    « Enregistrer » books (the result is in :attr:`result` once accepted)."""

    def __init__(
        self,
        db: Database,
        actor: Actor,
        runner: TaskRunner,
        child_id: int,
        child_name: str,
        choices: list[ActivityChoice],
        today: date,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle(f"Semaine type — {child_name}")
        self.db, self.actor, self.runner = db, actor, runner
        self.child_id, self.today, self.choices = child_id, today, choices
        self.preview: RegularWeekPreview | None = None
        self.result: DeskResult | None = None

        self.activity = QComboBox()
        for choice in choices:
            self.activity.addItem(
                f"{choice.name} (inscription jusqu'au {choice.last:%d/%m/%Y})",
                choice.activity_id,
            )
        self.first = DateField(today=today)
        self.last = DateField(today=today)
        dates = QHBoxLayout()
        dates.addWidget(QLabel("du"))
        dates.addWidget(self.first)
        dates.addWidget(QLabel("au"))
        dates.addWidget(self.last)
        dates.addStretch(1)
        self.grid_box = QWidget()
        self.grid = QGridLayout(self.grid_box)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[tuple[int, int], QCheckBox] = {}
        form = QFormLayout()
        form.addRow("&Activité :", self.activity)
        form.addRow("Période :", dates)
        form.addRow("Semaine type :", self.grid_box)

        self.preview_button = QPushButton("&Aperçu")
        self.preview_button.clicked.connect(self.show_preview)
        self.summary = QLabel("Choisissez les jours puis « Aperçu » : rien n'est enregistré.")
        self.summary.setWordWrap(True)
        self.summary.setObjectName("regularWeekSummary")
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["Jour", "Unité", "Résultat", "Motif", "Places"])
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.save_button.setText("&Enregistrer")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Fermer")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        preview_row = QHBoxLayout()
        preview_row.addWidget(self.preview_button)
        preview_row.addWidget(self.summary, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(preview_row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.buttons)

        self.activity.currentIndexChanged.connect(self._activity_changed)
        self.first.textChanged.connect(self._stale)
        self.last.textChanged.connect(self._stale)
        self._activity_changed()

    # -- the choice ----------------------------------------------------------------------

    def _choice(self) -> ActivityChoice | None:
        index = self.activity.currentIndex()
        return self.choices[index] if 0 <= index < len(self.choices) else None

    def _activity_changed(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()
        self.boxes.clear()
        choice = self._choice()
        if choice is None:
            self._stale()
            return
        self.first.set_date(choice.first)
        self.last.set_date(choice.last)
        for column, name in enumerate(WEEKDAYS, start=1):
            self.grid.addWidget(QLabel(name[:3] + "."), 0, column, Qt.AlignmentFlag.AlignCenter)
        self.grid.setColumnStretch(8, 1)  # the days stay together on the left
        self.grid.setHorizontalSpacing(18)
        for row, (unit_id, unit_name, weekdays) in enumerate(choice.units, start=1):
            self.grid.addWidget(QLabel(unit_name), row, 0)
            for day in range(1, 8):
                box = QCheckBox()
                box.setAccessibleName(f"{unit_name} {WEEKDAYS[day - 1]}")
                if day in weekdays:
                    box.setChecked(True)
                else:
                    box.setEnabled(False)
                    box.setToolTip(f"Pas d'accueil le {WEEKDAYS[day - 1]} ({unit_name}).")
                box.toggled.connect(self._stale)
                self.boxes[(unit_id, day)] = box
                self.grid.addWidget(box, row, day, Qt.AlignmentFlag.AlignCenter)
        self._stale()

    def set_days(self, pattern: dict[int, tuple[int, ...]]) -> None:
        """Tick exactly these weekdays of these units (the others unticked)."""
        for (unit_id, day), box in self.boxes.items():
            box.setChecked(day in pattern.get(unit_id, ()))

    def pattern(self) -> dict[int, tuple[int, ...]]:
        out: dict[int, list[int]] = {}
        for (unit_id, day), box in self.boxes.items():
            if box.isChecked() and box.isEnabled():
                out.setdefault(unit_id, []).append(day)
        return {unit: tuple(days) for unit, days in out.items()}

    def _dates(self) -> tuple[date, date] | None:
        errors: dict[str, str] = {}
        first = self.first.date_or_error(errors, "first", "date de début")
        last = self.last.date_or_error(errors, "last", "date de fin")
        if first is None and "first" not in errors:
            errors["first"] = date_error("", "date de début")
        if last is None and "last" not in errors:
            errors["last"] = date_error("", "date de fin")
        if errors or first is None or last is None:
            self.summary.setText(" ".join(errors.values()))
            return None
        return first, last

    # -- preview and saving --------------------------------------------------------------

    def _stale(self, *_args) -> None:
        self.preview = None
        self.save_button.setEnabled(False)
        self.table.setRowCount(0)
        self.summary.setText("Choisissez les jours puis « Aperçu » : rien n'est enregistré.")

    def show_preview(self) -> None:
        choice, dates = self._choice(), self._dates()
        if choice is None or dates is None:
            return
        first, last = dates
        pattern = self.pattern()
        child_id, today, actor = self.child_id, self.today, self.actor

        def work() -> RegularWeekPreview:
            with self.db.session() as s:
                return preview_regular_week(
                    s, actor, child_id, choice.activity_id, pattern, first, last, today
                )

        self.runner.run(
            work, self._previewed, self._failed, label="Aperçu de la semaine type…", parent=self
        )

    def _failed(self, exc: BaseException) -> None:
        self._stale()
        self.summary.setText(str(exc))

    def _previewed(self, preview: RegularWeekPreview) -> None:
        self.table.setRowCount(len(preview.lines))
        for row, line in enumerate(preview.lines):
            places = "" if line.places_left is None else str(max(line.places_left, 0))
            cells = (
                f"{WEEKDAYS[line.day.weekday()][:3]}. {line.day:%d/%m/%Y}",
                line.unit_name,
                line.label,
                line.reason,
                places,
            )
            colour = QColor(COLOURS[line.outcome])
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setBackground(colour)
                item.setForeground(QColor("#000000"))
                if column == 4:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(row, column, item)
        self.preview = preview
        self.summary.setText(preview.summary())
        self.save_button.setEnabled(preview.to_book > 0)

    def save(self) -> None:
        preview = self.preview
        if preview is None or preview.to_book == 0:
            return
        child_id, today, actor = self.child_id, self.today, self.actor
        pattern = self.pattern()

        def work() -> DeskResult:
            with self.db.session() as s:
                return apply_regular_week(
                    s, actor, child_id, preview.activity_id, pattern,
                    preview.first, preview.last, today,
                )  # fmt: skip

        self.save_button.setEnabled(False)
        self.runner.run(work, self._saved, self._failed, label="Enregistrement…", parent=self)

    def _saved(self, result: DeskResult) -> None:
        self.result = result
        self.accept()


def open_regular_week(page) -> None:
    """« Semaine type… » from the child's planning page (a ``ChildPlanningPage``): the
    child's activities are read off the GUI thread, then the dialog is shown; once saved,
    the page shows the result and reloads (its ``_done``)."""
    if page.child_id is None:
        return
    child_id, today, name = page.child_id, page.today, page.child_label.text()

    def work() -> list[ActivityChoice]:
        with page.db.session() as s:
            return registered_activities(s, child_id, today)

    def loaded(choices: list[ActivityChoice]) -> None:
        if not choices:
            page.status.setText(
                "L'enfant n'a aucune inscription en cours : inscrivez-le d'abord à une activité."
            )
            return
        dialog = RegularWeekDialog(
            page.db, page.actor, page.runner, child_id, name, choices, today, page
        )
        dialog.resize(1000, 640)
        dialog.accepted.connect(lambda: dialog.result is not None and page._done(dialog.result))
        page.regular_week_dialog = dialog
        record = dialogs.DialogRecord("regular_week", "Semaine type", name)
        dialogs.show(record, lambda: dialog)

    page.runner.run(work, loaded, label="Chargement des inscriptions…", parent=page)
