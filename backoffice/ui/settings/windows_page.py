"""« Fenêtres de paiement »: when parents may pay each régie's invoices online."""

from __future__ import annotations

from backoffice.services.catalogue_edit import regies
from backoffice.services.catalogue_edit.payment_windows import delete_window, list_windows
from backoffice.ui.qt import QComboBox, QHBoxLayout, QLabel, QPushButton
from backoffice.ui.settings.catalogue_base import CataloguePage
from backoffice.ui.settings.catalogue_dialogs import Snapshot, WindowDialog
from backoffice.ui.settings.catalogue_form import (
    button_row,
    day_text,
    fill_table,
    make_table,
    selected_key,
)


class PaymentWindowsPage(CataloguePage):
    title = "Fenêtres de paiement"
    intro = (
        "Les familles paient en ligne sur le portail pendant ces fenêtres seulement, pour les "
        "régies payables en ligne."
    )

    def __init__(self, db, actor, runner, parent=None):
        super().__init__(db, actor, runner, parent)
        self.regie = QComboBox()
        self.regie.setAccessibleName("Régie")
        self.regie.setMinimumContentsLength(30)
        self.regie.currentIndexChanged.connect(lambda *_: self._show_windows())
        self.table = make_table(["Libellé", "Du", "Au"], "Fenêtres de paiement")
        self.new_button = QPushButton("Nouvelle fenêtre…")
        self.delete_button = QPushButton("Supprimer")
        self.new_button.clicked.connect(self.open_window)
        self.delete_button.clicked.connect(self.delete_selected)
        choice = QHBoxLayout()
        choice.addWidget(QLabel("Régie :"))
        choice.addWidget(self.regie)
        choice.addStretch(1)
        self.layout_.addLayout(choice)
        self.layout_.addLayout(button_row(self.new_button, self.delete_button))
        self.layout_.addWidget(self.table, 1)
        self.finish_layout()
        self.windows: dict[int, list] = {}

    def read(self, session):
        result = []
        for r in regies.list_regies(session):
            label = f"{r.code} — {r.name}" + ("" if r.payable_online else " (pas en ligne)")
            windows = [
                (w.id, w.label, w.opens_on, w.closes_on) for w in list_windows(session, r.id)
            ]
            result.append((r.id, label, windows))
        return result

    def show_data(self, data) -> None:
        current = self.regie.currentData()
        self.windows = {rid: windows for rid, _label, windows in data}
        self.regie.blockSignals(True)
        self.regie.clear()
        for rid, label, _windows in data:
            self.regie.addItem(label, rid)
        index = self.regie.findData(current)
        self.regie.setCurrentIndex(max(index, 0))
        self.regie.blockSignals(False)
        self._show_windows()

    def _show_windows(self) -> None:
        rows = self.windows.get(self.regie.currentData(), [])
        fill_table(
            self.table,
            [(label, day_text(a), day_text(b)) for _id, label, a, b in rows],
            [row[0] for row in rows],
        )

    def open_window(self):
        if self.regie.currentData() is None:
            return None
        return self.open_dialog(
            WindowDialog(
                self.db, self.actor, self.runner, Snapshot(), self.regie.currentData(), self
            )
        )

    def delete_selected(self) -> None:
        key = selected_key(self.table)
        if key is not None:
            self.act(lambda s: delete_window(s, self.actor, key), "Fenêtre supprimée.")
