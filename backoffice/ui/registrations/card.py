"""The family card's « Inscrire… · Désinscrire… » links under each child (a few lines in
``families/family_view.py`` call these, so the card can change around them)."""

from __future__ import annotations

from backoffice.dates import paris_today
from backoffice.ui.qt import QWidget
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


__all__ = ["REGISTER_LINK", "UNREGISTER_LINK", "RegisterDialog", "child_links", "handle_link"]
