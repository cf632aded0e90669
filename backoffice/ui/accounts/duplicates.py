"""Families that look like the one being opened, shown before anything is saved."""

from __future__ import annotations

from backoffice.services.families.accounts import Duplicate
from backoffice.ui.qt import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)

BACKGROUND = "#fff4e0"
BORDER = "#d9a441"


class DuplicatesPanel(QFrame):
    """The look-alike families (code, name, reason); open one, or create anyway."""

    openRequested = Signal(int)  # family id
    createAnyway = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("duplicatesPanel")
        self.setStyleSheet(
            f"#duplicatesPanel {{ background-color: {BACKGROUND}; border: 1px solid {BORDER};"
            " border-radius: 4px; }"
        )
        self.duplicates: list[Duplicate] = []
        layout = QVBoxLayout(self)
        self.title = QLabel()
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Identifiant", "Famille", "Ressemblance"])
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _index: self._open_selected())
        layout.addWidget(self.table)
        buttons = QHBoxLayout()
        self.open_button = QPushButton("&Ouvrir la famille existante")
        self.open_button.setAutoDefault(False)
        self.open_button.clicked.connect(self._open_selected)
        self.create_button = QPushButton("&Créer quand même")
        self.create_button.setAutoDefault(False)
        self.create_button.clicked.connect(self.createAnyway)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        buttons.addWidget(self.create_button)
        layout.addLayout(buttons)
        self.hide()

    def show_duplicates(self, duplicates: list[Duplicate]) -> None:
        self.duplicates = list(duplicates)
        count = len(duplicates)
        self.title.setText(
            f"<b>{'Une famille enregistrée ressemble' if count == 1 else f'{count} familles enregistrées ressemblent'}"
            " à celle-ci.</b> Vérifiez avant de créer un nouveau compte : ouvrez la famille existante,"
            " ou créez quand même si ce n'est pas la même."
        )
        self.table.setRowCount(count)
        for row, dup in enumerate(duplicates):
            for column, text in enumerate((dup.code, dup.name, dup.reason)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
        self.table.selectRow(0)
        rows_height = sum(self.table.rowHeight(r) for r in range(min(count, 4)))
        self.table.setFixedHeight(rows_height + self.table.horizontalHeader().height() + 4)
        self.show()

    def clear(self) -> None:
        self.duplicates = []
        self.table.setRowCount(0)
        self.hide()

    def _open_selected(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.duplicates):
            self.openRequested.emit(self.duplicates[row].family_id)
