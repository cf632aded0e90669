"""Editing a family: information, guardians and QF history ("Modifier la famille…")."""

from .dialog import FamilyEditDialog
from .quotients import QuotientDialog

__all__ = ["FamilyEditDialog", "QuotientDialog"]
