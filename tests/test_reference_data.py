"""Postcodes, text folding and the completeness rules of a child's file."""

from __future__ import annotations

from datetime import date

from backoffice.models import (
    Child,
    ChildContact,
    ConsentAnswer,
    ConsentDefinition,
    Family,
    Guardian,
    MedicalRecord,
    Person,
    Sex,
    Vaccination,
)
from backoffice.services.child_file.completeness import missing_for_child, missing_for_family
from backoffice.services.child_file.reference import VACCINES, compulsory_vaccines
from backoffice.services.common import postcodes
from backoffice.text import fold


def test_fold_removes_accents_case_and_ligatures():
    assert fold("  Hélène  LEFÈVRE-Cœur ") == "helene lefevre-coeur"
    assert fold("ÉLÉONORE") == "eleonore"


def test_postcode_72800_lists_le_lude_and_aubigne_racan():
    names = {c.name: c.insee_code for c in postcodes.communes_for_postcode("72800")}
    assert names["Le Lude"] == "72176"
    assert "Aubigné-Racan" in names
    assert all(c.department == "72" for c in postcodes.communes_for_postcode("72800"))


def test_completion_by_prefix_or_name():
    assert {c.postcode for c in postcodes.complete("7280")} >= {"72800"}
    hits = postcodes.complete("luche")
    assert any(c.name == "Luché-Pringé" for c in hits)
    assert postcodes.complete("") == []


def test_overseas_department_code_has_three_digits():
    assert postcodes.Commune("97400", "97411", "Saint-Denis").department == "974"


def test_compulsory_vaccines_depend_on_birth_date_and_age():
    assert len(compulsory_vaccines(date(2019, 5, 1))) == 11
    assert compulsory_vaccines(date(2016, 5, 1)) == ("diphterie", "tetanos", "poliomyelite")
    assert compulsory_vaccines(date(2026, 10, 1), age_months=1) == ()
    four_months = compulsory_vaccines(date(2026, 7, 1), age_months=4)
    assert "diphterie" in four_months and "meningocoque_c" not in four_months
    assert "rougeole" not in compulsory_vaccines(date(2026, 1, 1), age_months=10)
    assert len(compulsory_vaccines(date(2025, 1, 1), age_months=13)) == 11


def test_a_baby_is_not_missing_vaccines_not_yet_due():
    baby = Child(last_name="ROUX", first_name="Noé", sex=Sex.MALE, birth_date=date(2026, 10, 1))
    missing = missing_for_child(baby, [], date(2026, 11, 27))
    assert not any(m.startswith("Vaccins") for m in missing)


def _complete_child(consent: ConsentDefinition) -> Child:
    child = Child(
        last_name="MARTIN",
        first_name="Léa",
        sex=Sex.FEMALE,
        birth_date=date(2017, 4, 2),
        school="École du Lude",
        school_class="CE2",
    )
    child.medical_record = MedicalRecord(
        doctor_name="Dr Moreau",
        doctor_phone="02 43 94 00 00",
        allergy_food=False,
        allergy_asthma=False,
        allergy_medication=False,
        allergy_other=False,
        has_pai=False,
        allergy_detail="",
        pai_detail="",
    )
    child.vaccinations = [
        Vaccination(vaccine=v, done=True, last_date=date(2022, 1, 1)) for v in VACCINES
    ]
    grandma = Person(
        last_name="MARTIN", first_name="Odile", relationship_label="grand-mère", phone1="0243941234"
    )
    child.contacts = [ChildContact(person=grandma, emergency_contact=True, authorised_pickup=True)]
    child.consents = [ConsentAnswer(consent_id=consent.id, granted=True)]
    return child


def test_a_complete_child_file_misses_nothing_and_each_gap_is_named():
    consent = ConsentDefinition(
        id=1, code="image", label="Droit à l'image", mandatory=True, active=True
    )
    today = date(2026, 11, 27)
    child = _complete_child(consent)
    assert missing_for_child(child, [consent], today) == []

    child.medical_record.doctor_phone = ""
    child.medical_record.allergy_food = True
    child.contacts[0].authorised_pickup = False
    child.consents = []
    missing = missing_for_child(child, [consent], today)
    assert missing == [
        "Médecin traitant (nom et téléphone)",
        "Allergies : précisez (Alimentaire)",
        "Personne autorisée à venir chercher l'enfant",
        "Autorisation : Droit à l'image",
    ]


def test_consent_with_minimum_age_is_not_asked_of_younger_children():
    walk_home = ConsentDefinition(
        id=2, code="seul", label="Rentrer seul", mandatory=True, active=True, min_age_years=11
    )
    child = _complete_child(ConsentDefinition(id=1, code="x", label="x"))
    assert missing_for_child(child, [walk_home], date(2026, 11, 27)) == []
    assert missing_for_child(child, [walk_home], date(2029, 11, 27)) == [
        "Autorisation : Rentrer seul"
    ]


def test_family_completeness():
    family = Family(
        code="F00001",
        name="MARTIN",
        address_line1="3 rue de la Gare",
        postcode="72800",
        commune="Le Lude",
        login_email="martin@example.org",
        phone="",
    )
    family.guardians = [
        Guardian(last_name="MARTIN", first_name="Paul", is_payer=False, mobile_phone="")
    ]
    assert missing_for_family(family) == ["Responsable payeur", "Téléphone", "Enfant"]


def test_phones_formatted_as_french_numbers_overseas_included():
    from backoffice.services.common.validation import format_phone

    assert format_phone("0243940000") == "02 43 94 00 00"
    assert format_phone("+33612345678") == "06 12 34 56 78"
    assert format_phone("0692123456") == "0692 12 34 56"  # La Réunion
    assert format_phone("+44 20 7946 0958") == "+44 20 7946 0958"
    for wrong in ("12", "0700123456"):
        try:
            format_phone(wrong)
        except ValueError:
            continue
        raise AssertionError(f"{wrong} accepted")
