"""Shared helpers of the billing services: money, periods, look-ups, roles."""

from __future__ import annotations

import calendar
import functools
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.errors import UserError
from backoffice.models import Family, Regie, Role
from backoffice.services.common.actors import Actor
from backoffice.services.common.permissions import Permission, require

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
PARIS = ZoneInfo("Europe/Paris")
# Issuing, crediting and closing are the régisseur's job (and the administrator's).
BILLING_ROLES = frozenset({Role.ADMIN, Role.ACCOUNTANT, Role.DIRECTOR})


class BillingError(UserError):
    """An expected billing problem; the message is French, for the agent."""


def cents(amount: Decimal) -> Decimal:
    """Round half-up to the cent (the only rounding of the billing services)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@functools.lru_cache(maxsize=4096)  # a run converts the same few amounts again and again
def to_cents_int(amount: Decimal) -> int:
    return int(cents(amount).scaleb(2))


def euros(amount: Decimal) -> str:
    """French display: ``1 234,50 €`` (narrow no-break space between thousands)."""
    text = f"{cents(amount):,.2f}".replace(",", "\u202f").replace(".", ",")
    return f"{text}\u00a0€"


def parse_amount(text: str | Decimal) -> Decimal:
    """A positive amount in euros with at most two decimals ("42.50", "42,50")."""
    if isinstance(text, float):
        raise BillingError("Montant refusé : utilisez un nombre décimal exact.")
    raw = str(text).strip().replace(",", ".").replace("€", "").replace(" ", "")
    try:
        value = Decimal(raw)
        exact = value.is_finite() and value == value.quantize(CENT)
    except InvalidOperation:
        exact = False
    if not exact:
        raise BillingError(f"Montant invalide : « {text} » (deux décimales au plus).")
    if value <= 0:
        raise BillingError(f"Le montant doit être positif : « {text} ».")
    return value.quantize(CENT)


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2}):(\d{4}-\d{2}-\d{2})$")


def parse_period(text: str) -> tuple[date, date]:
    """``2026-07`` (the month) or ``2026-07-06:2026-07-31`` (inclusive)."""
    text = (text or "").strip()
    bad = BillingError(f"Période invalide : « {text} ». Attendu AAAA-MM ou AAAA-MM-JJ:AAAA-MM-JJ.")
    try:
        if m := _MONTH.match(text):
            year, month = int(m.group(1)), int(m.group(2))
            return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
        if m := _RANGE.match(text):
            start, end = date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2))
            if end < start:
                raise BillingError(f"Période invalide : « {text} » (la fin précède le début).")
            return start, end
    except ValueError:
        raise bad from None
    raise bad


def get_regie(session: Session, code: str) -> Regie:
    regie = session.scalar(select(Regie).where(Regie.code == (code or "").strip().upper()))
    if regie is None:
        known = ", ".join(session.scalars(select(Regie.code).order_by(Regie.code)))
        raise BillingError(f"Régie inconnue : « {code} » (régies : {known or 'aucune'}).")
    return regie


def get_family(session: Session, reference: str) -> Family:
    reference = (reference or "").strip()
    stmt = select(Family).where(Family.code == reference.upper())
    if reference.isdigit():
        stmt = select(Family).where(Family.id == int(reference))
    family = session.scalar(stmt)
    if family is None:
        raise BillingError(f"Aucune famille ne correspond à « {reference} ».")
    return family


def regie_id_of(session: Session, regie_code: str) -> int | None:
    """The id of the régie ``regie_code`` (None when unknown: the service says so)."""
    return session.scalar(select(Regie.id).where(Regie.code == regie_code.strip().upper()))


def require_billing_role(
    actor: Actor | None,
    what: str,
    session=None,
    regie_id: int | None = None,
    permission: Permission = Permission.BILLING,
) -> None:
    """Thin alias of :func:`~backoffice.services.common.permissions.require` (BILLING)."""
    require(session, actor, permission, what, regie_id)


def atomic(fn):
    """Run a service in a savepoint: refused half-way, it leaves nothing in the session."""

    @functools.wraps(fn)
    def wrapper(session: Session, *args, **kwargs):
        with session.begin_nested():
            return fn(session, *args, **kwargs)

    return wrapper


def document_number(prefix: str, year: int, seq: int) -> str:
    """``ALSH-2026-00042``, ``AV-ALSH-2026-00003``."""
    return f"{prefix}-{year}-{seq:05d}"
