"""One completeness rule (issue #15 item 1): the same child, as the desk holds it and
as the portal holds it once pushed (``push_files.child_file_body``, the account
upsert's blocks), misses the same items, in the same words and order."""

from __future__ import annotations

from datetime import date

import pytest

from backoffice.models import (
    Child,
    ChildContact,
    ConsentAnswer,
    ConsentDefinition,
    MedicalRecord,
    Person,
    Sex,
    Vaccination,
)
from backoffice.services.child_file.completeness import missing_for_child as desk_missing
from backoffice.services.child_file.reference import VACCINES
from backoffice.sync.push_files import child_file_body
from fieldrules.completeness import ChildFileFacts, missing_items
from portal import models as pm
from portal.completeness import missing_for_child as portal_missing

TODAY = date(2026, 11, 27)
IMAGE = ConsentDefinition(id=1, code="image", label="Droit à l'image", mandatory=True, active=True)
ALONE = ConsentDefinition(
    id=2, code="seul", label="Rentrer seul", mandatory=True, active=True, min_age_years=11
)
SWIM = ConsentDefinition(id=3, code="baignade", label="Baignade", mandatory=False, active=True)
DEFINITIONS = [IMAGE, ALONE, SWIM]


def _desk_child(birth: date = date(2019, 4, 2)) -> Child:
    child = Child(
        id=7,
        last_name="MARTIN",
        first_name="Léa",
        sex=Sex.FEMALE,
        birth_date=birth,
        school="École du Lude",
    )
    child.medical_record = MedicalRecord(
        doctor_name="Dr Moreau",
        doctor_phone="0243940000",
        doctor_commune="",
        medical_history="",
        observations="",
        allergy_asthma=False,
        allergy_food=False,
        allergy_medication=False,
        allergy_other=False,
        allergy_detail="",
        has_pai=False,
        pai_detail="",
    )
    child.vaccinations = [
        Vaccination(vaccine=code, done=True, last_date=date(2022, 1, 1)) for code in VACCINES
    ]
    odile = Person(
        id=1,
        last_name="MARTIN",
        first_name="Odile",
        relationship_label="grand-mère",
        phone1="0243941111",
    )
    paul = Person(
        id=2,
        last_name="DURAND",
        first_name="Paul",
        relationship_label="voisin",
        phone1="0243942222",
    )
    child.contacts = [
        ChildContact(
            id=1, position=0, person=odile, emergency_contact=True, authorised_pickup=True
        ),
        ChildContact(
            id=2, position=1, person=paul, emergency_contact=True, authorised_pickup=False
        ),
    ]
    child.consents = [
        ConsentAnswer(consent_id=d.id, consent=d, granted=True) for d in (IMAGE, ALONE)
    ]
    return child


def _portal_child(child: Child) -> pm.Child:
    """The portal's copy of the desk's child, by the real push body."""
    body = child_file_body(child)
    return pm.Child(
        ref=str(child.id),
        last_name=child.last_name,
        first_name=child.first_name,
        sex=child.sex.value,
        birth_date=child.birth_date,
        school=child.school,
        medical=body.get("medical", {}),
        emergency_contacts=body.get("emergency_contacts", []),
        authorised_pickups=body.get("authorised_pickups", []),
        consents=body.get("consents", []),
    )


def _portal_definitions() -> list[pm.ConsentDefinition]:
    """As ``PUT /staff/consent-definitions`` holds the back-office's definitions."""
    return [
        pm.ConsentDefinition(
            code=d.code,
            label=d.label,
            mandatory=d.mandatory,
            active=d.active,
            min_age_years=d.min_age_years,
        )
        for d in DEFINITIONS
    ]


def _both(child: Child, today: date = TODAY, asked=()) -> list[str]:
    desk = desk_missing(child, DEFINITIONS, today, asked=asked)
    portal = portal_missing(
        _portal_child(child), _portal_definitions(), today, asked=[d.code for d in asked]
    )
    assert desk == portal
    return desk


def _no_doctor(child: Child) -> None:
    child.medical_record.doctor_phone = ""


def _allergies(child: Child) -> None:
    record = child.medical_record
    record.allergy_asthma = record.allergy_food = record.allergy_other = True
    record.allergy_detail = "Alimentaire : arachide"


