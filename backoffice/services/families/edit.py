"""Keeping a family's information up to date: address, phones, e-mails, allowance,
guardians and the QF history.

Each function is one agent action (STYLE §12); it binds the actor to the
session, so the audit trail records every changed field with who changed it.

Rules the functions enforce:

- **Optimistic locking.** The agent passes the version of the row it loaded;
  if another agent saved in between, :class:`StaleRecord` asks to reload
  (nothing is overwritten silently).
- **The login e-mail is never changed here.** It is the parent's portal
  identifier: the portal confirms a new address by a link sent to it, and the
  old login keeps working meanwhile (DESIGN §5). An agent asking for a new login
  e-mail therefore only records it in ``pending_login_email`` and queues
  ``account.change_login`` for the portal; ``login_email`` changes when the
  portal reports the confirmation.
- **What parents see goes to the portal** in the same transaction: when the
  account payload (address, phones, guardians' e-mails…) changes,
  ``account.upsert`` is queued.
- **Guardians**: one or two, exactly one payer. Making a guardian the payer
  takes the flag from the other; removing the payer hands it to the one left.
- **QF history is never rewritten** (:func:`add_quotient`): earlier QF rows keep
  their amounts; only an open-ended earlier QF gets an end (the day before the
  new one starts). A QF starting on the same day as another one, or applying
  to a day of a closed billing period, is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from backoffice.errors import UserError
from backoffice.models import AllowanceScheme, ClosedPeriod, Family, FamilyQuotient, Guardian
from backoffice.services.common import outbox
from backoffice.services.common.actors import Actor, bind
from backoffice.services.common.validation import Checker, FieldErrors
from backoffice.services.families.accounts import account_payload
from backoffice.services.families.queries import NotFound, refresh_search_text

MAX_GUARDIANS = 2
MAX_QUOTIENT = 99_999

SOURCE_LABELS = {
    AllowanceScheme.CAF: "CAF",
    AllowanceScheme.MSA: "MSA",
    AllowanceScheme.NONE: "Avis d'imposition",
}


class StaleRecord(UserError):
    """Another agent saved this record since it was loaded (French message)."""


@dataclass
class FamilyChanges:
    """New values of a family's information; ``None`` leaves a field as it is.

    ``login_email`` is a *request*: see the module docstring.
    """

    name: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    postcode: str | None = None
    commune: str | None = None
    phone: str | None = None
    login_email: str | None = None
    billing_email: str | None = None
    allowance_scheme: AllowanceScheme | None = None
    allowance_number: str | None = None
    notes: str | None = None


@dataclass
class GuardianChanges:
    """A guardian's fields; ``None`` leaves a field as it is (or its default when adding)."""

    civility: str | None = None
    last_name: str | None = None
    first_name: str | None = None
    relationship_label: str | None = None
    is_payer: bool | None = None
    mobile_phone: str | None = None
    home_phone: str | None = None
    work_phone: str | None = None
    email: str | None = None
    profession: str | None = None
    employer: str | None = None
    # Empty address: same as the family's.
    address_line1: str | None = None
    postcode: str | None = None
    commune: str | None = None


def _given(changes) -> dict:
    return {
        f.name: getattr(changes, f.name)
        for f in fields(changes)
        if getattr(changes, f.name) is not None
    }


def _family(session: Session, family_id: int, *, lock: bool = False) -> Family:
    stmt = select(Family).where(Family.id == family_id)
    if lock:
        stmt = stmt.with_for_update()
    family = session.scalars(stmt).one_or_none()
    if family is None:
        raise NotFound(f"Aucune famille n'a l'identifiant {family_id}.")
    return family


def _guardian(session: Session, guardian_id: int) -> Guardian:
    guardian = session.get(Guardian, guardian_id)
    if guardian is None:
        raise NotFound(
            "Ce responsable légal n'existe plus : un autre agent l'a peut-être retiré. "
            "Rechargez la famille."
        )
    return guardian


def stale_family_message(family: Family) -> str:
    return (
        f"La famille {family.name} ({family.code}) a été modifiée par un autre agent depuis "
        "que vous l'avez ouverte. Vos modifications n'ont pas été enregistrées : "
        "rechargez la famille pour voir les siennes, puis recommencez."
    )


def _check_version(row, expected_version: int, message: str) -> None:
    if row.version != expected_version:
        raise StaleRecord(message)


def _flush(session: Session, message: str) -> None:
    """Write now, so a concurrent save shows up here as :class:`StaleRecord`."""
    try:
        session.flush()
    except StaleDataError as exc:
        raise StaleRecord(message) from exc


def _queue_portal_update(session: Session, family: Family, before: dict) -> None:
    after = account_payload(family)
    if after != before:
        outbox.enqueue(session, "account.upsert", after, family.id)


# -- the family --------------------------------------------------------------


