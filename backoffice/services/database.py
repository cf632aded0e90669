"""Opening the database for the domain: :func:`backoffice.storage.connect` (engine,
migrations) plus the listeners every ORM flush goes through — the audit trail, and
the billing guards (issued invoices are never edited, closed periods never change).

The GUI, the CLI, the tests and the scripts all open the database here, so no write
escapes the audit trail; :mod:`backoffice.storage` stays free of the domain.
"""

from __future__ import annotations

from backoffice import storage
from backoffice.services.billing import guards
from backoffice.services.common import audit
from backoffice.storage import Database


def open_database(url: str | None = None, *, migrate: bool = True) -> Database:
    """Open (and by default migrate) the database, with the domain's flush listeners;
    a French :class:`~backoffice.storage.StorageError` on failure."""
    database = storage.connect(url, migrate=migrate)
    audit.install()
    guards.install()
    return database
