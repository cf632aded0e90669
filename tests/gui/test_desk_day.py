"""A day at the desk in the real main window at 1280×800 (issue #20), on the demo:
the places panel readable, the selection after a decision, same-day duplicates as one
line, postcode suggestions readable in every dialog, the payment amount prefilled, the
credit note's total before confirming, the keyboard back after a dialog closes."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from backoffice.demo.load import load_demo
from backoffice.demo.requests import add_portal_requests
from backoffice.models import (
    Booking,
    BookingState,
    PaymentMode,
    Period,
    PortalRequest,
    Registration,
    RegistrationState,
    RequestBooking,
    RequestKind,
    RequestState,
    Unit,
    utcnow,
)
from backoffice.services.billing.queries import family_invoice_rows
from backoffice.services.common.actors import current_actor
from backoffice.services.requests.queue import Group, Grouping
from backoffice.ui.billing.credit_note import CreditNoteDialog
from backoffice.ui.qt import QApplication, QItemSelectionModel, QLocale, QRect, Qt
from backoffice.ui.requests.model import days_text

from .conftest import TODAY, suggestions_readable

SHOTS = __import__("pathlib").Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# The offscreen platform cannot raise windows or grab the keyboard for a completion popup.
offscreen_popups = pytest.mark.qt_log_ignore(
    "This plugin does not support raise", "This plugin does not support grabbing the keyboard"
)
SELECT = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows


@pytest.fixture
def french():
    previous = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.French, QLocale.Country.France))
    yield
    QLocale.setDefault(previous)


def _duplicates(db) -> dict:
    """A child of the demo sends the same one-day booking three times (the portal's
    duplicates: three requests, one booking); another asks two units of one day."""
    with db.session() as s:
        for registration in s.scalars(
            select(Registration)
            .join(Period, Period.id == Registration.period_id)
            .where(
                Registration.state == RegistrationState.ACCEPTED,
                Period.end_date > TODAY + timedelta(days=60),
            )
            .order_by(Registration.id)
        ):
            units = s.scalars(
                select(Unit).where(Unit.activity_id == registration.activity_id).order_by(Unit.id)
            ).all()
            if len(units) >= 2:
                break
        taken = set(
            s.execute(
                select(Booking.unit_id, Booking.day).where(
                    Booking.child_id == registration.child_id
                )
            ).all()
        )
        day = next(
            d
            for d in (TODAY + timedelta(days=n) for n in range(3, 200))
            if all(d.isoweekday() in u.weekday_set and (u.id, d) not in taken for u in units[:2])
        )
        child = registration.child
        now = utcnow()

        def request(n: int, bookings: list[Booking]) -> PortalRequest:
            req = PortalRequest(
                portal_ref=f"dup-{n}",
                kind=RequestKind.BOOKING,
                family_id=child.family_id,
                child_id=child.id,
                activity_id=registration.activity_id,
                period_id=registration.period_id,
                received_at=now - timedelta(minutes=30 - n),
                payload={"booking_id": 77000, "date": day.isoformat()},
            )
            req.bookings += [RequestBooking(booking=b) for b in bookings]
            s.add(req)
            return req

        def booking(unit: Unit, when: date) -> Booking:
            return Booking(
                child_id=child.id,
                unit_id=unit.id,
                day=when,
                registration_id=registration.id,
                state=BookingState.REQUESTED,
            )

        same = booking(units[0], day)
        triple = [request(n, [same]) for n in range(3)]
        other_day = next(
            d
            for d in (day + timedelta(days=n) for n in range(1, 60))
            if all(d.isoweekday() in u.weekday_set and (u.id, d) not in taken for u in units[:2])
        )
        two_units = request(9, [booking(units[0], other_day), booking(units[1], other_day)])
        s.flush()
        return {
            "triple": [r.id for r in triple],
            "two_units": two_units.id,
            "family": child.family_id,
        }


@pytest.fixture
def demo(sqlite_db):
    load_demo(sqlite_db, families=40, seed=7, today=TODAY, billing=True)
    with sqlite_db.session() as s:
        add_portal_requests(s, 80, seed=5, today=TODAY)
    return {"db": sqlite_db, **_duplicates(sqlite_db)}


@pytest.fixture
def login():
    """Who works in the window: a desk agent of the demo, unless a test says otherwise."""
    return "mhuet"


@pytest.fixture
def window(qtbot, demo, sync_runner, french, login):
    from backoffice.app import create_main_window

    db = demo["db"]
    with db.session() as s:
        agent = current_actor(s, login)
    win = create_main_window(db, agent, runner=sync_runner, today=TODAY)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=30_000)
    yield win
    win.close()


def desk(qtbot, window):
    window.show_area(window.requests)
    area = window.requests
    qtbot.waitUntil(lambda: area.all_rows is not None, timeout=30_000)
    return area


def select_row(qtbot, area, row: int, settle: bool = True) -> None:
    area.view.selectionModel().setCurrentIndex(area.model.index(row, 0), SELECT)
    if settle:
        area.refresh_side()
        qtbot.waitUntil(lambda: area.side.data.selected == 1, timeout=30_000)


def not_elided(view, index) -> bool:
    """The cell's whole text is painted: on one line, or wrapped at spaces when the
    view wraps — never cut to « J… »."""
    text = index.data()
    rect = view.visualRect(index)
    margin = 2 * (view.style().pixelMetric(view.style().PixelMetric.PM_FocusFrameHMargin) + 1)
    width = rect.width() - margin
    metrics = view.fontMetrics()
    if metrics.horizontalAdvance(text) <= width:
        return True
    if not view.wordWrap() or any(metrics.horizontalAdvance(w) > width for w in text.split()):
        return False
    needed = metrics.boundingRect(QRect(0, 0, width, 10_000), Qt.TextFlag.TextWordWrap, text)
    return needed.height() <= rect.height()


# -- 1. the places panel ------------------------------------------------------------------


def test_places_panel_shows_whole_unit_names_at_1280(qtbot, window):
    area = desk(qtbot, window)
    rows = [
        n for n in range(area.model.rowCount()) if area.model.entry(n).kind is RequestKind.BOOKING
    ]
    table = area.side.table
    checked = 0
    for n in rows[:6]:
        select_row(qtbot, area, n)
        qtbot.wait(10)
        names = [line for line in area.side.data.capacity]
        assert names
        model = table.model()
        for row in range(table.rowCount()):
            index = model.index(row, 0)
            assert not_elided(table, index), (index.data(), table.visualRect(index))
            checked += 1
        texts = [table.item(r, 0).text() for r in range(table.rowCount())]
        assert all(any(line.unit_name in text for text in texts) for line in names)
    assert checked > 6
    window.grab().save(str(SHOTS / "desk-1280-places.png"))


# -- 8. the list's texts whole at 1280 px (activities, children, group headers) ---------


@pytest.mark.parametrize("grouping", [Grouping.NONE, Grouping.FAMILY, Grouping.CHILD])
def test_request_list_texts_whole_at_1280(qtbot, window, grouping):
    """« Accueil de lois… », « Lambert (F0… » were cut while the family column was half
    empty: every cell of every line, and every group header, is shown whole."""
    area = desk(qtbot, window)
    combo = area.filters.grouping
    combo.setCurrentIndex(combo.findData(grouping))
    qtbot.waitUntil(lambda: area.model.grouping is grouping, timeout=30_000)
    first = next(
        n
        for n in range(area.model.rowCount())
        if not isinstance(area.model.entry(n), Group)
        and area.model.entry(n).kind is RequestKind.BOOKING
    )
    select_row(qtbot, area, first)  # the side panel filled: its width is the one at work
    qtbot.wait(50)
    view = area.view
    assert view.horizontalScrollBar().maximum() == 0  # no sideways scrolling either
    groups = 0
    for row in range(area.model.rowCount()):
        if isinstance(area.model.entry(row), Group):
            groups += 1
            assert view.columnSpan(row, 0) == area.model.columnCount()
            index = area.model.index(row, 0)
            rect = view.visualRect(index)
            assert view.fontMetrics().horizontalAdvance(index.data()) < rect.width()
            continue
        for column in range(area.model.columnCount()):
            index = area.model.index(row, column)
            if index.data():
                assert not_elided(view, index), (index.data(), view.visualRect(index))
    assert (groups > 0) is (grouping is not Grouping.NONE)
    window.grab().save(str(SHOTS / f"desk-1280-list-{grouping.value}.png"))


# -- 2. the selection after a decision ----------------------------------------------------


def test_after_a_decision_the_next_request_below_is_selected(qtbot, window):
    area = desk(qtbot, window)
    scroll = area.view.verticalScrollBar()
    assert scroll.maximum() > 0
    scroll.setValue(scroll.maximum() // 2)
    row = area.view.rowAt(area.view.viewport().height() // 2)
    while not area.model.entry(row).decidable or not area.model.entry(row + 1).decidable:
        row += 1
    select_row(qtbot, area, row, settle=False)
    decided, below = area.model.entry(row), area.model.entry(row + 1)
    place = scroll.value()
    area.view.setFocus()
    qtbot.keyClick(area.view, Qt.Key.Key_A)
    dialog = area.decision_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.keyClick(dialog.ok_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: area.model.row_of(decided.id) is None, timeout=30_000)
    assert area.current_request().id == below.id
    assert area.selected_requests() == [below]
    assert scroll.value() == place  # the view kept its place


# -- 3. same-day duplicates -------------------------------------------------------------


def test_same_day_duplicates_are_one_line_decided_once(qtbot, window, demo):
    area = desk(qtbot, window)
    triple = demo["triple"]
    lines = [area.model.row_of(i) for i in triple]
    assert lines[0] is not None and lines[1:] == [None, None]  # one line, the oldest
    line = area.model.entry(lines[0])
    assert line.request_ids == tuple(triple)
    assert area.model.data(area.model.index(lines[0], 2)) == "Réservation ×3"
    two_units = area.model.entry(area.model.row_of(demo["two_units"]))
    assert two_units.days == 1 and "→" not in days_text(two_units)

    select_row(qtbot, area, area.model.row_of(demo["two_units"]), settle=False)
    area.accept_selection()
    dialog = area.decision_dialog
    summary = dialog.findChildren(type(dialog.error))[0].text()
    assert "(1 jour, 1 famille)" in summary  # not « 2 jours »: one day, two units
    dialog.reject()

    select_row(qtbot, area, lines[0], settle=False)
    area.accept_selection()
    dialog = area.decision_dialog
    assert "2 demandes en double" in dialog.findChildren(type(dialog.error))[0].text()
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: area.model.row_of(triple[0]) is None, timeout=30_000)
    assert "2 doublons fermés" in area.status.text()
    with demo["db"].session() as s:
        states = [s.get(PortalRequest, i).state for i in triple]
    assert states == [RequestState.ACCEPTED, RequestState.DUPLICATE, RequestState.DUPLICATE]


# -- 4. postcode suggestions ----------------------------------------------------------------


def _suggest(qtbot, field) -> None:
    field.window().activateWindow()
    qtbot.waitUntil(field.window().isActiveWindow, timeout=30_000)
    field.postcode_edit.setFocus()
    field.postcode_edit.clear()
    qtbot.keyClicks(field.postcode_edit, "728")
    popup = field.postcode_completer.popup()
    qtbot.waitUntil(popup.isVisible, timeout=30_000)
    assert suggestions_readable(popup)
    assert popup.width() > field.postcode_edit.width()


@offscreen_popups
def test_postcode_suggestions_readable_in_every_dialog(qtbot, window, demo):
    account = window.open_account()
    _suggest(qtbot, account.commune)
    account.reject()

    view = window.families.open_family(demo["family"])
    qtbot.waitUntil(lambda: view.detail is not None, timeout=30_000)
    edit = view.edit_family()
    qtbot.waitUntil(lambda: edit.family_section.place.postcode() != "", timeout=30_000)
    _suggest(qtbot, edit.family_section.place)
    edit.reject()

    child = view.detail.children[0].id
    file_dialog = window.open_child_file(child)
    file_dialog.tabs.setCurrentIndex(file_dialog.tabs.indexOf(file_dialog.pickup))
    file_dialog.pickup.add_button.click()
    person = file_dialog.pickup.contact_dialog
    _suggest(qtbot, person.town)
    person.reject()
    file_dialog.reject()


# -- 10. payments ---------------------------------------------------------------------------


@pytest.mark.parametrize("login", ["jfoucault"])  # payments are the régisseur's (issue #18)
def test_payment_amount_prefilled_with_what_the_family_owes(qtbot, window, demo, login):
    window.show_area(window.payments)
    panel = window.payments.family
    panel.run_search()
    owing = None
    for n in range(panel.families.rowCount()):
        panel.families_view.selectRow(n)
        account = panel.account
        if account is not None and any(r.balance > 0 for r in account.balance.regies):
            owing = account
            break
    assert owing is not None, "the demo has no family owing money"
    invoices = panel.invoices_view
    for row in range(panel.invoices.rowCount()):  # « Partiellement réglée », dates whole
        for column in range(panel.invoices.columnCount()):
            cell = panel.invoices.index(row, column)
            if cell.data():
                assert not_elided(invoices, cell), cell.data()
    dialog = panel.open_record_dialog()
    qtbot.addWidget(dialog)
    owed = sum((i.balance for i in dialog.invoices), Decimal("0.00"))
    assert owed > 0
    assert dialog.amount.text() == f"{owed:.2f}".replace(".", ",")
    assert "reste en avoir" not in dialog.allocation_label.text()
    window.grab().save(str(SHOTS / "desk-1280-payments.png"))
    dialog.grab().save(str(SHOTS / "desk-payment-prefilled.png"))
    # The agent types another amount: it stays.
    dialog.amount.setText("5,00")
    dialog.load_invoices()
    assert dialog.amount.text() == "5,00"
    # Nothing allocated while invoices are open: the service's French message.
    dialog.set_mode(PaymentMode.CASH)
    for n in range(dialog.table.rowCount()):
        dialog.table.item(n, 5).setText("")
    assert not dialog.submit()
    assert dialog.error.text().startswith("Affectez le règlement à au moins une facture")
    assert dialog.amount.text() == "5,00"
    dialog.reject()


def test_credit_note_shows_its_total_before_confirming(qtbot, window, demo):
    with demo["db"].session() as s:
        from backoffice.models import Invoice

        invoice_id = s.scalars(select(Invoice.family_id).order_by(Invoice.id)).first()
        invoice = family_invoice_rows(s, invoice_id)[0]
    dialog = CreditNoteDialog(demo["db"], window.actor, invoice, TODAY, window.billing)
    qtbot.addWidget(dialog)
    dialog.show()
    left = invoice.total - invoice.credited
    money = f"{left:.2f}".replace(".", ",")
    assert f"Total de l'avoir : <b>{money}" in dialog.total_label.text()
    line = dialog.lines[0]
    dialog.check_line(line.position, "1,50")
    assert "Total de l'avoir : <b>1,50" in dialog.total_label.text()
    assert dialog.total_label.isVisible()


# -- 11. the keyboard after a dialog ------------------------------------------------------


def _press(qtbot, window, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """The key pressed where the focus is (no click first); released on the window,
    which stays shown when the shortcut hides the focused area (else Qt would keep
    Ctrl held for the next test)."""
    focus = QApplication.focusWidget()
    assert focus is not None and focus.window() is window
    qtbot.keyPress(focus, key, modifier)
    qtbot.keyRelease(window, key, modifier)
    if modifier & Qt.KeyboardModifier.ControlModifier:  # QTest leaves it held
        qtbot.keyRelease(window, Qt.Key.Key_Control, Qt.KeyboardModifier.NoModifier)
    assert QApplication.keyboardModifiers() == Qt.KeyboardModifier.NoModifier


def test_area_shortcuts_work_at_once_after_a_dialog_closes(qtbot, window, no_dialogs):
    area = desk(qtbot, window)
    area.view.setFocus()
    dialog = window.open_account()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=30_000)
    dialog.reject()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=5_000)
    assert QApplication.focusWidget() is area.view  # back where it was
    _press(qtbot, window, Qt.Key.Key_F1)
    assert no_dialogs[-1].title == "Raccourcis — Demandes"
    _press(qtbot, window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.currentWidget() is window.planning

    # A dialog of another area, closed: Ctrl+2 goes to the desk at once.
    window.show_area(window.payments)
    panel = window.payments.family
    panel.run_search()
    panel.families_view.selectRow(0)
    record = panel.open_record_dialog()
    qtbot.waitUntil(record.isActiveWindow, timeout=30_000)
    record.reject()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=5_000)
    _press(qtbot, window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.currentWidget() is window.requests


@pytest.mark.parametrize("login", ["jfoucault"])
def test_payments_family_list_shows_whole_communes_at_1280(qtbot, window, login):
    """« Saint-Germain-d'… », « Saint-Jean-de-la-… » were cut in Règlements' family list
    at 1280 px (the splitter's 360 px shrank with the window): every cell is whole."""
    window.show_area(window.payments)
    panel = window.payments.family
    panel.run_search()
    qtbot.waitUntil(lambda: panel.families.rowCount() > 0, timeout=30_000)
    qtbot.wait(50)
    view = panel.families_view
    communes = [panel.families.index(r, 2).data() for r in range(panel.families.rowCount())]
    assert max(len(c) for c in communes) >= len("Saint-Germain-d'Arcé")  # a long one is there
    assert view.horizontalScrollBar().maximum() == 0
    for row in range(panel.families.rowCount()):
        for column in range(panel.families.columnCount()):
            index = panel.families.index(row, column)
            assert not_elided(view, index), (index.data(), view.visualRect(index))
    invoices = panel.invoices_view  # the right side still shows its columns whole
    header = invoices.horizontalHeader()
    assert header.length() <= invoices.viewport().width()
