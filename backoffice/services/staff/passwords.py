"""Staff passwords (argon2id) and how agents are identified on this database.

« Identification par la session Windows » (the OS login, SQLite on one computer) or
« mot de passe » (a login dialog; always on a shared PostgreSQL database).
"""

from __future__ import annotations

import enum
import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.models import StaffUser
from backoffice.services.common.actors import Actor, PermissionDenied, actor_for
from backoffice.services.common.settings_store import get_setting, put_setting

IDENTIFICATION_KEY = "staff.identification"
MIN_LENGTH = 8
WRONG_LOGIN = "Identifiant ou mot de passe incorrect."

_hasher = PasswordHasher()


class Identification(enum.StrEnum):
    WINDOWS = "windows"
    PASSWORD = "password"


IDENTIFICATION_LABELS = {
    Identification.WINDOWS: "Identification par la session Windows",
    Identification.PASSWORD: "Mot de passe",
}


def identification(session: Session) -> Identification:
    """The setting (default: the Windows session); a shared database always asks a password."""
    if session.get_bind().dialect.name != "sqlite":
        return Identification.PASSWORD
    value = get_setting(session, IDENTIFICATION_KEY, Identification.WINDOWS.value)
    try:
        return Identification(value)
    except ValueError:
        return Identification.PASSWORD  # unknown value: the safer way


def set_identification(session: Session, mode: Identification) -> None:
    put_setting(session, IDENTIFICATION_KEY, Identification(mode).value)


def check_password(password: str) -> str | None:
    """Why ``password`` is refused (French), or None."""
    if len(password) < MIN_LENGTH:
        return f"Le mot de passe doit compter au moins {MIN_LENGTH} caractères."
    if password.strip() != password:
        return "Le mot de passe ne doit pas commencer ni finir par une espace."
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    if not stored:
        return False
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the login is unknown: the same time spent, nothing told.
    Hashed on the first failed login, not at import (an argon2 hash costs ~0.2 s of
    the back-office's start)."""
    return _hasher.hash("compte-inexistant")


def authenticate(session: Session, login: str, password: str) -> Actor:
    """The actor for ``login`` and ``password``; one French refusal that never says
    whether the login exists."""
    user = session.scalar(
        select(StaffUser).where(func.lower(StaffUser.login) == login.strip().lower())
    )
    if user is None:
        verify_password(_dummy_hash(), password)
        raise PermissionDenied(WRONG_LOGIN)
    if not verify_password(user.password_hash, password):
        raise PermissionDenied(WRONG_LOGIN)
    if not user.active:
        raise PermissionDenied(
            f"Le compte « {user.login} » est désactivé : demandez à la direction de le réactiver."
        )
    if user.password_hash and _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return actor_for(user, session)
