"""Secrets: random tokens stored as SHA-256 hashes, argon2 passwords, password rules.

Nothing here logs: tokens, links and passwords never reach a log.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

TOKEN_BYTES = 32  # 256 bits: a SHA-256 of it is safe to store and to look up
PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 128

# argon2id at OWASP's first recommended setting (Password Storage Cheat Sheet: 19 MiB,
# 2 iterations, 1 lane): about a quarter of argon2-cffi's default (64 MiB, 3, 4 lanes),
# which on a 2-core server made 500 parents logging in the morning registrations open
# queue behind each other's hashes. Hashes made with the older setting are renewed at
# their next login (``needs_rehash``).
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified when the login is unknown, so that both cases take the same time.
_DUMMY_HASH = _hasher.hash("mot de passe factice pour égaliser les temps")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same_secret(a: str, b: str) -> bool:
    """Constant-time comparison."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; always spends the argon2 time."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


def password_problems(password: str, login_email: str = "") -> list[str]:
    """What is wrong with a new password, in French (empty list: acceptable)."""
    problems: list[str] = []
    if len(password) < PASSWORD_MIN_LENGTH:
        problems.append(f"au moins {PASSWORD_MIN_LENGTH} caractères")
    if len(password) > PASSWORD_MAX_LENGTH:
        problems.append(f"au plus {PASSWORD_MAX_LENGTH} caractères")
    if not any(c.islower() for c in password):
        problems.append("au moins une lettre minuscule")
    if not any(c.isupper() for c in password):
        problems.append("au moins une lettre majuscule")
    if not any(c.isdigit() for c in password):
        problems.append("au moins un chiffre")
    local = login_email.split("@", 1)[0].lower()
    if len(local) >= 4 and local in password.lower():
        problems.append("ne pas contenir votre identifiant")
    return problems
