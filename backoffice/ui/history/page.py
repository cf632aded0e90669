"""The "Historique" tab of a family: who changed what, when, filterable by child.

Loaded in the background the first time the tab is shown, and again after a
save; the filter asks the database for one child's lines.
"""

from __future__ import annotations

from backoffice.services.common.actors import Actor
from backoffice.services.families.history import HistoryEntry, family_history, history_children
from backoffice.storage import Database
from backoffice.ui.history.model import HistoryModel
from backoffice.ui.qt import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)
from backoffice.ui.tasks import TaskRunner

HISTORY_LIMIT = 2000
# Initial widths of the columns but the last, which stretches.
COLUMN_WIDTHS = (130, 150, 330, 200)
WHOLE_FAMILY = "Toute la famille"


class HistoryPage(QWidget):
    loaded = Signal()

    def __init__(
        self,
        db: Database,
        runner: TaskRunner,
        actor: Actor,
        family_id: int,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.db, self.runner, self.actor, self.family_id = db, runner, actor, family_id
        self.is_loaded = False
        self.model = HistoryModel(self)

        self.child_filter = QComboBox()
        self.child_filter.setAccessibleName("Filtrer l'historique par enfant")
        self.child_filter.addItem(WHOLE_FAMILY, None)
        self.child_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.child_filter.currentIndexChanged.connect(self.reload)
        self.count_label = QLabel()
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.medical_note = QLabel()
        self.medical_note.setWordWrap(True)
        self.medical_note.setStyleSheet("color: #555555;")
        if not actor.sees_medical_data:
            self.medical_note.setText(
                "Les modifications de la fiche sanitaire (données de santé) apparaissent sans "
                "leur détail : votre rôle ne permet pas de les consulter."
            )
        else:
            self.medical_note.hide()

        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setAccessibleName("Historique de la famille")
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        # Long lines (a vaccine with its date, an observation) wrap: nothing is cut.
        self.view.setWordWrap(True)
        self.view.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.view.verticalHeader().hide()
        vertical = self.view.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        vertical.setMinimumSectionSize(self.view.fontMetrics().height() + 10)
        header = self.view.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setHighlightSections(False)
        for column, width in enumerate(COLUMN_WIDTHS):
            header.resizeSection(column, width)
        header.setStretchLastSection(True)

        top = QHBoxLayout()
        filter_label = QLabel("Afficher :")
        filter_label.setBuddy(self.child_filter)
        top.addWidget(filter_label)
        top.addWidget(self.child_filter)
        top.addStretch(1)
        top.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.medical_note)
        layout.addWidget(self.view, 1)

    def set_children(self, children: list[tuple[int, str]]) -> None:
        current = self.child_filter.currentData()
        self.child_filter.blockSignals(True)
        self.child_filter.clear()
        self.child_filter.addItem(WHOLE_FAMILY, None)
        for child_id, name in children:
            self.child_filter.addItem(name, child_id)
        self.child_filter.setCurrentIndex(max(self.child_filter.findData(current), 0))
        self.child_filter.blockSignals(False)

    def select_child(self, child_id: int | None) -> None:
        self.child_filter.setCurrentIndex(max(self.child_filter.findData(child_id), 0))

    def reload(self) -> None:
        db, actor, family_id = self.db, self.actor, self.family_id
        child_id = self.child_filter.currentData()

        def fetch() -> tuple[list[HistoryEntry], list[tuple[int, str]]]:
            with db.session() as session:
                entries = family_history(
                    session, actor, family_id, child_id=child_id, limit=HISTORY_LIMIT
                )
                return entries, history_children(session, family_id)

        self.runner.run(fetch, self._show, label="Chargement de l'historique…", parent=self)

    def _show(self, result) -> None:
        entries, children = result
        self.set_children(children)
        self.model.set_entries(entries)
        count = len(entries)
        if count == 0:
            text = "Aucune modification enregistrée"
        elif count >= HISTORY_LIMIT:
            text = f"{HISTORY_LIMIT} dernières modifications"
        else:
            text = f"{count} modification{'s' if count > 1 else ''}"
        self.count_label.setText(text)
        self.is_loaded = True
        self.loaded.emit()

    def rows_text(self) -> list[tuple[str, ...]]:
        return [
            tuple(self.model.index(r, c).data() for c in range(self.model.columnCount()))
            for r in range(self.model.rowCount())
        ]
