"""A family's QF history (quotient familial): adding a QF and listing them.

The history is never rewritten (:func:`add_quotient`): earlier QF rows keep
their amounts; only an open-ended earlier QF gets an end (the day before the
new one starts). A QF starting on the same day as another one, or applying to a
day of a closed billing period, is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.models import AllowanceScheme, ClosedPeriod, FamilyQuotient
from backoffice.services.common.actors import Actor, bind
from backoffice.services.common.permissions import Permission, require
from backoffice.services.common.validation import Checker
from backoffice.services.families.edit import SOURCE_LABELS, load_family

MAX_QUOTIENT = 99_999


def _closed_period_hit(
    session: Session, valid_from: date, valid_to: date | None
) -> ClosedPeriod | None:
    """A closed billing period the new QF would apply to, the latest one first."""
    stmt = select(ClosedPeriod).where(ClosedPeriod.end_date >= valid_from)
    if valid_to is not None:
        stmt = stmt.where(ClosedPeriod.start_date <= valid_to)
    return session.scalars(stmt.order_by(ClosedPeriod.end_date.desc()).limit(1)).first()


def add_quotient(
    session: Session,
    actor: Actor,
    family_id: int,
    quotient: int | None,
    valid_from: date | None,
    valid_to: date | None = None,
    source: AllowanceScheme | None = None,
) -> FamilyQuotient:
    """Record a new QF from ``valid_from`` (``source`` defaults to the family's scheme).

    Earlier QF rows keep their amounts: an open-ended one covering ``valid_from``
    only gets ``valid_to = valid_from − 1 day``. Without ``valid_to``, a QF
    entered before a later one ends the day before that one starts.
    Field keys of :class:`FieldErrors`: ``quotient``, ``valid_from``, ``valid_to``.
    """
    require(session, actor, Permission.FAMILIES_EDIT, "enregistrer un quotient familial")
    bind(session, actor)
    family = load_family(session, family_id, lock=True)
    c = Checker()
    if quotient is None:
        c.fail("quotient", "Le champ « Quotient familial » est obligatoire.")
    elif not 0 <= quotient <= MAX_QUOTIENT:
        c.fail("quotient", "Le quotient familial doit être un nombre entre 0 et 99 999.")
    if valid_from is None:
        c.fail("valid_from", "Le champ « Valable à partir du » est obligatoire.")
    else:
        c.date_range("valid_to", "Quotient familial", valid_from, valid_to)
        existing = family.quotients
        same_day = next((q for q in existing if q.valid_from == valid_from), None)
        if same_day is not None:
            c.fail(
                "valid_from",
                f"Un QF ({same_day.quotient}) commence déjà le {valid_from:%d/%m/%Y} : "
                "un QF ne remplace jamais le passé ; choisissez une autre date de début.",
            )
        closed = _closed_period_hit(session, valid_from, valid_to)
        if closed is not None:
            c.fail(
                "valid_from",
                f"La période de facturation du {closed.start_date:%d/%m/%Y} au "
                f"{closed.end_date:%d/%m/%Y} est close : un nouveau QF ne peut prendre effet "
                f"qu'à partir du {closed.end_date + timedelta(days=1):%d/%m/%Y}.",
            )
    c.raise_if_errors()
    assert valid_from is not None  # else the check above failed

    source = source or family.allowance_scheme
    later = [q for q in family.quotients if q.valid_from > valid_from]
    if valid_to is None and later:
        valid_to = min(q.valid_from for q in later) - timedelta(days=1)
    for earlier in family.quotients:
        if earlier.valid_from < valid_from and earlier.valid_to is None:
            earlier.valid_to = valid_from - timedelta(days=1)
    row = FamilyQuotient(quotient=quotient, valid_from=valid_from, valid_to=valid_to, source=source)
    family.quotients.append(row)
    session.flush()
    return row


@dataclass(frozen=True, slots=True)
class QuotientRow:
    """One line of a family's QF history (newest start first)."""

    id: int
    quotient: int
    valid_from: date
    valid_to: date | None
    source: AllowanceScheme
    recorded_at_text: str

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS[self.source]


def quotient_history(session: Session, family_id: int) -> list[QuotientRow]:
    from backoffice.services.families.history import paris_text

    rows = session.scalars(
        select(FamilyQuotient)
        .where(FamilyQuotient.family_id == family_id)
        .order_by(FamilyQuotient.valid_from.desc())
    )
    return [
        QuotientRow(q.id, q.quotient, q.valid_from, q.valid_to, q.source, paris_text(q.recorded_at))
        for q in rows
    ]
