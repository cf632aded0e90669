"""« Règlements »: balances, desk payments, online payments, Trésor public, unpaid, cheques.

The area is imported when first asked for (PEP 562), so a dialog of this package used
elsewhere (the family card's SEPA mandate) does not load the whole area at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backoffice.ui.payments.area import PaymentsArea

__all__ = ["PaymentsArea"]


def __getattr__(name: str):
    if name == "PaymentsArea":
        from backoffice.ui.payments.area import PaymentsArea

        return PaymentsArea
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
