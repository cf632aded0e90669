"""The mailed form, read instead of retyped: the fillable PDF filled as a PDF reader
would (pypdf's writer), loaded into « Ouvrir un compte famille », gives the family
typing it gives; a wrong postcode or date shows beside its field and saves nothing."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from sqlalchemy import func, select

from backoffice.models import ConsentDefinition, Family, OutboxItem
from backoffice.services.child_file.consents import ConsentChoice, save_consents
from backoffice.services.child_file.contacts import ContactForm, add_contact, link_contact
from backoffice.services.child_file.medical import MedicalForm, VaccineAnswer, save_medical_record
from backoffice.services.common.actors import current_actor
from backoffice.services.families.form_pdf import blank_form
from backoffice.ui import files
from backoffice.ui.accounts import OpenAccountDialog
from backoffice.ui.qt import QApplication, Qt

from .conftest import TODAY, add_agent
from .test_open_account import choose_commune, fill_child, type_into

pytestmark = pytest.mark.qt_log_ignore("does not support raise", "does not support grabbing")

FORM = {
    "famille_nom": "LEMOINE",
    "famille_adresse": "4 impasse des Vignes",
    "famille_code_postal": "72800",
    "famille_commune": "Le Lude",
    "famille_telephone": "0243940099",
    "famille_email": "marc.lemoine@example.org",
    "r1_nom": "LEMOINE",
    "r1_prenom": "Marc",
    "r1_lien": "père",
    "r1_portable": "+33698765432",
    "payeur": "/r1",
    "regime": "/caf",
    "allocataire_numero": "7654321",
    "qf": "712",
    "e1_prenom": "Lou",
    "e1_sexe": "/F",
    "e1_naissance": "03/05/2018",
    "e2_prenom": "Jules",
    "e2_sexe": "/M",
    "e2_naissance": "12/09/2021",
    "e2_classe": "MS",
    "e1_vaccin_diphterie": "/Yes",
    "e1_vaccin_diphterie_date": "10/02/2024",
    "e1_vaccin_tetanos": "/Yes",
    "e1_allergie_alimentaire": "/Yes",
    "e1_allergies_precision": "arachide",
    "e1_medecin_nom": "Dr Morel",
    "e1_medecin_telephone": "0243940011",
    "p1_nom": "LEMOINE",
    "p1_prenom": "Jeanne",
    "p1_lien": "grand-mère",
    "p1_telephone": "0611223344",
    "p1_recuperer": "/Yes",
    "p1_urgence": "/Yes",
    "autorisation_image": "/oui",
}


def fill_pdf(blank: bytes, values: dict[str, str]) -> bytes:
    """What a PDF reader does when the parent types in the fields and saves."""
    writer = PdfWriter(clone_from=PdfReader(BytesIO(blank)))
    for page in writer.pages:
        writer.update_page_form_field_values(page, values, auto_regenerate=False)
    writer.set_need_appearances_writer(True)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def db(tmp_path):
    from backoffice.services.database import open_database

    database = open_database(f"sqlite:///{tmp_path / 'pdf.sqlite3'}")
    with database.session() as s:
        s.add(ConsentDefinition(code="image", label="Droit à l'image", mandatory=False))
    yield database
    database.dispose()


@pytest.fixture
def other_db(tmp_path):
    from backoffice.services.database import open_database

    database = open_database(f"sqlite:///{tmp_path / 'typed.sqlite3'}")
    with database.session() as s:
        s.add(ConsentDefinition(code="image", label="Droit à l'image", mandatory=False))
    yield database
    database.dispose()


def actor_of(db):
    with db.session() as s:
        return current_actor(s, "mhuet")


def open_dialog(qtbot, db) -> OpenAccountDialog:
    dialog = OpenAccountDialog(db, actor_of(db), today=TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.family_name, timeout=30_000)
    return dialog


def load(qtbot, dialog, path: Path, no_dialogs) -> None:
    files.scripted_files.append(path)
    before = len(no_dialogs)
    qtbot.mouseClick(dialog.load_pdf_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(no_dialogs) > before, timeout=30_000)
    # A slow read shows the task's progress window for a moment: back to the dialog.
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=30_000)


def snapshot(db) -> dict:
    """The saved family as the desk sees it, without codes and ids."""
    with db.session() as s:
        family = s.scalar(select(Family))
        children = sorted(family.children, key=lambda c: c.id)
        return {
            "family": (
                family.name,
                family.address_line1,
                family.postcode,
                family.commune,
                family.insee_code,
                family.phone,
                family.login_email,
                family.billing_email,
                family.allowance_scheme,
                family.allowance_number,
                family.quotient_on(TODAY).quotient,
            ),
            "guardians": [
                (g.rank, g.last_name, g.first_name, g.relationship_label, g.is_payer)
                + (g.mobile_phone, g.home_phone, g.email)
                for g in family.guardians
            ],
            "children": [
                (c.first_name, c.last_name, c.sex, c.birth_date, c.school_class) for c in children
            ],
            "medical": [
                None
                if c.medical_record is None
                else (
                    sorted((v.vaccine, v.done, v.last_date) for v in c.vaccinations),
                    c.medical_record.allergy_food,
                    c.medical_record.allergy_detail,
                    c.medical_record.doctor_name,
                    c.medical_record.doctor_phone,
                )
                for c in children
            ],
            "contacts": [
                [
                    (
                        link.person.last_name,
                        link.person.first_name,
                        link.person.relationship_label,
                        link.person.phone1,
                        link.emergency_contact,
                        link.authorised_pickup,
                    )
                    for link in c.contacts
                ]
                for c in children
            ],
            "consents": [sorted((a.consent.code, a.granted) for a in c.consents) for c in children],
        }


def type_the_same(qtbot, db) -> None:
    """An agent typing the same paper form, then the children's files."""
    dialog = open_dialog(qtbot, db)
    type_into(qtbot, dialog.family_name, "LEMOINE")
    type_into(qtbot, dialog.address_line1, "4 impasse des Vignes")
    choose_commune(qtbot, dialog.commune, "728", "72800 Le Lude")
    type_into(qtbot, dialog.phone, "0243940099")
    type_into(qtbot, dialog.login_email, "marc.lemoine@example.org")
    type_into(qtbot, dialog.guardian1.first_name, "Marc")
    type_into(qtbot, dialog.guardian1.relationship.lineEdit(), "père")
    type_into(qtbot, dialog.guardian1.mobile_phone, "+33698765432")
    fill_child(qtbot, dialog.children_section.rows[0], "Lou", "F", "03052018")
    qtbot.mouseClick(dialog.children_section.add_button, Qt.MouseButton.LeftButton)
    second = dialog.children_section.rows[1]
    fill_child(qtbot, second, "Jules", "G", "12/09/2021")
    type_into(qtbot, second.school_class.lineEdit(), "MS")
    type_into(qtbot, dialog.allowance.number, "7654321")
    type_into(qtbot, dialog.allowance.quotient, "712")
    with qtbot.waitSignal(dialog.account_opened, timeout=30_000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    actor = actor_of(db)
    with db.session() as s:
        family = s.scalar(select(Family))
        lou, jules = sorted(family.children, key=lambda c: c.id)
        image = s.scalar(select(ConsentDefinition.id))
        medical = MedicalForm(
            vaccines={
                "diphterie": VaccineAnswer(True, date(2024, 2, 10)),
                "tetanos": VaccineAnswer(True, None),
            },
            allergy_food=True,
            allergy_detail="arachide",
            doctor_name="Dr Morel",
            doctor_phone="0243940011",
        )
        save_medical_record(s, actor, lou.id, medical, None, TODAY)
        grandmother = ContactForm("LEMOINE", "Jeanne", "grand-mère", phone1="0611223344")
        person = add_contact(s, actor, lou.id, grandmother, authorised_pickup=True)
        link_contact(s, actor, jules.id, person, authorised_pickup=True)
        for child in (lou, jules):
            save_consents(s, actor, child.id, {image: ConsentChoice(True)}, child.version, TODAY)


def test_a_filled_pdf_opens_the_family_typing_it_would(qtbot, db, other_db, tmp_path, no_dialogs):
    with db.session() as s:
        blank = blank_form(s, current_actor(s, "mhuet"))
    path = tmp_path / "formulaire-rempli.pdf"
    path.write_bytes(fill_pdf(blank, FORM))

    dialog = open_dialog(qtbot, db)
    load(qtbot, dialog, path, no_dialogs)
    said = no_dialogs[-1]
    assert said.kind == "information" and "Rien n'est enregistré" in said.text
    # Shown as typed, nothing saved yet.
    assert dialog.family_name.text() == "LEMOINE"
    assert dialog.commune.postcode_edit.text() == "72800"
    assert [r.first_name.text() for r in dialog.children_section.rows] == ["Lou", "Jules"]
    assert dialog.children_section.rows[1].sex.currentText() == "Garçon"
    with db.session() as s:
        assert s.scalar(select(func.count(Family.id))) == 0

    with qtbot.waitSignal(dialog.account_opened, timeout=30_000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    type_the_same(qtbot, other_db)

    loaded, typed = snapshot(db), snapshot(other_db)
    assert loaded == typed
    assert loaded["children"][0][:2] == ("Lou", "LEMOINE")
    assert loaded["medical"][0] is not None and loaded["medical"][0][1] is True
    assert loaded["contacts"][1] and loaded["consents"][1] == [("image", True)]


def test_a_wrong_postcode_and_date_show_beside_their_fields_and_save_nothing(
    qtbot, db, tmp_path, no_dialogs
):
    with db.session() as s:
        blank = blank_form(s, current_actor(s, "mhuet"))
    path = tmp_path / "formulaire-faux.pdf"
    wrong = {**FORM, "famille_code_postal": "72801", "e1_naissance": "31/02/2018"}
    path.write_bytes(fill_pdf(blank, wrong))

    dialog = open_dialog(qtbot, db)
    load(qtbot, dialog, path, no_dialogs)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    postcode = dialog.family_fields["postcode"]
    assert postcode.error_label.isVisible()
    assert postcode.error_label.text() == "Le code postal « 72801 » n'existe pas."
    row = dialog.children_section.rows[0]
    assert row.error.isVisible() and "Date de naissance" in row.error.text()
    assert row.birth_date.property("invalid") is True
    assert dialog.summary.isVisible() and len(dialog.summary.messages) == 2
    assert QApplication.focusWidget() is dialog.commune.postcode_edit
    assert dialog.isVisible()
    with db.session() as s:
        assert s.scalar(select(func.count(Family.id))) == 0


def test_a_pdf_that_is_not_the_form_is_refused_in_french(qtbot, db, tmp_path, no_dialogs):
    path = tmp_path / "autre.pdf"
    path.write_bytes(b"%PDF-1.4\n%%EOF\n")
    dialog = open_dialog(qtbot, db)
    load(qtbot, dialog, path, no_dialogs)
    said = no_dialogs[-1]
    assert said.kind == "warning" and "PDF" in said.text
    assert dialog.family_name.text() == ""


def test_the_families_menu_writes_and_publishes_the_blank_form(
    qtbot, window, small_db, tmp_path, no_dialogs
):
    action = next(
        a
        for a in window.menuBar().actions()[1].menu().actions()
        if a.text() == "Formulaire d'ouverture de compte (&PDF)…"
    )
    files.scripted_folders.append(tmp_path)
    action.trigger()
    qtbot.waitUntil(lambda: bool(no_dialogs), timeout=30_000)
    path = tmp_path / "formulaire-inscription.pdf"
    assert no_dialogs[-1].kind == "information" and str(path) in no_dialogs[-1].text
    assert files.opened[-1] == path
    assert "autorisation_image" in PdfReader(path).get_fields()
    with small_db.session() as s:
        topics = s.scalars(select(OutboxItem.topic)).all()
    assert topics.count("document.account_form") == 1


def test_a_desk_agent_gets_everything_but_the_fiche_sanitaire(qtbot, db, tmp_path, no_dialogs):
    """Health data is for directors: the agent's account is opened with the persons and
    consents of the form, and told the fiche sanitaire is left for a director."""
    agent = add_agent(db, login="accueil")
    with db.session() as s:
        blank = blank_form(s, agent)
    path = tmp_path / "formulaire-rempli.pdf"
    path.write_bytes(fill_pdf(blank, FORM))
    dialog = OpenAccountDialog(db, agent, today=TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    load(qtbot, dialog, path, no_dialogs)
    with qtbot.waitSignal(dialog.account_opened, timeout=30_000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert no_dialogs[-1].kind == "information"
    assert "Fiche sanitaire de Lou : à saisir par un directeur de site" in no_dialogs[-1].text
    saved = snapshot(db)
    assert saved["medical"] == [None, None]
    assert saved["consents"] == [[("image", True)], [("image", True)]]
    assert len(saved["contacts"][0]) == 1
