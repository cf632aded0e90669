"""« Facturation »: invoice runs (preview, issue), PDFs, credit notes, closing."""

from .area import BillingArea

__all__ = ["BillingArea"]
