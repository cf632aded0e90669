"""The people around a child: emergency contacts and authorised pick-up persons.

A :class:`~backoffice.models.Person` belongs to the family (a grandmother is
often named for every child); a :class:`~backoffice.models.ChildContact` link
gives her roles for one child. A person no child names any more is removed.
Each action is saved at once, like the parents' "Enregistrer" of the person
window; the person's own version guards concurrent edits.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from backoffice.errors import UserError
from backoffice.models import Child, ChildContact, Person
from backoffice.services.child_file.editing import check_version, flush, get_child
from backoffice.services.common import postcodes
from backoffice.services.common.actors import Actor, bind
from backoffice.services.common.permissions import Permission, require
from backoffice.services.common.validation import Checker
from backoffice.services.families.queries import NotFound


@dataclass
class ContactForm:
    """The person window: last name*, first name*, relationship*, address, phone 1*, phone 2."""

    last_name: str = ""
    first_name: str = ""
    relationship: str = ""
    address_line1: str = ""
    postcode: str = ""
    commune: str = ""
    phone1: str = ""
    phone2: str = ""


def check_contact_form(form: ContactForm) -> dict:
    """Cleaned person values; FieldErrors keys: ``last_name``, ``first_name``,
    ``relationship``, ``address``, ``phone1``, ``phone2``."""
    c = Checker()
    values = {
        "last_name": c.name("last_name", "Nom", form.last_name),
        "first_name": c.name("first_name", "Prénom", form.first_name),
        "relationship_label": c.required("relationship", "Lien avec l'enfant", form.relationship),
        "address_line1": (form.address_line1 or "").strip(),
        "postcode": (form.postcode or "").strip(),
        "commune": (form.commune or "").strip(),
        "phone1": c.phone("phone1", "Téléphone 1", form.phone1, required=True),
        "phone2": c.phone("phone2", "Téléphone 2", form.phone2),
    }
    candidates = postcodes.communes_for_postcode(values["postcode"])
    if values["postcode"] and not values["commune"] and len(candidates) > 1:
        names = ", ".join(candidate.name for candidate in candidates[:6])
        c.fail("address", f"Choisissez la commune du code postal {values['postcode']} ({names}).")
    elif values["postcode"] or values["commune"]:
        commune = c.commune("address", "Adresse", values["postcode"], values["commune"])
        if commune is not None:
            values["postcode"], values["commune"] = commune.postcode, commune.name
    for key, field, label, limit in (
        ("relationship", "relationship_label", "Lien avec l'enfant", 40),
        ("address", "address_line1", "Adresse", 200),
    ):
        if values[field] and len(values[field]) > limit:
            c.fail(key, f"Le champ « {label} » ne doit pas dépasser {limit} caractères.")
    c.raise_if_errors()
    return values


def _roles_error(emergency_contact: bool, authorised_pickup: bool) -> None:
    if not emergency_contact and not authorised_pickup:
        c = Checker()
        c.fail(
            "roles",
            "Cochez au moins un rôle : personne à contacter en cas d'urgence "
            "ou personne autorisée à venir chercher l'enfant.",
        )
        c.raise_if_errors()


def _child_with_links(session: Session, child_id: int) -> Child:
    return get_child(
        session, child_id, selectinload(Child.contacts).selectinload(ChildContact.person)
    )


def _link(child: Child, person_id: int) -> ChildContact | None:
    return next((link for link in child.contacts if link.person_id == person_id), None)


def _family_person(session: Session, child: Child, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"Aucune personne n'a l'identifiant {person_id}.")
    if person.family_id != child.family_id:
        raise UserError(f"{person.full_name} n'appartient pas à la famille de {child.full_name}.")
    return person


def _drop_link(session: Session, child: Child, link: ChildContact) -> None:
    """Remove the link; and the person too when no other child names her."""
    person = link.person
    child.contacts.remove(link)
    others = session.scalar(
        select(func.count(ChildContact.id)).where(
            ChildContact.person_id == person.id, ChildContact.child_id != child.id
        )
    )
    if not others:
        session.delete(person)


def add_contact(
    session: Session,
    actor: Actor,
    child_id: int,
    form: ContactForm,
    *,
    emergency_contact: bool = True,
    authorised_pickup: bool = False,
) -> int:
    """A new person of the family, named for this child; returns the person's id."""
    require(session, actor, Permission.FAMILIES_EDIT, "modifier les contacts d'un enfant")
    bind(session, actor)
    _roles_error(emergency_contact, authorised_pickup)
    values = check_contact_form(form)
    child = _child_with_links(session, child_id)
    person = Person(family_id=child.family_id, **values)
    position = max((link.position for link in child.contacts), default=-1) + 1
    child.contacts.append(
        ChildContact(
            person=person,
            position=position,
            emergency_contact=emergency_contact,
            authorised_pickup=authorised_pickup,
        )
    )
    flush(session, child.full_name, child.family_id)
    return person.id