def family_for_edit(session: Session, family_id: int) -> Family:
    """The family with its guardians, as the edit form shows it (and its version)."""
    family = session.scalars(
        select(Family).where(Family.id == family_id).options(selectinload(Family.guardians))
    ).one_or_none()
    if family is None:
        raise NotFound(f"Aucune famille n'a l'identifiant {family_id}.")
    return family


def _check_allowance(c: Checker, scheme: AllowanceScheme, number: str) -> str:
    number = (number or "").strip().replace(" ", "")
    if scheme is AllowanceScheme.NONE:
        return number
    label = f"N° allocataire {SOURCE_LABELS[scheme]}"
    if not number:
        c.fail("allowance_number", f"Le champ « {label} » est obligatoire.")
    elif not number.isalnum() or len(number) > 15:
        c.fail("allowance_number", f"Le n° allocataire « {number} » n'est pas valide.")
    return number


def update_family(
    session: Session,
    actor: Actor,
    family_id: int,
    changes: FamilyChanges,
    expected_version: int,
) -> Family:
    """Apply ``changes`` to the family loaded at ``expected_version``.

    Field keys of :class:`FieldErrors`: ``name``, ``address``, ``phone``,
    ``login_email``, ``billing_email``, ``allowance_number``.
    A login e-mail change goes pending (``pending_login_email``) and is queued
    for the portal as ``account.change_login``; ``login_email`` is untouched.
    """
    bind(session, actor)
    family = _family(session, family_id)
    stale = stale_family_message(family)
    _check_version(family, expected_version, stale)
    given = _given(changes)
    c = Checker()
    new: dict = {}
    if "name" in given:
        new["name"] = c.required("name", "Nom de la famille", given["name"])
    if given.keys() & {"address_line1", "address_line2", "postcode", "commune"}:
        line1 = given.get("address_line1", family.address_line1)
        new["address_line1"] = c.required("address", "Adresse", line1)
        new["address_line2"] = (given.get("address_line2", family.address_line2) or "").strip()
        commune = c.commune(
            "address",
            "Adresse",
            given.get("postcode", family.postcode),
            given.get("commune", family.commune),
        )
        if commune is not None:
            new["postcode"], new["commune"] = commune.postcode, commune.name
            new["insee_code"] = commune.insee_code
    if "phone" in given:
        new["phone"] = c.phone("phone", "Téléphone du foyer", given["phone"])
    if "billing_email" in given:
        new["billing_email"] = c.email(
            "billing_email", "E-mail de facturation", given["billing_email"]
        )
    if given.keys() & {"allowance_scheme", "allowance_number"}:
        scheme = given.get("allowance_scheme", family.allowance_scheme)
        new["allowance_scheme"] = scheme
        new["allowance_number"] = _check_allowance(
            c, scheme, given.get("allowance_number", family.allowance_number)
        )
    if "notes" in given:
        new["notes"] = given["notes"].strip()
    requested_login = None
    if "login_email" in given:
        requested_login = c.email(
            "login_email", "E-mail (identifiant du portail)", given["login_email"], required=True
        )
        if "login_email" not in c.errors:
            requested_login = _check_login_change(session, c, family, requested_login)
    c.raise_if_errors()

    before = account_payload(family)
    old_name, old_commune = family.name, family.commune
    for key, value in new.items():
        if getattr(family, key) != value:
            setattr(family, key, value)
    if (family.name, family.commune) != (old_name, old_commune):
        refresh_search_text(family)
    if requested_login is not None:
        family.pending_login_email = requested_login
        outbox.enqueue(
            session,
            "account.change_login",
            {
                "family_code": family.code,
                "new_login_email": requested_login,
                "requested_by": actor.login,
            },
            family.id,
        )
    _queue_portal_update(session, family, before)
    _flush(session, stale)
    return family


def _check_login_change(session: Session, c: Checker, family: Family, email: str) -> str | None:
    """The new login to request, or None when there is nothing to ask the portal."""
    if email.lower() == (family.login_email or "").lower():
        return None
    if email.lower() == (family.pending_login_email or "").lower():
        return None  # already asked; the portal is waiting for the parent's confirmation
    other = session.scalar(
        select(Family.code).where(
            func.lower(Family.login_email) == email.lower(), Family.id != family.id
        )
    )
    if other:
        c.fail(
            "login_email",
            f"L'adresse « {email} » est déjà l'identifiant du portail de la famille {other}.",
        )
        return None
    return email


# -- guardians ---------------------------------------------------------------


