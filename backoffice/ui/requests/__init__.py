"""« Demandes »: the requests desk (queue, filters, grouping, side panel, decisions)."""

from backoffice.ui.requests.area import RequestsArea

__all__ = ["RequestsArea"]