def update_contact(
    session: Session,
    actor: Actor,
    child_id: int,
    person_id: int,
    form: ContactForm,
    version: int,
    *,
    emergency_contact: bool = True,
    authorised_pickup: bool = False,
) -> int:
    """Change a person (for every child naming her) and her roles for this child;
    returns the person's new version."""
    require(session, actor, Permission.FAMILIES_EDIT, "modifier les contacts d'un enfant")
    bind(session, actor)
    _roles_error(emergency_contact, authorised_pickup)
    values = check_contact_form(form)
    child = _child_with_links(session, child_id)
    person = _family_person(session, child, person_id)
    check_version(person.version, version, person.full_name)
    for key, value in values.items():
        if getattr(person, key) != value:
            setattr(person, key, value)
    link = _link(child, person_id)
    if link is None:
        position = max((lk.position for lk in child.contacts), default=-1) + 1
        link = ChildContact(person=person, position=position)
        child.contacts.append(link)
    link.emergency_contact = emergency_contact
    link.authorised_pickup = authorised_pickup
    flush(session, person.full_name, person.family_id)
    return person.version


def link_contact(
    session: Session,
    actor: Actor,
    child_id: int,
    person_id: int,
    *,
    emergency_contact: bool = True,
    authorised_pickup: bool = False,
) -> None:
    """Name for this child a person the family already named for a brother or sister."""
    require(session, actor, Permission.FAMILIES_EDIT, "modifier les contacts d'un enfant")
    bind(session, actor)
    _roles_error(emergency_contact, authorised_pickup)
    child = _child_with_links(session, child_id)
    person = _family_person(session, child, person_id)
    link = _link(child, person_id)
    if link is None:
        position = max((lk.position for lk in child.contacts), default=-1) + 1
        child.contacts.append(
            ChildContact(
                person=person,
                position=position,
                emergency_contact=emergency_contact,
                authorised_pickup=authorised_pickup,
            )
        )
    else:  # already named: the roles add up
        link.emergency_contact = link.emergency_contact or emergency_contact
        link.authorised_pickup = link.authorised_pickup or authorised_pickup
    flush(session, child.full_name, child.family_id)


def delete_contact(session: Session, actor: Actor, child_id: int, person_id: int) -> None:
    """Remove the person from this child's file (both roles)."""
    require(session, actor, Permission.FAMILIES_EDIT, "modifier les contacts d'un enfant")
    bind(session, actor)
    child = _child_with_links(session, child_id)
    link = _link(child, person_id)
    if link is None:
        raise NotFound("Cette personne n'est plus dans la fiche de l'enfant : rechargez la fiche.")
    _drop_link(session, child, link)
    flush(session, child.full_name, child.family_id)


def set_authorised_pickup(
    session: Session, actor: Actor, child_id: int, person_id: int, authorised: bool
) -> None:
    """Allow (or no longer allow) a person of the family to pick the child up.

    Agents pick among the child's emergency contacts; a person of the family
    not yet named for this child is linked as pick-up person only. Withdrawing
    the last role removes the person from the child's file.
    """
    require(session, actor, Permission.FAMILIES_EDIT, "modifier les contacts d'un enfant")
    bind(session, actor)
    child = _child_with_links(session, child_id)
    person = _family_person(session, child, person_id)
    link = _link(child, person_id)
    if link is None:
        if not authorised:
            return
        position = max((lk.position for lk in child.contacts), default=-1) + 1
        child.contacts.append(
            ChildContact(
                person=person, position=position, emergency_contact=False, authorised_pickup=True
            )
        )
    elif not authorised and not link.emergency_contact:
        _drop_link(session, child, link)
    else:
        link.authorised_pickup = authorised
    flush(session, child.full_name, child.family_id)
