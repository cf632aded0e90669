"""« Dossiers incomplets »: rows, exact wording, search, opening."""

from __future__ import annotations

from sqlalchemy import select

from backoffice.models import Child, Family, Role, StaffUser
from backoffice.services.common.actors import current_actor
from backoffice.ui.incomplete.page import IncompleteFilesPage
from backoffice.ui.qt import Qt

from .conftest import TODAY


def _page(qtbot, db) -> IncompleteFilesPage:
    with db.session() as s:
        s.add(StaffUser(login="mhuet", full_name="Mélanie Huet", role=Role.AGENT))
    with db.session() as s:
        agent = current_actor(s, "mhuet")
    page = IncompleteFilesPage(db, agent, today=TODAY)
    qtbot.addWidget(page)
    page.show()
    return page


def _cells(page, row: int) -> list[str]:
    return [page.proxy.index(row, c).data() for c in range(page.proxy.columnCount())]


def test_a_child_missing_a_mandatory_field_is_listed_with_the_field_named(qtbot, small_db):
    page = _page(qtbot, small_db)
    names = [row.child_name for row in page.rows()]
    assert "Zoé MARTIN" not in names  # complete
    assert names == ["Noé DURAND", "Chloé LEFÈVRE", "Léo MARTIN"]
    assert page.count_label.text() == "3 dossiers incomplets"
    leo = _cells(page, 2)
    assert leo[:3] == ["MARTIN (F00001)", "Léo MARTIN", "6 ans"]
    assert leo[3].split(" · ") == [
        "École",
        "Fiche sanitaire",  # its vaccines with it
        "Personne à contacter en cas d'urgence",
        "Personne autorisée à venir chercher l'enfant",
    ]
    # Family-level gaps are named too, after the child's.
    with small_db.session() as s:
        s.scalars(select(Family).where(Family.code == "F00003")).one().login_email = ""
    page.reload()
    chloe = _cells(page, 1)
    assert chloe[3].split(" · ")[-2:] == [
        "Famille : Adresse e-mail (identifiant du portail)",
        "Famille : Responsable légal",
    ]


def test_search_filters_and_enter_or_double_click_opens(qtbot, small_db):
    page = _page(qtbot, small_db)
    qtbot.keyClicks(page.search_field, "martin")
    page.apply_search()  # what the debounce timer does
    assert [row.child_name for row in page.rows()] == ["Léo MARTIN"]
    assert page.count_label.text() == "1 sur 3 dossiers incomplets"
    with small_db.session() as s:
        leo = s.scalars(select(Child.id).where(Child.first_name == "Léo")).one()
    page.view.setFocus()
    page.view.selectRow(0)
    with qtbot.waitSignal(page.open_child, timeout=30_000) as opened:
        qtbot.keyClick(page.view, Qt.Key.Key_Return)
    assert opened.args == [leo]
    with qtbot.waitSignal(page.open_family, timeout=30_000) as opened:
        qtbot.mouseClick(page.open_family_button, Qt.MouseButton.LeftButton)
    assert opened.args == [page.current_row().family_id]
    page.search_field.clear()
    page.apply_search()
    assert len(page.rows()) == 3
    rect = page.view.visualRect(page.proxy.index(0, 1))
    opened = []
    page.open_child.connect(opened.append)
    qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened == [page.rows()[0].child_id]  # once, not twice
