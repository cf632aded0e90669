"""Editing a family from its view, typed like an agent: address, guardians, QF."""

from __future__ import annotations

from datetime import date

import pytest

from backoffice.models import Family
from backoffice.services.families import edit as family_info
from backoffice.services.families.edit import FamilyChanges
from backoffice.ui.family_edit import FamilyEditDialog
from backoffice.ui.qt import Qt

from .conftest import TODAY, add_agent

# Typing a postcode opens the commune completion popup, which the offscreen
# platform cannot raise or give the keyboard to; it says so, and only that is ignored.
COMPLETION_POPUP = pytest.mark.qt_log_ignore(
    r"This plugin does not support raise\(\)",
    "This plugin does not support grabbing the keyboard",
)


@pytest.fixture
def sync_window(qtbot, small_db, agent, sync_runner):
    from backoffice.app import create_main_window

    window = create_main_window(small_db, agent, runner=sync_runner, today=TODAY)
    qtbot.addWidget(window)
    window.show()
    yield window
    window.close()


@pytest.fixture
def martin_view(sync_window, family_ids):
    view = sync_window.families.open_family(family_ids["F00001"])
    assert view.detail is not None
    return view


def open_editor(qtbot, view) -> FamilyEditDialog:
    qtbot.mouseClick(view.edit_button, Qt.MouseButton.LeftButton)
    dialog = view.edit_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.version is not None  # loaded
    return dialog


def retype(qtbot, edit, text: str) -> None:
    """Select what is there and type over it, as an agent does."""
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


@COMPLETION_POPUP
def test_wrong_postcode_is_named_then_fixed_and_the_history_shows_it(
    qtbot, martin_view, small_db, family_ids
):
    view = martin_view
    dialog = open_editor(qtbot, view)
    section = dialog.family_section
    assert section.address_line1.text() == "3 rue des Tilleuls"
    retype(qtbot, section.address_line1, "8 rue de la Gare")
    retype(qtbot, section.place.postcode_edit, "72999")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    # Refused, in French, next to the field; nothing lost, nothing saved.
    assert dialog.isVisible()
    assert section.fields["address"].error == "Le code postal « 72999 » n'existe pas (Adresse)."
    assert section.fields["address"].error_label.isVisible()
    assert dialog.banner.isVisible() and "Rien n'a été enregistré" in dialog.banner.text()
    assert section.address_line1.text() == "8 rue de la Gare"
    with small_db.session() as s:
        assert s.get(Family, family_ids["F00001"]).address_line1 == "3 rue des Tilleuls"

    retype(qtbot, section.place.postcode_edit, "72500")
    retype(qtbot, section.place.commune_edit, "Vaas")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert view.edit_dialog is None

    text = view.browser.toPlainText()
    assert "8 rue de la Gare" in text and "72500 Vaas" in text
    assert "3 rue des Tilleuls" not in text

    history = view.show_history()
    assert history.is_loaded
    rows = history.rows_text()
    assert rows[0][1] == "Mélanie Huet"
    lines = {row[1:] for row in rows}
    assert ("Mélanie Huet", "Adresse", "3 rue des Tilleuls", "8 rue de la Gare") in lines
    assert ("Mélanie Huet", "Commune", "Le Lude", "Vaas") in lines
    assert ("Mélanie Huet", "Code postal", "72800", "72500") in lines
    assert rows[0][0].startswith("")  # dd/mm/yyyy hh:mm
    assert rows[0][0][2] == "/" and rows[0][0][5] == "/"


def test_adding_a_qf_from_january_keeps_the_previous_one(qtbot, martin_view):
    view = martin_view
    dialog = open_editor(qtbot, view)
    dialog.tabs.setCurrentWidget(dialog.quotients_section)
    table = dialog.quotients_section
    assert [row[:4] for row in table.rows_text()] == [("740", "01/01/2026", "—", "CAF")]

    qtbot.mouseClick(table.add_button, Qt.MouseButton.LeftButton)
    qf = dialog.quotient_dialog
    assert qf.isVisible() and qf.source.currentText() == "CAF"
    # The same start day as the current QF is refused, with the reason.
    qtbot.keyClicks(qf.quotient, "900")
    qtbot.keyClicks(qf.valid_from, "01/01/2026")
    qtbot.mouseClick(qf.save_button, Qt.MouseButton.LeftButton)
    assert qf.isVisible()
    assert qf.fields["valid_from"].error.startswith("Un QF (740) commence déjà le 01/01/2026")

    retype(qtbot, qf.quotient, "820")
    retype(qtbot, qf.valid_from, "01012027")
    qtbot.mouseClick(qf.save_button, Qt.MouseButton.LeftButton)
    assert not qf.isVisible()

    assert [row[:4] for row in table.rows_text()] == [
        ("820", "01/01/2027", "—", "CAF"),
        ("740", "01/01/2026", "31/12/2026", "CAF"),
    ]
    # On 27/11/2026 the family still pays with its current QF.
    assert "740" in view.browser.toPlainText()
    qtbot.mouseClick(
        dialog.buttons.button(dialog.buttons.StandardButton.Cancel), Qt.MouseButton.LeftButton
    )
    assert not dialog.isVisible()
    rows = view.show_history().rows_text()
    assert ("Mélanie Huet", "QF ajouté", "—", "820 à partir du 01/01/2027 (CAF)") in {
        r[1:] for r in rows
    }


