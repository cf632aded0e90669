"""A family's history: who, when, what, old → new, health data by role (both backends)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from backoffice.models import AllowanceScheme, Child, MedicalRecord, Role, Sex, StaffUser
from backoffice.services.common.actors import PORTAL, bind, current_actor
from backoffice.services.common.audit import record_medical_access
from backoffice.services.families import accounts
from backoffice.services.families import edit as family_info
from backoffice.services.families.accounts import AccountForm, ChildForm, GuardianForm
from backoffice.services.families.edit import FamilyChanges
from backoffice.services.families.history import MEDICAL_NEUTRAL, family_history, french_value
from backoffice.services.families.quotients import add_quotient

pytestmark = pytest.mark.postgres
TODAY = date(2026, 11, 27)


@pytest.fixture
def people(db):
    with db.session() as s:
        s.add_all(
            [
                StaffUser(login="mhuet", full_name="Mélanie Huet", role=Role.AGENT),
                StaffUser(login="lchauvin", full_name="Laurence Chauvin", role=Role.DIRECTOR),
            ]
        )
    with db.session() as s:
        return current_actor(s, "mhuet"), current_actor(s, "lchauvin")


@pytest.fixture
def family(db, people):
    """A family with two children, its address then Lou's medical record changed."""
    agent, director = people
    form = AccountForm(
        family_name="Lemoine",
        address_line1="12 rue du Mail",
        postcode="72800",
        commune="Le Lude",
        login_email="sophie.lemoine@example.org",
        allowance_scheme=AllowanceScheme.CAF,
        allowance_number="1234567",
        quotient=712,
        quotient_from=date(2026, 1, 1),
        guardians=[
            GuardianForm(
                last_name="Lemoine",
                first_name="Sophie",
                is_payer=True,
                mobile_phone="06 12 34 56 78",
            )
        ],
        children=[
            ChildForm(first_name="Lou", sex=Sex.FEMALE, birth_date=date(2018, 5, 3)),
            ChildForm(first_name="Tom", sex=Sex.MALE, birth_date=date(2020, 2, 1)),
        ],
    )
    with db.session() as s:
        family = accounts.open_account(s, agent, form, TODAY)
        ids = {"family": family.id, **{c.first_name: c.id for c in family.children}}
    with db.session() as s:
        version = s.get(accounts.Family, ids["family"]).version
        family_info.update_family(
            s,
            agent,
            ids["family"],
            FamilyChanges(address_line1="5 place de la Mairie", postcode="72500", commune="Vaas"),
            version,
        )
    with db.session() as s:
        lou = s.get(Child, ids["Lou"])
        bind(s, director)
        lou.medical_record = MedicalRecord(doctor_name="Dr Leroy")
        s.flush()
        lou.medical_record.allergy_food = True
        lou.medical_record.allergy_detail = "arachide"
    with db.session() as s:
        record_medical_access(s, director, s.get(Child, ids["Lou"]))
    with db.session() as s:
        add_quotient(s, agent, ids["family"], 820, date(2027, 1, 1))
    with db.session() as s:
        tom = s.get(Child, ids["Tom"])
        bind(s, PORTAL)
        tom.school = "École Jean Moulin"
    return ids


def _lines(entries):
    return [(e.agent, e.element, e.old_value, e.new_value) for e in entries]


def test_agent_sees_who_changed_what_in_french_newest_first(db, people, family):
    agent, _ = people
    with db.session() as s:
        entries = family_history(s, agent, family["family"])
    lines = _lines(entries)
    assert ("Mélanie Huet", "Adresse", "12 rue du Mail", "5 place de la Mairie") in lines
    assert ("Mélanie Huet", "Commune", "Le Lude", "Vaas") in lines
    assert ("Mélanie Huet", "Code postal", "72800", "72500") in lines
    assert ("Mélanie Huet", "QF du 01/01/2026 : Fin de validité", "—", "31/12/2026") in lines
    assert ("Mélanie Huet", "QF ajouté", "—", "820 à partir du 01/01/2027 (CAF)") in lines
    assert ("Portail (parent)", "Tom Lemoine — École", "—", "École Jean Moulin") in lines
    # Newest first: Tom's school (last change) leads; the account opening comes last.
    assert entries[0].element == "Tom Lemoine — École"
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
    assert entries[-1].element in {
        "Famille créée",
        "Responsable légal ajouté",
        "Enfant ajouté",
        "Lou Lemoine — Enfant ajouté",
        "Tom Lemoine — Enfant ajouté",
        "QF ajouté",
    }
    assert all(e.at_text[2] == "/" and e.at_text[5] == "/" for e in entries)


def test_health_data_is_one_neutral_line_for_an_agent(db, people, family):
    agent, _ = people
    with db.session() as s:
        entries = family_history(s, agent, family["family"])
    medical = [e for e in entries if e.medical]
    # Two saves touched Lou's record (creation, then the allergy): two neutral lines.
    assert [(e.element, e.old_value, e.new_value, e.agent) for e in medical] == [
        (f"Lou Lemoine — {MEDICAL_NEUTRAL}", "", "", "Laurence Chauvin"),
        (f"Lou Lemoine — {MEDICAL_NEUTRAL}", "", "", "Laurence Chauvin"),
    ]
    text = repr(_lines(entries))
    assert "arachide" not in text and "Allergie" not in text and "Dr Leroy" not in text
    assert "consultée" not in text


def test_a_director_sees_health_data_fields_and_consultations(db, people, family):
    _, director = people
    with db.session() as s:
        lines = _lines(family_history(s, director, family["family"]))
    assert ("Laurence Chauvin", "Lou Lemoine — Allergie alimentaire", "non", "oui") in lines
    assert ("Laurence Chauvin", "Lou Lemoine — Allergies : précisions", "—", "arachide") in lines
    assert ("Laurence Chauvin", "Lou Lemoine — Fiche sanitaire consultée", "", "") in lines
    assert ("Laurence Chauvin", "Lou Lemoine — Fiche sanitaire créée", "—", "—") in lines


def test_filter_by_child_and_limit(db, people, family):
    agent, director = people
    with db.session() as s:
        tom = family_history(s, agent, family["family"], child_id=family["Tom"])
        lou = family_history(s, director, family["family"], child_id=family["Lou"])
        last_two = family_history(s, agent, family["family"], limit=2)
        everything = family_history(s, agent, family["family"])
    assert tom and all(e.child_id == family["Tom"] for e in tom)
    assert lou and all(e.child_name == "Lou Lemoine" for e in lou)
    assert "Adresse" not in [e.element for e in lou]
    assert [e.id for e in last_two] == [e.id for e in everything[:2]]


def test_values_are_shown_the_french_way():
    assert french_value("is_payer", "oui") == "oui"
    assert french_value("valid_from", "2027-01-01") == "01/01/2027"
    assert french_value("allowance_scheme", "msa") == "MSA"
    assert french_value("sex", "F") == "Fille"
    assert french_value("account_state", "awaiting_activation") == "En attente d'activation"
    assert french_value("activated_at", "2026-07-01T10:30:00+00:00") == "01/07/2026 12:30"
    assert french_value("phone", "") == "—"


def test_history_reads_through_the_family_index(db, people, family):
    agent, _ = people
    if db.is_sqlite:
        with db.engine.connect() as conn:
            plan = conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT id FROM audit_event WHERE family_id = ? "
                "ORDER BY at DESC, id DESC",
                (family["family"],),
            ).all()
        assert "ix_audit_event_family_id" in repr(plan)
    with db.session() as s:
        assert s.scalars(select(StaffUser.login)).all()
