"""« Demandes »: the requests desk (queue, filters, grouping, side panel, decisions)."""

from .area import RequestsArea

__all__ = ["RequestsArea"]
