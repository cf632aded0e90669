"""Undoing a decision until the portal has been told (``decisions.undo_decisions``)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from test_decisions import (
    MONDAY,
    TUESDAY,
    add_request,
    agent,  # noqa: F401 - fixture
    build_world,
    holding,
    outbox_decisions,
    request_of,
)

from backoffice.models import (
    Booking,
    BookingState,
    OutboxItem,
    OutboxState,
    PortalRequest,
    Registration,
    RegistrationState,
    RequestKind,
    RequestState,
    utcnow,
)
from backoffice.services.families.history import family_history
from backoffice.services.requests.decisions import (
    DecisionError,
    accept_requests,
    refuse_requests,
    undo_decisions,
)

pytestmark = pytest.mark.postgres


def _rows(db, request_id: int) -> tuple:
    """Everything a decision touches on a request and its days."""
    with db.session() as s:
        r = s.get(PortalRequest, request_id)
        days = sorted(
            (
                b.booking.day,
                b.booking.state,
                b.booking.decided_at,
                b.booking.decided_by_id,
                b.booking.decision_reason,
                b.booking.cancellation_billed,
            )
            for b in r.bookings
        )
        return (r.state, r.decided_at, r.decided_by_id, r.answer_text, days)


def test_an_acceptance_not_yet_sent_is_undone_and_taken_out_of_the_outbox(db, agent):  # noqa: F811
    world = build_world(db)
    monday = add_request(db, world, 0, RequestKind.BOOKING, [MONDAY], portal_id=101)
    tuesday = add_request(db, world, 0, RequestKind.BOOKING, [TUESDAY], portal_id=102)
    before = _rows(db, monday)
    with db.session() as s:
        accept_requests(s, agent, [monday, tuesday], answer="Accepté.")
    assert _rows(db, monday) != before

    with db.session() as s:
        restored = undo_decisions(s, agent, [monday])
        assert [r.id for r in restored] == [monday]

    assert _rows(db, monday) == before  # state, who/when, answer, the day's rows
    # The item keeps Tuesday's decision only.
    assert outbox_decisions(db) == [
        (
            world.families[0],
            [
                {"booking_id": 102, "state": "accepted", "answer": "Accepté."}
                | {"expected_state": "requested"}
            ],
        )
    ]
    with db.session() as s:
        assert "_decisions" not in s.get(PortalRequest, monday).payload
    # Undone, it can be decided again; Tuesday undone too empties and drops the item.
    with db.session() as s:
        undo_decisions(s, agent, [tuesday])
    assert outbox_decisions(db) == []
    with db.session() as s:
        refuse_requests(s, agent, [monday], "Complet.")
    assert request_of(db, monday)[:2] == (RequestState.REFUSED, {MONDAY: BookingState.REFUSED})
    # The family's history says who decided, who undid, and what.
    with db.session() as s:
        lines = [
            (e.agent, e.element.split(" — ")[-1], e.old_value, e.new_value)
            for e in family_history(s, agent, world.families[0])
            if e.element.endswith("Décision")
        ]
    me = "Mélanie Huet"
    assert sorted(lines) == sorted(
        [
            (me, "Décision", "Réservation en attente", "Réservation acceptée : Accepté."),
            (me, "Décision", "Réservation en attente", "Réservation acceptée : Accepté."),
            (
                me,
                "Décision",
                "Réservation acceptée : Accepté.",
                "Décision annulée : Réservation en attente",
            ),
            (
                me,
                "Décision",
                "Réservation acceptée : Accepté.",
                "Décision annulée : Réservation en attente",
            ),
            (me, "Décision", "Réservation en attente", "Réservation refusée : Complet."),
        ]
    )
    assert outbox_decisions(db) == [
        (
            world.families[0],
            [
                {"booking_id": 101, "state": "refused", "answer": "Complet."}
                | {"expected_state": "requested"}
            ],
        )
    ]


@pytest.mark.parametrize("sent", ["acknowledged", "tried"])
def test_a_decision_already_sent_to_the_portal_cannot_be_undone(db, agent, sent):  # noqa: F811
    world = build_world(db)
    request = add_request(db, world, 0, RequestKind.BOOKING, [MONDAY], portal_id=101)
    with db.session() as s:
        accept_requests(s, agent, [request])
    with db.session() as s:
        item = s.scalar(select(OutboxItem))
        if sent == "acknowledged":
            item.state, item.acknowledged_at = OutboxState.ACKNOWLEDGED, utcnow()
        else:  # a cut connection: the portal may have applied it
            item.attempts = 1
    decided = _rows(db, request)

    with db.session() as s, pytest.raises(DecisionError, match="déjà été transmise au portail"):
        undo_decisions(s, agent, [request])

    assert _rows(db, request) == decided
    assert len(outbox_decisions(db)) == 1


def test_a_registration_decision_is_undone_until_sent(db, agent):  # noqa: F811
    world = build_world(db, children=1)
    with db.session() as s:
        row = s.scalar(select(Registration))
        row.state = RegistrationState.REQUESTED
        request = PortalRequest(
            kind=RequestKind.REGISTRATION,
            family_id=world.families[0],
            child_id=world.children[0],
            activity_id=world.activity,
            period_id=world.period,
            payload={"registration": "INS-000007"},
        )
        s.add(request)
        s.flush()
        request_id = request.id
    with db.session() as s:
        accept_requests(s, agent, [request_id], answer="Bienvenue !")
    with db.session() as s:
        undo_decisions(s, agent, [request_id])
    with db.session() as s:
        row = s.scalar(select(Registration))
        assert (row.state, row.decided_at, row.decided_by_id, row.reason) == (
            RegistrationState.REQUESTED,
            None,
            None,
            "",
        )
        assert s.get(PortalRequest, request_id).state is RequestState.PENDING
        assert s.scalars(select(OutboxItem)).all() == []
    with db.session() as s:
        refuse_requests(s, agent, [request_id], "Dossier incomplet.")
    with db.session() as s:
        s.scalar(select(OutboxItem)).state = OutboxState.ACKNOWLEDGED
    with db.session() as s, pytest.raises(DecisionError, match="déjà été transmise"):
        undo_decisions(s, agent, [request_id])


def test_undoing_a_cancellation_takes_back_the_place_it_gave_to_the_waiting_list(db, agent):  # noqa: F811
    world = build_world(db, places=1)
    cancellation = add_request(db, world, 0, RequestKind.CANCELLATION, [MONDAY], portal_id=11)
    waiting = add_request(
        db,
        world,
        1,
        RequestKind.BOOKING,
        [MONDAY],
        portal_id=21,
        day_state=BookingState.WAITING_LIST,
    )
    with db.session() as s:  # the waiting day was told so earlier (sent)
        s.get(PortalRequest, waiting).answer_text = "Liste d'attente."
    before = (_rows(db, cancellation), _rows(db, waiting))
    with db.session() as s:
        accept_requests(s, agent, [cancellation], billed=True)
    assert request_of(db, waiting)[:2] == (RequestState.ACCEPTED, {MONDAY: BookingState.ACCEPTED})
    assert len(outbox_decisions(db)) == 2

    with db.session() as s:
        restored = undo_decisions(s, agent, [cancellation])
        assert sorted(r.id for r in restored) == sorted([cancellation, waiting])

    assert (_rows(db, cancellation), _rows(db, waiting)) == before
    assert holding(db, world.journee, MONDAY) == 1  # the cancel-requested day holds it again
    assert outbox_decisions(db) == []


def test_undo_takes_off_the_last_decision_only(db, agent):  # noqa: F811
    """A day sent to the waiting list, then given a freed place: undoing the latter puts
    it back on the waiting list; undoing again (still unsent) brings back the request."""
    world = build_world(db, places=1)
    taken = add_request(db, world, 0, RequestKind.CANCELLATION, [MONDAY])
    request = add_request(db, world, 1, RequestKind.BOOKING, [MONDAY], portal_id=21)
    first = _rows(db, request)
    with db.session() as s:
        accept_requests(s, agent, [request])
    waiting = _rows(db, request)
    assert waiting[4][0][1] is BookingState.WAITING_LIST
    with db.session() as s:  # the desk frees the place without a request of its own
        booking = s.scalar(
            select(Booking).where(Booking.child_id == world.children[0], Booking.day == MONDAY)
        )
        booking.state = BookingState.CANCELLED
    from backoffice.services.requests.decisions import offer_freed_places

    with db.session() as s:
        [given] = offer_freed_places(s, agent, [(world.journee, MONDAY)])
    assert request_of(db, request)[0] is RequestState.ACCEPTED

    with db.session() as s:
        undo_decisions(s, agent, [request])
    assert _rows(db, request) == waiting
    with db.session() as s:
        undo_decisions(s, agent, [request])
    assert _rows(db, request) == first
    assert outbox_decisions(db) == []
    with db.session() as s, pytest.raises(DecisionError, match="pas de décision à annuler"):
        undo_decisions(s, agent, [request])
    assert request_of(db, taken)[0] is RequestState.PENDING


def test_a_day_changed_since_the_decision_is_not_overwritten(db, agent):  # noqa: F811
    world = build_world(db)
    local = add_request(db, world, 0, RequestKind.BOOKING, [MONDAY, TUESDAY])
    with db.session() as s:
        accept_requests(s, agent, [local])
    with db.session() as s:  # the planning cancels Tuesday meanwhile
        booking = s.scalar(
            select(Booking).where(Booking.child_id == world.children[0], Booking.day == TUESDAY)
        )
        booking.state = BookingState.CANCELLED
    changed = _rows(db, local)

    with db.session() as s, pytest.raises(DecisionError, match="mardi 08/12/2026.*a changé"):
        undo_decisions(s, agent, [local])
    assert _rows(db, local) == changed


def test_local_requests_are_undone_whatever_the_sync(db, agent):  # noqa: F811
    world = build_world(db)
    local = add_request(db, world, 0, RequestKind.BOOKING, [MONDAY, TUESDAY])
    before = _rows(db, local)
    with db.session() as s:
        refuse_requests(s, agent, [local], "Complet.")
    with db.session() as s:
        [restored] = undo_decisions(s, agent, [local])
        assert restored.state is RequestState.PENDING
    assert _rows(db, local) == before
    with db.session() as s, pytest.raises(DecisionError, match="Aucune demande"):
        undo_decisions(s, agent, [])


def test_a_freed_place_decided_again_since_blocks_the_undo(db, agent):  # noqa: F811
    world = build_world(db, places=1)
    cancellation = add_request(db, world, 0, RequestKind.CANCELLATION, [MONDAY])
    waiting = add_request(
        db, world, 1, RequestKind.BOOKING, [MONDAY], day_state=BookingState.WAITING_LIST
    )
    with db.session() as s:
        accept_requests(s, agent, [cancellation])
    with db.session() as s:  # the place given is undone on its own, then accepted again
        undo_decisions(s, agent, [waiting])
    assert request_of(db, waiting)[1] == {MONDAY: BookingState.WAITING_LIST}
    with db.session() as s:
        accept_requests(s, agent, [waiting], answer="Place confirmée.")

    with db.session() as s, pytest.raises(DecisionError, match="décidée à nouveau depuis"):
        undo_decisions(s, agent, [cancellation])
    assert request_of(db, cancellation)[:2] == (
        RequestState.ACCEPTED,
        {MONDAY: BookingState.CANCELLED},
    )
    assert holding(db, world.journee, MONDAY) == 1
    # Once the place is given back, the cancellation can be undone.
    with db.session() as s:
        undo_decisions(s, agent, [waiting])
    with db.session() as s:
        undo_decisions(s, agent, [cancellation])
    assert request_of(db, cancellation)[:2] == (
        RequestState.PENDING,
        {MONDAY: BookingState.CANCEL_REQUESTED},
    )
    assert holding(db, world.journee, MONDAY) == 1
