"""« Facturation »: invoice runs (preview, issue), PDFs, credit notes, closing."""

from backoffice.ui.billing.area import BillingArea

__all__ = ["BillingArea"]
