"""« Facturation »: invoice runs (preview, issue), PDFs, credit notes, closing.

The area is imported when first asked for (PEP 562), so a module of this package used
elsewhere (the family card's tables and icons) does not load the whole area at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backoffice.ui.billing.area import BillingArea

__all__ = ["BillingArea"]


def __getattr__(name: str):
    if name == "BillingArea":
        from backoffice.ui.billing.area import BillingArea

        return BillingArea
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
