"""« Règlements »: balances, desk payments, online payments, Trésor public, unpaid, cheques."""

from .area import PaymentsArea

__all__ = ["PaymentsArea"]
