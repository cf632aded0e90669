"""The family card's « Inscrire… · Désinscrire… » links under each child (a few lines in
``families/family_view.py`` call these, so the card can change around them)."""

from __future__ import annotations

from backoffice.dates import paris_today
from backoffice.ui import dialogs
from backoffice.ui.qt import QComboBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget
from backoffice.ui.registrations.dialogs import RegisterDialog, open_register, open_unregister

REGISTER_LINK = "inscrire:"
UNREGISTER_LINK = "desinscrire:"


def child_links(child_id: int) -> str:
    """HTML appended to a child's line of links on the card."""
    return (
        f'&nbsp;&nbsp;·&nbsp;&nbsp;<a href="{REGISTER_LINK}{child_id}">Inscrire…</a>'
        f'&nbsp;&nbsp;·&nbsp;&nbsp;<a href="{UNREGISTER_LINK}{child_id}">Désinscrire…</a>'
    )


def handle_link(view: QWidget, target: str) -> QWidget | None:
    """Open the dialog a card link asks for (None: not one of ours). ``view`` is the
    family view: ``db``, ``actor``, ``runner``, ``today``, ``detail``, ``reload``."""
    for prefix, opener in ((REGISTER_LINK, open_register), (UNREGISTER_LINK, open_unregister)):
        if target.startswith(prefix):
            child_id = int(target[len(prefix) :])
            detail = getattr(view, "detail", None)
            names = {c.id: c.full_name for c in detail.children} if detail is not None else {}
            today = getattr(view, "today", None) or paris_today()
            dialog = opener(view.db, view.actor, view.runner, child_id,  # type: ignore[attr-defined]
                            names.get(child_id, "l'enfant"), today, view)  # fmt: skip
            dialog.done.connect(lambda _summary: view.reload())  # type: ignore[attr-defined]
            return dialog
    return None


class ChildChooser(QDialog):
    """Which child of the family, when the Familles menu acts on a family."""

    def __init__(self, children: list[tuple[int, str]], action: str, parent: QWidget):
        super().__init__(parent)
        self.setWindowTitle(action)
        self.child = QComboBox()
        self.child.setAccessibleName("Enfant")
        for child_id, name in children:
            self.child.addItem(name, child_id)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("&Enfant :", buddy=self.child))
        layout.addWidget(self.child)
        layout.addWidget(buttons)


def from_menu(view: QWidget | None, unregister: bool, parent: QWidget) -> QWidget | None:
    """Familles › « Inscrire un enfant… » / « Désinscrire un enfant… » on the family shown
    (``view``: the current family view, or None)."""
    action = "Désinscrire un enfant" if unregister else "Inscrire un enfant"
    detail = getattr(view, "detail", None)
    if view is None or detail is None or not detail.children:
        dialogs.information(
            parent,
            "Ouvrez d'abord la fiche d'une famille ayant un enfant (Familles › Rechercher), "
            f"puis choisissez « {action}… ».",
            title=action,
        )
        return None
    children = [(c.id, c.full_name) for c in detail.children]
    child_id = children[0][0]
    if len(children) > 1:
        chooser = ChildChooser(children, action, parent)
        record = dialogs.DialogRecord("choice", action, "Quel enfant ?")
        shown = dialogs.show(record, lambda: chooser)
        if shown is None or shown.result() != QDialog.DialogCode.Accepted:
            return None
        child_id = chooser.child.currentData()
    prefix = UNREGISTER_LINK if unregister else REGISTER_LINK
    return handle_link(view, f"{prefix}{child_id}")


__all__ = [
    "REGISTER_LINK",
    "UNREGISTER_LINK",
    "RegisterDialog",
    "child_links",
    "from_menu",
    "handle_link",
]
