"""Automatic processing of the portal's booking requests at sync time
(``backoffice.services.requests.auto_processing``)."""

from __future__ import annotations

import threading
import time as clock
from datetime import date

import pytest
from sqlalchemy import select
from test_decisions import (
    MONDAY,
    THURSDAY,
    TUESDAY,
    add_request,
    agent,  # noqa: F401 - fixture
    build_world,
    desk_booking,
    holding,
    outbox_decisions,
    request_of,
)

from backoffice.models import (
    BookingState,
    PortalRequest,
    ProcessingRule,
    RequestKind,
    RequestState,
    WhenFull,
)
from backoffice.services.requests import auto_processing
from backoffice.services.requests.decisions import refuse_requests, undo_decisions

pytestmark = pytest.mark.postgres
TODAY = date(2026, 12, 4)
AUTO = "Réservation acceptée (traitement automatique)."


def _late(db, request_id: int) -> None:
    with db.session() as s:
        request = s.get(PortalRequest, request_id)
        request.payload = {**request.payload, "reason_code": "late"}


def test_requests_within_capacity_are_accepted_in_order_the_rest_waits(db):
    world = build_world(db, places=2, auto_accept=True)
    desk_booking(db, world, 3, MONDAY)  # one place left on Monday
    first = add_request(db, world, 0, RequestKind.BOOKING, [MONDAY], portal_id=1)
    second = add_request(db, world, 1, RequestKind.BOOKING, [MONDAY], portal_id=2)
    third = add_request(db, world, 2, RequestKind.BOOKING, [TUESDAY], portal_id=3)

    report = auto_processing.run(db, TODAY)

    assert (report.requests, report.accepted, report.waiting) == (3, 2, 1)
    assert request_of(db, first) == (RequestState.ACCEPTED, {MONDAY: BookingState.ACCEPTED}, AUTO)
    state, days, answer = request_of(db, second)
    assert (state, days) == (RequestState.PENDING, {MONDAY: BookingState.WAITING_LIST})
    assert answer == (
        "Liste d'attente : plus de place le lundi 07/12/2026 (Journée, 2 places). La "
        "réservation sera acceptée si une place se libère, dans l'ordre des demandes. "
        "(Traitement automatique.)"
    )
    assert request_of(db, third)[0] is RequestState.ACCEPTED
    assert holding(db, world.journee, MONDAY) == 2
    with db.session() as s:  # no agent: the system decided
        assert s.get(PortalRequest, first).decided_by_id is None
        assert s.get(PortalRequest, first).decided_at is not None
    assert [
        sorted(d["booking_id"] for d in decisions) for _, decisions in outbox_decisions(db)
    ] == [[1], [2], [3]]

    # Running again changes nothing: the waiting day keeps its rank, nothing new is told.
    again = auto_processing.run(db, TODAY)
    assert again.decided == 0 and len(outbox_decisions(db)) == 3


def test_a_waiting_day_is_accepted_once_the_back_office_has_a_place(db):
    world = build_world(db, places=1, auto_accept=True)
    request = add_request(
        db,
        world,
        0,
        RequestKind.BOOKING,
        [THURSDAY],
        portal_id=7,
        day_state=BookingState.WAITING_LIST,
    )

    report = auto_processing.run(db, TODAY)

    assert report.accepted == 1
    assert request_of(db, request) == (
        RequestState.ACCEPTED,
        {THURSDAY: BookingState.ACCEPTED},
        AUTO,
    )


def test_what_the_rules_leave_to_an_agent_is_left(db, agent):  # noqa: F811
    world = build_world(db, places=1, auto_accept=True, when_full=WhenFull.REQUEST)
    desk_booking(db, world, 3, MONDAY)  # Monday is full
    full = add_request(db, world, 0, RequestKind.BOOKING, [MONDAY], portal_id=1)
    late = add_request(db, world, 1, RequestKind.BOOKING, [TUESDAY], portal_id=2)
    _late(db, late)
    local = add_request(db, world, 2, RequestKind.BOOKING, [TUESDAY])  # desk / demo
    cancellation = add_request(db, world, 3, RequestKind.CANCELLATION, [MONDAY], portal_id=4)
    past = add_request(db, world, 0, RequestKind.BOOKING, [date(2026, 12, 1)], portal_id=5)

    report = auto_processing.run(db, TODAY)

    assert report.decided == 0
    for request in (full, late, local, cancellation, past):
        assert request_of(db, request)[0] is RequestState.PENDING
    assert outbox_decisions(db) == []
    # Another activity's rule: nothing automatic at all.
    with db.session() as s:
        s.scalar(select(ProcessingRule)).auto_accept = False
    free = add_request(db, world, 1, RequestKind.BOOKING, [THURSDAY], portal_id=6)
    assert auto_processing.run(db, TODAY).decided == 0
    assert request_of(db, free)[0] is RequestState.PENDING


def test_an_automatic_decision_is_undoable_at_the_desk_until_sent(db, agent):  # noqa: F811
    world = build_world(db, places=3, auto_accept=True)
    request = add_request(db, world, 0, RequestKind.BOOKING, [MONDAY], portal_id=1)
    auto_processing.run(db, TODAY)
    with db.session() as s:
        undo_decisions(s, agent, [request])
    assert request_of(db, request) == (RequestState.PENDING, {MONDAY: BookingState.REQUESTED}, "")
    assert outbox_decisions(db) == []


def test_an_agent_deciding_at_the_same_moment_wins(db, agent):  # noqa: F811
    world = build_world(db, places=3, auto_accept=True)
    request = add_request(db, world, 0, RequestKind.BOOKING, [MONDAY], portal_id=1)
    decided, outcome = threading.Event(), {}

    def desk() -> None:
        with db.session() as s:
            refuse_requests(s, agent, [request], "Sortie réservée aux grands.")
            decided.set()
            clock.sleep(0.5)  # the sync round runs meanwhile

    def sync_round() -> None:
        decided.wait(60)
        outcome["report"] = auto_processing.run(db, TODAY)

    threads = [threading.Thread(target=desk), threading.Thread(target=sync_round)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    # The round did not fail; the agent's refusal stands, alone in the outbox.
    assert outcome["report"].decided == 0
    assert request_of(db, request) == (
        RequestState.REFUSED,
        {MONDAY: BookingState.REFUSED},
        "Sortie réservée aux grands.",
    )
    assert [[d["state"] for d in decisions] for _, decisions in outbox_decisions(db)] == [
        ["refused"]
    ]
    assert auto_processing.run(db, TODAY).decided == 0
