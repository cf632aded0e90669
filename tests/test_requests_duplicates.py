"""Same-day duplicates at the desk (services/requests/duplicates.py): a child's pending
requests for the same days are one queue row; deciding it decides the oldest and closes
the others as duplicates — audited, undoable, nothing pushed for them. The day count is
by dates: a request for two units of one day is « 1 jour ».

On the desk world of test_requests_desk (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from test_requests_desk import FULL_DAY, NOW, _actor, build_desk

from backoffice.models import (
    AuditEvent,
    Booking,
    BookingState,
    OutboxItem,
    PortalRequest,
    RequestBooking,
    RequestKind,
    RequestState,
    Role,
    Unit,
)
from backoffice.services.requests import decisions
from backoffice.services.requests.desk import Decision, decide_requests
from backoffice.services.requests.duplicates import split
from backoffice.services.requests.queue import pending_requests

pytestmark = pytest.mark.postgres


@pytest.fixture
def world(db):
    """The desk world plus Zoé's request for 02/12 at Le Lude sent twice more (the same
    booking), and Noé asking two units of 09/12 at Mayet in one request."""
    ids = build_desk(db)
    with db.session() as s:
        original = s.get(PortalRequest, ids["zoe_lude"])
        [link] = original.bookings
        again = []
        for n in (1, 2):
            request = PortalRequest(
                portal_ref=f"zoe-again-{n}",
                kind=RequestKind.BOOKING,
                family_id=original.family_id,
                child_id=original.child_id,
                activity_id=original.activity_id,
                period_id=original.period_id,
                received_at=NOW - timedelta(minutes=300 - 10 * n),
                payload=dict(original.payload),
            )
            request.bookings.append(RequestBooking(booking_id=link.booking_id))
            s.add(request)
            again.append(request)
        noe = s.get(PortalRequest, ids["noe_mayet"])
        [noe_link] = noe.bookings
        meal = Unit(code="REPAS", name="Repas", position=2, weekdays="1,2,3,4,5")
        meal.activity_id = noe.activity_id
        s.add(meal)
        s.flush()
        s.add(
            RequestBooking(
                request_id=noe.id,
                booking=Booking(
                    child_id=noe.child_id,
                    unit_id=meal.id,
                    day=noe_link.booking.day,
                    registration_id=noe_link.booking.registration_id,
                    state=BookingState.REQUESTED,
                ),
            )
        )
        s.flush()
        ids["zoe_again"] = [r.id for r in again]
    return ids


@pytest.fixture
def agent(db):
    return _actor(db, Role.AGENT, "desk.agent")


def test_duplicates_are_one_queue_row_and_days_count_dates(db, world):
    with db.session() as s:
        rows = {r.id: r for r in pending_requests(s)}
    zoe = rows[world["zoe_lude"]]
    assert zoe.duplicate_ids == tuple(world["zoe_again"])
    assert zoe.request_ids == (world["zoe_lude"], *world["zoe_again"])
    assert not set(world["zoe_again"]) & set(rows)
    assert (zoe.first_day, zoe.last_day, zoe.days) == (FULL_DAY, FULL_DAY, 1)
    noe = rows[world["noe_mayet"]]
    assert noe.days == 1 and noe.duplicate_ids == ()  # two units, one day


def test_split_keeps_the_oldest_chosen_and_finds_the_others(db, world):
    zoe, (again1, again2) = world["zoe_lude"], world["zoe_again"]
    with db.session() as s:
        assert split(s, [zoe, world["noe_lude"]]) == (
            [zoe, world["noe_lude"]],
            {again1: zoe, again2: zoe},
        )
        # Only a later one chosen: it is decided, the set closed with it.
        assert split(s, [again2]) == ([again2], {zoe: again2, again1: again2})


def _state(s, request_id):
    request = s.get(PortalRequest, request_id)
    return request.state, request.answer_text


def test_accepting_decides_once_and_closes_the_duplicates(db, world, agent):
    zoe, again = world["zoe_lude"], world["zoe_again"]
    with db.session() as s:
        outcome = decide_requests(s, agent, [zoe], Decision(True, "", None))
    assert (outcome.accepted, outcome.duplicates) == (1, 2)
    assert set(outcome.ids) == {zoe, *again}
    assert "2 doublons fermés" in outcome.text()
    with db.session() as s:
        assert _state(s, zoe)[0] is RequestState.ACCEPTED
        for request_id in again:
            state, answer = _state(s, request_id)
            assert state is RequestState.DUPLICATE
            assert answer.startswith(
                "Demande en double : la même demande (n° req-1, du 27/11/2026)"
            )
            assert "Réservation acceptée" in answer
        audit = s.scalars(
            select(AuditEvent).where(
                AuditEvent.entity == "portal_request", AuditEvent.entity_id.in_(again)
            )
        ).all()
        assert len(audit) == 2
        assert all(
            e.new_value.startswith("Réservation close (en double)") and e.actor == "desk.agent"
            for e in audit
        )
        # One day decided, pushed once (the kept request's).
        pushed = [
            d["booking_id"]
            for item in s.scalars(select(OutboxItem))
            for d in item.payload.get("decisions", [])
        ]
        assert pushed.count(1001) == 1
    with db.session() as s:
        decisions.undo_decisions(s, agent, outcome.ids)
    with db.session() as s:
        assert [_state(s, i)[0] for i in (zoe, *again)] == [RequestState.PENDING] * 3
        rows = {r.id: r for r in pending_requests(s)}
        assert rows[zoe].duplicate_ids == tuple(again)


def test_refusing_closes_the_duplicates_with_the_reason(db, world, agent):
    zoe, again = world["zoe_lude"], world["zoe_again"]
    with db.session() as s:
        outcome = decide_requests(s, agent, [zoe, *again], Decision(False, "Complet", None))
    assert (outcome.refused, outcome.duplicates) == (1, 2)
    with db.session() as s:
        assert _state(s, zoe) == (RequestState.REFUSED, "Complet")
        for request_id in again:
            state, answer = _state(s, request_id)
            assert state is RequestState.DUPLICATE and "Réservation refusée" in answer
