"""The families list: a search field (debounced, searched in the database) and the table."""

from __future__ import annotations

from backoffice.storage import Database
from backoffice.ui.families.model import FAMILY_ID_ROLE, FamiliesModel
from backoffice.ui.qt import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QLocale,
    QModelIndex,
    QPushButton,
    Qt,
    QTableView,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)

SEARCH_DELAY_MS = 250

# Initial widths (pixels) of the columns but the last, which stretches.
COLUMN_WIDTHS = (80, 150, 180, 160, 160, 115)  # the e-mails get the rest (≈ 255 px at 1280)


def families_count_text(count: int, searching: bool) -> str:
    number = QLocale().toString(count)
    if count == 0:
        return "Aucune famille trouvée" if searching else "Aucune famille"
    noun = "famille" if count == 1 else "familles"
    if searching:
        return f"{number} {noun} trouvée{'s' if count > 1 else ''}"
    return f"{number} {noun}"


def first_families_text(loaded: int) -> str:
    """ "200 premières familles": a search whose matches are not counted yet."""
    return f"{QLocale().toString(loaded)} premières familles"


class SearchField(QLineEdit):
    """The search box; Down/Enter hand the focus to the results."""

    toResults = Signal()
    submitted = Signal()

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_PageDown):
            self.toResults.emit()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.submitted.emit()
            return
        super().keyPressEvent(event)


class FamiliesListPage(QWidget):
    """Search and list; ``familyActivated(id)`` on Enter or double-click."""

    familyActivated = Signal(int)

    def __init__(self, db: Database, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = FamiliesModel(db, parent=self)

        self.search_field = SearchField()
        self.search_field.setPlaceholderText(
            "Rechercher une famille : nom, prénom d'un enfant, commune ou identifiant (Ctrl+F)"
        )
        self.search_field.setClearButtonEnabled(True)
        self.search_field.setAccessibleName("Recherche de familles")
        self.result_label = QLabel()
        self.result_label.setMinimumWidth(160)
        self.result_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        # Counting every match of a search is a query of its own: only on demand.
        self.count_button = QPushButton("Compter")
        self.count_button.setToolTip("Compter toutes les familles trouvées")
        self.count_button.setAccessibleName("Compter les familles trouvées")
        self.count_button.clicked.connect(self.count_results)
        self.count_button.hide()

        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.setTabKeyNavigation(False)
        self.view.setSortingEnabled(False)  # the database orders by name
        self.view.setAccessibleName("Liste des familles")
        vertical = self.view.verticalHeader()
        vertical.hide()
        # Fixed row heights: no per-row measuring, fast on thousands of rows.
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.view.fontMetrics().height() + 10)
        header = self.view.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for column, width in enumerate(COLUMN_WIDTHS):
            header.resizeSection(column, width)
        header.setStretchLastSection(True)
        self.view.activated.connect(self._activate)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self.run_search)
        self.search_field.textChanged.connect(self._debounce.start)
        self.search_field.toResults.connect(self.focus_results)
        self.search_field.submitted.connect(self._submit)
        self.model.countChanged.connect(self._show_count)
        # "400 premières familles" once the next page is loaded.
        self.model.rowsInserted.connect(lambda *_: self._show_count(self.model.total))

        top = QHBoxLayout()
        top.addWidget(self.search_field, 1)
        top.addWidget(self.result_label)
        top.addWidget(self.count_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        self.setFocusProxy(self.search_field)

    # -- searching -------------------------------------------------------

    def run_search(self) -> None:
        self._debounce.stop()
        self.model.search(self.search_field.text())
        if self.model.rowCount():
            self.view.selectRow(0)
        self.view.scrollToTop()

    def reload(self) -> None:
        """Search again with the current text (after a change in the database)."""
        self.run_search()

    def focus_search(self) -> None:
        self.search_field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_field.selectAll()

    def focus_results(self) -> None:
        if self._debounce.isActive():
            self.run_search()
        if self.model.rowCount() == 0:
            return
        if not self.view.currentIndex().isValid():
            self.view.selectRow(0)
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def _submit(self) -> None:
        self.focus_results()

    def count_results(self) -> None:
        self.model.count()

    def _show_count(self, count: int | None) -> None:
        if count is None:
            self.result_label.setText(first_families_text(self.model.rowCount()))
        else:
            self.result_label.setText(families_count_text(count, bool(self.model.query)))
        self.count_button.setVisible(count is None)

    # -- opening ---------------------------------------------------------

    def current_family_id(self) -> int | None:
        index = self.view.currentIndex()
        return index.data(FAMILY_ID_ROLE) if index.isValid() else None

    def select_family(self, family_id: int) -> bool:
        row = self.model.row_of(family_id)
        if row is None:
            return False
        self.view.selectRow(row)
        return True

    def _activate(self, index: QModelIndex) -> None:
        if index.isValid():
            self.familyActivated.emit(index.data(FAMILY_ID_ROLE))

    def open_current(self) -> None:
        self._activate(self.view.currentIndex())