def test_a_two_digit_year_follows_the_century_rule(qtbot, martin_view):
    """« 3/2/30 » is 2030 here as in the child file (one parser, one rule)."""
    dialog = open_editor(qtbot, martin_view)
    dialog.tabs.setCurrentWidget(dialog.quotients_section)
    qtbot.mouseClick(dialog.quotients_section.add_button, Qt.MouseButton.LeftButton)
    qf = dialog.quotient_dialog
    qf.activateWindow()  # offscreen: leaving a field (Tab) needs an active window
    qtbot.waitUntil(qf.isActiveWindow, timeout=30_000)
    qf.valid_from.setFocus()
    qtbot.keyClicks(qf.valid_from, "3/2/30")
    qtbot.keyClick(qf.valid_from, Qt.Key.Key_Tab)
    assert qf.valid_from.text() == "03/02/2030"
    assert qf.valid_from.date() == date(2030, 2, 3)
    qf.reject()


def test_a_colleagues_save_in_between_is_not_overwritten(qtbot, martin_view, small_db, family_ids):
    view = martin_view
    dialog = open_editor(qtbot, view)
    colleague = add_agent(small_db, "tpapin", "Thierry Papin")
    with small_db.session() as s:
        family_info.update_family(
            s,
            colleague,
            family_ids["F00001"],
            FamilyChanges(phone="02 43 94 12 12"),
            dialog.version,
        )
    retype(qtbot, dialog.family_section.phone, "0243941313")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "a été modifiée par un autre agent (Thierry Papin, le " in dialog.banner.text()
    assert "rechargez" in dialog.banner.text()
    assert dialog.family_section.phone.text().replace(" ", "") == "0243941313"
    with small_db.session() as s:
        assert s.get(Family, family_ids["F00001"]).phone == "02 43 94 12 12"
    dialog.reject()
    # Closing reloads the view with the colleague's change.
    assert "02 43 94 12 12" in view.browser.toPlainText()


def test_guardian_errors_show_on_their_tab_and_the_payer_moves(
    qtbot, martin_view, small_db, family_ids
):
    view = martin_view
    dialog = open_editor(qtbot, view)
    claire, paul = dialog.guardians_section.boxes
    assert claire.payer.isChecked() and not paul.payer.isChecked()
    assert not dialog.guardians_section.add_button.isVisible()
    retype(qtbot, paul.mobile_phone, "12")
    paul.payer.setChecked(True)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.tabs.currentIndex() == 1
    assert "n'est pas un numéro de téléphone français valide" in paul.fields["mobile_phone"].error
    assert "responsable 2" in paul.fields["mobile_phone"].error

    retype(qtbot, paul.mobile_phone, "0611223344")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    with small_db.session() as s:
        family = s.get(Family, family_ids["F00001"])
        assert [(g.first_name, g.is_payer, g.mobile_phone) for g in family.guardians] == [
            ("Claire", False, "06 12 34 56 78"),
            ("Paul", True, "06 11 22 33 44"),
        ]


def test_a_family_without_guardian_gets_one_who_pays(qtbot, sync_window, small_db, family_ids):
    view = sync_window.families.open_family(family_ids["F00003"])
    dialog = open_editor(qtbot, view)
    [box] = dialog.guardians_section.boxes
    assert box.is_new and box.payer.isChecked()
    qtbot.keyClicks(box.last_name, "LEFEVRE")
    qtbot.keyClicks(box.first_name, "Anne")
    qtbot.keyClicks(box.mobile_phone, "0600000003")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible(), dialog.banner.text()
    assert "Anne LEFEVRE" in view.browser.toPlainText()
    assert "Aucun responsable légal." not in view.browser.toPlainText()
