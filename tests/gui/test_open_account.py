"""Opening an account by typing into the dialog, as an agent with the paper form."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from backoffice.dates import parse_french_date
from backoffice.models import AccountState, Family, OutboxItem, Sex
from backoffice.services.common.actors import current_actor
from backoffice.ui.accounts import OpenAccountDialog
from backoffice.ui.qt import QApplication, Qt
from backoffice.ui.widgets import DateField, PhoneField, PostcodeCommuneField

from .conftest import TODAY, suggestions_readable
from .keyboard import keyboard

# The offscreen platform cannot raise the completion popup nor grab the keyboard for it.
pytestmark = pytest.mark.qt_log_ignore("does not support raise", "does not support grabbing")


@pytest.fixture
def actor(sqlite_db):
    with sqlite_db.session() as s:
        return current_actor(s, "mhuet")


def open_dialog(qtbot, db, actor) -> OpenAccountDialog:
    dialog = OpenAccountDialog(db, actor, today=TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.family_name, timeout=30_000)
    return dialog


def type_into(qtbot, widget, text: str) -> None:
    """Focus the field and type, as the agent does; Tab leaves it (focus-out formatting)."""
    widget.setFocus()
    keyboard(qtbot, widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Tab)


def choose_commune(qtbot, field: PostcodeCommuneField, typed: str, wanted: str) -> list[str]:
    field.postcode_edit.setFocus()
    qtbot.keyClicks(field.postcode_edit, typed)
    popup = field.postcode_completer.popup()
    qtbot.waitUntil(popup.isVisible, timeout=30_000)
    model = popup.model()
    proposed = [model.index(row, 0).data() for row in range(model.rowCount())]
    popup.setCurrentIndex(model.index(proposed.index(wanted), 0))
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    return proposed


def fill_family(qtbot, dialog, *, name="LEMOINE", postcode="728", email="marc.lemoine@example.org"):
    type_into(qtbot, dialog.family_name, name)
    type_into(qtbot, dialog.address_line1, "4 impasse des Vignes")
    choose_commune(qtbot, dialog.commune, postcode, "72800 Le Lude")
    type_into(qtbot, dialog.phone, "0243940099")
    type_into(qtbot, dialog.login_email, email)


def fill_guardian(qtbot, box, first_name="Marc"):
    type_into(qtbot, box.first_name, first_name)
    type_into(qtbot, box.relationship.lineEdit(), "père")
    type_into(qtbot, box.mobile_phone, "+33698765432")


def fill_child(qtbot, row, first_name, sex_key, birth):
    type_into(qtbot, row.first_name, first_name)
    row.sex.setFocus()
    keyboard(qtbot, row.sex, sex_key)
    type_into(qtbot, row.birth_date, birth)


def family_count(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count(Family.id)))


def test_typing_a_whole_form_opens_the_account(qtbot, sqlite_db, actor, no_dialogs):
    dialog = open_dialog(qtbot, sqlite_db, actor)
    # Enter in a field goes to the next one; it never saves half a form.
    qtbot.keyClicks(dialog.family_name, "LEMOINE")
    qtbot.keyClick(dialog.family_name, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is dialog.address_line1
    assert family_count(sqlite_db) == 0 and no_dialogs == []
    qtbot.keyClicks(dialog.address_line1, "4 impasse des Vignes")

    proposed = choose_commune(qtbot, dialog.commune, "728", "72800 Le Lude")
    assert {"72800 Le Lude", "72800 Aubigné-Racan", "72800 Luché-Pringé"} <= set(proposed)
    assert all(p.startswith("728") for p in proposed)
    assert (dialog.commune.postcode(), dialog.commune.commune()) == ("72800", "Le Lude")

    type_into(qtbot, dialog.phone, "0243940099")
    assert dialog.phone.text() == "02 43 94 00 99"  # reformatted on leaving the field
    type_into(qtbot, dialog.login_email, "marc.lemoine@example.org")
    # Defaults: guardian 1 pays, the family name is everyone's name, QF from 1 January.
    g1 = dialog.guardian1
    assert g1.payer.isChecked() and g1.last_name.text() == "LEMOINE"
    assert dialog.allowance.quotient_from.text() == "01/01/2026"
    assert dialog.allowance.scheme_buttons[dialog.allowance.scheme()].text() == "CAF"
    fill_guardian(qtbot, g1)
    assert g1.mobile_phone.text() == "06 98 76 54 32"

    children = dialog.children_section
    first = children.rows[0]
    assert first.last_name.text() == "LEMOINE"
    fill_child(qtbot, first, "Lou", "F", "03052018")
    assert (first.sex.currentText(), first.birth_date.text()) == ("Fille", "03/05/2018")
    qtbot.mouseClick(children.add_button, Qt.MouseButton.LeftButton)
    second = children.rows[1]
    assert QApplication.focusWidget() is second.first_name
    fill_child(qtbot, second, "Jules", "G", "12/09/2021")
    type_into(qtbot, second.school_class.lineEdit(), "MS")
    type_into(qtbot, dialog.allowance.number, "7654321")
    type_into(qtbot, dialog.allowance.quotient, "712")

    with qtbot.waitSignal(dialog.account_opened, timeout=30_000) as opened:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    with sqlite_db.session() as s:
        family = s.get(Family, opened.args[0])
        assert (family.name, family.account_state) == ("LEMOINE", AccountState.AWAITING_ACTIVATION)
        assert (family.postcode, family.commune, family.insee_code) == ("72800", "Le Lude", "72176")
        assert family.phone == "02 43 94 00 99"
        [guardian] = family.guardians
        assert (guardian.first_name, guardian.relationship_label, guardian.is_payer) == (
            "Marc",
            "père",
            True,
        )
        assert [
            (c.first_name, c.last_name, c.sex, c.birth_date, c.school_class)
            for c in family.children
        ] == [
            ("Lou", "LEMOINE", Sex.FEMALE, date(2018, 5, 3), ""),
            ("Jules", "LEMOINE", Sex.MALE, date(2021, 9, 12), "MS"),
        ]
        assert family.quotient_on(TODAY).quotient == 712
        topics = [i.topic for i in s.scalars(select(OutboxItem).order_by(OutboxItem.id))]
        assert topics == ["account.upsert", "account.send_activation"]
    [said] = no_dialogs
    assert said.kind == "information" and "en attente d'activation" in said.text
    assert "lien d'activation" in said.text and "prochaine synchronisation" in said.text
    assert dialog.result() == dialog.DialogCode.Accepted and not dialog.isVisible()


def test_wrong_postcode_phone_and_email_are_shown_next_to_their_fields(
    qtbot, sqlite_db, actor, no_dialogs
):
    dialog = open_dialog(qtbot, sqlite_db, actor)
    type_into(qtbot, dialog.family_name, "LEMOINE")
    type_into(qtbot, dialog.address_line1, "4 impasse des Vignes")
    type_into(qtbot, dialog.commune.postcode_edit, "72801")
    type_into(qtbot, dialog.commune.commune_edit, "Le Lude")
    type_into(qtbot, dialog.phone, "12")
    type_into(qtbot, dialog.login_email, "marc.lemoine@@example")
    fill_guardian(qtbot, dialog.guardian1)
    fill_child(qtbot, dialog.children_section.rows[0], "Lou", "F", "03/05/2018")
    type_into(qtbot, dialog.allowance.number, "7654321")

    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    fields = dialog.family_fields
    expected = {
        "postcode": "Le code postal « 72801 » n'existe pas.",
        "phone": "« 12 » n'est pas un numéro de téléphone français valide.",
        "login_email": "« marc.lemoine@@example » n'est pas une adresse e-mail valide.",
    }
    for key, message in expected.items():
        field = fields[key]
        assert field.error_label.isVisible() and field.error_label.text() == message
        assert field.field.property("invalid") is True
    assert fields["family_name"].error == "" and not fields["family_name"].field.property("invalid")
    assert dialog.summary.isVisible() and len(dialog.summary.messages) == 3
    assert dialog.summary.messages[0] == "Le code postal « 72801 » n'existe pas (Adresse)."
    assert "Le code postal « 72801 » n'existe pas (Adresse)." in dialog.summary.text()
    # The first wrong field has the focus; nothing typed is lost, nothing saved.
    assert QApplication.focusWidget() is dialog.commune.postcode_edit
    assert (dialog.phone.text(), dialog.login_email.text()) == ("12", "marc.lemoine@@example")
    assert dialog.isVisible() and family_count(sqlite_db) == 0 and no_dialogs == []

    # Fixed, saved: the errors go away.
    dialog.commune.postcode_edit.clear()
    choose_commune(qtbot, dialog.commune, "728", "72800 Le Lude")
    dialog.phone.clear()
    type_into(qtbot, dialog.phone, "02 43 94 00 99")
    dialog.login_email.clear()
    type_into(qtbot, dialog.login_email, "marc.lemoine@example.org")
    with qtbot.waitSignal(dialog.account_opened, timeout=30_000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.summary.isVisible() and family_count(sqlite_db) == 1


def test_children_errors_are_shown_on_their_row(qtbot, sqlite_db, actor):
    dialog = open_dialog(qtbot, sqlite_db, actor)
    fill_family(qtbot, dialog)
    fill_guardian(qtbot, dialog.guardian1)
    row = dialog.children_section.rows[0]
    type_into(qtbot, row.first_name, "Lou")
    type_into(qtbot, row.birth_date, "31/02/2018")
    type_into(qtbot, dialog.allowance.number, "7654321")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert row.error.isVisible()
    assert row.error.text().splitlines() == [
        "Sexe : champ obligatoire.",
        "Date de naissance : « 31/02/2018 » n'est pas une date valide, écrivez-la jj/mm/aaaa.",
    ]
    assert row.sex.property("invalid") and row.birth_date.property("invalid")
    assert not row.first_name.property("invalid")
    assert QApplication.focusWidget() is row.sex
    assert family_count(sqlite_db) == 0


def test_look_alike_families_are_shown_before_saving(qtbot, small_db, family_ids, no_dialogs):
    with small_db.session() as s:
        actor = current_actor(s, "mhuet")
    dialog = open_dialog(qtbot, small_db, actor)
    fill_family(qtbot, dialog, name="MARTIN", email="nouvelle.adresse@example.org")
    fill_guardian(qtbot, dialog.guardian1, first_name="Julie")
    fill_child(qtbot, dialog.children_section.rows[0], "Zoé", "F", "02/03/2016")
    type_into(qtbot, dialog.allowance.number, "7654321")

    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    panel = dialog.duplicates
    assert panel.isVisible() and family_count(small_db) == 3
    rows = [
        [panel.table.item(r, c).text() for c in range(3)] for r in range(panel.table.rowCount())
    ]
    assert rows == [["F00001", "MARTIN", "même enfant : Zoé MARTIN, né(e) le 02/03/2016"]]
    assert QApplication.focusWidget() is panel.create_button

    with qtbot.waitSignal(dialog.account_opened, timeout=30_000) as opened:
        qtbot.mouseClick(panel.create_button, Qt.MouseButton.LeftButton)
    assert family_count(small_db) == 4
    with small_db.session() as s:
        assert s.get(Family, opened.args[0]).code == "F00004"
    assert [d.kind for d in no_dialogs] == ["information"]


def test_the_agent_can_open_the_existing_family_instead(qtbot, small_db, family_ids):
    with small_db.session() as s:
        actor = current_actor(s, "mhuet")
    dialog = open_dialog(qtbot, small_db, actor)
    fill_family(qtbot, dialog, name="DURAND", email="f00002@example.org")
    fill_guardian(qtbot, dialog.guardian1, first_name="Inès")
    fill_child(qtbot, dialog.children_section.rows[0], "Noé", "G", "09/09/2017")
    type_into(qtbot, dialog.allowance.number, "7654321")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    reasons = dialog.duplicates.table.item(0, 2).text()
    assert "même enfant : Noé DURAND" in reasons and "même e-mail : f00002@example.org" in reasons
    assert "même responsable : Inès DURAND" in reasons
    with qtbot.waitSignal(dialog.open_existing, timeout=30_000) as chosen:
        qtbot.mouseClick(dialog.duplicates.open_button, Qt.MouseButton.LeftButton)
    assert chosen.args == [family_ids["F00002"]]
    assert not dialog.isVisible() and family_count(small_db) == 3


def test_escape_on_a_typed_form_asks_before_losing_it(qtbot, sqlite_db, actor, no_dialogs):
    dialog = open_dialog(qtbot, sqlite_db, actor)
    qtbot.keyClick(dialog.family_name, Qt.Key.Key_Escape)  # nothing typed: closes at once
    assert not dialog.isVisible() and no_dialogs == []
    dialog = open_dialog(qtbot, sqlite_db, actor)
    qtbot.keyClicks(dialog.family_name, "LEMOINE")
    qtbot.keyClick(dialog.family_name, Qt.Key.Key_Escape)
    [question] = no_dialogs
    assert question.kind == "question" and "Abandonner la saisie" in question.text


def test_second_guardian_and_removed_rows(qtbot, sqlite_db, actor):
    dialog = open_dialog(qtbot, sqlite_db, actor)
    fill_family(qtbot, dialog)
    fill_guardian(qtbot, dialog.guardian1)
    g2 = dialog.guardian2
    type_into(qtbot, g2.last_name, "DUPONT")
    type_into(qtbot, g2.first_name, "Anne")
    type_into(qtbot, g2.relationship.lineEdit(), "tutrice")  # free text is kept
    qtbot.mouseClick(g2.payer, Qt.MouseButton.LeftButton)
    children = dialog.children_section
    fill_child(qtbot, children.rows[0], "Lou", "F", "03/05/18")
    extra = children.add_row()
    qtbot.mouseClick(extra.remove_button, Qt.MouseButton.LeftButton)
    assert len(children.rows) == 1
    type_into(qtbot, dialog.allowance.number, "7654321")
    with qtbot.waitSignal(dialog.account_opened, timeout=30_000) as opened:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    with sqlite_db.session() as s:
        family = s.get(Family, opened.args[0])
        assert [(g.last_name, g.relationship_label, g.is_payer) for g in family.guardians] == [
            ("LEMOINE", "père", False),
            ("DUPONT", "tutrice", True),
        ]
        assert [c.birth_date for c in family.children] == [date(2018, 5, 3)]


def test_postcode_field_completes_by_name_and_fills_a_lone_commune(qtbot):
    field = PostcodeCommuneField()
    qtbot.addWidget(field)
    field.show()
    qtbot.waitExposed(field)
    field.activateWindow()
    field.commune_edit.setFocus()
    qtbot.waitUntil(field.commune_edit.hasFocus, timeout=30_000)
    qtbot.keyClicks(field.commune_edit, "lude")
    popup = field.commune_completer.popup()
    qtbot.waitUntil(popup.isVisible, timeout=30_000)
    proposed = [popup.model().index(r, 0).data() for r in range(popup.model().rowCount())]
    assert "72800 Le Lude" in proposed
    with qtbot.waitSignal(field.chosen, timeout=30_000) as chosen:
        popup.setCurrentIndex(popup.model().index(proposed.index("72800 Le Lude"), 0))
        qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert chosen.args == ["72800", "Le Lude"]
    assert (field.postcode(), field.commune()) == ("72800", "Le Lude")
    field.set_value("", "")
    field.postcode_edit.setFocus()
    qtbot.keyClicks(field.postcode_edit, "72510")  # Pontvallain shares its postcode…
    qtbot.keyClick(field.postcode_edit, Qt.Key.Key_Tab)
    assert field.commune() == ""
    field.set_value("", "")
    field.postcode_edit.setFocus()
    qtbot.keyClicks(field.postcode_edit, "72560")  # …Changé's is not
    qtbot.keyClick(field.postcode_edit, Qt.Key.Key_Tab)
    assert field.commune() == "Changé"


def test_postcode_suggestions_are_as_wide_as_the_longest(qtbot, sqlite_db, actor):
    dialog = open_dialog(qtbot, sqlite_db, actor)
    field = dialog.commune
    field.postcode_edit.setFocus()
    qtbot.keyClicks(field.postcode_edit, "728")
    popup = field.postcode_completer.popup()
    qtbot.waitUntil(popup.isVisible, timeout=30_000)
    assert "72800 Saint-Germain-d'Arcé" in field.suggestions()
    assert popup.width() > field.postcode_edit.width()  # the box is narrow: « 72800 »
    assert suggestions_readable(popup)
    # A whole postcode: its communes only, still readable.
    qtbot.keyClicks(field.postcode_edit, "00")
    qtbot.waitUntil(lambda: field.suggestions() and len(field.suggestions()) < 10, timeout=30_000)
    assert suggestions_readable(popup)
    # Names typed in the commune box: the same.
    field.commune_edit.setFocus()
    qtbot.keyClicks(field.commune_edit, "saint")
    popup = field.commune_completer.popup()
    qtbot.waitUntil(popup.isVisible, timeout=30_000)
    assert suggestions_readable(popup)


def test_phone_and_date_fields(qtbot):
    phone = PhoneField()
    qtbot.addWidget(phone)
    phone.setText("+33 2 43 94 00 12")
    phone.editingFinished.emit()
    assert phone.text() == "02 43 94 00 12" and phone.is_valid()
    phone.setText("0612")
    phone.editingFinished.emit()
    assert phone.text() == "0612" and not phone.is_valid()
    field = DateField(today=TODAY)
    qtbot.addWidget(field)
    field.setText("3.5.18")
    field.editingFinished.emit()
    assert field.text() == "03/05/2018" and field.date() == date(2018, 5, 3)
    field.setText("31/02/2018")
    assert field.date() is None and not field.is_valid()
    assert parse_french_date("", TODAY) is None
    assert parse_french_date("010150", TODAY) == date(1950, 1, 1)
    with pytest.raises(ValueError, match="n'est pas une date"):
        parse_french_date("demain", TODAY)
