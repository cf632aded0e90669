"""What is missing from a child's file: the one rule of the portal and the back-office.

A registration is refused while a mandatory item of the child's file is missing
(parents' guide §6.1), with the same words on the portal (refusal, links to the
blocks) and at the desk (refusal, « Dossiers incomplets », the family card). Each
side reads its own models into a :class:`ChildFileFacts` and calls
:func:`missing_items`; the rules, their order and their wording live here only:

1. the mandatory fields of the « Information Enfant » block;
2. the school, from 3 to 17 years old;
3. the fiche sanitaire itself; when there is one: the family doctor (name and
   phone), a detail for each allergy ticked (one item naming them all), a detail
   for a PAI;
4. with a fiche sanitaire, the compulsory vaccines already due, not recorded as
   done with a date;
5. at least one person to call in an emergency and one allowed to pick the child
   up, and each of them with its mandatory fields (numbered as listed);
6. every autorisation required (mandatory, or asked by the activity registered
   to) and not answered, unless the child is under its minimum age.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from fieldrules.child_file import (
    INFORMATION_REQUIRED,
    PERSON_REQUIRED,
    VACCINES,
    compulsory_vaccines,
    school_required,
)
from fieldrules.dates import age_months_on, age_on

INFORMATION_LABELS: dict[str, str] = {
    "last_name": "Nom",
    "first_name": "Prénom",
    "sex": "Sexe",
    "birth_date": "Date de naissance",
}
PERSON_LABELS: dict[str, str] = {
    "last_name": "Nom",
    "first_name": "Prénom",
    "relationship_label": "Lien avec l'enfant",
    "phone1": "Téléphone 1",
}
EMERGENCY_CONTACT = "Personne à contacter en cas d'urgence"
AUTHORISED_PICKUP = "Personne autorisée à venir chercher l'enfant"


@dataclass(frozen=True, slots=True)
class ConsentFacts:
    """One active autorisation as it applies to this child."""

    label: str
    required: bool  # mandatory for all, or asked by the activity registered to
    min_age_years: int | None
    answered: bool


@dataclass(frozen=True, slots=True)
class ChildFileFacts:
    """What the rule reads of a child's file, as plain values.

    ``empty_information``: the names (of ``INFORMATION_REQUIRED``) of the empty
    fields; ``allergies_without_detail``: the labels of the allergies ticked without
    a detail, in the form's order; ``vaccines_done``: the codes recorded as done
    *with* the date of the last injection; the persons: mappings holding at least
    the ``PERSON_REQUIRED`` fields, in the order the file lists them."""

    birth_date: date | None
    empty_information: tuple[str, ...] = ()
    school: str = ""
    has_medical_record: bool = True
    doctor_name: str = ""
    doctor_phone: str = ""
    allergies_without_detail: tuple[str, ...] = ()
    has_pai: bool = False
    pai_detail: str = ""
    vaccines_done: frozenset[str] = frozenset()
    emergency_contacts: tuple[Mapping[str, object], ...] = ()
    authorised_pickups: tuple[Mapping[str, object], ...] = ()
    consents: tuple[ConsentFacts, ...] = ()


def missing_vaccines(done: Iterable[str], birth_date: date, age_months: int) -> list[str]:
    """The codes of the compulsory vaccines (for this birth date and age) not in
    ``done``, in the reference order."""
    done = set(done)
    return [code for code in compulsory_vaccines(birth_date, age_months) if code not in done]


def missing_items(facts: ChildFileFacts, today: date) -> list[str]:
    """The missing items of the child's file on ``today``, in French, in the order of
    the module docstring (empty list: the file is complete)."""
    missing = [INFORMATION_LABELS[f] for f in INFORMATION_REQUIRED if f in facts.empty_information]
    birth = facts.birth_date
    age = age_on(birth, today) if birth is not None else None
    if age is not None and school_required(age) and not facts.school.strip():
        missing.append("École")
    if not facts.has_medical_record:
        missing.append("Fiche sanitaire")
    else:
        if not facts.doctor_name.strip() or not facts.doctor_phone.strip():
            missing.append("Médecin traitant (nom et téléphone)")
        if facts.allergies_without_detail:
            missing.append(
                "Allergies : précisez (" + ", ".join(facts.allergies_without_detail) + ")"
            )
        if facts.has_pai and not facts.pai_detail.strip():
            missing.append("PAI : précisez")
    # The vaccines are a block of the fiche sanitaire: a missing fiche covers them (the
    # portal has no vaccine without it; the desk keeps them in a table of their own).
    if birth is not None and facts.has_medical_record:
        absent = missing_vaccines(facts.vaccines_done, birth, age_months_on(birth, today))
        if absent:
            missing.append("Vaccins obligatoires : " + ", ".join(VACCINES[c] for c in absent))
    for label, persons in (
        (EMERGENCY_CONTACT, facts.emergency_contacts),
        (AUTHORISED_PICKUP, facts.authorised_pickups),
    ):
        if not persons:
            missing.append(label)
        for n, person in enumerate(persons, start=1):
            empty = [
                PERSON_LABELS[f] for f in PERSON_REQUIRED if not str(person.get(f) or "").strip()
            ]
            if empty:
                missing.append(f"{label} n° {n} : " + ", ".join(empty))
    for consent in facts.consents:
        if not consent.required or consent.answered:
            continue
        if consent.min_age_years is not None and (age is None or age < consent.min_age_years):
            continue
        missing.append(f"Autorisation : {consent.label}")
    return missing
