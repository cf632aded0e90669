"""« Règlements »: balances, desk payments, online payments, Trésor public, unpaid, cheques."""

from backoffice.ui.payments.area import PaymentsArea

__all__ = ["PaymentsArea"]
