"""Editing a family: information, guardians and QF history ("Modifier la famille…")."""

from backoffice.ui.family_edit.dialog import FamilyEditDialog
from backoffice.ui.family_edit.quotients import QuotientDialog

__all__ = ["FamilyEditDialog", "QuotientDialog"]
