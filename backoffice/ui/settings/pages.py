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


_CATALOGUE_ROLES = frozenset({"admin", "director"})
_CATALOGUE = "backoffice.ui.settings.catalogue_pages"
_PERIODS = "backoffice.ui.settings.period_pages"

ADMIN = frozenset({"admin"})
YEAR_PREPARERS = frozenset({"admin", "director"})

PAGES: tuple[SettingsPage, ...] = (
    SettingsPage(
        "collectivity",
        "Collectivité",
        "backoffice.ui.settings.collectivity_page",
        "CollectivityPage",
        ADMIN,
    ),
    SettingsPage(
        "smtp", "Messagerie (SMTP)", "backoffice.ui.settings.smtp_page", "SmtpPage", ADMIN
    ),
    SettingsPage(
        "portal",
        "Portail et synchronisation",
        "backoffice.ui.settings.portal_page",
        "PortalPage",
        ADMIN,
    ),
    SettingsPage(
        "staff",
        "Personnel",
        "backoffice.ui.settings.staff_page",
        "StaffPage",
        frozenset({"admin", "director"}),
    ),
    SettingsPage(
        "backups",
        "Sauvegardes",
        "backoffice.ui.settings.backups_page",
        "BackupsPage",
        YEAR_PREPARERS,
    ),
    SettingsPage(
        "audit",
        "Journal des modifications",
        "backoffice.ui.settings.audit_page",
        "AuditPage",
        YEAR_PREPARERS,
    ),
    # The year's catalogue (issue 17): direction and administrator.
    SettingsPage("regies", "Régies", _CATALOGUE, "RegiesPage", _CATALOGUE_ROLES),
    SettingsPage(
        "sites", "Sites et activités", _CATALOGUE, "SitesActivitiesPage", _CATALOGUE_ROLES
    ),
    SettingsPage("periods", "Périodes et fermetures", _PERIODS, "PeriodsPage", _CATALOGUE_ROLES),
    SettingsPage("rules", "Règles de réservation", _PERIODS, "RulesPage", _CATALOGUE_ROLES),
    SettingsPage(
        "payment_windows",
        "Fenêtres de paiement",
        "backoffice.ui.settings.windows_page",
        "PaymentWindowsPage",
        _CATALOGUE_ROLES,
    ),
    SettingsPage("tariffs", "Tarifs", _CATALOGUE, "CatalogueTariffsPage", _CATALOGUE_ROLES),
    SettingsPage(
        "catalogue_toml",
        "Catalogue (fichier TOML)",
        "backoffice.ui.settings.catalogue_page",
        "CataloguePage",
        YEAR_PREPARERS,
    ),
    SettingsPage(
        key="pes",
        title="Trésor public (PES V2)",
        module="backoffice.ui.settings.collection_page",
        attr="CollectionSettingsPage",
        roles=frozenset({"admin", "accountant"}),
    ),
    SettingsPage(
        "reminders",
        "Relances",
        "backoffice.ui.settings.reminders_page",
        "RemindersSettingsPage",
        frozenset({"admin", "accountant", "director"}),
    ),
)


def visible_pages(role: str) -> list[SettingsPage]:
    """The pages a role sees (the main window shows « Paramètres » only if any)."""
    return [page for page in PAGES if not page.roles or role in page.roles]