def _guardian_values(
    c: Checker, changes: GuardianChanges, current: Guardian | None, n: int
) -> dict:
    given = _given(changes)
    values: dict = {}
    who = f"du responsable {n}"
    for key, label in (("last_name", "Nom"), ("first_name", "Prénom")):
        if key in given or current is None:
            values[key] = c.required(key, f"{label} {who}", given.get(key, ""))
    for key in ("civility", "relationship_label", "profession", "employer"):
        if key in given:
            values[key] = given[key].strip()
    for key, label in (
        ("mobile_phone", "Portable"),
        ("home_phone", "Téléphone fixe"),
        ("work_phone", "Téléphone professionnel"),
    ):
        if key in given:
            values[key] = c.phone(key, f"{label} {who}", given[key])
    if "email" in given:
        values["email"] = c.email("email", f"E-mail {who}", given["email"])
    if given.keys() & {"address_line1", "postcode", "commune"}:
        line1 = (given.get("address_line1", current.address_line1 if current else "") or "").strip()
        postcode = given.get("postcode", current.postcode if current else "")
        commune_name = given.get("commune", current.commune if current else "")
        values["address_line1"] = line1
        if line1 or (postcode or "").strip() or (commune_name or "").strip():
            commune = c.commune("address", f"Adresse {who}", postcode, commune_name)
            if commune is not None:
                values["postcode"], values["commune"] = commune.postcode, commune.name
            if not line1:
                c.fail("address", f"Le champ « Adresse {who} » est incomplet (numéro et rue).")
        else:
            values["postcode"] = values["commune"] = ""
    return values


def _make_payer(family: Family, payer: Guardian) -> None:
    for other in family.guardians:
        if other is not payer and other.is_payer:
            other.is_payer = False
    payer.is_payer = True


def update_guardian(
    session: Session,
    actor: Actor,
    guardian_id: int,
    changes: GuardianChanges,
    expected_version: int,
) -> Guardian:
    """Apply ``changes`` to a guardian loaded at ``expected_version``.

    ``is_payer=True`` makes this guardian the payer (the other one stops
    being it); ``is_payer=False`` is refused for the only payer: choose the
    other guardian as payer instead.
    """
    bind(session, actor)
    guardian = _guardian(session, guardian_id)
    family = guardian.family
    stale = (
        f"Le responsable {guardian.full_name} a été modifié par un autre agent depuis que "
        "vous avez ouvert la famille. Vos modifications n'ont pas été enregistrées : "
        "rechargez la famille, puis recommencez."
    )
    _check_version(guardian, expected_version, stale)
    c = Checker()
    values = _guardian_values(c, changes, guardian, guardian.rank)
    if changes.is_payer is False and guardian.is_payer:
        c.fail(
            "is_payer",
            "Une famille a toujours un responsable payeur : désignez l'autre responsable comme payeur.",
        )
    c.raise_if_errors()
    before = account_payload(family)
    for key, value in values.items():
        if getattr(guardian, key) != value:
            setattr(guardian, key, value)
    if changes.is_payer:
        _make_payer(family, guardian)
    _queue_portal_update(session, family, before)
    _flush(session, stale)
    return guardian


def add_guardian(
    session: Session,
    actor: Actor,
    family_id: int,
    changes: GuardianChanges,
) -> Guardian:
    """A second (or first) guardian; the first one of a family is its payer."""
    bind(session, actor)
    family = _family(session, family_id, lock=True)
    if len(family.guardians) >= MAX_GUARDIANS:
        raise UserError("Une famille a deux responsables légaux au plus.")
    rank = min({1, 2} - {g.rank for g in family.guardians})
    c = Checker()
    values = _guardian_values(c, changes, None, rank)
    c.raise_if_errors()
    before = account_payload(family)
    guardian = Guardian(rank=rank, is_payer=False, **values)
    family.guardians.append(guardian)
    if changes.is_payer or not any(g.is_payer for g in family.guardians):
        _make_payer(family, guardian)
    _queue_portal_update(session, family, before)
    _flush(session, stale_family_message(family))
    return guardian


def remove_guardian(
    session: Session, actor: Actor, guardian_id: int, expected_version: int
) -> None:
    """Remove a guardian; the family keeps at least one, and the one left pays."""
    bind(session, actor)
    guardian = _guardian(session, guardian_id)
    family = guardian.family
    stale = stale_family_message(family)
    _check_version(guardian, expected_version, stale)
    others = [g for g in family.guardians if g is not guardian]
    if not others:
        raise UserError(
            "Une famille a au moins un responsable légal : ajoutez l'autre responsable "
            "avant de retirer celui-ci."
        )
    before = account_payload(family)
    family.guardians.remove(guardian)
    if guardian.is_payer or not any(g.is_payer for g in others):
        _make_payer(family, others[0])
    _queue_portal_update(session, family, before)
    _flush(session, stale)


# -- quotient familial -------------------------------------------------------


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
    bind(session, actor)
    family = _family(session, family_id, lock=True)
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


__all__ = [
    "FamilyChanges",
    "FieldErrors",
    "GuardianChanges",
    "QuotientRow",
    "StaleRecord",
    "add_guardian",
    "add_quotient",
    "family_for_edit",
    "quotient_history",
    "remove_guardian",
    "update_family",
    "update_guardian",
]
