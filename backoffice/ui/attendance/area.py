"""« Pointage » : for a site and a day, who came. Keyboard first: arrows to move, P présent,
J absent justifié, A absent, Suppr à pointer, Ctrl+S enregistrer; arrival and departure
typed for the units billed by the hour (multi-accueil). What billing reads."""

from __future__ import annotations

from datetime import date, timedelta

from backoffice.dates import long_day, paris_today
from backoffice.models import Attendance
from backoffice.services.bookings import attendance
from backoffice.services.bookings.attendance import AttendanceRow, HealthAlert
from backoffice.services.common.actors import Actor
from backoffice.storage import Database
from backoffice.ui import dialogs
from backoffice.ui.attendance.model import ALERT, KEYS, AttendanceModel
from backoffice.ui.qt import (
    QAbstractItemView,
    QEvent,
    QHBoxLayout,
    QHeaderView,
    QKeySequence,
    QLabel,
    QPushButton,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)
from backoffice.ui.tasks import TaskRunner
from backoffice.ui.widgets import AreaToolbar, DateField, area_shortcut
from backoffice.ui.widgets.site_activity import SiteActivityPicker


class AttendanceArea(QWidget):
    open_child = Signal(int)
    open_family = Signal(int)

    def __init__(
        self,
        db: Database,
        actor: Actor,
        runner: TaskRunner,
        today: date | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.db, self.actor, self.runner = db, actor, runner
        self.today = today or paris_today()
        self.day = self.today
        self.picker = SiteActivityPicker(
            db, runner, self, self.load, lambda s: attendance.busiest_site(s, self.day)
        )
        self.site, self.activity = self.picker.site, self.picker.activity
        self.date = DateField(today=self.today)
        self.date.set_date(self.today)
        self.previous = QPushButton("◀")
        self.previous.setToolTip("Jour précédent")
        self.next = QPushButton("▶")
        self.next.setToolTip("Jour suivant")
        for button in (self.previous, self.next):
            button.setMaximumWidth(36)
        self.date.editingFinished.connect(self._date_typed)
        self.previous.clicked.connect(lambda: self.shift(-1))
        self.next.clicked.connect(lambda: self.shift(1))

        self.title = QLabel("")
        self.model = AttendanceModel(self)
        self.model.invalid.connect(lambda text: dialogs.warning(self, text))
        self.model.dataChanged.connect(lambda *_a: self._counts())
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.table.verticalHeader().hide()
        # Rows fit their text (long names wrap) but never shrink below a comfortable line.
        self.table.verticalHeader().setMinimumSectionSize(self.table.fontMetrics().height() + 14)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(ALERT, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 300), (1, 240), (2, 140), (3, 70), (4, 70)):
            self.table.setColumnWidth(column, width)
        self.table.installEventFilter(self)
        self.table.doubleClicked.connect(self._open_child)

        self.present = QPushButton("&Présent (P)")
        self.justified = QPushButton("Absent &justifié (J)")
        self.absent = QPushButton("&Absent (A)")
        self.all_present_button = QPushButton("&Tous présents")
        self.save_button = QPushButton("&Enregistrer (Ctrl+S)")
        self.present.clicked.connect(lambda: self.mark(Attendance.PRESENT))
        self.justified.clicked.connect(lambda: self.mark(Attendance.ABSENT_JUSTIFIED))
        self.absent.clicked.connect(lambda: self.mark(Attendance.ABSENT))
        self.all_present_button.clicked.connect(self.all_present)
        self.save_button.clicked.connect(self.save)
        area_shortcut(self, QKeySequence.StandardKey.Save, self.save)
        self.counts = QLabel("")
        self.status = QLabel("")
        self.status.setWordWrap(True)

        self.toolbar = AreaToolbar()
        self.toolbar.add_field("Établissement :", self.site, 2)
        self.toolbar.add_field("Activité :", self.activity, 2)
        self.toolbar.add_field("Date :", self.previous)
        self.toolbar.add(self.date)
        self.toolbar.add(self.next)
        self.toolbar.reload_with(self, self.load)
        actions = QHBoxLayout()
        for button in (self.present, self.justified, self.absent, self.all_present_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.counts)
        layout.addLayout(actions)
        layout.addWidget(self.status)

    # -- loading -------------------------------------------------------------------------

    def reload(self) -> None:
        """Called by the main window when the area becomes current: the sites the first
        time (opening on the site where children are expected), then the sheet."""
        self.picker.load()

    def _date_typed(self) -> None:
        day = self.date.date()
        if day is None:
            dialogs.warning(self, "Date invalide : tapez-la sous la forme jj/mm/aaaa.")
            self.date.set_date(self.day)
            return
        if day != self.day:
            self.show_day(day)

    def shift(self, days: int) -> None:
        self.show_day(self.day + timedelta(days=days))

    def show_day(self, day: date) -> None:
        if not self._may_leave():
            self.date.set_date(self.day)
            return
        self.day = day
        self.date.set_date(day)
        self.status.setText("")
        self.load()

    def _may_leave(self) -> bool:
        changed = len(self.model.changed_marks())
        if not changed:
            return True
        return dialogs.ask(
            self,
            f"{changed} pointage(s) ne sont pas enregistrés. Les abandonner ?",
            yes="Abandonner",
            no="Garder",
            unattended=False,
        )

    def load(self) -> None:
        site_id, activity_id, day = self.site.currentData(), self.activity.currentData(), self.day
        if site_id is None:
            return

        actor = self.actor

        def work() -> tuple[list[AttendanceRow], dict[int, HealthAlert]]:
            with self.db.session() as s:
                rows = attendance.attendance_sheet(s, site_id, day, activity_id)
                return rows, attendance.sheet_alerts(s, actor, {r.child_id for r in rows})

        self.runner.run(
            work, lambda result: self._loaded(day, *result), label="Chargement…", parent=self
        )

    def _loaded(
        self, day: date, rows: list[AttendanceRow], alerts: dict[int, HealthAlert] | None = None
    ) -> None:
        if day != self.day:
            return
        future = day > self.today
        self.model.set_rows(rows, editable=not future, alerts=alerts)
        # Long activity names and alerts wrap: whole words on a 1280-pixel screen.
        self.table.resizeRowsToContents()
        self.title.setText(f"<b>{long_day(day).capitalize()}</b>")
        for widget in (self.present, self.justified, self.absent, self.all_present_button,
                       self.save_button):  # fmt: skip
            widget.setEnabled(not future and bool(rows))
        if future:
            self.status.setText("Jour à venir : le pointage se saisit le jour même ou après.")
        elif not rows:
            self.status.setText("Aucun enfant attendu ce jour-là sur ce site.")
        if rows:
            self.table.setCurrentIndex(self.model.index(0, 2))
        self._counts()

    def _counts(self) -> None:
        counts = self.model.counts()
        total = len(self.model.lines)
        changed = len(self.model.changed_marks())
        parts = [
            f"{total} enfant(s) attendu(s)",
            f"{counts.get(Attendance.PRESENT, 0)} présent(s)",
            f"{counts.get(Attendance.ABSENT_JUSTIFIED, 0)} absent(s) justifié(s)",
            f"{counts.get(Attendance.ABSENT, 0)} absent(s)",
            f"{counts.get(None, 0)} à pointer",
        ]
        text = " · ".join(parts)
        if changed:
            text += f" — {changed} modification(s) non enregistrée(s)"
        self.counts.setText(text)

    # -- pointing --------------------------------------------------------------------------

    def eventFilter(self, watched, event):  # noqa: N802
        if watched is self.table and event.type() == QEvent.Type.KeyPress:
            if event.modifiers() == Qt.KeyboardModifier.NoModifier:
                column = self.table.currentIndex().column()
                if event.key() in KEYS and column not in (3, 4):
                    self.mark(KEYS[event.key()])
                    return True
                if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and column not in (
                    3,
                    4,
                ):
                    self.mark(None)
                    return True
        return super().eventFilter(watched, event)

    def _open_child(self, index) -> None:
        if index.isValid() and index.column() in (0, 1):
            self.open_child.emit(self.model.lines[index.row()].row.child_id)

    def _selected_rows(self) -> list[int]:
        rows = {i.row() for i in self.table.selectionModel().selectedRows()}
        if not rows and self.table.currentIndex().isValid():
            rows = {self.table.currentIndex().row()}
        return sorted(rows)

    def mark(self, value: Attendance | None) -> None:
        rows = self._selected_rows()
        self.model.set_attendance(rows, value)
        # One child at a time: the next line, to go down the list with one key each.
        if len(rows) == 1 and rows[0] + 1 < self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(rows[0] + 1, 2))

    def all_present(self) -> None:
        count = self.model.all_present()
        self.status.setText(
            f"{count} enfant(s) marqué(s) présent(s) : vérifiez puis enregistrez (Ctrl+S)."
        )

    def save(self) -> None:
        marks = self.model.changed_marks()
        if not marks:
            self.status.setText("Rien à enregistrer.")
            return
        day, today = self.day, self.today

        def work() -> int:
            with self.db.session() as s:
                return attendance.record_attendance(s, self.actor, day, marks, today)

        def done(count: int) -> None:
            self.status.setText(f"Pointage enregistré : {count} enfant(s).")
            self.load()

        self.runner.run(work, done, label="Enregistrement du pointage…", parent=self)
