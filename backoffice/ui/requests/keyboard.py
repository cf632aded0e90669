"""The desk's keyboard: shortcuts, keys on the list, and their « Raccourcis » help.

Single letters (A, R, G, Space) act only when the list has the focus — typing in
the family search never decides anything; Ctrl+Z, F5 and F1 work in the whole
area; Ctrl+F from the list focuses the family filter.
"""

from __future__ import annotations

from backoffice.services.requests.queue import Group
from backoffice.ui import dialogs
from backoffice.ui.qt import (
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QKeySequence,
    QShortcut,
    Qt,
)

SHORTCUTS = (
    ("↑ ↓, Pg préc./suiv.", "Se déplacer dans la liste"),
    ("Maj+↑ ↓", "Étendre la sélection"),
    ("Ctrl+↑ ↓", "Se déplacer sans changer la sélection"),
    ("Espace", "Ajouter / retirer la ligne de la sélection (en-tête : tout le groupe)"),
    ("Ctrl+A", "Sélectionner toutes les demandes affichées"),
    ("A", "Accepter la sélection (Entrée pour confirmer)"),
    ("R", "Refuser la sélection (motif au choix, Entrée pour confirmer)"),
    ("Entrée", "Ouvrir la famille de la demande courante"),
    ("Ctrl+Entrée", "Ouvrir la fiche de l'enfant"),
    ("G", "Regrouper : sans / par famille / par enfant"),
    ("Ctrl+Z", "Annuler la dernière décision (tant qu'elle n'est pas synchronisée)"),
    ("Ctrl+F", "Chercher une famille (↓ ou Entrée pour revenir à la liste)"),
    ("F5", "Actualiser"),
)


def shortcuts_text() -> str:
    return "\n".join(f"{keys} : {what}" for keys, what in SHORTCUTS)


class KeyboardMixin:
    """Keys of :class:`~.area.RequestsArea` (mixed into it)."""

    def _shortcuts(self) -> None:
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for keys, slot in (
            (QKeySequence.StandardKey.Undo, self.undo_last),
            (QKeySequence(Qt.Key.Key_F5), self.reload),
            (QKeySequence(Qt.Key.Key_F1), self.show_shortcuts),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(context)
            shortcut.activated.connect(slot)

    # -- keyboard ----------------------------------------------------------------------

    def eventFilter(self, watched, event) -> bool:  # noqa: N802
        if watched is self.view and event.type() == QEvent.Type.KeyPress:
            return self._key(event)
        return super().eventFilter(watched, event)

    def _key(self, event) -> bool:
        key, modifiers = event.key(), event.modifiers()
        plain = modifiers in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
        ctrl = modifiers & Qt.KeyboardModifier.ControlModifier
        if key == Qt.Key.Key_Space and plain:
            self.toggle_current()
        elif key == Qt.Key.Key_A and plain:
            self.accept_selection()
        elif key == Qt.Key.Key_R and plain:
            self.refuse_selection()
        elif key == Qt.Key.Key_G and plain:
            self.filters.next_grouping()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.open_current_child() if ctrl else self.open_current_family()
        elif key == Qt.Key.Key_Z and ctrl:  # when the area-wide shortcut is not active
            self.undo_last()
        elif key == Qt.Key.Key_F and ctrl:
            # Not a QShortcut: the main window's « Rechercher une famille » owns Ctrl+F
            # window-wide (two active shortcuts would be ambiguous, neither would fire).
            self.focus_search()
        else:
            return False
        return True

    def toggle_current(self) -> None:
        """Space: the current row in or out of the selection (a header: its group)."""
        index = self.view.currentIndex()
        if not index.isValid():
            return
        first = last = index.row()
        if isinstance(self.model.entry(first), Group):
            first, last = self.model.group_bounds(first)
        selection = QItemSelection(self.model.index(first, 0), self.model.index(last, 0))
        flags = QItemSelectionModel.SelectionFlag.Rows
        model = self.view.selectionModel()
        if model.isRowSelected(index.row(), index.parent()):
            flags |= QItemSelectionModel.SelectionFlag.Deselect
        else:
            flags |= QItemSelectionModel.SelectionFlag.Select
        model.select(selection, flags)

    def select_all(self) -> None:
        self.view.selectAll()

    def focus_search(self) -> None:
        self.filters.text.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filters.text.selectAll()

    def focus_list(self) -> None:
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def open_current_family(self) -> None:
        row = self.current_request()
        if row is not None:
            self.open_family.emit(row.family_id)

    def open_current_child(self) -> None:
        row = self.current_request()
        if row is not None and row.child_id is not None:
            self.open_child.emit(row.child_id)

    def show_shortcuts(self) -> None:
        dialogs.information(self, shortcuts_text(), title="Raccourcis — Demandes")
