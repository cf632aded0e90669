"""The family card tells the whole story (issue #15 item 5), at 1280×800 in French: per
child the registrations and next bookings with the portal's states, the requests pending,
the invoices per régie with their state, the balance and the payments; double-click or
Entrée on each kind of line opens the right area on the right record.

Screenshots: docs/screenshots/family-card-*.png."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from backoffice.demo.load import load_demo
from backoffice.demo.requests import add_portal_requests
from backoffice.documents.formatting import format_euros
from backoffice.models import Child
from backoffice.services.common.actors import SYSTEM, current_actor
from backoffice.services.families.card import family_card
from backoffice.ui.planning.icons import state_icon
from backoffice.ui.qt import Qt, QTableView

from .conftest import TODAY

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _complete(card) -> bool:
    return (
        len(card.children) == 2
        and all(c.registrations and c.next_bookings for c in card.children)
        and card.requests
        and len({i.regie for i in card.invoices}) >= 2
        and card.payments
        and card.balance > 0
    )


@pytest.fixture
def demo(sqlite_db):
    """The demo with last month billed and partly paid, requests from the portal; the
    family shown has two children and owes money on two régies or more."""
    load_demo(sqlite_db, 40, 7, today=TODAY, billing=True)
    with sqlite_db.session() as s:
        add_portal_requests(s, 120, seed=5, today=TODAY)
    with sqlite_db.session() as s:
        two = s.scalars(
            select(Child.family_id)
            .group_by(Child.family_id)
            .having(func.count(Child.id) == 2)
            .order_by(Child.family_id)
        ).all()
        family_id = next(f for f in two if _complete(family_card(s, SYSTEM, f, TODAY)))
    with sqlite_db.session() as s:
        agent = current_actor(s, "mhuet")
    return sqlite_db, agent, family_id


@pytest.fixture
def card_window(demo, desk_window):
    db, agent, family_id = demo
    window = desk_window(db, agent)
    view = window.families.open_family(family_id)
    assert view.card is not None
    return window, view


def _texts(view: QTableView, column: int) -> list[str]:
    model = view.model()
    return [model.index(r, column).data() for r in range(model.rowCount())]


def _not_cut(view: QTableView) -> None:
    """Every column's text fits its width (nothing elided), the table fits its rows."""
    model = view.model()
    metrics = view.fontMetrics()
    header = view.horizontalHeader()
    for column in range(model.columnCount()):
        width = header.sectionSize(column)
        for row in range(model.rowCount()):
            text = model.index(row, column).data() or ""
            icon = 22 if model.index(row, column).data(Qt.ItemDataRole.DecorationRole) else 0
            assert metrics.horizontalAdvance(text) + icon + 8 <= width, (
                view.accessibleName(),
                model.headerData(column, Qt.Orientation.Horizontal),
                text,
                width,
            )
    assert view.horizontalScrollBar().maximum() == 0, view.accessibleName()


def _activate(qtbot, view: QTableView, row: int, *, key: bool) -> None:
    """Open a line as the agent does: Entrée on it, or a double-click."""
    view.setFocus()
    view.selectRow(row)
    index = view.model().index(row, 0)
    if key:
        qtbot.keyClick(view, Qt.Key.Key_Return)
    else:
        rect = view.visualRect(index)
        # A real double-click: press and release, then the double-click itself.
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_the_card_shows_the_whole_story(qtbot, card_window):
    window, view = card_window
    card = view.card
    tabs = view.tabs
    titles = [tabs.tabText(i) for i in range(tabs.count())]
    assert titles[0] == "Fiche" and titles[-1] == "Historique", titles
    # Every tab's title in full, beside the family's actions (no scroll arrows).
    bar = tabs.tabBar()
    assert bar.sizeHint().width() <= bar.width(), (bar.sizeHint().width(), bar.width())
    assert f"Demandes ({len(card.requests)})" in titles
    assert any(t.startswith("Factures (solde : ") and "dus" in t for t in titles), titles

    # Per child: registrations and next bookings, with the planning's icons and the
    # portal's words.
    tabs.setCurrentWidget(view.children_tab)
    sections = view.children_tab.sections
    assert [s.title() for s in sections] == [c.full_name for c in card.children]
    for section, child in zip(sections, card.children, strict=True):
        assert section.isVisible()
        assert _texts(section.registrations_view, 0) == [r.activity for r in child.registrations]
        states = _texts(section.bookings_view, 3)
        assert states == [b.state_label for b in child.next_bookings]
        assert set(states) <= {
            "Réservation acceptée",
            "Demande de réservation en attente",
            "Liste d'attente",
            "Refusée",
            "Demande d'annulation en attente",
        } | {s for s in states if s.startswith("Fermé")}
        icon = section.bookings.index(0, 3).data(Qt.ItemDataRole.DecorationRole)
        expected = state_icon(child.next_bookings[0].state)
        assert icon.pixmap(16, 16).toImage() == expected.pixmap(16, 16).toImage()
        # Room for the other actions: the child's own row of buttons.
        buttons = [
            section.actions.itemAt(i).widget().text()
            for i in range(section.actions.count())
            if section.actions.itemAt(i).widget()
        ]
        assert buttons == ["Planning", "Dossier de l'enfant…"]
        _not_cut(section.registrations_view)
        _not_cut(section.bookings_view)
    assert view.children_tab.widget().width() <= view.children_tab.viewport().width()
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SHOTS / "family-card-children.png"))

    tabs.setCurrentWidget(view.requests_tab)
    requests = view.requests_tab.view
    assert requests.model().rowCount() == len(card.requests) > 0
    assert set(_texts(requests, 2)) <= {
        "Inscription",
        "Réservation",
        "Annulation",
        "Modification du dossier",
        "Changement d'identifiant",
    }
    _not_cut(requests)
    assert window.grab().save(str(SHOTS / "family-card-requests.png"))

    # Invoices per régie with their state, the balance, the payments; amounts in French.
    tabs.setCurrentWidget(view.money_tab)
    money = view.money_tab
    invoices = money.invoices_view
    assert _texts(invoices, 1) == [i.number for i in card.invoices]
    regies = _texts(invoices, 0)
    assert regies == sorted(regies) and len(set(regies)) >= 2
    assert set(_texts(invoices, 6)) == {i.state_label for i in card.invoices}
    assert _texts(invoices, 4) == [format_euros(i.total) for i in card.invoices]
    assert all(t.endswith("\u00a0€") and "," in t for t in _texts(invoices, 4))
    alignment = invoices.model().index(0, 4).data(Qt.ItemDataRole.TextAlignmentRole)
    assert alignment & Qt.AlignmentFlag.AlignRight
    assert _texts(money.balances_view, 5) == [format_euros(r.balance) for r in card.regies]
    assert f"{format_euros(card.balance)} dus" in money.summary.text()
    assert _texts(money.payments_view, 3) == [format_euros(p.amount) for p in card.payments]
    for table in (money.balances_view, invoices, money.payments_view):
        _not_cut(table)
    assert invoices.verticalScrollBar().maximum() == 0  # every invoice in sight
    assert window.grab().save(str(SHOTS / "family-card-invoices.png"))


