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
from backoffice.models import (
    MEDICAL_ROLES,
    PORTAL_LOGIN,
    SYSTEM_LOGIN,
    Role,
    StaffUser,
    staff_regie,
)

log = logging.getLogger(__name__)


class PermissionDenied(UserError):
    """The actor's role does not allow this (French message)."""


@dataclass(frozen=True, slots=True)
class Actor:
    staff_id: int | None
    login: str
    role: Role
    full_name: str = ""
    # The medical right (``StaffUser.medical_access``); None: the role's default
    # (actors built without an account: system, tests).
    medical: bool | None = None
    # The régies a régisseur is limited to; None: not limited (none assigned).
    regie_ids: frozenset[int] | None = None

    @property
    def sees_medical_data(self) -> bool:
        return self.role in MEDICAL_ROLES if self.medical is None else self.medical

    @property
    def label(self) -> str:
        return self.full_name or self.login


SYSTEM = Actor(None, SYSTEM_LOGIN, Role.ADMIN, "Système")
PORTAL = Actor(None, PORTAL_LOGIN, Role.AGENT, "Portail (parent)")


def os_login() -> str:
    """``BACKOFFICE_USER`` when set (demo, tests), else the operating-system login."""
    return os.environ.get("BACKOFFICE_USER") or getpass.getuser()


def actor_for(user: StaffUser, session: Session | None = None) -> Actor:
    """The actor of a staff account (a régisseur's régies read from ``session``)."""
    regie_ids = None
    if user.role is Role.ACCOUNTANT and session is not None:
        # None assigned: every régie (a collectivity with a single régisseur).
        regie_ids = (
            frozenset(
                session.scalars(
                    select(staff_regie.c.regie_id).where(staff_regie.c.staff_user_id == user.id)
                )
            )
            or None
        )
    return Actor(
        user.id, user.login, user.role, user.full_name, bool(user.medical_access), regie_ids
    )


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
        user = StaffUser(login=login, full_name=login, role=Role.ADMIN, medical_access=True)
        session.add(user)
        session.flush()
        log.info("Premier agent enregistré comme administrateur : %s", login)
    elif not user.active:
        raise PermissionDenied(f"Le compte agent « {login} » est désactivé.")
    return actor_for(user, session)


def bind(session: Session, actor: Actor) -> Session:
    """Attach ``actor`` to ``session`` for the audit trail; returns the session."""
    session.info["actor"] = actor
    return session


def session_actor(session: Session) -> Actor:
    return session.info.get("actor", SYSTEM)


def require_medical_access(actor: Actor) -> None:
    """Kept for callers without a session; services use ``permissions.require(…, MEDICAL)``,
    which also records the refusal."""
    if not actor.sees_medical_data:
        raise PermissionDenied(MEDICAL_REFUSAL)


MEDICAL_REFUSAL = (
    "La fiche sanitaire contient des données de santé : votre compte n'a pas le droit "
    "médical nécessaire pour la consulter ou la modifier."
)
