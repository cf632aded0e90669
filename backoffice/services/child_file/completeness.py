"""What is missing from a child's or a family's file, in words an agent reads.

A registration is refused while a child's mandatory information is missing
(parents' guide §6.1); the "Dossiers incomplets" list shows these same words.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol

from backoffice.models import (
    AccountState,
    ChildContact,
    ConsentDefinition,
    Family,
    MedicalRecord,
)
from fieldrules import completeness
from fieldrules.child_file import ALLERGIES, INFORMATION_REQUIRED, PERSON_REQUIRED, allergy_details
from fieldrules.completeness import ChildFileFacts, ConsentFacts, missing_items

# The four flags of the desk's fiche sanitaire, in the form's order, with their labels.
_ALLERGY_FLAGS = tuple(
    zip(
        ("allergy_asthma", "allergy_food", "allergy_medication", "allergy_other"),
        ALLERGIES.values(),
        strict=True,
    )
)


class _VaccinationFacts(Protocol):
    @property
    def vaccine(self) -> str: ...
    @property
    def done(self) -> bool: ...
    @property
    def last_date(self) -> date | None: ...


class _ConsentAnswerFacts(Protocol):
    @property
    def consent_id(self) -> int: ...


class ChildFacts(Protocol):
    """What :func:`missing_for_child` reads of a child: a ``Child``, or a view of one
    whose vaccinations and consent answers are plain rows (``incomplete._ChildView``)."""

    @property
    def last_name(self) -> str: ...
    @property
    def first_name(self) -> str: ...
    @property
    def sex(self) -> object: ...
    @property
    def birth_date(self) -> date: ...
    @property
    def school(self) -> str: ...
    @property
    def medical_record(self) -> MedicalRecord | None: ...
    @property
    def vaccinations(self) -> Iterable[_VaccinationFacts]: ...
    @property
    def contacts(self) -> Iterable[ChildContact]: ...
    @property
    def consents(self) -> Iterable[_ConsentAnswerFacts]: ...


def missing_vaccines(
    vaccinations: Iterable[_VaccinationFacts], birth_date: date, age_months: int
) -> list[str]:
    """The codes of the compulsory vaccines (for this birth date and age) not yet
    recorded as done *with* the date of the last injection, in the reference order.

    The file's completeness and the medical tab's hints both read it."""
    return completeness.missing_vaccines(_vaccines_done(vaccinations), birth_date, age_months)


def _vaccines_done(vaccinations: Iterable[_VaccinationFacts]) -> frozenset[str]:
    return frozenset(v.vaccine for v in vaccinations if v.done and v.last_date)


def _person(contact: ChildContact) -> dict[str, str]:
    person = contact.person
    return {field: getattr(person, field) for field in PERSON_REQUIRED}


def child_file_facts(
    child: ChildFacts,
    consents: Iterable[ConsentDefinition],
    asked: Iterable[ConsentDefinition] = (),
) -> ChildFileFacts:
    """The desk's child file as the shared rule's facts. The persons are listed as
    the portal lists them (by position); ``asked``: see :func:`missing_for_child`."""
    record = child.medical_record
    record_facts: dict = {"has_medical_record": record is not None}
    if record is not None:
        present = [label for flag, label in _ALLERGY_FLAGS if getattr(record, flag)]
        details = allergy_details(record.allergy_detail, present) if present else {}
        record_facts.update(
            doctor_name=record.doctor_name or "",
            doctor_phone=record.doctor_phone or "",
            allergies_without_detail=tuple(a for a in present if not details[a].strip()),
            has_pai=bool(record.has_pai),
            pai_detail=record.pai_detail or "",
        )
    contacts = sorted(child.contacts, key=lambda c: (c.position or 0, c.id or 0))
    answered = {answer.consent_id for answer in child.consents}
    asked = list(asked)
    asked_ids = {consent.id for consent in asked}
    seen: set[int] = set()
    consent_facts = []
    for consent in [*consents, *asked]:
        if consent.id in seen or not consent.active:
            continue
        seen.add(consent.id)
        consent_facts.append(
            ConsentFacts(
                label=consent.label,
                required=bool(consent.mandatory) or consent.id in asked_ids,
                min_age_years=consent.min_age_years,
                answered=consent.id in answered,
            )
        )
    return ChildFileFacts(
        birth_date=child.birth_date,
        empty_information=tuple(f for f in INFORMATION_REQUIRED if not getattr(child, f)),
        school=child.school or "",
        vaccines_done=_vaccines_done(child.vaccinations),
        emergency_contacts=tuple(_person(c) for c in contacts if c.emergency_contact),
        authorised_pickups=tuple(_person(c) for c in contacts if c.authorised_pickup),
        consents=tuple(consent_facts),
        **record_facts,
    )


def missing_for_child(
    child: ChildFacts,
    consents: Iterable[ConsentDefinition],
    today: date,
    asked: Iterable[ConsentDefinition] = (),
) -> list[str]:
    """The missing items of the child's file, by the rule the portal applies too
    (:func:`fieldrules.completeness.missing_items`).

    ``asked``: the autorisations the activity being registered to asks (Paramètres ›
    Sites et activités): answered beforehand even when they are optional elsewhere."""
    return missing_items(child_file_facts(child, consents, asked), today)


def missing_for_family(family: Family) -> list[str]:
    missing: list[str] = []
    if not family.address_line1 or not family.postcode or not family.commune:
        missing.append("Adresse")
    # A paper-only family (form received, no e-mail) lacks nothing: it has no portal account.
    if not family.login_email and family.account_state is not AccountState.FORM_RECEIVED:
        missing.append("Adresse e-mail (identifiant du portail)")
    if not family.guardians:
        missing.append("Responsable légal")
    elif not any(g.is_payer for g in family.guardians):
        missing.append("Responsable payeur")
    if not family.phone and not any(g.mobile_phone or g.home_phone for g in family.guardians):
        missing.append("Téléphone")
    if not family.children:
        missing.append("Enfant")
    return missing
