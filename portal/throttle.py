"""Password checks slowed down, never locked: progressive delays per account and per
client address, with the account owner's usual addresses left alone.

Every endpoint that checks a password (``/auth/login``, ``/me/password``,
``/me/login-email``) goes through :func:`check` before verifying it, then
:func:`failed` or :func:`succeeded`. Three counters of recent failures, in the
portal's database (several workers share them), each under an HMAC key (identifiers
and addresses are never stored in clear):

* the **account** (the identifier typed, known or not): ``login_max_failures`` free
  failures, then each further one makes the next try wait;
* the **address** (every identifier tried from it; an IPv6 /64 counts as one
  address): ``address_max_failures`` free,
  then the same delays — one address spraying many accounts is slowed;
* the **pair** account + address.

From an address where the account already signed in (a :class:`KnownAddress`), only
the pair counts: failures from elsewhere never delay the owner at home, and an
attacker at that address is still slowed by the pair. From any other address, the
account and the address both count. The wait after ``n`` counted failures is
``login_first_delay_seconds × 2^(n − free)``, at most ``login_max_delay_minutes``,
from the last failure; a counter is forgotten ``login_forget_minutes`` after its last
failure. A success clears the account and pair counters (never the address's: an
attacker with an account of his own must not clear his address by signing in).

The rows are read ``FOR UPDATE`` (PostgreSQL) or under SQLite's write lock: two
workers cannot both let the same try through.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import threading
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from portal.errors import PortalError
from portal.models import KnownAddress, PortalSecret, ThrottleCounter, utcnow
from portal.settings import Settings

ADDRESS_KEY = "address_key"
PURGE_BATCH = 200


@dataclass(frozen=True)
class Attempt:
    """Who tries: the keys of the three counters, and the address's key."""

    account_key: str
    address_key: str
    pair_key: str
    account_id: int | None
    known: bool
    at: datetime


def client_network(address: str) -> str:
    """What counts as one client: an IPv4 address, an IPv6 /64 (one subscriber's
    network: rotating addresses inside it changes nothing)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


# Connection pool (one per database) → its HMAC key: written once by the migration that
# created the table, never changed since, so read once per process and database.
_secrets: weakref.WeakKeyDictionary[Any, bytes] = weakref.WeakKeyDictionary()
_secrets_lock = threading.Lock()


def _secret(session: Session) -> bytes:
    pool = session.get_bind().engine.pool
    with _secrets_lock:
        found = _secrets.get(pool)
    if found is None:
        found = session.get_one(PortalSecret, ADDRESS_KEY).value.encode("ascii")
        with _secrets_lock:
            _secrets[pool] = found
    return found


def _mac(secret: bytes, *parts: str) -> str:
    return hmac.new(secret, "\0".join(parts).encode("utf-8"), hashlib.sha256).hexdigest()


def attempt(
    session: Session,
    settings: Settings,
    login: str,
    address: str,
    account_id: int | None,
    now: datetime | None = None,
) -> Attempt:
    """The attempt of ``address`` on the identifier ``login`` (account ``account_id`` if
    it exists), with whether the account already signed in from there."""
    secret = _secret(session)
    login = login.strip().lower()
    address = client_network(address)
    at = now or utcnow()
    addr = _mac(secret, "adresse", address)
    known = False
    if account_id is not None:
        since = at - timedelta(days=settings.known_address_days)
        known = (
            session.scalar(
                select(KnownAddress.id).where(
                    KnownAddress.account_id == account_id,
                    KnownAddress.address_key == addr,
                    KnownAddress.last_success_at > since,
                )
            )
            is not None
        )
    return Attempt(
        account_key=_mac(secret, "compte", login),
        address_key=addr,
        pair_key=_mac(secret, "compte+adresse", login, address),
        account_id=account_id,
        known=known,
        at=at,
    )


def _counted_keys(attempt: Attempt) -> list[tuple[str, str]]:
    """(key, scope) of the counters that decide this attempt's wait."""
    if attempt.known:
        return [(attempt.pair_key, "account")]
    return [(attempt.account_key, "account"), (attempt.address_key, "address")]


