"""Family accounts: opening one from the mailed form, and the portal account's actions."""

from backoffice.ui.accounts.actions import AccountActionsBar
from backoffice.ui.accounts.open_account import OpenAccountDialog

__all__ = ["AccountActionsBar", "OpenAccountDialog"]
