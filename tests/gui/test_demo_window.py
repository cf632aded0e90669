"""The main window on a small demo database (``load_demo(db, 30, 1)``)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backoffice.demo.load import load_demo
from backoffice.models import Child
from backoffice.services.common.actors import current_actor
from backoffice.services.families.queries import get_family_detail

from .conftest import TODAY


@pytest.fixture
def demo_window(qtbot, sqlite_db, sync_runner):
    from backoffice.app import create_main_window

    load_demo(sqlite_db, 30, 1, today=TODAY)
    with sqlite_db.session() as s:
        agent = current_actor(s, "mhuet")  # a desk agent of the demo
    window = create_main_window(sqlite_db, agent, runner=sync_runner, today=TODAY)
    qtbot.addWidget(window)
    window.show()
    return window


def test_search_a_child_then_open_the_family(qtbot, demo_window, sqlite_db):
    assert demo_window.families_label.text() == "30 familles"
    page = demo_window.families.list_page
    assert page.model.rowCount() == 30
    # An incomplete child of the demo: searching its first name finds its family.
    with sqlite_db.session() as s:
        children = s.scalars(select(Child).order_by(Child.id)).all()
        details = {}
        for child in children:
            detail = details.get(child.family_id) or get_family_detail(s, child.family_id, TODAY)
            details[child.family_id] = detail
            summary = next(c for c in detail.children if c.id == child.id)
            if summary.missing:
                break
        else:
            pytest.fail("the demo has no incomplete child")
    family_id, first_name = child.family_id, child.first_name

    page.search_field.setText(first_name)
    qtbot.waitUntil(lambda: page.model.query == first_name, timeout=30_000)
    found = [page.model.family_at(r) for r in range(page.model.rowCount())]
    assert family_id in [f.id for f in found]
    assert all(first_name.lower() in f.children.lower() for f in found)

    assert page.select_family(family_id)
    page.open_current()
    view = demo_window.families.currentWidget()
    assert view.family_id == family_id and view.detail is not None
    text = view.browser.toPlainText()
    for c in detail.children:
        assert c.full_name in text
    for item in summary.missing:
        assert item in text
    assert f"Enfants ({len(detail.children)})" in text


def test_incomplete_area_opens_a_child_file_and_the_family(qtbot, demo_window, sqlite_db):
    from backoffice.ui.child_file.editor import ChildFileDialog

    navigation = demo_window.navigation
    row = demo_window.stack.indexOf(demo_window.incomplete)
    assert navigation.item(row).text() == "Dossiers incomplets"
    navigation.setCurrentRow(row)  # loads the list (synchronous runner in tests)
    page = demo_window.incomplete
    rows = page.rows()
    assert rows and all(row.all_missing for row in rows)
    child_row = next(row for row in rows if row.child_id is not None)
    page.open_child.emit(child_row.child_id)
    dialog = demo_window.child_dialog
    assert isinstance(dialog, ChildFileDialog) and dialog.isVisible()
    dialog.reject()
    page.open_family.emit(child_row.family_id)
    assert navigation.currentRow() == 0
    assert demo_window.families.currentWidget().family_id == child_row.family_id


def test_family_view_offers_account_actions_and_each_child_file(qtbot, demo_window, sqlite_db):
    with sqlite_db.session() as s:
        child = s.scalars(select(Child).order_by(Child.id)).first()
    view = demo_window.families.open_family(child.family_id)
    qtbot.waitUntil(lambda: view.detail is not None, timeout=30_000)
    assert view.account_bar.isVisible()
    html = view.browser.toHtml()
    assert f"enfant:{child.id}" in html
    from backoffice.ui.qt import QUrl

    view.browser.anchorClicked.emit(QUrl(f"enfant:{child.id}"))
    assert view.child_dialog is not None and view.child_dialog.isVisible()
    view.child_dialog.reject()

    # « Planning » beside the file: the child's week in the Planning area.
    assert f"planning:{child.id}" in html
    view.browser.anchorClicked.emit(QUrl(f"planning:{child.id}"))
    assert demo_window.stack.currentWidget() is demo_window.planning
    page = demo_window.planning.child_page
    qtbot.waitUntil(lambda: page.child_label.text() == child.full_name, timeout=30_000)


def test_open_account_from_the_menu(qtbot, demo_window):
    families_menu = next(
        action.menu() for action in demo_window.menuBar().actions() if action.text() == "F&amilles"
    )
    open_action = next(
        a for a in families_menu.actions() if a.text().startswith("&Ouvrir un compte")
    )
    open_action.trigger()
    dialog = demo_window.open_account_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.account_opened.emit(5)  # as after a save: the list reloads, the family opens
    assert demo_window.families.currentWidget().family_id == 5
    dialog.reject()
