"""Family accounts: opening one from the mailed form, and the portal account's actions."""

from .actions import AccountActionsBar
from .open_account import OpenAccountDialog

__all__ = ["AccountActionsBar", "OpenAccountDialog"]