def _insert_missing(session: Session, model, values: list[dict]) -> None:
    """INSERT … ON CONFLICT DO NOTHING: concurrent workers never trip on each other."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(pg_insert(model).values(values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite_insert(model).values(values).on_conflict_do_nothing())
    else:  # pragma: no cover - the portal runs on SQLite or PostgreSQL only
        raise RuntimeError(f"base non prise en charge : {dialect}")


def _locked(session: Session, attempt: Attempt) -> dict[str, ThrottleCounter]:
    """The attempt's three counters, created if missing (a row to lock even before the
    first failure: simultaneous first tries wait for each other), locked for this
    transaction, always all three in key order (no deadlock between workers). Rows
    whose failures are forgotten go in :func:`_purge`."""
    keys = sorted({attempt.account_key, attempt.address_key, attempt.pair_key})
    _insert_missing(
        session,
        ThrottleCounter,
        [{"key": k, "failures": 0, "last_failure_at": attempt.at} for k in keys],
    )
    rows = session.scalars(
        select(ThrottleCounter)
        .where(ThrottleCounter.key.in_(keys))
        .order_by(ThrottleCounter.key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {row.key: row for row in rows}


def _purge(session: Session, settings: Settings, attempt: Attempt) -> None:
    """Forget counters past their memory (a few at a time, never one another worker
    holds: SKIP LOCKED on PostgreSQL; SQLite runs one writer at a time)."""
    cutoff = attempt.at - timedelta(minutes=settings.login_forget_minutes)
    mine = [attempt.account_key, attempt.address_key, attempt.pair_key]
    stale = (
        select(ThrottleCounter.key)
        .where(ThrottleCounter.last_failure_at < cutoff, ThrottleCounter.key.not_in(mine))
        .limit(PURGE_BATCH)
        .with_for_update(skip_locked=True)
    )
    session.execute(delete(ThrottleCounter).where(ThrottleCounter.key.in_(stale.scalar_subquery())))


def _recent(settings: Settings, counter: ThrottleCounter, now: datetime) -> int:
    """Failures still remembered (0 once forgotten)."""
    if counter.last_failure_at <= now - timedelta(minutes=settings.login_forget_minutes):
        return 0
    return counter.failures


def _free(settings: Settings, scope: str) -> int:
    return settings.login_max_failures if scope == "account" else settings.address_max_failures


def delay(settings: Settings, failures: int, free: int) -> timedelta:
    """The wait after ``failures`` counted failures when ``free`` are free."""
    if failures < free:
        return timedelta(0)
    seconds = settings.login_first_delay_seconds * 2 ** min(failures - free, 32)
    return min(timedelta(seconds=seconds), timedelta(minutes=settings.login_max_delay_minutes))


def wait(session: Session, settings: Settings, attempt: Attempt) -> timedelta:
    """How long this attempt must still wait (0: go ahead); locks the counters."""
    counters = _locked(session, attempt)
    longest = timedelta(0)
    for key, scope in _counted_keys(attempt):
        counter = counters[key]
        failures = _recent(settings, counter, attempt.at)
        pause = delay(settings, failures, _free(settings, scope))
        if not pause:
            # Still free. (A failure recorded by a worker that got the lock first may
            # carry a later time than this attempt's: no wait comes from it.)
            continue
        until = counter.last_failure_at + pause
        longest = max(longest, until - attempt.at)
    return longest


def _in_words(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} seconde{'s' if seconds > 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes > 1 else ''}"


def too_soon(remaining: timedelta, what: str) -> PortalError:
    """429 with ``Retry-After``: ``what`` says which checks failed (French)."""
    seconds = max(1, math.ceil(remaining.total_seconds()))
    return PortalError(
        429,
        f"{what} : par sécurité, réessayez dans {_in_words(seconds)}. "
        "Vous pouvez aussi utiliser « Mot de passe oublié ».",
        headers={"Retry-After": str(seconds)},
    )


def check(session: Session, settings: Settings, attempt: Attempt, what: str) -> None:
    """Refuse (429) an attempt that comes too soon after the last failures."""
    remaining = wait(session, settings, attempt)
    if remaining > timedelta(0):
        raise too_soon(remaining, what)


def failed(session: Session, settings: Settings, attempt: Attempt) -> int:
    """Count a failure on the three counters; returns the failures still free before the
    account's next try is delayed (as this address sees it)."""
    counters = _locked(session, attempt)
    for counter in counters.values():
        counter.failures = _recent(settings, counter, attempt.at) + 1
        counter.last_failure_at = max(counter.last_failure_at, attempt.at)
    session.flush()
    _purge(session, settings, attempt)
    deciding = counters[attempt.pair_key if attempt.known else attempt.account_key]
    return max(0, settings.login_max_failures - deciding.failures)


def succeeded(session: Session, settings: Settings, attempt: Attempt, account_id: int) -> None:
    """The password (or an e-mailed link) was right: the account's and the pair's
    failures are forgotten and the address becomes one of the account's known ones."""
    session.execute(
        delete(ThrottleCounter).where(
            ThrottleCounter.key.in_([attempt.account_key, attempt.pair_key])
        )
    )
    remember(session, account_id, attempt.address_key, attempt.at)
    session.execute(
        delete(KnownAddress).where(
            KnownAddress.account_id == account_id,
            KnownAddress.last_success_at < attempt.at - timedelta(days=settings.known_address_days),
        )
    )


def remember(session: Session, account_id: int, address_key: str, at: datetime) -> None:
    """The address becomes (or stays) a known one of the account, last used ``at``: one
    INSERT … ON CONFLICT DO UPDATE (concurrent workers never trip on each other)."""
    values = {"account_id": account_id, "address_key": address_key, "last_success_at": at}
    dialect = session.get_bind().dialect.name
    # Both dialects' INSERT have the same ON CONFLICT API.
    insert: Any = {"postgresql": pg_insert, "sqlite": sqlite_insert}.get(dialect)
    if insert is not None:
        statement = insert(KnownAddress).values(values)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=[KnownAddress.account_id, KnownAddress.address_key],
                set_={"last_success_at": statement.excluded.last_success_at},
            )
        )
    else:  # pragma: no cover - the portal runs on SQLite or PostgreSQL only
        raise RuntimeError(f"base non prise en charge : {dialect}")
