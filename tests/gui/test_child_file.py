"""The child file editor, typed into like an agent does (qtbot, offscreen)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from backoffice.models import (
    AuditAction,
    AuditEvent,
    Child,
    ConsentDefinition,
    Person,
    Role,
    StaffUser,
)
from backoffice.services.child_file.reference import VACCINES
from backoffice.services.common.actors import current_actor
from backoffice.ui import dialogs
from backoffice.ui.child_file.editor import ChildFileDialog
from backoffice.ui.incomplete.page import IncompleteFilesPage
from backoffice.ui.qt import Qt

from .conftest import TODAY, suggestions_readable
from .keyboard import keyboard

LEFT = Qt.MouseButton.LeftButton
# The offscreen platform cannot raise windows or grab the keyboard for a completion popup.
offscreen_popups = pytest.mark.qt_log_ignore(
    "This plugin does not support raise", "This plugin does not support grabbing the keyboard"
)


@pytest.fixture
def setup(small_db):
    """Staff, a mandatory consent with a detail, and the ids of Zoé (complete) and Léo."""
    with small_db.session() as s:
        s.add_all(
            [
                StaffUser(login="mhuet", full_name="Mélanie Huet", role=Role.AGENT),
                StaffUser(login="lchauvin", full_name="Laurence Chauvin", role=Role.DIRECTOR),
                ConsentDefinition(code="sorties", label="Sorties et transport en car", position=1),
                ConsentDefinition(
                    code="soins", label="Soins d'urgence", asks_detail=True, position=2
                ),
            ]
        )
    with small_db.session() as s:
        children = {c.first_name: c.id for c in s.scalars(select(Child))}
        return {
            "db": small_db,
            "agent": current_actor(s, "mhuet"),
            "director": current_actor(s, "lchauvin"),
            "leo": children["Léo"],
            "zoe": children["Zoé"],
        }


@pytest.fixture(autouse=True)
def _no_scripted_answers():
    dialogs.scripted_answers.clear()
    yield
    dialogs.scripted_answers.clear()


def _open(qtbot, setup, who="director", child="leo") -> ChildFileDialog:
    dialog = ChildFileDialog(setup["db"], setup[who], setup[child], today=TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _type(qtbot, widget, text: str) -> None:
    widget.setFocus()
    keyboard(qtbot, widget, text)


def _add_person(qtbot, tab, last: str, first: str, relationship: str, phone: str):
    qtbot.mouseClick(tab.add_button, LEFT)
    person = tab.contact_dialog
    assert person.isVisible()
    _type(qtbot, person.last_name, last)
    _type(qtbot, person.first_name, first)
    _type(qtbot, person.relationship.lineEdit(), relationship)
    _type(qtbot, person.address, "4 rue du Moulin")
    _type(qtbot, person.town.postcode_edit, "72800")
    _type(qtbot, person.town.commune_edit, "Le Lude")
    _type(qtbot, person.phone1, phone)
    return person


@offscreen_popups
def test_completing_a_file_by_typing_makes_it_complete_and_leaves_the_list(qtbot, setup):
    page = IncompleteFilesPage(setup["db"], setup["agent"], today=TODAY)
    qtbot.addWidget(page)
    assert setup["leo"] in [row.child_id for row in page.rows()]

    dialog = _open(qtbot, setup)
    assert "Dossier incomplet" in dialog.completeness.text()
    assert "École" in dialog.completeness.text()

    # « Informations »
    _type(qtbot, dialog.information.school, "École Jean Moulin")
    # « Fiche sanitaire »: an allergy with its detail, vaccines, doctor.
    dialog.tabs.setCurrentIndex(1)
    medical = dialog.medical
    assert medical.diseases["varicelle"].no.isChecked()  # "Non" by default
    qtbot.mouseClick(medical.allergies["allergy_food"].yes, LEFT)
    assert medical.allergy_detail_label.text() == "Précisez *"
    _type(qtbot, medical.allergy_detail, "arachide : stylo d'adrénaline dans le sac")
    for code in VACCINES:
        _type(qtbot, medical.vaccine_date[code], "12/03/2022")
        assert medical.vaccine_done[code].isChecked()  # a date means done
    _type(qtbot, medical.doctor_name, "Dr Leroy")
    _type(qtbot, medical.doctor_phone, "0243941111")
    _type(qtbot, medical.doctor_commune, "Le Lude")

    # « Personnes à contacter en cas d'urgence »: a neighbour, relationship typed freely.
    dialog.tabs.setCurrentIndex(2)
    person = _add_person(
        qtbot, dialog.emergency, "GARNIER", "Lucie", "voisine du dessous", "0612345678"
    )
    with qtbot.waitSignal(dialog.saved, timeout=30_000):
        qtbot.mouseClick(person.save_button, LEFT)
    assert [p.full_name for p in dialog.emergency.people] == ["Lucie GARNIER"]
    line = dialog.emergency.people[0]
    assert (line.relationship, line.commune, line.phone1) == (
        "voisine du dessous",
        "Le Lude",
        "06 12 34 56 78",
    )

    # « Personnes autorisées… »: the same person, chosen among the emergency contacts.
    dialog.tabs.setCurrentIndex(3)
    assert dialog.pickup.candidates.currentText() == "Lucie GARNIER (voisine du dessous)"
    qtbot.mouseClick(dialog.pickup.authorise_button, LEFT)
    assert [p.full_name for p in dialog.pickup.people] == ["Lucie GARNIER"]

    # « Autorisations »
    dialog.tabs.setCurrentIndex(4)
    for answer in dialog.consents.answers.values():
        qtbot.mouseClick(answer.yes, LEFT)
    [detail] = dialog.consents.details.values()
    _type(qtbot, detail, "Hôpital du Mans")

    with qtbot.waitSignal(dialog.saved, timeout=30_000) as saved:
        qtbot.mouseClick(dialog.save_button, LEFT)
    assert saved.args == [setup["leo"]]
    assert "Dossier complet" in dialog.completeness.text(), dialog.completeness.text()
    assert "Allergie alimentaire" in dialog.title.text()
    page.reload()
    assert setup["leo"] not in [row.child_id for row in page.rows()]
    with setup["db"].session() as s:
        events = {
            (e.action, e.entity, e.field, e.new_value)
            for e in s.scalars(select(AuditEvent).where(AuditEvent.actor == "lchauvin"))
        }
    assert (AuditAction.UPDATE, "child", "school", "École Jean Moulin") in events
    assert (AuditAction.CREATE, "medical_record", "", "") in events
    assert (AuditAction.CREATE, "vaccination", "", "rougeole") in events
    assert (AuditAction.CREATE, "person", "", "Lucie GARNIER") in events
    assert (AuditAction.UPDATE, "child_contact", "authorised_pickup", "oui") in events
    assert (AuditAction.VIEW_MEDICAL, "medical_record", "", None) in events


def test_errors_show_next_to_the_fields_and_nothing_typed_is_lost(qtbot, setup):
    dialog = _open(qtbot, setup)
    dialog.information.first_name.clear()
    medical = dialog.medical
    dialog.tabs.setCurrentIndex(1)
    qtbot.mouseClick(medical.allergies["allergy_other"].yes, LEFT)
    _type(qtbot, medical.vaccine_date["rougeole"], "31/02/2022")
    _type(qtbot, medical.doctor_name, "Dr Leroy")
    dialog.tabs.setCurrentIndex(4)
    qtbot.mouseClick(dialog.consents.answers[_consent_id(setup, "soins")].yes, LEFT)

    assert dialog.save() is False
    shown = dialog.errors.messages()
    assert shown["first_name"] == "Le champ « Prénom » est obligatoire."
    assert shown["allergy_detail"] == "Le champ « Allergies : précisez (autres) » est obligatoire."
    assert shown["vaccines.rougeole"].startswith("« 31/02/2022 » n'est pas une date valide")
    assert "Soins d'urgence : précisez" in shown[f"consents.{_consent_id(setup, 'soins')}"]
    assert dialog.errors.slots["first_name"].error.isVisible()
    assert "4 champs à corriger" in dialog.error_banner.text()
    assert "« Informations »" in dialog.error_banner.text()
    assert dialog.tabs.currentIndex() == 0  # the first wrong field is shown
    # Everything typed is still there, nothing was saved.
    assert medical.doctor_name.text() == "Dr Leroy"
    assert medical.vaccine_date["rougeole"].text() == "31/02/2022"
    with setup["db"].session() as s:
        assert s.get(Child, setup["leo"]).first_name == "Léo"
        assert s.get(Child, setup["leo"]).medical_record is None

    dialog.information.first_name.setText("Léo")
    medical.vaccine_date["rougeole"].setText("28/02/2022")
    _type(qtbot, medical.allergy_detail, "pollens")
    dialog.consents.answers[_consent_id(setup, "soins")].set_value(False)
    assert dialog.save() is True
    assert dialog.errors.messages() == {}
    assert not dialog.error_banner.isVisible()


def test_a_two_digit_year_follows_the_century_rule(qtbot, setup):
    """« 3/2/30 » is 2030 here as in the family form (it used to be 1930 in the child file)."""
    dialog = _open(qtbot, setup)
    dialog.activateWindow()  # offscreen: leaving a field (Tab) needs an active window
    qtbot.waitUntil(dialog.isActiveWindow, timeout=30_000)
    field = dialog.information.birth_date
    field.setFocus()
    field.selectAll()
    qtbot.keyClick(field, Qt.Key.Key_Delete)
    qtbot.keyClicks(field, "3/2/30")
    qtbot.keyClick(field, Qt.Key.Key_Tab)
    assert field.text() == "03/02/2030"
    unreadable: dict[str, str] = {}
    assert dialog.information.form(unreadable).birth_date == date(2030, 2, 3)
    assert unreadable == {}
    when = dialog.medical.vaccine_date["rougeole"]
    _type(qtbot, when, "3/2/12")
    assert when.date() == date(2012, 2, 3)


def _consent_id(setup, code: str) -> int:
    with setup["db"].session() as s:
        return s.scalar(select(ConsentDefinition.id).where(ConsentDefinition.code == code))


def test_an_agent_sees_a_notice_instead_of_the_medical_record(qtbot, setup):
    dialog = _open(qtbot, setup, who="agent", child="zoe")
    assert dialog.medical is None
    assert dialog.tabs.tabText(1) == "Fiche sanitaire"
    notice = dialog.tabs.widget(1)
    texts = " ".join(label.text() for label in notice.findChildren(type(dialog.title)))
    assert "Fiche sanitaire non consultable avec votre rôle" in texts
    assert "arachide" not in texts
    assert "PAI" in dialog.title.text()  # the alert flags stay visible
    # Saving the other blocks works and opens nothing medical.
    _type(qtbot, dialog.information.school_class.lineEdit(), "")
    assert dialog.save() is True
    with setup["db"].session() as s:
        actions = set(s.scalars(select(AuditEvent.action).where(AuditEvent.actor == "mhuet")))
        assert AuditAction.VIEW_MEDICAL not in actions


def test_opening_the_medical_record_is_recorded_once(qtbot, setup):
    dialog = _open(qtbot, setup, child="zoe")
    assert dialog.medical.allergy_detail.toPlainText() == "arachide"
    dialog.information.school.setText("École du Lude")
    assert dialog.save()
    dialog.reload()
    with setup["db"].session() as s:
        seen = s.scalars(
            select(AuditEvent).where(AuditEvent.action == AuditAction.VIEW_MEDICAL)
        ).all()
        assert [(e.actor, e.child_id) for e in seen] == [("lchauvin", setup["zoe"])]


def test_delete_asks_for_confirmation(qtbot, setup, no_dialogs):
    dialog = _open(qtbot, setup, who="agent", child="zoe")
    dialog.tabs.setCurrentIndex(2)
    assert [p.full_name for p in dialog.emergency.people] == ["Odette BERTIN"]
    qtbot.mouseClick(dialog.emergency.delete_button, LEFT)  # unanswered: "no"
    assert no_dialogs[-1].kind == "question"
    assert "Supprimer Odette BERTIN des personnes à contacter" in no_dialogs[-1].text
    assert "plus non plus autorisée à venir chercher" in no_dialogs[-1].text
    assert len(dialog.emergency.people) == 1
    dialogs.scripted_answers.append(True)
    with qtbot.waitSignal(dialog.saved, timeout=30_000):
        qtbot.mouseClick(dialog.emergency.delete_button, LEFT)
    assert dialog.emergency.people == () and dialog.pickup.people == ()
    assert "Personne à contacter en cas d'urgence" in dialog.completeness.text()
    with setup["db"].session() as s:
        assert s.scalars(select(Person)).all() == []


@offscreen_popups
def test_person_window_checks_fields_and_completes_communes(qtbot, setup):
    dialog = _open(qtbot, setup, who="agent")
    dialog.tabs.setCurrentIndex(3)
    qtbot.mouseClick(dialog.pickup.add_button, LEFT)
    person = dialog.pickup.contact_dialog
    assert person.pickup.isChecked() and not person.emergency.isChecked()
    person.activateWindow()  # offscreen: focus events need an active window
    qtbot.waitUntil(person.isActiveWindow, timeout=30_000)
    _type(qtbot, person.town.postcode_edit, "7280")
    assert "72800 Le Lude" in person.town.suggestions()
    assert suggestions_readable(person.town.postcode_completer.popup())
    qtbot.keyClicks(person.town.postcode_edit, "0")
    # Tab to the commune box: it proposes the communes of the whole postcode.
    qtbot.keyClick(person.town.postcode_edit, Qt.Key.Key_Tab)
    qtbot.waitUntil(person.town.commune_completer.popup().isVisible, timeout=30_000)
    communes = [label.partition(" ")[2] for label in person.town.suggestions()]
    assert "Le Lude" in communes and "Aubigné-Racan" in communes
    _type(qtbot, person.phone1, "12")
    qtbot.mouseClick(person.save_button, LEFT)
    assert person.isVisible()
    assert person.errors.messages() == {
        "last_name": "Le champ « Nom » est obligatoire.",
        "first_name": "Le champ « Prénom » est obligatoire.",
        "relationship": "Le champ « Lien avec l'enfant » est obligatoire.",
        "phone1": "« 12 » n'est pas un numéro de téléphone français valide (Téléphone 1).",
        "address": "Choisissez la commune du code postal 72800 (Aubigné-Racan, "
        "La Chapelle-aux-Choux, Coulongé, Luché-Pringé, Le Lude, Saint-Germain-d'Arcé).",
    }
    assert person.town.postcode_edit.text() == "72800"
    # The family's grandmother, named for Zoé, can be reused for Léo.
    person.reject()
    dialog.tabs.setCurrentIndex(2)
    assert dialog.emergency.family_persons.currentText() == "Odette BERTIN (grand-mère)"
    qtbot.mouseClick(dialog.emergency.reuse_button, LEFT)
    assert [p.full_name for p in dialog.emergency.people] == ["Odette BERTIN"]
    assert not dialog.emergency.reuse_row.isVisibleTo(dialog)
