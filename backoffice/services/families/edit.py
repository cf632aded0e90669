"""Keeping a family's own information up to date: name, address, phones, e-mails,
allowance and notes; and the rules every family edit shares (versions, portal updates).

Each function is one agent action (STYLE §12); it binds the actor to the session, so the
audit trail records every changed field with who changed it. The guardians are
edited in :mod:`backoffice.services.families.guardians`, the QF history in
:mod:`backoffice.services.families.quotients`, the whole family form at once in
:mod:`backoffice.services.families.family_form`.

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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from backoffice.errors import UserError
from backoffice.models import AllowanceScheme, Family
from backoffice.services.common import outbox
from backoffice.services.common.actors import Actor, bind
from backoffice.services.common.last_change import by_whom
from backoffice.services.common.permissions import Permission, require
from backoffice.services.common.validation import Checker, FieldErrors
from backoffice.services.families.accounts import account_payload, give_portal_login, is_paper_only
from backoffice.services.families.queries import NotFound, refresh_search_text

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


# -- shared by the family's, the guardians' and the QF edits -------------------


def given_fields(changes) -> dict:
    """The fields of a ``…Changes`` dataclass that are not ``None``, by name."""
    return {
        f.name: getattr(changes, f.name)
        for f in fields(changes)
        if getattr(changes, f.name) is not None
    }


def load_family(session: Session, family_id: int, *, lock: bool = False) -> Family:
    """The family (locked for update if asked), or :class:`NotFound`."""
    stmt = select(Family).where(Family.id == family_id)
    if lock:
        stmt = stmt.with_for_update()
    family = session.scalars(stmt).one_or_none()
    if family is None:
        raise NotFound(f"Aucune famille n'a l'identifiant {family_id}.")
    return family


def stale_family_message(family: Family) -> str:
    session = object_session(family)
    who = by_whom(session, "family", family.id) if session else "par un autre agent"
    return (
        f"La famille {family.name} ({family.code}) a été modifiée {who} depuis "
        "que vous l'avez ouverte. Vos modifications n'ont pas été enregistrées : "
        "rechargez la famille pour voir les siennes, puis recommencez."
    )


# The message of a stale save names who saved meanwhile (read only when stale).
StaleMessage = str | Callable[[], str]


def _text(message: StaleMessage) -> str:
    return message if isinstance(message, str) else message()


def check_version(row, expected_version: int, message: StaleMessage) -> None:
    """:class:`StaleRecord` with ``message`` unless ``row`` is still at the version loaded."""
    if row.version != expected_version:
        raise StaleRecord(_text(message))


def flush_or_stale(session: Session, message: StaleMessage) -> None:
    """Write now, so a concurrent save shows up here as :class:`StaleRecord`."""
    try:
        session.flush()
    except StaleDataError as exc:
        raise StaleRecord(_text(message)) from exc


def queue_portal_update(session: Session, family: Family, before: dict) -> None:
    """Queue ``account.upsert`` if the family's account payload differs from ``before``."""
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
    require(session, actor, Permission.FAMILIES_EDIT, "modifier une famille")
    bind(session, actor)
    family = load_family(session, family_id)
    stale = partial(stale_family_message, family)
    check_version(family, expected_version, stale)
    given = given_fields(changes)
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
    paper = is_paper_only(family)  # an e-mail given to a paper family opens its portal account
    if "login_email" in given:
        requested_login = c.email(
            "login_email",
            "E-mail (identifiant du portail)",
            given["login_email"],
            required=not paper,
        )
        if "login_email" not in c.errors and requested_login:
            requested_login = _check_login_change(session, c, family, requested_login)
        else:
            requested_login = None
    c.raise_if_errors()

    before = account_payload(family)
    old_name, old_commune = family.name, family.commune
    for key, value in new.items():
        if getattr(family, key) != value:
            setattr(family, key, value)
    if (family.name, family.commune) != (old_name, old_commune):
        refresh_search_text(family)
    if requested_login is not None and paper:
        give_portal_login(family, requested_login)
    elif requested_login is not None:
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
    if not paper or requested_login is not None:  # a paper family has no portal account
        queue_portal_update(session, family, before)
    if requested_login is not None and paper:  # after the account.upsert that creates it
        outbox.enqueue(session, "account.send_activation", {"family_code": family.code}, family.id)
    flush_or_stale(session, stale)
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


__all__ = [
    "SOURCE_LABELS",
    "FamilyChanges",
    "FieldErrors",
    "StaleRecord",
    "check_version",
    "family_for_edit",
    "flush_or_stale",
    "given_fields",
    "load_family",
    "queue_portal_update",
    "stale_family_message",
    "update_family",
]
