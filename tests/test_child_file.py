"""The child file services: each block saved, checked in French, audited field by field."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from backoffice.models import (
    AuditAction,
    AuditEvent,
    Child,
    ChildContact,
    ConsentAnswer,
    ConsentDefinition,
    Family,
    Guardian,
    Person,
    Role,
    Sex,
    StaffUser,
    Vaccination,
)
from backoffice.services.child_file.consents import ConsentChoice, save_consents
from backoffice.services.child_file.contacts import (
    ContactForm,
    add_contact,
    delete_contact,
    link_contact,
    set_authorised_pickup,
    update_contact,
)
from backoffice.services.child_file.editing import (
    ChildInformationForm,
    StaleFile,
    load_child_file,
    save_child_information,
)
from backoffice.services.child_file.medical import MedicalForm, VaccineAnswer, save_medical_record
from backoffice.services.common.actors import PermissionDenied, current_actor
from backoffice.services.common.validation import FieldErrors
from backoffice.services.families.queries import NotFound

pytestmark = pytest.mark.postgres
TODAY = date(2026, 11, 27)


@pytest.fixture
def ids(db) -> dict[str, int]:
    with db.session() as s:
        s.add_all(
            [
                StaffUser(login="mhuet", full_name="Mélanie Huet", role=Role.AGENT),
                StaffUser(login="lchauvin", full_name="Laurence Chauvin", role=Role.DIRECTOR),
            ]
        )
        image = ConsentDefinition(code="image", label="Droit à l'image", position=1)
        alone = ConsentDefinition(
            code="seul", label="Rentrer seul", asks_detail=True, min_age_years=11, position=2
        )
        old = ConsentDefinition(code="old", label="Ancienne", active=False, position=3)
        family = Family(
            code="F00001",
            name="MARTIN",
            address_line1="3 rue des Tilleuls",
            postcode="72800",
            commune="Le Lude",
            login_email="martin@example.org",
            phone="02 43 94 00 00",
        )
        family.guardians.append(
            Guardian(last_name="MARTIN", first_name="Claire", is_payer=True, rank=1)
        )
        tom = Child(
            last_name="MARTIN",
            first_name="Tom",
            sex=Sex.MALE,
            birth_date=date(2014, 2, 3),
            school="Collège Val de Loir",
            school_class="6e",
        )
        lea = Child(
            last_name="MARTIN", first_name="Léa", sex=Sex.FEMALE, birth_date=date(2019, 5, 6)
        )
        family.children += [tom, lea]
        other = Family(code="F00002", name="DURAND")
        stranger = Person(last_name="DURAND", first_name="Paul", relationship_label="voisin·e")
        other.persons.append(stranger)
        s.add_all([image, alone, old, family, other])
        s.flush()
        return {
            "family": family.id,
            "tom": tom.id,
            "lea": lea.id,
            "image": image.id,
            "alone": alone.id,
            "old": old.id,
            "stranger": stranger.id,
        }


@pytest.fixture
def agent(db, ids):
    with db.session() as s:
        return current_actor(s, "mhuet")


@pytest.fixture
def director(db, ids):
    with db.session() as s:
        return current_actor(s, "lchauvin")


def _events(db, **where):
    with db.session() as s:
        stmt = select(AuditEvent).order_by(AuditEvent.id)
        for key, value in where.items():
            stmt = stmt.where(getattr(AuditEvent, key) == value)
        return [
            (e.action.value, e.entity, e.field, e.old_value, e.new_value, e.actor)
            for e in s.scalars(stmt)
        ]


def _file(db, actor, child_id, **kwargs):
    with db.session() as s:
        return load_child_file(s, actor, child_id, TODAY, **kwargs)


def _gran() -> ContactForm:
    return ContactForm(
        last_name="BERTIN",
        first_name="Odette",
        relationship="grand-mère",
        address_line1="1 place de l'Église",
        postcode="72800",
        commune="le lude",
        phone1="0243940011",
        phone2="+33612345678",
    )


def test_information_is_checked_saved_and_audited(db, ids, agent):
    tom = _file(db, agent, ids["tom"])
    form = ChildInformationForm(
        last_name="",
        first_name="Tom",
        sex=None,
        birth_date=date(2030, 1, 1),
        school="Collège",
        school_class="5e",
    )
    with db.session() as s, pytest.raises(FieldErrors) as caught:
        save_child_information(s, agent, ids["tom"], form, tom.version, TODAY)
    assert caught.value.errors == {
        "last_name": "Le champ « Nom » est obligatoire.",
        "sex": "Le champ « Sexe » est obligatoire.",
        "birth_date": "Le champ « Date de naissance » ne peut pas être dans le futur.",
    }
    form = ChildInformationForm(
        "MARTIN", "Thomas", Sex.MALE, date(2014, 2, 3), "Collège Val de Loir", "5e", ""
    )
    with db.session() as s:
        version = save_child_information(s, agent, ids["tom"], form, tom.version, TODAY)
    assert version == tom.version + 1
    assert _events(db, child_id=ids["tom"], action=AuditAction.UPDATE) == [
        ("update", "child", "first_name", "Tom", "Thomas", "mhuet"),
        ("update", "child", "school_class", "6e", "5e", "mhuet"),
    ]
    with db.session() as s:
        assert "thomas" in s.get(Family, ids["family"]).search_text
        # Nothing changed: the version stays, so other blocks are not blocked.
        assert save_child_information(s, agent, ids["tom"], form, version, TODAY) == version


def test_a_stale_save_asks_to_reload(db, ids, agent, director):
    loaded = _file(db, agent, ids["tom"])
    form = ChildInformationForm("MARTIN", "Tom", Sex.MALE, date(2014, 2, 3), "Collège", "5e")
    with db.session() as s:
        save_child_information(s, director, ids["tom"], form, loaded.version, TODAY)
    form.school_class = "4e"
    with (
        db.session() as s,
        pytest.raises(StaleFile, match="modifiée par un autre agent.*Rechargez"),
    ):
        save_child_information(s, agent, ids["tom"], form, loaded.version, TODAY)
    medical = _file(db, director, ids["tom"]).medical
    with db.session() as s:
        save_medical_record(
            s, director, ids["tom"], MedicalForm(doctor_name="Dr A"), medical.version, TODAY
        )
    with db.session() as s, pytest.raises(StaleFile):
        save_medical_record(
            s, director, ids["tom"], MedicalForm(doctor_name="Dr B"), medical.version, TODAY
        )


def test_medical_record_is_refused_to_an_agent_and_its_opening_recorded(db, ids, agent, director):
    seen_by_agent = _file(db, agent, ids["tom"])
    assert seen_by_agent.medical is None
    assert "Fiche sanitaire" in seen_by_agent.missing  # the wording, not the data
    with db.session() as s, pytest.raises(PermissionDenied, match="données de santé"):
        save_medical_record(s, agent, ids["tom"], MedicalForm(), None, TODAY)
    assert _events(db, action=AuditAction.VIEW_MEDICAL) == []
    seen = _file(db, director, ids["tom"])
    assert seen.medical is not None and seen.medical.version is None
    assert [v.label for v in seen.medical.vaccines][:3] == ["Diphtérie", "Tétanos", "Poliomyélite"]
    assert all(not d.had for d in seen.medical.diseases)  # "Non" by default
    _file(db, director, ids["tom"], record_access=False)  # a reload after a save
    assert _events(db, action=AuditAction.VIEW_MEDICAL) == [
        ("view_medical", "medical_record", "", None, None, "lchauvin")
    ]


def test_medical_record_checks_allergy_detail_pai_phone_and_vaccine_dates(db, ids, director):
    form = MedicalForm(
        allergy_food=True,
        allergy_detail=" ",
        has_pai=True,
        doctor_phone="12",
        vaccines={
            "tetanos": VaccineAnswer(True, date(2027, 1, 1)),
            "diphterie": VaccineAnswer(True, date(2010, 1, 1)),
        },
    )
    with db.session() as s, pytest.raises(FieldErrors) as caught:
        save_medical_record(s, director, ids["tom"], form, None, TODAY)
    assert caught.value.errors == {
        "allergy_detail": "Le champ « Allergies : précisez (alimentaires) » est obligatoire.",
        "pai_detail": "Le champ « PAI : précisez » est obligatoire.",
        "doctor_phone": "« 12 » n'est pas un numéro de téléphone français valide (Téléphone du médecin).",
        "vaccines.tetanos": "Vaccin « Tétanos » : la date de dernière vaccination "
        "ne peut pas être dans le futur.",
        "vaccines.diphterie": "Vaccin « Diphtérie » : la date de dernière vaccination "
        "(01/01/2010) précède la naissance de l'enfant (03/02/2014).",
    }


def test_medical_record_saved_field_by_field(db, ids, director):
    form = MedicalForm(
        vaccines={
            code: VaccineAnswer(True, date(2025, 3, 1))
            for code in ("diphterie", "tetanos", "poliomyelite")
        },
        diseases={"varicelle": True, "otite": False},
        allergy_food=True,
        allergy_detail="arachide",
        wears_glasses=True,
        doctor_name="Dr Leroy",
        doctor_phone="0243941111",
        doctor_commune="Le Lude",
    )
    with db.session() as s:
        version = save_medical_record(s, director, ids["tom"], form, None, TODAY)
    tom = _file(db, director, ids["tom"], record_access=False)
    assert tom.medical.version == version
    assert tom.medical.doctor_phone == "02 43 94 11 11"
    assert [d.code for d in tom.medical.diseases if d.had] == ["varicelle"]
    assert [v.code for v in tom.medical.vaccines if v.done] == [
        "diphterie",
        "tetanos",
        "poliomyelite",
    ]
    assert "Allergie alimentaire" in tom.alerts
    assert not [m for m in tom.missing if m.startswith(("Médecin", "Vaccins", "Fiche"))]
    # A vaccine alone moves the record's version (it guards the whole fiche sanitaire).
    form.vaccines["rougeole"] = VaccineAnswer(False, date(2015, 3, 1))  # a date means done
    form.allergy_food, form.allergy_detail = False, ""
    with db.session() as s:
        assert save_medical_record(s, director, ids["tom"], form, version, TODAY) == version + 1
    events = _events(db, child_id=ids["tom"], action=AuditAction.UPDATE)
    assert ("update", "medical_record", "allergy_food", "oui", "non", "lchauvin") in events
    assert ("update", "medical_record", "allergy_detail", "arachide", "", "lchauvin") in events
    created = _events(db, child_id=ids["tom"], action=AuditAction.CREATE)
    assert ("create", "vaccination", "", None, "rougeole", "lchauvin") in created
    assert ("create", "disease_history", "", None, "varicelle", "lchauvin") in created
    with db.session() as s:
        rougeole = s.scalars(select(Vaccination).where(Vaccination.vaccine == "rougeole")).one()
        assert rougeole.done


def test_contact_mandatory_fields_are_named(db, ids, agent):
    form = ContactForm(last_name="X", postcode="72800", commune="Mayet", phone1="", phone2="0000")
    with db.session() as s, pytest.raises(FieldErrors) as caught:
        add_contact(s, agent, ids["tom"], form)
    assert caught.value.errors == {
        "first_name": "Le champ « Prénom » est obligatoire.",
        "relationship": "Le champ « Lien avec l'enfant » est obligatoire.",
        "phone1": "Le champ « Téléphone 1 » est obligatoire.",
        "phone2": "« 0000 » n'est pas un numéro de téléphone français valide (Téléphone 2).",
        "address": "La commune « Mayet » ne correspond pas au code postal 72800 (Aubigné-Racan, "
        "La Chapelle-aux-Choux, Coulongé, Luché-Pringé, Le Lude, Saint-Germain-d'Arcé).",
    }
    with db.session() as s, pytest.raises(FieldErrors, match="au moins un rôle"):
        add_contact(s, agent, ids["tom"], _gran(), emergency_contact=False)


def test_contacts_added_reused_as_pickup_updated_and_deleted(db, ids, agent):
    with db.session() as s:
        gran = add_contact(s, agent, ids["tom"], _gran())
    tom = _file(db, agent, ids["tom"])
    [line] = tom.emergency_contacts
    assert (line.full_name, line.relationship, line.commune, line.phones) == (
        "Odette BERTIN",
        "grand-mère",
        "Le Lude",
        "02 43 94 00 11 / 06 12 34 56 78",
    )
    assert "Personne autorisée à venir chercher l'enfant" in tom.missing
    assert _events(db, entity="person", actor="mhuet") == [
        ("create", "person", "", None, "Odette BERTIN", "mhuet")
    ]

    with db.session() as s:
        set_authorised_pickup(s, agent, ids["tom"], gran, True)
    tom = _file(db, agent, ids["tom"])
    assert [p.full_name for p in tom.authorised_pickups] == ["Odette BERTIN"]
    assert not [m for m in tom.missing if m.startswith("Personne")]
    assert ("update", "child_contact", "authorised_pickup", "non", "oui", "mhuet") in _events(
        db, child_id=ids["tom"]
    )
    # A person of another family cannot be picked.
    with db.session() as s, pytest.raises(Exception, match="n'appartient pas à la famille"):
        set_authorised_pickup(s, agent, ids["tom"], ids["stranger"], True)

    # The sister reuses the grandmother; changing her shows for both children.
    lea = _file(db, agent, ids["lea"])
    assert [p.full_name for p in lea.family_persons] == ["Odette BERTIN"]
    with db.session() as s:
        link_contact(s, agent, ids["lea"], gran)
    form = _gran()
    form.phone2 = ""
    with db.session() as s:
        update_contact(
            s,
            agent,
            ids["lea"],
            gran,
            form,
            line.version,
            emergency_contact=True,
            authorised_pickup=True,
        )
    assert _file(db, agent, ids["tom"]).contacts[0].phone2 == ""
    with db.session() as s, pytest.raises(StaleFile):
        update_contact(s, agent, ids["lea"], gran, form, line.version)

    # Deleting from Tom's file keeps her for Léa; from Léa's too removes the person.
    with db.session() as s:
        delete_contact(s, agent, ids["tom"], gran)
    assert _file(db, agent, ids["tom"]).contacts == ()
    with db.session() as s:
        assert s.get(Person, gran) is not None
        delete_contact(s, agent, ids["lea"], gran)
    with db.session() as s:
        assert s.get(Person, gran) is None
        assert s.scalars(select(ChildContact)).all() == []
    assert ("delete", "person", "", "Odette BERTIN", None, "mhuet") in _events(db)
    with db.session() as s, pytest.raises(NotFound):
        delete_contact(s, agent, ids["lea"], gran)


def test_withdrawing_the_only_role_removes_the_pickup_person(db, ids, agent):
    with db.session() as s:
        neighbour = add_contact(
            s, agent, ids["tom"], _gran(), emergency_contact=False, authorised_pickup=True
        )
    assert [p.full_name for p in _file(db, agent, ids["tom"]).authorised_pickups] == [
        "Odette BERTIN"
    ]
    with db.session() as s:
        set_authorised_pickup(s, agent, ids["tom"], neighbour, False)
    with db.session() as s:
        assert s.get(Person, neighbour) is None


def test_consents_yes_no_with_detail(db, ids, agent):
    tom = _file(db, agent, ids["tom"])  # 12 years old: "Rentrer seul" applies
    assert [(c.label, c.granted) for c in tom.consents] == [
        ("Droit à l'image", None),
        ("Rentrer seul", None),
    ]
    assert "Autorisation : Rentrer seul" in tom.missing
    assert [c.label for c in _file(db, agent, ids["lea"]).consents] == ["Droit à l'image"]
    choices = {ids["image"]: ConsentChoice(False), ids["alone"]: ConsentChoice(True, " ")}
    with db.session() as s, pytest.raises(FieldErrors) as caught:
        save_consents(s, agent, ids["tom"], choices, tom.version, TODAY)
    assert caught.value.errors == {
        f"consents.{ids['alone']}": "Le champ « Rentrer seul : précisez » est obligatoire quand la réponse est Oui."
    }
    with db.session() as s, pytest.raises(FieldErrors, match="n'est pas demandée"):
        save_consents(
            s, agent, ids["lea"], {ids["alone"]: ConsentChoice(True, "17h")}, tom.version, TODAY
        )
    choices[ids["alone"]] = ConsentChoice(True, "17 h 30")
    with db.session() as s:
        version = save_consents(s, agent, ids["tom"], choices, tom.version, TODAY)
    assert version == tom.version + 1
    tom = _file(db, agent, ids["tom"])
    assert [(c.granted, c.detail) for c in tom.consents] == [(False, ""), (True, "17 h 30")]
    assert not [m for m in tom.missing if m.startswith("Autorisation")]
    with db.session() as s:
        save_consents(s, agent, ids["tom"], {ids["image"]: ConsentChoice(True)}, version, TODAY)
    assert ("update", "consent_answer", "granted", "non", "oui", "mhuet") in _events(
        db, child_id=ids["tom"]
    )
    with db.session() as s:
        assert (
            s.scalar(select(ConsentAnswer.granted).where(ConsentAnswer.consent_id == ids["image"]))
            is True
        )


def test_the_editor_saves_its_blocks_together_or_not_at_all(db, ids, director):
    """services.child_file.saving: every block's field errors at once (a date typed
    wrong wins over « obligatoire »), nothing saved; then all three saved."""
    from backoffice.services.child_file.saving import save_child_file

    tom = _file(db, director, ids["tom"])
    information = ChildInformationForm("", "Tom", Sex.MALE, None, "Collège", "6e")
    medical = MedicalForm(allergy_food=True, allergy_detail="")
    consents = {ids["alone"]: ConsentChoice(True, "")}
    with db.session() as s, pytest.raises(FieldErrors) as caught:
        save_child_file(
            s, director, ids["tom"], information, consents, version=tom.version, today=TODAY,
            medical=medical, medical_version=tom.medical.version,
            typed_errors={"birth_date": "Date invalide : « 31/02/2014 »."},
        )  # fmt: skip
    assert caught.value.errors == {
        "last_name": "Le champ « Nom » est obligatoire.",
        "birth_date": "Date invalide : « 31/02/2014 ».",
        "allergy_detail": "Le champ « Allergies : précisez (alimentaires) » est obligatoire.",
        f"consents.{ids['alone']}": "Le champ « Rentrer seul : précisez » est obligatoire "
        "quand la réponse est Oui.",
    }
    assert _file(db, director, ids["tom"]).version == tom.version

    information = ChildInformationForm(
        "MARTIN", "Thomas", Sex.MALE, date(2014, 2, 3), "Collège", "6e"
    )
    medical = MedicalForm(allergy_food=True, allergy_detail="arachide")
    consents = {ids["alone"]: ConsentChoice(True, "17 h")}
    with db.session() as s:
        save_child_file(
            s, director, ids["tom"], information, consents, version=tom.version, today=TODAY,
            medical=medical, medical_version=tom.medical.version,
        )  # fmt: skip
    saved = _file(db, director, ids["tom"])
    assert saved.version > tom.version and saved.medical.allergy_detail == "arachide"
    assert [(c.granted, c.detail) for c in saved.consents] == [(None, ""), (True, "17 h")]
