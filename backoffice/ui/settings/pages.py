"""The pages of « Paramètres », in the order shown.

Each page is a ``QWidget`` subclass built as ``cls(db, actor, runner)`` when the agent
first chooses it, so this list imports nothing. A page may define ``refresh()`` (called
each time it is shown). ``roles`` lists the roles that see the page (empty: everyone);
the services behind it check the role again — hiding a page is not the protection.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SettingsPage:
    key: str  # stable name, used by tests and by ``SettingsArea.show_page``
    title: str  # French, shown in the list
    module: str  # module holding the page class (imported on first use)
    attr: str  # the page class
    roles: frozenset[str] = frozenset()  # Role values allowed to see it; empty: all


_BACKUP_AND_AUDIT = frozenset({"admin", "director"})

PAGES: tuple[SettingsPage, ...] = (
    SettingsPage(
        "backups",
        "Sauvegardes",
        "backoffice.ui.settings.backups_page",
        "BackupsPage",
        _BACKUP_AND_AUDIT,
    ),
    SettingsPage(
        "audit",
        "Journal des modifications",
        "backoffice.ui.settings.audit_page",
        "AuditPage",
        _BACKUP_AND_AUDIT,
    ),
)
