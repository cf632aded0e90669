"""A family's guardians (responsables légaux): editing, adding and removing them.

One or two guardians, exactly one payer: making a guardian the payer takes the
flag from the other; removing the payer hands it to the one left. Versions and
portal updates follow :mod:`backoffice.services.families.edit`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from sqlalchemy.orm import Session

from backoffice.errors import UserError
from backoffice.models import Family, Guardian
from backoffice.services.common.actors import Actor, bind
from backoffice.services.common.last_change import by_whom
from backoffice.services.common.permissions import Permission, require
from backoffice.services.common.validation import Checker
from backoffice.services.families.accounts import account_payload
from backoffice.services.families.edit import (
    check_version,
    flush_or_stale,
    given_fields,
    load_family,
    queue_portal_update,
    stale_family_message,
)
from backoffice.services.families.queries import NotFound

MAX_GUARDIANS = 2


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


def _guardian(session: Session, guardian_id: int) -> Guardian:
    guardian = session.get(Guardian, guardian_id)
    if guardian is None:
        raise NotFound(
            "Ce responsable légal n'existe plus : un autre agent l'a peut-être retiré. "
            "Rechargez la famille."
        )
    return guardian


def _guardian_values(
    c: Checker, changes: GuardianChanges, current: Guardian | None, n: int
) -> dict:
    given = given_fields(changes)
    values: dict = {}
    who = f"du responsable {n}"
    for key, label in (("last_name", "Nom"), ("first_name", "Prénom")):
        if key in given or current is None:
            values[key] = c.name(key, f"{label} {who}", given.get(key, ""))
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
    require(session, actor, Permission.FAMILIES_EDIT, "modifier un responsable légal")
    bind(session, actor)
    guardian = _guardian(session, guardian_id)
    family = guardian.family

    def stale() -> str:
        return (
            f"Le responsable {guardian.full_name} a été modifié "
            f"{by_whom(session, 'guardian', guardian.id)} depuis que vous avez ouvert la "
            "famille. Vos modifications n'ont pas été enregistrées : rechargez la famille, "
            "puis recommencez."
        )

    check_version(guardian, expected_version, stale)
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
    queue_portal_update(session, family, before)
    flush_or_stale(session, stale)
    return guardian


def add_guardian(
    session: Session,
    actor: Actor,
    family_id: int,
    changes: GuardianChanges,
) -> Guardian:
    """A second (or first) guardian; the first one of a family is its payer."""
    require(session, actor, Permission.FAMILIES_EDIT, "ajouter un responsable légal")
    bind(session, actor)
    family = load_family(session, family_id, lock=True)
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
    queue_portal_update(session, family, before)
    flush_or_stale(session, partial(stale_family_message, family))
    return guardian


def remove_guardian(
    session: Session, actor: Actor, guardian_id: int, expected_version: int
) -> None:
    """Remove a guardian; the family keeps at least one, and the one left pays."""
    require(session, actor, Permission.FAMILIES_EDIT, "retirer un responsable légal")
    bind(session, actor)
    guardian = _guardian(session, guardian_id)
    family = guardian.family
    stale = partial(stale_family_message, family)
    check_version(guardian, expected_version, stale)
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
    queue_portal_update(session, family, before)
    flush_or_stale(session, stale)