def _phone(child: Child) -> None:
    child.contacts[1].person.phone1 = ""
    child.contacts[1].person.relationship_label = ""


def _no_pickup(child: Child) -> None:
    child.contacts[0].authorised_pickup = False


def _no_record(child: Child) -> None:
    child.medical_record = None


def _vaccines(child: Child) -> None:
    child.vaccinations = [v for v in child.vaccinations if v.vaccine not in ("hib", "rougeole")]
    child.vaccinations[0].last_date = None  # done without a date: not recorded


def _no_answers(child: Child) -> None:
    child.consents = []


CASES = {
    "no doctor": (_no_doctor, ["Médecin traitant (nom et téléphone)"]),
    "allergies without detail": (_allergies, ["Allergies : précisez (Asthme, Autre)"]),
    "person without phone": (
        _phone,
        ["Personne à contacter en cas d'urgence n° 2 : Lien avec l'enfant, Téléphone 1"],
    ),
    "no pick-up person": (_no_pickup, ["Personne autorisée à venir chercher l'enfant"]),
    "no fiche sanitaire": (_no_record, ["Fiche sanitaire"]),
    "vaccines due": (
        _vaccines,
        ["Vaccins obligatoires : Diphtérie, Haemophilus influenzae b, Rougeole"],
    ),
    # « Rentrer seul » is asked from 11 years old: Léa (7) is not asked it.
    "consents below the minimum age": (_no_answers, ["Autorisation : Droit à l'image"]),
}


def test_a_complete_file_misses_nothing_on_either_side():
    assert _both(_desk_child()) == []


@pytest.mark.parametrize("case", list(CASES))
def test_each_gap_is_the_same_item_on_both_sides(case):
    change, expected = CASES[case]
    child = _desk_child()
    change(child)
    assert _both(child) == expected


def test_several_gaps_in_one_order():
    child = _desk_child()
    for change, _expected in CASES.values():
        if change is not _no_record:
            change(child)
    assert _both(child) == [
        "Médecin traitant (nom et téléphone)",
        "Allergies : précisez (Asthme, Autre)",
        "Vaccins obligatoires : Diphtérie, Haemophilus influenzae b, Rougeole",
        "Personne à contacter en cas d'urgence n° 2 : Lien avec l'enfant, Téléphone 1",
        "Personne autorisée à venir chercher l'enfant",
        "Autorisation : Droit à l'image",
    ]


def test_minimum_age_reached_and_activity_asked_consent():
    child = _desk_child()
    child.consents = []
    assert _both(child, date(2030, 11, 27), asked=[SWIM]) == [
        "Autorisation : Droit à l'image",
        "Autorisation : Rentrer seul",
        "Autorisation : Baignade",
    ]


def test_free_allergy_text_typed_at_the_desk_details_every_allergy_ticked():
    child = _desk_child()
    _allergies(child)
    child.medical_record.allergy_detail = "arachide, pollen"
    assert _both(child) == []
    body = child_file_body(child)["medical"]["allergies"]
    assert [a["detail"] for a in body if a["present"]] == ["arachide, pollen"] * 3


def test_a_pai_without_detail_is_the_desks_only():
    """The portal's fiche sanitaire has no PAI (the desk keeps it): the shared rule
    words it, only the desk can know it."""
    child = _desk_child()
    child.medical_record.has_pai = True
    assert desk_missing(child, DEFINITIONS, TODAY) == ["PAI : précisez"]
    assert portal_missing(_portal_child(child), _portal_definitions(), TODAY) == []


def test_the_rule_on_plain_facts():
    facts = ChildFileFacts(
        birth_date=None,
        empty_information=("sex", "birth_date"),
        doctor_name="Dr Moreau",
        doctor_phone="0243940000",
        emergency_contacts=({"last_name": "X", "first_name": "Y"},),
        authorised_pickups=(),
    )
    assert missing_items(facts, TODAY) == [
        "Sexe",
        "Date de naissance",
        "Personne à contacter en cas d'urgence n° 1 : Lien avec l'enfant, Téléphone 1",
        "Personne autorisée à venir chercher l'enfant",
    ]
