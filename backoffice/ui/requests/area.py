"""« Demandes »: the requests desk — one queue of what parents asked on the portal.

Loading: the first requests are painted from a one-page query, the whole queue
follows in the background (:mod:`.work`); filters and grouping then work in
memory on those rows (a keystroke never queries the database). The side panel
follows the selection (debounced, off the GUI thread). Decisions go through
:mod:`backoffice.services.requests.decisions`, in the runner; the list reloads after.

Keyboard (also in the « Raccourcis » help): arrows move, Shift+arrows extend,
Ctrl+arrows move without changing the selection, Space toggles the current row
(on a group header: the whole group), Ctrl+A selects all shown, A accepts, R
refuses, Enter opens the family, Ctrl+Enter the child, G changes the grouping,
Ctrl+Z undoes the last decision (until synced), Ctrl+F the family search, F5 reloads.
"""

from __future__ import annotations

import logging
from datetime import date

from backoffice.errors import UserError
from backoffice.services.common.actors import Actor
from backoffice.services.requests.queue import FirstPage, Group, QueueRow, filter_rows
from backoffice.storage import Database
from backoffice.ui import crash, dialogs
from backoffice.ui.qt import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QItemSelectionModel,
    QLabel,
    QLocale,
    QPushButton,
    QSplitter,
    Qt,
    QTableView,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from backoffice.ui.requests import work
from backoffice.ui.requests.columns import ColumnFitter
from backoffice.ui.requests.decide import DecisionsMixin
from backoffice.ui.requests.decision_dialog import DecisionDialog
from backoffice.ui.requests.filters import FiltersBar
from backoffice.ui.requests.keyboard import KeyboardMixin, shortcuts_text
from backoffice.ui.requests.model import ENTRY_ROLE, RequestsModel
from backoffice.ui.requests.side_panel import SidePanel
from backoffice.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

SIDE_DELAY_MS = 120


