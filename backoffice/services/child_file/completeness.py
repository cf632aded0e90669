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
from backoffice.services.child_file.reference import VACCINES, compulsory_vaccines
from fieldrules.child_file import school_required


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
    def age_on(self, day: date) -> int: ...
    def age_months_on(self, day: date) -> int: ...


def missing_vaccines(
    vaccinations: Iterable[_VaccinationFacts], birth_date: date, age_months: int
) -> list[str]:
    """The codes of the compulsory vaccines (for this birth date and age) not yet
    recorded as done *with* the date of the last injection, in the reference order.

    The one rule: the file's completeness and the medical tab's hints both read it."""
    done = {v.vaccine for v in vaccinations if v.done and v.last_date}
    return [code for code in compulsory_vaccines(birth_date, age_months) if code not in done]


def missing_for_child(
    child: ChildFacts,
    consents: Iterable[ConsentDefinition],
    today: date,
    asked: Iterable[ConsentDefinition] = (),
) -> list[str]:
    """``asked``: the autorisations the activity being registered to asks (Paramètres ›
    Sites et activités): answered beforehand even when they are optional elsewhere."""
    missing: list[str] = []
    age = child.age_on(today)
    if school_required(age) and not child.school:
        missing.append("École")
    record = child.medical_record
    if record is None:
        missing.append("Fiche sanitaire")
    else:
        if not record.doctor_name or not record.doctor_phone:
            missing.append("Médecin traitant (nom et téléphone)")
        if record.has_allergy and not record.allergy_detail.strip():
            missing.append("Allergies : précisez")
        if record.has_pai and not record.pai_detail.strip():
            missing.append("PAI : précisez")
    absent = [
        VACCINES[code]
        for code in missing_vaccines(
            child.vaccinations, child.birth_date, child.age_months_on(today)
        )
    ]
    if absent:
        missing.append("Vaccins obligatoires : " + ", ".join(absent))
    if not any(link.emergency_contact for link in child.contacts):
        missing.append("Personne à contacter en cas d'urgence")
    if not any(link.authorised_pickup for link in child.contacts):
        missing.append("Personne autorisée à venir chercher l'enfant")
    answered = {answer.consent_id for answer in child.consents}
    asked_ids = {consent.id for consent in asked}
    seen: set[int] = set()
    for consent in [*consents, *asked]:
        if consent.id in seen:
            continue
        seen.add(consent.id)
        required = consent.mandatory or consent.id in asked_ids
        if not consent.active or not required or consent.id in answered:
            continue
        if consent.min_age_years is not None and age < consent.min_age_years:
            continue
        missing.append(f"Autorisation : {consent.label}")
    return missing


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
