"""Request dependencies: the app's services and the two kinds of bearer tokens."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select

from portal import accounts
from portal.db import Database
from portal.errors import unauthorized
from portal.mail import Mailer
from portal.models import StaffToken
from portal.providers import Provider
from portal.rules import system_now
from portal.security import same_secret, token_hash
from portal.settings import Settings

_bearer = HTTPBearer(auto_error=False, description="Jeton d'accès (parent ou back-office).")


@dataclass
class Services:
    settings: Settings
    db: Database
    mailer: Mailer
    # « Now » for the booking rules (deadlines, today in Paris): tests replace it
    # (``app.state.services.clock = lambda: …``) instead of waiting for the wall clock.
    clock: Callable[[], datetime] = field(default=system_now)
    # Online payment provider (``portal.providers``); None: online payment disabled.
    provider: Provider | None = None

    def now(self) -> datetime:
        return self.clock()


def services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(services)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def current_parent(svc: ServicesDep, credentials: Credentials) -> accounts.CurrentParent:
    if credentials is None or not credentials.credentials:
        raise unauthorized()
    with svc.db.lookup() as session:
        parent = accounts.authenticate(session, svc.settings, credentials.credentials)
    if parent is None:
        raise unauthorized("Session expirée ou invalide : reconnectez-vous.")
    if parent.prolong_until is not None:
        with svc.db.session() as session:
            accounts.prolong(session, parent)
    return parent


ParentDep = Annotated[accounts.CurrentParent, Depends(current_parent)]


def client_address(request: Request) -> str:
    """The client's address: the TCP peer, or what a trusted proxy says it forwarded
    (``PORTAL_TRUSTED_PROXIES``, applied by :mod:`portal.protection`)."""
    return request.client.host if request.client is not None else ""


ClientAddress = Annotated[str, Depends(client_address)]


def staff(svc: ServicesDep, credentials: Credentials) -> str:
    """The name of the staff token used, or 401."""
    if credentials is None or not credentials.credentials:
        raise unauthorized("Jeton du back-office requis.")
    digest = token_hash(credentials.credentials)
    configured = svc.settings.staff_token_hash.get_secret_value().strip().lower()
    if configured and same_secret(digest, configured):
        return "configuration"
    with svc.db.read() as session:
        row = session.scalars(
            select(StaffToken).where(
                StaffToken.token_hash == digest, StaffToken.revoked_at.is_(None)
            )
        ).first()
        name = row.name if row is not None else None
    if name is None:
        raise unauthorized("Jeton du back-office invalide ou révoqué.")
    return name


StaffDep = Annotated[str, Depends(staff)]

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=8,
        max_length=200,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="Clé unique par opération : la même clé et la même requête donnent "
        "la même réponse, sans refaire l'opération.",
    ),
]
