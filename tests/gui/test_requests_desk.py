# Long module: one demo database driven with the keyboard, scenario after scenario.
"""« Demandes »: the requests desk on a demo database with a few hundred pending
requests (the demo's own, plus portal-like one-day requests), driven with the
keyboard like an agent would: filter one site, group by family, accept a group
(the day is full: one accepted, the others on the waiting list — nothing
overfilled), refuse one with a reason, see the places change before saving;
two agents deciding the same request: the second one is told."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from backoffice.demo.load import load_demo
from backoffice.demo.requests import add_portal_requests
from backoffice.models import (
    Activity,
    Booking,
    BookingState,
    Capacity,
    Child,
    Family,
    Period,
    PortalRequest,
    ProcessingRule,
    Registration,
    RegistrationState,
    RequestBooking,
    RequestKind,
    RequestState,
    Role,
    Sex,
    Unit,
    WhenFull,
    utcnow,
)
from backoffice.services.families.queries import refresh_search_text
from backoffice.services.requests import decisions
from backoffice.services.requests.queue import Group, Grouping, QueueRow, count_pending
from backoffice.ui.qt import Qt
from backoffice.ui.requests import RequestsArea
from backoffice.ui.requests.decision_dialog import DecisionDialog

from .conftest import TODAY, add_agent

SHOTS = __import__("pathlib").Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHILDREN = ("Anaïs", "Basile", "Céleste")


def _full_day(db, when_full: WhenFull = WhenFull.WAITING_LIST) -> dict:
    """Family TESTDESK, three children registered to one activity; on a Thursday the
    unit has one place left (a capacity row for that day); each child asks it."""
    with db.session() as s:
        day = date(2026, 12, 3)
        period = s.scalars(
            select(Period)
            .join(Activity)
            .where(Period.start_date <= day, Period.end_date >= day)
            .order_by(Period.id)
        ).first()
        unit = s.scalars(
            select(Unit).where(Unit.activity_id == period.activity_id).order_by(Unit.id)
        ).first()
        taken = s.scalar(
            select(func.count(Booking.id)).where(
                Booking.unit_id == unit.id,
                Booking.day == day,
                Booking.state.in_((BookingState.ACCEPTED, BookingState.CANCEL_REQUESTED)),
            )
        )
        s.add(Capacity(unit_id=unit.id, start_date=day, end_date=day, places=taken + 1))
        activity = s.get(Activity, period.activity_id)
        activity.rule = activity.rule or ProcessingRule()
        activity.rule.when_full = when_full
        family = Family(
            code="F09999", name="TESTDESK", commune="Le Lude", login_email="testdesk@example.org"
        )
        for first in CHILDREN:
            family.children.append(
                Child(
                    first_name=first,
                    last_name="TESTDESK",
                    sex=Sex.FEMALE,
                    birth_date=date(2017, 5, 5),
                )
            )
        refresh_search_text(family)
        s.add(family)
        s.flush()
        ids = []
        for n, child in enumerate(family.children):
            registration = Registration(
                child_id=child.id,
                activity_id=period.activity_id,
                period_id=period.id,
                state=RegistrationState.ACCEPTED,
            )
            s.add(registration)
            s.flush()
            booking = Booking(
                child_id=child.id,
                unit_id=unit.id,
                day=day,
                registration_id=registration.id,
                state=BookingState.REQUESTED,
            )
            request = PortalRequest(
                portal_ref=f"testdesk-{n}",
                kind=RequestKind.BOOKING,
                family_id=family.id,
                child_id=child.id,
                activity_id=period.activity_id,
                period_id=period.id,
                received_at=utcnow() - timedelta(minutes=10 - n),
                payload={"booking_id": 90000 + n, "date": day.isoformat()},
            )
            request.bookings.append(RequestBooking(booking=booking))
            s.add(request)
            s.flush()
            ids.append(request.id)
        site_id = s.get(Activity, period.activity_id).site_id
        return {
            "requests": ids,
            "unit": unit.id,
            "day": day,
            "places": taken + 1,
            "taken": taken,
            "site": site_id,
            "family": family.id,
        }


@pytest.fixture
def demo_db(sqlite_db):
    load_demo(sqlite_db, families=100, seed=7, today=TODAY)
    with sqlite_db.session() as s:
        add_portal_requests(s, 300, seed=5, today=TODAY)
    return sqlite_db


@pytest.fixture
def scenario(demo_db):
    return _full_day(demo_db)


@pytest.fixture
def area(qtbot, demo_db, scenario, sync_runner):
    agent = add_agent(demo_db, "desk.agent", "Agent d'accueil")
    widget = RequestsArea(demo_db, agent, sync_runner, today=TODAY)
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    qtbot.waitExposed(widget)
    widget.reload()
    return widget


def _side_settled(qtbot, area, selected: int) -> None:
    qtbot.waitUntil(
        lambda: not area._side_timer.isActive() and area.side.data.selected == selected,
        timeout=30_000,
    )
    qtbot.wait(10)  # the panel's new layout (posted) before any screenshot


def _line(area, scenario):
    [line] = [
        c
        for c in area.side.data.capacity
        if c.unit_id == scenario["unit"]
        and c.day == scenario["day"]
        and c.places == scenario["places"]
    ]
    return line


def _states(db, ids):
    with db.session() as s:
        rows = s.execute(
            select(PortalRequest.id, PortalRequest.state, Booking.state)
            .join(RequestBooking, RequestBooking.request_id == PortalRequest.id)
            .join(Booking, Booking.id == RequestBooking.booking_id)
            .where(PortalRequest.id.in_(ids))
        ).all()
    return {i: (r, b) for i, r, b in rows}


def test_queue_of_a_few_hundred_requests_filtered_to_one_site(qtbot, area, demo_db, scenario):
    with demo_db.session() as s:
        pending = count_pending(s)
    assert pending >= 300
    assert area.model.request_count == pending == area.total
    assert area.count_label.text().endswith("demandes")
    area.filters.select(area.filters.site, scenario["site"])
    shown = [area.model.entry(r) for r in range(area.model.rowCount())]
    assert shown and all(e.site_id == scenario["site"] for e in shown)
    assert set(scenario["requests"]) <= {e.id for e in shown}
    with demo_db.session() as s:
        in_db = s.scalar(
            select(func.count(PortalRequest.id))
            .join(Activity)
            .where(
                PortalRequest.state == RequestState.PENDING, Activity.site_id == scenario["site"]
            )
        )
    assert area.model.request_count == in_db < pending
    assert " sur " in area.count_label.text()
    area.view.selectRow(area.model.row_of(scenario["requests"][0]))
    _side_settled(qtbot, area, 1)
    area.grab().save(str(SHOTS / "requests-site.png"))


def test_keyboard_only_accept_a_full_group_then_refuse_one(qtbot, area, demo_db, scenario):
    view = area.view
    view.setFocus()
    # Ctrl+F, the family's name, ↓ back to the list, G: grouped by family.
    qtbot.keyClick(view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert area.filters.text.hasFocus()
    qtbot.keyClicks(area.filters.text, "testdesk")
    qtbot.keyClick(area.filters.text, Qt.Key.Key_Down)
    assert view.hasFocus() and area.model.request_count == 3
    qtbot.keyClick(view, Qt.Key.Key_G)
    assert area.filters.current_grouping() is Grouping.FAMILY
    assert isinstance(area.model.entry(0), Group) and area.model.rowCount() == 4
    # ↑ to the group's header (it stands for the group); Space takes it out, Space again in.
    assert area.current_request().id == scenario["requests"][0]
    qtbot.keyClick(view, Qt.Key.Key_Up)
    assert isinstance(area.current_entry(), Group)
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert area.selected_requests() == []
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert sorted(r.id for r in area.selected_requests()) == scenario["requests"]
    _side_settled(qtbot, area, 3)
    line = _line(area, scenario)
    # Before saving: 3 would be accepted on a day with one place left.
    assert (line.taken, line.accepting, line.projected) == (
        scenario["taken"],
        3,
        scenario["taken"] + 3,
    )
    assert line.overfull and line.left == 1
    assert all(
        b is BookingState.REQUESTED for _, b in _states(demo_db, scenario["requests"]).values()
    )
    area.grab().save(str(SHOTS / "requests-group.png"))

    qtbot.keyClick(view, Qt.Key.Key_A)
    dialog = area.decision_dialog
    assert isinstance(dialog, DecisionDialog) and dialog.isVisible()
    dialog.grab().save(str(SHOTS / "requests-accept.png"))
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    states = _states(demo_db, scenario["requests"])
    first, *others = scenario["requests"]  # first come, first served
    assert states[first] == (RequestState.ACCEPTED, BookingState.ACCEPTED)
    assert [states[i] for i in others] == [(RequestState.PENDING, BookingState.WAITING_LIST)] * 2
    assert "1 acceptée" in area.status.text() and "2 en liste d'attente" in area.status.text()
    # The list reloaded: the two waiting requests stay, marked so; the place is taken.
    rows = [area.model.entry(r) for r in range(area.model.rowCount())]
    waiting = [r for r in rows if isinstance(r, QueueRow)]
    assert [r.id for r in waiting] == others and all(r.waiting == 1 for r in waiting)
    assert area.model.data(area.model.index(1, 6)) == "Liste d'attente"
    qtbot.keyClick(view, Qt.Key.Key_Down)
    _side_settled(qtbot, area, 1)
    line = _line(area, scenario)
    assert (line.taken, line.waiting, line.left) == (scenario["places"], 2, 0)

    # Refuse one (the second child's) with a reason from the list and a precision.
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert area.current_request().id == others[1]
    qtbot.keyClick(view, Qt.Key.Key_R)
    dialog = area.decision_dialog
    qtbot.waitUntil(dialog.reasons.hasFocus, timeout=30_000)
    assert dialog.reasons.currentItem().text() == "Complet"
    dialog.details.setFocus()
    qtbot.keyClicks(dialog.details, "plus de place ce jeudi")
    dialog.grab().save(str(SHOTS / "requests-refuse.png"))
    qtbot.keyClick(dialog.ok_button, Qt.Key.Key_Space)
    states = _states(demo_db, [others[1]])
    assert states[others[1]] == (RequestState.REFUSED, BookingState.REFUSED)
    with demo_db.session() as s:
        request = s.get(PortalRequest, others[1])
        assert request.answer_text == "Complet : plus de place ce jeudi"
        assert request.decided_by_id is not None
    assert [
        r.id
        for r in (area.model.entry(i) for i in range(area.model.rowCount()))
        if isinstance(r, QueueRow)
    ] == [others[0]]


def test_refusing_needs_a_reason(qtbot, area, demo_db, scenario):
    area.filters.text.setText("testdesk")
    area.filters.flush_text()
    area.view.setFocus()
    area.refuse_selection()
    dialog = area.decision_dialog
    dialog.reasons.setCurrentRow(dialog.reasons.count() - 1)  # « Autre motif »
    dialog.ok_button.click()
    assert dialog.isVisible() and "motif" in dialog.error.text()
    dialog.reject()
    assert all(
        r is RequestState.PENDING for r, _ in _states(demo_db, scenario["requests"]).values()
    )


def test_side_panel_shows_the_child_and_the_family(qtbot, area, demo_db, scenario):
    area.filters.text.setText("testdesk")
    area.filters.flush_text()
    _side_settled(qtbot, area, 1)
    data = area.side.data
    assert data.family_label == "TESTDESK (F09999)" and data.balance == 0
    assert data.alerts.child_name == "Anaïs TESTDESK"
    assert "Fiche sanitaire" in data.alerts.missing
    assert "Aucun impayé" in area.side.family_label.text()
    assert "Dossier incomplet" in area.side.child_label.text()


def test_two_agents_on_the_same_request(qtbot, area, demo_db, scenario, sync_runner, no_dialogs):
    other = RequestsArea(
        demo_db,
        add_agent(demo_db, "desk.director", "Julie Dupont", Role.DIRECTOR),
        sync_runner,
        today=TODAY,
    )
    qtbot.addWidget(other)
    other.reload()
    target = scenario["requests"][0]
    for desk in (area, other):
        desk.view.selectRow(desk.model.row_of(target))
    # The first agent accepts; the second, whose list is not refreshed yet, refuses.
    area.accept_selection()
    qtbot.keyClick(area.decision_dialog, Qt.Key.Key_Return)
    assert [r.id for r in other.selected_requests()] == [target]
    other.refuse_selection()
    other.decision_dialog.ok_button.click()
    [warning] = [d for d in no_dialogs if d.kind == "warning"]
    assert "déjà été traitée" in warning.text and "actualisez" in warning.text
    assert _states(demo_db, [target])[target] == (RequestState.ACCEPTED, BookingState.ACCEPTED)
    assert other.model.row_of(target) is None  # reloaded


def test_shortcuts_help_and_undo(qtbot, area, demo_db, scenario, no_dialogs):
    qtbot.keyClick(area.view, Qt.Key.Key_F1)
    assert "Ctrl+Z" in no_dialogs[-1].text and "Espace" in no_dialogs[-1].text
    area.undo_last()
    assert area.status.text() == "Aucune décision à annuler."
    if not hasattr(decisions, "undo_decisions"):
        pytest.skip("undo_decisions pas encore livré par le service des décisions")
    target = scenario["requests"][0]
    area.view.selectRow(area.model.row_of(target))
    area.accept_selection()
    qtbot.keyClick(area.decision_dialog, Qt.Key.Key_Return)
    assert area.model.row_of(target) is None
    qtbot.keyClick(area.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _states(demo_db, [target])[target] == (RequestState.PENDING, BookingState.REQUESTED)
    assert area.model.row_of(target) is not None and "Décision annulée" in area.status.text()


def test_enter_opens_the_family_ctrl_enter_the_child(qtbot, area, scenario):
    area.filters.text.setText("testdesk")
    area.filters.flush_text()
    area.view.setFocus()
    with qtbot.waitSignal(area.open_family, timeout=30_000) as family:
        qtbot.keyClick(area.view, Qt.Key.Key_Return)
    assert family.args == [scenario["family"]]
    with qtbot.waitSignal(area.open_child, timeout=30_000) as child:
        qtbot.keyClick(area.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert child.args == [area.current_request().child_id]


# -- with the real portal: the desk's decisions reach the parent's planning ----------------------


def _sync_kit():
    """The portal test kit and the sync tests' helpers (imported by path, like
    tests/sync/conftest.py does)."""
    import importlib.util
    import sys
    from pathlib import Path

    tests = Path(__file__).resolve().parents[1]
    if "portal_testkit" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "portal_testkit", tests / "portal_api" / "portal_testkit.py"
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules["portal_testkit"] = module
        spec.loader.exec_module(module)
    if str(tests / "sync") not in sys.path:
        sys.path.insert(0, str(tests / "sync"))
    return sys.modules["portal_testkit"]


_kit = _sync_kit()
from portal_testkit import book, cell, planning, portal, set_now, smtp_sink  # noqa: E402,F401
from sync_helpers import make_client  # noqa: E402
from test_sync_decisions import registered  # noqa: E402,F401  (the fixture)


@pytest.fixture
def client(portal):  # noqa: F811
    with make_client(portal) as c:
        yield c


@pytest.fixture
def agent(db):
    return add_agent(db, "desk.round", "Mélanie Huet", Role.DIRECTOR)


@pytest.mark.postgres
def test_desk_decisions_reach_the_parents_planning(
    qtbot,
    db,
    agent,
    portal,  # noqa: F811
    client,
    registered,  # noqa: F811
    sync_runner,
    no_dialogs,
):
    from backoffice.sync import run_round

    parent, child_id, reg = registered
    set_now(portal, "2026-12-04 15:00")  # Monday 7 and Tuesday 8: past « J-2 à 12:00 »
    book(portal, parent.token, reg, "2026-12-07", "2026-12-08")
    pulled = run_round(db, client)
    assert pulled.ok and pulled.pull.requests == 2

    area = RequestsArea(db, agent, sync_runner, today=date(2026, 12, 4))
    qtbot.addWidget(area)
    area.show()
    qtbot.waitExposed(area)
    area.reload()
    assert area.model.request_count == 2
    view = area.view
    view.setFocus()
    assert area.model.entry(0).first_day == date(2026, 12, 7)
    assert [r.first_day for r in area.selected_requests()] == [date(2026, 12, 7)]
    qtbot.keyClick(view, Qt.Key.Key_A)
    assert area.decision_dialog is not None, (area.status.text(), area.selected_requests())
    qtbot.keyClicks(area.decision_dialog.details, "Lou est attendue lundi.")
    qtbot.keyClick(area.decision_dialog.ok_button, Qt.Key.Key_Space)
    assert area.model.request_count == 1 and area.model.entry(0).first_day == date(2026, 12, 8)
    qtbot.keyClick(view, Qt.Key.Key_R)
    qtbot.waitUntil(area.decision_dialog.reasons.hasFocus, timeout=30_000)
    qtbot.keyClick(area.decision_dialog.reasons, Qt.Key.Key_Return)  # « Complet »
    assert area.model.request_count == 0

    pushed = run_round(db, client)
    assert pushed.ok and pushed.push.by_topic == {"booking.decisions": 2}, pushed.summary()
    week = planning(portal, parent.token, reg, "2026-W50")
    assert (cell(week, "2026-12-07")["state"], cell(week, "2026-12-07")["answer"]) == (
        "booked",
        "Lou est attendue lundi.",
    )
    assert (cell(week, "2026-12-08")["state"], cell(week, "2026-12-08")["answer"]) == (
        "refused",
        "Complet",
    )
    # Synced: the decision can no longer be undone from the desk.
    refused = area.undo_stack[-1]
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    warnings = [d.text for d in no_dialogs if d.kind == "warning"]
    assert len(warnings) == 1, (area.status.text(), no_dialogs)
    assert "déjà été transmise au portail" in warnings[0]
    assert [s for s, _ in _states(db, refused).values()] == [RequestState.REFUSED]
    assert len(area.undo_stack) == 1  # the synced decision left the undo list


def _late_cancellation(db, scenario) -> int:
    """Basile's booked day next Monday (30/11), cancelled on the portal today (27/11):
    past « J-2 à 12:00 » (Thursday 26/11). Returns the request id."""
    with db.session() as s:
        unit = s.get(Unit, scenario["unit"])
        day = date(2026, 11, 30)
        while day.isoweekday() not in unit.weekday_set:
            day += timedelta(days=1)
        child = s.scalars(select(Child).where(Child.first_name == "Basile")).one()
        registration = s.scalars(
            select(Registration).where(Registration.child_id == child.id)
        ).one()
        booking = Booking(
            child_id=child.id,
            unit_id=unit.id,
            day=day,
            registration_id=registration.id,
            state=BookingState.CANCEL_REQUESTED,
            cancel_requested_at=utcnow(),
        )
        request = PortalRequest(
            portal_ref="testdesk-cancel",
            kind=RequestKind.CANCELLATION,
            family_id=child.family_id,
            child_id=child.id,
            activity_id=registration.activity_id,
            period_id=registration.period_id,
            payload={"booking_id": 91000, "date": day.isoformat()},
        )
        request.bookings.append(RequestBooking(booking=booking))
        s.add(request)
        s.flush()
        return request.id


@pytest.mark.parametrize("billed", [True, False])
def test_late_cancellation_accepted_billed_or_not(qtbot, area, demo_db, scenario, billed):
    request_id = _late_cancellation(demo_db, scenario)
    area.reload()
    area.filters.select(area.filters.kind, RequestKind.CANCELLATION)
    area.filters.text.setText("testdesk")
    area.filters.flush_text()
    assert [area.model.entry(r).id for r in range(area.model.rowCount())] == [request_id]
    area.view.setFocus()
    qtbot.keyClick(area.view, Qt.Key.Key_A)
    dialog = area.decision_dialog
    assert dialog.billed_box.isVisible() and dialog.billed.isChecked()  # billed by default
    if billed:
        dialog.grab().save(str(SHOTS / "requests-late-cancellation.png"))
    else:
        dialog.not_billed.setFocus()
        qtbot.keyClick(dialog.not_billed, Qt.Key.Key_Space)
    qtbot.keyClick(dialog.ok_button, Qt.Key.Key_Space)
    with demo_db.session() as s:
        request = s.get(PortalRequest, request_id)
        [link] = request.bookings
        assert request.state is RequestState.ACCEPTED
        assert (link.booking.state, link.booking.cancellation_billed) == (
            BookingState.CANCELLED,
            billed,
        )


def test_full_day_refused_when_the_activity_keeps_no_waiting_list(qtbot, area, demo_db, scenario):
    with demo_db.session() as s:
        unit = s.get(Unit, scenario["unit"])
        s.scalars(
            select(ProcessingRule).where(ProcessingRule.activity_id == unit.activity_id)
        ).one().when_full = WhenFull.REQUEST
    area.filters.text.setText("testdesk")
    area.filters.flush_text()
    area.filters.set_grouping(Grouping.CHILD)
    area.view.setFocus()
    area.select_all()
    _side_settled(qtbot, area, 3)
    assert _line(area, scenario).overfull
    assert "seront refusées" in area.side.places_hint.text()
    qtbot.keyClick(area.view, Qt.Key.Key_A)
    qtbot.keyClick(area.decision_dialog, Qt.Key.Key_Return)
    first, *others = scenario["requests"]
    states = _states(demo_db, scenario["requests"])
    assert states[first] == (RequestState.ACCEPTED, BookingState.ACCEPTED)
    assert [states[i] for i in others] == [(RequestState.REFUSED, BookingState.REFUSED)] * 2
    assert "2 refusées car complet" in area.status.text()
    with demo_db.session() as s:
        taken = s.scalar(
            select(func.count(Booking.id)).where(
                Booking.unit_id == scenario["unit"],
                Booking.day == scenario["day"],
                Booking.state == BookingState.ACCEPTED,
            )
        )
    assert taken == scenario["places"]  # full, never more


def test_a_clean_batch_in_three_keystrokes(qtbot, area, demo_db, scenario):
    """One site's requests (the demo's, several days each, and portal-like ones):
    Ctrl+A, A, Enter — every day judged within its capacity, nothing overfilled."""
    area.filters.select(area.filters.site, scenario["site"])
    site_ids = [area.model.entry(r).id for r in range(area.model.rowCount())]
    area.view.setFocus()
    qtbot.keyClick(area.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert len(area.selected_requests()) == len(site_ids)
    qtbot.keyClick(area.view, Qt.Key.Key_A)
    qtbot.keyClick(area.decision_dialog, Qt.Key.Key_Return)
    with demo_db.session() as s:
        states = dict(
            s.execute(
                select(PortalRequest.id, PortalRequest.state).where(PortalRequest.id.in_(site_ids))
            ).all()
        )
        places = s.scalar(
            select(Capacity.places).where(
                Capacity.unit_id == scenario["unit"], Capacity.start_date == scenario["day"]
            )
        )
        taken = s.scalar(
            select(func.count(Booking.id)).where(
                Booking.unit_id == scenario["unit"],
                Booking.day == scenario["day"],
                Booking.state.in_((BookingState.ACCEPTED, BookingState.CANCEL_REQUESTED)),
            )
        )
    assert RequestState.ACCEPTED in states.values()
    left = {i for i, state in states.items() if state is RequestState.PENDING}
    # What stays pending is only what waits for a place.
    assert all(area.model.entry(area.model.row_of(i)).waiting for i in left)
    assert taken <= places
