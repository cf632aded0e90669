"""« Dossiers incomplets »: what is missing, worded as completeness.py words it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, select

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
from backoffice.services.child_file.completeness import missing_for_child
from backoffice.services.child_file.incomplete import incomplete_files
from backoffice.services.child_file.reference import DTP
from backoffice.services.families.queries import refresh_search_text

pytestmark = pytest.mark.postgres
TODAY = date(2026, 11, 27)


def _complete_child(first: str, consent: ConsentDefinition, person: Person) -> Child:
    child = Child(
        last_name="X",
        first_name=first,
        sex=Sex.FEMALE,
        birth_date=date(2016, 3, 2),
        school="École Jean Moulin",
    )
    child.medical_record = MedicalRecord(doctor_name="Dr Leroy", doctor_phone="02 43 94 11 11")
    child.vaccinations += [
        Vaccination(vaccine=v, done=True, last_date=date(2024, 1, 1)) for v in DTP
    ]
    child.contacts.append(
        ChildContact(person=person, emergency_contact=True, authorised_pickup=True)
    )
    child.consents.append(ConsentAnswer(consent=consent, granted=True))
    return child


def _family(code: str, name: str, consent: ConsentDefinition, *, complete: bool = True) -> Family:
    family = Family(
        code=code,
        name=name,
        address_line1="1 rue",
        postcode="72800",
        commune="Le Lude",
        login_email=f"{code}@example.org",
        phone="02 43 94 00 00",
    )
    family.guardians.append(Guardian(last_name=name, first_name="A", is_payer=True))
    person = Person(
        last_name=name, first_name="Mamie", relationship_label="grand-mère", phone1="0243941234"
    )
    family.persons.append(person)
    family.children.append(_complete_child("Zoé", consent, person))
    if not complete:
        incomplete = _complete_child("Léo", consent, person)
        incomplete.medical_record.doctor_phone = ""
        incomplete.school = ""
        incomplete.consents.clear()
        family.children.append(incomplete)
    family.children[0].last_name = name
    refresh_search_text(family)
    return family


@pytest.fixture
def populated(db):
    with db.session() as s:
        consent = ConsentDefinition(code="image", label="Droit à l'image")
        s.add(consent)
        s.add_all(
            [
                _family("F1", "ALBERT", consent),
                _family("F2", "BERNARD", consent, complete=False),
                Family(
                    code="F3",
                    name="CHARLES",
                    address_line1="2 rue",
                    postcode="72800",
                    commune="Mayet",
                    search_text="f3 charles mayet",
                ),
            ]
        )
    return db


def test_lists_each_incomplete_child_with_the_exact_missing_items(populated):
    with populated.session() as s:
        rows = incomplete_files(s, TODAY)
        consents = s.scalars(select(ConsentDefinition)).all()
        leo = s.scalars(select(Child).where(Child.first_name == "Léo")).one()
        expected = tuple(missing_for_child(leo, consents, TODAY))
    assert [(r.family_code, r.child_name, r.age) for r in rows] == [
        ("F2", "Léo X", 10),
        ("F3", "", None),
    ]
    bernard, charles = rows
    assert (
        bernard.missing
        == expected
        == ("École", "Médecin traitant (nom et téléphone)", "Autorisation : Droit à l'image")
    )
    assert bernard.family_missing == ()
    assert charles.child_id is None
    # No e-mail and no portal account (form received): a paper-only family (issue #15),
    # so the portal e-mail is not missing.
    assert charles.family_missing == ("Responsable légal", "Téléphone", "Enfant")
    assert charles.all_missing[0] == "Famille : Responsable légal"


def test_search_and_limit(populated):
    with populated.session() as s:
        assert [r.family_code for r in incomplete_files(s, TODAY, search="bern")] == ["F2"]
        assert [r.family_code for r in incomplete_files(s, TODAY, search="leo")] == ["F2"]
        assert incomplete_files(s, TODAY, search="albert") == []
        assert [r.family_code for r in incomplete_files(s, TODAY, limit=1)] == ["F2"]


def test_a_few_queries_whatever_the_number_of_families(db):
    def count_queries(families: int) -> int:
        with db.session() as s:
            consent = s.scalar(select(ConsentDefinition)) or ConsentDefinition(code="c", label="C")
            start = len(s.scalars(select(Family.id)).all())
            s.add_all(
                _family(f"G{start + n}", f"NOM{start + n}", consent, complete=False)
                for n in range(families)
            )
        queries = []
        listener = lambda *args: queries.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            with db.session() as s:
                rows = incomplete_files(s, TODAY)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert len(rows) >= families
        return len(queries)

    few, many = count_queries(3), count_queries(60)
    assert many == few <= 12
