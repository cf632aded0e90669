"""The main window on a small database: status bar, search, family view, keyboard."""

from __future__ import annotations

from sqlalchemy import select

from backoffice.models import Family
from backoffice.ui.families.family_view import FamilyView
from backoffice.ui.main_window import WINDOW_TITLE
from backoffice.ui.qt import QApplication, Qt


def _codes(model) -> list[str]:
    return [model.family_at(row).code for row in range(model.rowCount())]


def test_window_shows_database_and_family_count(window, small_db):
    assert window.windowTitle() == WINDOW_TITLE == "Portail Famille — back-office"
    assert window.database_label.text() == small_db.description
    assert (
        small_db.description.startswith("SQLite : ")
        and "backoffice.sqlite3" in small_db.description
    )
    assert window.families_label.text() == "3 familles"
    # Who is working: every change is recorded in this agent's name.
    assert window.actor_label.text() == "Mélanie Huet — Accueil"
    assert window.actor_label.isVisible()
    # Only areas that work appear.
    assert [window.navigation.item(i).text() for i in range(window.navigation.count())] == [
        "Familles",
        "Demandes",
        "Planning",
        "Pointage",
        "Facturation",
        "Règlements",
        "Dossiers incomplets",
        "Synchronisation",
    ]
    model = window.families.list_page.model
    assert _codes(model) == ["F00002", "F00003", "F00001"]
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == ["Identifiant", "Nom", "Enfants", "Commune", "Compte", "Téléphone", "E-mail"]
    index = model.index(1, 4)
    assert index.data() == "En attente d'activation"


def test_typing_a_child_first_name_searches_after_a_pause(qtbot, window):
    page = window.families.list_page
    qtbot.keyClicks(page.search_field, "zoe")
    # Debounced: nothing happens on each keystroke.
    assert page.model.query == ""
    qtbot.waitUntil(lambda: page.model.query == "zoe", timeout=30_000)
    assert _codes(page.model) == ["F00001"]
    assert page.model.index(0, 2).data() == "Zoé, Léo"
    assert page.result_label.text() == "1 famille trouvée"

    page.search_field.clear()
    qtbot.keyClicks(page.search_field, "lude")
    qtbot.waitUntil(lambda: page.model.query == "lude", timeout=30_000)
    assert _codes(page.model) == ["F00001"]

    page.search_field.setText("LEFÈVRE Chloé")
    qtbot.waitUntil(lambda: page.model.query == "LEFÈVRE Chloé", timeout=30_000)
    assert _codes(page.model) == ["F00003"]

    page.search_field.clear()
    qtbot.keyClicks(page.search_field, "personne")
    qtbot.waitUntil(lambda: page.model.query == "personne", timeout=30_000)
    assert page.model.rowCount() == 0
    assert page.result_label.text() == "Aucune famille trouvée"


def test_keyboard_search_then_enter_opens_the_family(qtbot, window):
    page = window.families.list_page
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.search_field.hasFocus(), timeout=30_000)
    # (QTest can only type ASCII; accents are tested with setText below.)
    qtbot.keyClicks(page.search_field, "leo")
    # Enter runs the pending search at once and moves to the results.
    qtbot.keyClick(page.search_field, Qt.Key.Key_Return)
    assert page.model.query == "leo"
    assert page.view.hasFocus()
    with qtbot.waitSignal(window.families.familyOpened, timeout=30_000) as opened:
        qtbot.keyClick(page.view, Qt.Key.Key_Return)
    view: FamilyView = opened.args[0]
    qtbot.waitUntil(lambda: view.detail is not None, timeout=30_000)
    assert window.families.currentWidget() is view
    assert window.families.tabText(1) == "MARTIN (F00001)"
    text = view.browser.toPlainText()
    assert "Zoé MARTIN" in text and "Léo MARTIN" in text
    assert "Mme Claire MARTIN" in text and "mère" in text
    assert "Quotient familial" in text and "740" in text
    # Zoé's file is complete, with her alert flags and contacts; Léo's is not.
    zoe, leo = text.split("Zoé MARTIN", 1)[1].split("Léo MARTIN", 1)
    assert "Dossier complet" in zoe and "Éléments manquants" not in zoe
    assert "PAI" in zoe and "Allergie alimentaire" in zoe and "arachide" not in zoe
    assert "Odette BERTIN (grand-mère)" in zoe
    assert "Éléments manquants (4)" in leo
    assert "Fiche sanitaire" in leo and "Personne à contacter en cas d'urgence" in leo
    # The missing items are in a visible colour.
    assert 'class="missing"' in view.browser.document().toHtml() or "#b3261e" in (
        view.browser.document().toHtml()
    )

    # Escape goes back to the list, with the family still selected.
    qtbot.keyClick(view.browser, Qt.Key.Key_Escape)
    assert window.families.count() == 1
    assert window.families.currentIndex() == 0
    assert page.current_family_id() == view.family_id


