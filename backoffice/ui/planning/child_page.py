"""« Planning d'un enfant » : find the child, see the ISO week, book or cancel on the
family's behalf (keyboard first: Espace / Entrée réserver, Suppr annuler, Page préc. /
Page suiv. change of week, Ctrl+G réservation groupée)."""

from __future__ import annotations

from datetime import date, timedelta

from backoffice.dates import iso_monday, week_label
from backoffice.services.bookings import planning
from backoffice.services.bookings.planning import ChildChoice, DeskResult, WeekPlanning
from backoffice.services.common.actors import Actor
from backoffice.storage import Database
from backoffice.ui import dialogs
from backoffice.ui.planning.bulk_dialog import BulkChoice, BulkDialog
from backoffice.ui.planning.icons import Legend
from backoffice.ui.planning.regular_week_dialog import open_regular_week
from backoffice.ui.planning.week_model import WeekModel
from backoffice.ui.qt import (
    QAbstractItemView,
    QEvent,
    QHBoxLayout,
    QHeaderView,
    QKeySequence,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QShortcut,
    Qt,
    QTableView,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from backoffice.ui.registrations.dialogs import (
    RegisterDialog,
    UnregisterDialog,
    open_register,
    open_unregister,
)
from backoffice.ui.tasks import TaskRunner

SEARCH_DELAY_MS = 200
CHILD_ROLE = Qt.ItemDataRole.UserRole + 1
NO_ROWS = (
    "Aucune inscription de l'enfant ne couvre cette semaine : inscrivez-le d'abord "
    "(« Inscrire… »), ou changez de semaine."
)


class ChildPlanningPage(QWidget):
    open_family = Signal(int)
    open_child = Signal(int)
    changed = Signal()  # bookings changed (occupancy to refresh)

    def __init__(self, db: Database, actor: Actor, runner: TaskRunner, today: date,
                 parent: QWidget | None = None):  # fmt: skip
        super().__init__(parent)
        self.db, self.actor, self.runner, self.today = db, actor, runner, today
        self.child_id: int | None = None
        self.family_id: int | None = None
        self.monday = iso_monday(today)

        self.search = QLineEdit()
        self.search.setPlaceholderText(
            "Rechercher un enfant : nom, prénom, famille, n° de famille…"
        )
        self.search.setClearButtonEnabled(True)
        self.results = QListWidget()
        self.results.setMaximumHeight(110)
        self.results.hide()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self._search_now)
        self.search.textEdited.connect(lambda _t: self._timer.start())
        self.search.returnPressed.connect(self._pick_first)
        self.results.itemActivated.connect(self._picked)

        self.child_label = QLabel("Choisissez un enfant pour voir son planning.")
        self.child_label.setObjectName("childLabel")
        font = self.child_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.child_label.setFont(font)
        self.family_button = QPushButton("Ouvrir la &famille")
        self.file_button = QPushButton("Fiche de l'&enfant")
        self.family_button.clicked.connect(
            lambda: self.family_id and self.open_family.emit(self.family_id)
        )
        self.file_button.clicked.connect(
            lambda: self.child_id and self.open_child.emit(self.child_id)
        )
        self.register_button = QPushButton("&Inscrire…")
        self.register_button.setToolTip("Inscrire l'enfant à une activité (accueil)")
        self.unregister_button = QPushButton("Désinscrire…")
        self.register_button.clicked.connect(self.open_register)
        self.unregister_button.clicked.connect(self.open_unregister)

        self.previous = QPushButton("◀ Semaine précédente")
        self.previous.setToolTip("Page précédente")
        self.next = QPushButton("Semaine suivante ▶")
        self.next.setToolTip("Page suivante")
        self.this_week = QPushButton("Cette semaine")
        self.week_label = QLabel(week_label(self.monday))
        self.week_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.previous.clicked.connect(lambda: self.go_week(-1))
        self.next.clicked.connect(lambda: self.go_week(1))
        self.this_week.clicked.connect(lambda: self.show_week(self.today))

        self.model = WeekModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(46)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(0, 230)
        self.table.installEventFilter(self)
        self.table.doubleClicked.connect(lambda _i: self.toggle_selection())

        self.book_button = QPushButton("&Réserver (Espace)")
        self.unbook_button = QPushButton("&Annuler (Suppr)")
        self.bulk_button = QPushButton("Réservation &groupée… (Ctrl+G)")
        self.book_button.clicked.connect(lambda: self.apply_selection(book=True))
        self.unbook_button.clicked.connect(lambda: self.apply_selection(book=False))
        self.bulk_button.clicked.connect(self.open_bulk)
        self.week_type_button = QPushButton("Semaine &type…")
        self.week_type_button.clicked.connect(lambda: open_regular_week(self))
        bulk = QShortcut(QKeySequence("Ctrl+G"), self)
        bulk.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        bulk.activated.connect(self.open_bulk)
        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self.search.setFocus)

        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setObjectName("planningStatus")

        top = QHBoxLayout()
        top.addWidget(self.child_label, 1)
        top.addWidget(self.family_button)
        top.addWidget(self.file_button)
        top.addWidget(self.register_button)
        top.addWidget(self.unregister_button)
        nav = QHBoxLayout()
        nav.addWidget(self.previous)
        nav.addWidget(self.week_label, 1)
        nav.addWidget(self.this_week)
        nav.addWidget(self.next)
        actions = QHBoxLayout()
        actions.addWidget(self.book_button)
        actions.addWidget(self.unbook_button)
        actions.addWidget(self.bulk_button)
        actions.addWidget(self.week_type_button)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.results)
        layout.addLayout(top)
        layout.addLayout(nav)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.status)
        layout.addWidget(Legend())
        self._enable()

    # -- the child -----------------------------------------------------------------------

    def _search_now(self) -> None:
        text = self.search.text()

        def work() -> list[ChildChoice]:
            with self.db.session() as s:
                return planning.find_children(s, text, self.today)

        self.runner.run(work, self._show_results, label="Recherche…", parent=self)

    def _show_results(self, choices: list[ChildChoice]) -> None:
        self.results.clear()
        for choice in choices:
            item = QListWidgetItem(choice.label)
            item.setData(CHILD_ROLE, (choice.child_id, choice.family_id))
            self.results.addItem(item)
        self.results.setVisible(bool(choices))
        if choices:
            self.results.setCurrentRow(0)

    def _pick_first(self) -> None:
        self._timer.stop()
        if self.results.count() == 0:
            self._search_now()
        item = self.results.currentItem() or self.results.item(0)
        if item is not None:
            self._picked(item)

    def _picked(self, item: QListWidgetItem) -> None:
        child_id, _family_id = item.data(CHILD_ROLE)
        self.results.hide()
        self.show_child(child_id)
        self.table.setFocus()

    def show_child(self, child_id: int, day: date | None = None) -> None:
        self.child_id = child_id
        self.show_week(day or self.monday)

    # -- the week ------------------------------------------------------------------------

    def go_week(self, step: int) -> None:
        self.show_week(self.monday + timedelta(weeks=step))

    def show_week(self, day: date) -> None:
        self.monday = iso_monday(day)
        self.week_label.setText(week_label(self.monday))
        self.reload()

    def reload(self) -> None:
        if self.child_id is None:
            return
        child_id, monday = self.child_id, self.monday

        def work() -> WeekPlanning:
            with self.db.session() as s:
                return planning.week_planning(s, child_id, monday, self.today)

        self.runner.run(work, self._loaded, label="Chargement du planning…", parent=self)

    def _loaded(self, week: WeekPlanning) -> None:
        if week.child_id != self.child_id:
            return
        self.family_id = week.family_id
        self.model.set_week(week)
        self.child_label.setText(f"{week.child_name}")
        if not week.rows:
            self.status.setText(NO_ROWS)
        elif self.status.text() == NO_ROWS:
            self.status.setText("")
        self.table.resizeRowsToContents()
        if not self.table.currentIndex().isValid() and week.rows:
            self.table.setCurrentIndex(self.model.index(0, 1))
        self._enable()

    def _enable(self) -> None:
        has_child = self.child_id is not None
        has_rows = bool(self.model.rows)
        for widget in (
            self.previous,
            self.next,
            self.this_week,
            self.family_button,
            self.file_button,
            self.register_button,
            self.unregister_button,
        ):
            widget.setEnabled(has_child)
        for widget in (self.book_button, self.unbook_button, self.bulk_button):
            widget.setEnabled(has_rows)
        self.week_type_button.setEnabled(has_child)

    # -- booking ---------------------------------------------------------------------------

    def eventFilter(self, watched, event):  # noqa: N802
        if watched is self.table and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if key == Qt.Key.Key_Space:
                self.toggle_selection()
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.apply_selection(book=True)
                return True
            if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                self.apply_selection(book=False)
                return True
            if key == Qt.Key.Key_PageUp:
                self.go_week(-1)
                return True
            if key == Qt.Key.Key_PageDown:
                self.go_week(1)
                return True
        return super().eventFilter(watched, event)

    def selected_cells(self):
        indexes = self.table.selectionModel().selectedIndexes() or [self.table.currentIndex()]
        return [c for c in (self.model.cell_at(i) for i in indexes) if c is not None]

    def toggle_selection(self) -> None:
        """Space: book what can be booked in the selection; if nothing can, cancel."""
        cells = self.selected_cells()
        self.apply_selection(
            book=any(c.can_book for c in cells) or not any(c.can_unbook for c in cells)
        )

    def apply_selection(self, book: bool) -> None:
        cells = self.selected_cells()
        if self.child_id is None or not cells:
            return
        by_unit: dict[int, list[date]] = {}
        for cell in cells:
            by_unit.setdefault(cell.unit_id, []).append(cell.day)
        self._run(book, by_unit, explicit=True)

    def open_bulk(self) -> None:
        if not self.model.rows:
            return
        dialog = BulkDialog(self.model.rows, week_label(self.monday), self)
        current = self.model.cell_at(self.table.currentIndex())
        if current is not None:
            dialog.select_unit(current.unit_id)
        record = dialogs.DialogRecord("bulk", "Réservation groupée", "")
        shown = dialogs.show(record, lambda: dialog)
        if shown is not None and shown.result() == BulkDialog.DialogCode.Accepted:
            self.run_bulk(dialog.choice())

    def run_bulk(self, choice: BulkChoice) -> None:
        if self.child_id is None:
            return
        child_id, monday, today = self.child_id, self.monday, self.today

        def work() -> DeskResult:
            with self.db.session() as s:
                return planning.book_bulk(
                    s,
                    self.actor,
                    child_id,
                    choice.unit_id,
                    book=choice.book,
                    weekdays=choice.weekdays,
                    whole_period=choice.whole_period,
                    monday=monday,
                    today=today,
                )

        self.runner.run(work, self._done, label="Réservation groupée…", parent=self)

    def _run(self, book: bool, by_unit: dict[int, list[date]], explicit: bool) -> None:
        child_id, today = self.child_id, self.today

        def work() -> DeskResult:
            with self.db.session() as s:
                return planning.book_cells(
                    s, self.actor, child_id, by_unit, today, book=book, explicit=explicit
                )

        self.runner.run(work, self._done, label="Enregistrement…", parent=self)

    def _done(self, result: DeskResult) -> None:
        self.status.setText(result.summary())
        if result.changed:
            self.changed.emit()
        self.reload()

    # -- registering -------------------------------------------------------------------------

    def _child_name(self) -> str:
        return self.child_label.text() if self.child_id is not None else ""

    def open_register(self) -> RegisterDialog | None:
        """« Inscrire… »: the registration dialog for the child shown."""
        if self.child_id is None:
            return None
        dialog = open_register(self.db, self.actor, self.runner, self.child_id,
                               self._child_name(), self.today, self)  # fmt: skip
        dialog.done.connect(self._registered)
        return dialog

    def open_unregister(self) -> UnregisterDialog | None:
        """« Désinscrire… »: the bookings ahead shown, then cancelled."""
        if self.child_id is None:
            return None
        dialog = open_unregister(self.db, self.actor, self.runner, self.child_id,
                                 self._child_name(), self.today, self)  # fmt: skip
        dialog.done.connect(self._registered)
        return dialog

    def _registered(self, summary: str) -> None:
        self.status.setText(summary)
        self.changed.emit()
        self.reload()