def test_each_line_opens_the_right_area_on_the_right_record(qtbot, card_window):
    window, view = card_window
    card = view.card

    # A booking → the child's planning, on that booking's week (Entrée).
    view.tabs.setCurrentWidget(view.children_tab)
    section = view.children_tab.sections[1]
    booking = card.children[1].next_bookings[-1]
    _activate(qtbot, section.bookings_view, len(card.children[1].next_bookings) - 1, key=True)
    assert window.stack.currentWidget() is window.planning
    page = window.planning.child_page
    assert page.child_id == booking.child_id
    assert page.monday <= booking.day < page.monday + timedelta(days=7)

    # A registration → the child's planning too (double-click).
    window.open_family(card.family_id)
    registration = card.children[0].registrations[0]
    _activate(qtbot, view.children_tab.sections[0].registrations_view, 0, key=False)
    assert window.stack.currentWidget() is window.planning
    assert page.child_id == registration.child_id

    # A request → the requests desk, that request selected.
    window.open_family(card.family_id)
    view.tabs.setCurrentWidget(view.requests_tab)
    wanted = card.requests[-1]
    _activate(qtbot, view.requests_tab.view, len(card.requests) - 1, key=True)
    assert window.stack.currentWidget() is window.requests
    current = window.requests.current_request()
    assert current is not None and wanted.id in current.request_ids

    # An invoice → Règlements, the family's account with that invoice selected.
    window.open_family(card.family_id)
    view.tabs.setCurrentWidget(view.money_tab)
    invoice = card.invoices[-1]
    _activate(qtbot, view.money_tab.invoices_view, len(card.invoices) - 1, key=False)
    assert window.stack.currentWidget() is window.payments
    panel = window.payments.family
    assert panel.account is not None and panel.account.header.id == card.family_id
    selected = panel.invoices_view.selectionModel().selectedRows()
    assert [panel.invoices.row_at(i.row()).number for i in selected] == [invoice.number]

    # A payment, or a régie's balance → Règlements, the family's account.
    for table in (view.money_tab.payments_view, view.money_tab.balances_view):
        window.open_family(card.family_id)
        window.payments.tabs.setCurrentIndex(1)
        window.payments.family.account = None
        _activate(qtbot, table, 0, key=True)
        assert window.stack.currentWidget() is window.payments
        assert window.payments.tabs.currentWidget() is panel
        assert panel.account is not None and panel.account.header.id == card.family_id


def test_other_actions_hook_in_with_a_line(qtbot, card_window):
    _window, view = card_window
    clicked: list[int] = []
    view.children_tab.add_child_action("Inscrire…", clicked.append)
    button = view.add_family_action("Ajouter un enfant…", lambda: clicked.append(0))
    section = view.children_tab.sections[0]
    texts = [
        section.actions.itemAt(i).widget().text()
        for i in range(section.actions.count())
        if section.actions.itemAt(i).widget()
    ]
    assert texts == ["Planning", "Dossier de l'enfant…", "Inscrire…"]
    qtbot.mouseClick(section.actions.itemAt(2).widget(), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert clicked == [section.child.id, 0]
    # The actions survive a reload (the sections are rebuilt).
    view.reload()
    section = view.children_tab.sections[0]
    assert section.actions.itemAt(2).widget().text() == "Inscrire…"