def test_double_click_opens_each_family_once(qtbot, window, family_ids):
    page = window.families.list_page
    rect = page.view.visualRect(page.model.index(0, 1))
    # A real double-click starts with a press (the view opens what was pressed).
    qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.families.count() == 2
    durand = window.families.widget(1)
    assert durand.family_id == family_ids["F00002"]
    qtbot.waitUntil(lambda: durand.detail is not None, timeout=30_000)
    assert "Noé DURAND" in durand.browser.toPlainText()
    # Opening it again shows the same tab.
    assert window.families.open_family(family_ids["F00002"]) is durand
    assert window.families.count() == 2


def test_family_without_children_or_guardian_says_so(qtbot, window, family_ids):
    view = window.families.open_family(family_ids["F00003"])
    qtbot.waitUntil(lambda: view.detail is not None, timeout=30_000)
    text = view.browser.toPlainText()
    assert "Aucun responsable légal." in text
    assert "Compte : En attente d'activation" in text
    assert "Chloé LEFÈVRE" in text


def test_text_is_french_and_nothing_is_cut(window):
    # Qt's own strings come translated when the French catalogue is installed by main();
    # the window's own strings are French whatever the locale.
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["&Fichier", "F&amilles", "&Régie", "&Affichage", "&Aide"]
    header = window.families.list_page.view.horizontalHeader()
    metrics = header.fontMetrics()
    model = window.families.list_page.model
    for column in range(model.columnCount() - 1):
        title = model.headerData(column, Qt.Orientation.Horizontal)
        assert header.sectionSize(column) > metrics.horizontalAdvance(title) + 8, title
    assert QApplication.instance() is not None


def test_every_area_opens_from_the_keyboard(qtbot, window):
    """Ctrl+1 … Ctrl+8 go to the areas; each one loads when it becomes current."""
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    labels = [window.navigation.item(i).text() for i in range(window.navigation.count())]
    for number, label in enumerate(labels, start=1):
        qtbot.keyClick(window, Qt.Key(Qt.Key.Key_0 + number), Qt.KeyboardModifier.ControlModifier)
        assert window.navigation.currentItem().text() == label
        assert window.stack.currentIndex() == number - 1
    window.show_area(window.requests)
    assert window.navigation.currentItem().text() == "Demandes"


def test_requests_from_a_sync_round_show_in_the_desk(qtbot, window, small_db):
    """A round that brought requests reloads the desk on screen, unless the agent is
    working on a selection (then a line says so)."""
    from datetime import UTC, datetime

    from backoffice.models import PortalRequest, RequestKind
    from backoffice.sync.round import RoundReport
    from backoffice.ui.sync.status import OK, Outcome

    window.show_area(window.requests)
    desk = window.requests
    qtbot.waitUntil(lambda: desk.all_rows is not None, timeout=30_000)
    before = len(desk.all_rows)
    with small_db.session() as s:
        family_id = s.scalar(select(Family.id).limit(1))
        s.add(PortalRequest(portal_ref="R-1", kind=RequestKind.FILE_CHANGE, family_id=family_id))
    report = RoundReport(started_at=datetime.now(UTC))
    report.pull.requests = 1
    window.sync.round_finished.emit(Outcome(OK, datetime.now(UTC), report))
    qtbot.waitUntil(
        lambda: desk.all_rows is not None and len(desk.all_rows) == before + 1, timeout=30_000
    )