class RequestsArea(KeyboardMixin, DecisionsMixin, QWidget):
    open_family = Signal(int)
    open_child = Signal(int)
    # Emitted once the whole queue is loaded and shown (tests, benchmark).
    loaded = Signal()

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
        self.today = today or date.today()
        self.all_rows: list[QueueRow] | None = None
        self.total = 0
        self.undo_stack: list[tuple[int, ...]] = []
        self.decision_dialog: DecisionDialog | None = None
        # After a decision: the requests listed below it (then above), to select the
        # first one still pending once the list reloads; and where the list was scrolled.
        self.resume_ids: list[int] | None = None
        self._resume_scroll = 0
        self._generation = 0
        self._side_asked = 0
        self.wanted_request: int | None = None  # to select once listed (from a family's card)

        self.filters = FiltersBar(self.today)
        self.model = RequestsModel(self)
        self.model.this_year = self.today.year
        self.view = self._make_view()
        self.side = SidePanel()
        self.count_label = QLabel()
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.count_label.setMinimumWidth(
            self.count_label.fontMetrics().horizontalAdvance("00 000 sur 00 000 demandes") + 8
        )
        self.status = QLabel()
        self.status.setWordWrap(True)

        self.accept_button = QPushButton("Accepter (A)")
        self.accept_button.setToolTip("Accepter les demandes sélectionnées (touche A)")
        self.refuse_button = QPushButton("Refuser… (R)")
        self.refuse_button.setToolTip("Refuser les demandes sélectionnées avec un motif (touche R)")
        self.undo_button = QPushButton("Annuler la décision (Ctrl+Z)")
        self.undo_button.setToolTip(
            "Annuler la dernière décision prise ici, avant la synchronisation"
        )
        self.help_button = QPushButton("Raccourcis (F1)")
        self.help_button.setToolTip(shortcuts_text())
        for button in (self.accept_button, self.refuse_button, self.undo_button, self.help_button):
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.accept_button.clicked.connect(self.accept_selection)
        self.refuse_button.clicked.connect(self.refuse_selection)
        self.undo_button.clicked.connect(self.undo_last)
        self.help_button.clicked.connect(self.show_shortcuts)

        self._side_timer = QTimer(self)
        self._side_timer.setSingleShot(True)
        self._side_timer.setInterval(SIDE_DELAY_MS)
        self._side_timer.timeout.connect(self.refresh_side)
        self.filters.changed.connect(self.apply_filters)
        self.filters.groupingChanged.connect(self.apply_filters)
        self.filters.toResults.connect(self.focus_list)
        self.view.selectionModel().selectionChanged.connect(self._selection_moved)
        self.view.selectionModel().currentChanged.connect(self._selection_moved)
        self.view.activated.connect(lambda _index: self.open_current_family())
        self._shortcuts()

        splitter = QSplitter()
        splitter.addWidget(self.view)
        splitter.addWidget(self.side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([940, 340])
        splitter.setCollapsible(1, False)  # the side panel keeps its readable minimum
        buttons = QHBoxLayout()
        for button in (self.accept_button, self.refuse_button, self.undo_button):
            buttons.addWidget(button)
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.count_label)
        buttons.addWidget(self.help_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filters)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)
        self.setFocusProxy(self.view)
        self._update_buttons()

    def _make_view(self) -> QTableView:
        view = QTableView()
        view.setModel(self.model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setAlternatingRowColors(True)
        view.setWordWrap(False)
        view.setTabKeyNavigation(False)
        view.setAccessibleName("Demandes en attente")
        view.setToolTip(
            "A : accepter · R : refuser · Espace : sélectionner · Entrée : famille "
            "· G : regrouper · F1 : tous les raccourcis"
        )
        vertical = view.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(view.fontMetrics().height() + 8)
        header = view.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.columns = ColumnFitter(view, self.model)  # widths follow the texts shown
        view.installEventFilter(self)
        return view

    def hideEvent(self, event) -> None:  # noqa: N802
        self._side_timer.stop()  # nothing to follow while the area is not shown
        super().hideEvent(event)

    # -- loading -----------------------------------------------------------------------

    def reload(self) -> None:
        """Reload the queue: first page at once, the rest in the background."""
        self._generation += 1
        generation = self._generation
        self.runner.run(
            lambda: work.load_first_page(self.db, self.today),
            lambda page: self._first_page(generation, page),
            self._failed,
            label="Chargement des demandes…",
            parent=self,
        )

    def _first_page(self, generation: int, page: FirstPage) -> None:
        if generation != self._generation:
            return
        self.filters.set_choices(page.choices)
        self.total = page.total
        if page.complete:
            self._queue_loaded(generation, page.rows)
            return
        if self.all_rows is None:  # nothing shown yet: the first page, while the rest loads
            self._show(filter_rows(page.rows, self.filters.current()))
            self.status.setText(f"Chargement des {QLocale().toString(page.total)} demandes…")
        self.runner.run(
            lambda: work.load_queue(self.db),
            lambda rows: self._queue_loaded(generation, rows),
            self._failed,
            label="Chargement des demandes…",
            parent=self,
        )

    def _queue_loaded(self, generation: int, rows: list[QueueRow]) -> None:
        if generation != self._generation:
            return
        self.all_rows = rows
        self.total = len(rows)
        if self.status.text().startswith("Chargement"):
            self.status.clear()
        self.apply_filters()
        self.loaded.emit()

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, UserError):
            dialogs.warning(self, str(exc))
        else:
            crash.report(exc)

    def show_request(self, request_id: int) -> None:
        """Select a request (from a family's card) as soon as the queue lists it."""
        self.wanted_request = request_id
        self.apply_filters()

    def apply_filters(self) -> None:
        if self.all_rows is None:
            return  # applied when the queue arrives
        self._show(filter_rows(self.all_rows, self.filters.current()))

    def resume_after(self, rows: list[QueueRow]) -> None:
        """Before deciding ``rows``: remember what to select once they leave the list —
        the next request below the last of them (else the nearest above), never the
        first group, so A pressed again never decides a family nobody looked at."""
        decided = {i for r in rows for i in r.request_ids}
        positions = self.model.rows_by_id()
        last = max((positions[i] for i in decided if i in positions), default=-1)
        entries = self.model.entries
        below = [e for e in entries[last + 1 :] if isinstance(e, QueueRow)]
        above = [e for e in reversed(entries[: max(last, 0)]) if isinstance(e, QueueRow)]
        self.resume_ids = [e.id for e in below + above if e.id not in decided]
        self._resume_scroll = self.view.verticalScrollBar().value()

    def _show(self, rows: list[QueueRow]) -> None:
        current = self.current_entry()
        keep = current.id if isinstance(current, QueueRow) else None
        resume, self.resume_ids = self.resume_ids, None
        self.model.set_rows(rows, self.filters.current_grouping())
        self.columns.rows_changed()
        positions = self.model.rows_by_id()
        row = positions.get(keep) if keep is not None else None
        if resume is not None:
            row = next((positions[i] for i in resume if i in positions), None)
            self.view.doItemsLayout()  # the scroll range of the new rows, then the old place
            self.view.verticalScrollBar().setValue(self._resume_scroll)
        if self.wanted_request is not None and self.all_rows is not None:
            wanted, self.wanted_request = self.wanted_request, None
            row = positions.get(wanted, row)
            if wanted not in positions:
                self.status.setText(f"La demande n° {wanted} n'est pas dans la liste filtrée.")
        if self.model.rowCount():
            self.view.selectionModel().setCurrentIndex(
                self.model.index(row or 0, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
        locale = QLocale()
        shown, total = self.model.request_count, self.total
        noun = "demande" if total <= 1 else "demandes"
        self.count_label.setText(
            f"{locale.toString(shown)} {noun}"
            if shown == total
            else f"{locale.toString(shown)} sur {locale.toString(total)} {noun}"
        )
        self._selection_moved()

    # -- selection and side panel ------------------------------------------------------

    def current_entry(self) -> QueueRow | Group | None:
        index = self.view.currentIndex()
        return index.data(ENTRY_ROLE) if index.isValid() else None

    def current_request(self) -> QueueRow | None:
        entry = self.current_entry()
        if isinstance(entry, Group):
            return entry.rows[0]
        return entry

    def selected_requests(self) -> list[QueueRow]:
        """The selected requests (a group header stands for its group), in list order."""
        seen: dict[int, QueueRow] = {}
        ranges = sorted((r.top(), r.bottom()) for r in self.view.selectionModel().selection())
        for top, bottom in ranges:
            for row in self.model.requests_in(top, bottom):
                seen.setdefault(row.id, row)
        return list(seen.values())

    def _selection_moved(self, *_args) -> None:
        self._update_buttons()
        self._side_timer.start()

    def _update_buttons(self) -> None:
        decidable = any(r.decidable for r in self.selected_requests())
        self.accept_button.setEnabled(decidable)
        self.refuse_button.setEnabled(decidable)
        self.undo_button.setEnabled(bool(self.undo_stack) and work.undo_available())

    def refresh_side(self) -> None:
        self._side_timer.stop()
        selected, current = self.selected_requests(), self.current_request()
        self._side_asked += 1
        generation = self._side_asked  # a later selection's answer wins
        self.runner.run(
            lambda: work.side_data(self.db, self.actor, self.today, selected, current),
            lambda data: self._side_ready(generation, data),
            self._failed,
            label="Calcul des places…",
            parent=self,
        )

    def _side_ready(self, generation: int, data) -> None:
        if generation == self._side_asked:
            self.side.show_data(data)
