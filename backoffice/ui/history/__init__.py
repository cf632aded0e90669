"""A family's history ("Historique" tab): who changed what, when, old → new."""

from backoffice.ui.history.page import HistoryPage

__all__ = ["HistoryPage"]
