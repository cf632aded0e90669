"""Who is acting: the agent at the desk (by Windows login), the portal, or the system.

A session carries its actor in ``session.info["actor"]`` so the audit trail
(:mod:`.audit`) knows who made each change without every service passing it on.
"""

from __future__ import annotations

import getpass
import logging
import os
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.errors import UserError
from backoffice.models import MEDICAL_ROLES, Role, StaffUser

log = logging.getLogger(__name__)


class PermissionDenied(UserError):
    """The actor's role does not allow this (French message)."""


@dataclass(frozen=True, slots=True)
class Actor:
    staff_id: int | None
    login: str
    role: Role
    full_name: str = ""

    @property
    def sees_medical_data(self) -> bool:
        return self.role in MEDICAL_ROLES

    @property
    def label(self) -> str:
        return self.full_name or self.login


SYSTEM = Actor(None, "système", Role.ADMIN, "Système")
PORTAL = Actor(None, "portail", Role.AGENT, "Portail (parent)")


def os_login() -> str:
    """``BACKOFFICE_USER`` when set (demo, tests), else the operating-system login."""
    return os.environ.get("BACKOFFICE_USER") or getpass.getuser()


def actor_for(user: StaffUser) -> Actor:
    return Actor(user.id, user.login, user.role, user.full_name)


def current_actor(session: Session, login: str | None = None) -> Actor:
    """The staff user for ``login`` (default: this computer's login).

    The very first login of an empty staff list becomes administrator, so a new
    installation can be set up; after that an unknown login is refused.
    """
    login = login or os_login()
    user = session.scalar(select(StaffUser).where(StaffUser.login == login))
    if user is None:
        if session.scalar(select(func.count(StaffUser.id))):
            raise PermissionDenied(
                f"Le compte « {login} » n'est pas enregistré comme agent du back-office. "
                "Demandez à un administrateur de vous ajouter dans « Paramètres › Personnel »."
            )
        user = StaffUser(login=login, full_name=login, role=Role.ADMIN)
        session.add(user)
        session.flush()
        log.info("Premier agent enregistré comme administrateur : %s", login)
    elif not user.active:
        raise PermissionDenied(f"Le compte agent « {login} » est désactivé.")
    return actor_for(user)


def bind(session: Session, actor: Actor) -> Session:
    """Attach ``actor`` to ``session`` for the audit trail; returns the session."""
    session.info["actor"] = actor
    return session


def session_actor(session: Session) -> Actor:
    return session.info.get("actor", SYSTEM)


def require_medical_access(actor: Actor) -> None:
    if not actor.sees_medical_data:
        raise PermissionDenied(
            "La fiche sanitaire contient des données de santé : votre rôle ne permet pas de la consulter."
        )
