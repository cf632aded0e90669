"""Sync with the parent portal (DESIGN §6): HTTP client, push of the outbox, pull of
the change feed, conflicts and quarantine. No Qt: the CLI and the GUI share it."""

from backoffice.sync.client import PortalAuthError, PortalClient, PortalError, PortalUnreachable
from backoffice.sync.conflicts import (
    dismiss_quarantined,
    open_conflicts,
    quarantined,
    resolve_conflict,
)
from backoffice.sync.pull import pull_changes
from backoffice.sync.push import push_pending, retry_failed
from backoffice.sync.round import RoundReport, client_from_settings, run_round

__all__ = [
    "PortalAuthError",
    "PortalClient",
    "PortalError",
    "PortalUnreachable",
    "RoundReport",
    "client_from_settings",
    "dismiss_quarantined",
    "open_conflicts",
    "pull_changes",
    "push_pending",
    "quarantined",
    "resolve_conflict",
    "retry_failed",
    "run_round",
]
