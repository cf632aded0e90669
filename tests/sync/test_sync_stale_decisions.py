"""A decision taken on a day the family withdrew meanwhile (issue #14, item 4).

The parent withdraws a pending request on the portal; the agent, not yet told, decides
it in the back-office; the next round pulls the withdrawal, then pushes the decision.
The portal refuses that day (it changed since the decision: version and state), sends
no e-mail, takes no place; the back-office undoes the decision (the withdrawal wins),
records a conflict shown in the Synchronisation area and beside the request on the desk.
"""

from __future__ import annotations

from datetime import date

import pytest
from portal_testkit import book, draft, set_now, validate
from sqlalchemy import func, select
from test_sync_decisions import LOGIN, _requests, registered  # noqa: F401 - the fixture

from backoffice.errors import UserError
from backoffice.models import (
    AuditAction,
    AuditEvent,
    BookingState,
    OutboxItem,
    OutboxState,
    PortalRequest,
    RequestKind,
    RequestState,
    SyncConflict,
)
from backoffice.services.requests.decisions import accept_requests
from backoffice.services.requests.queue import pending_requests
from backoffice.services.requests.side_panel import request_notes, side_data
from backoffice.sync import open_conflicts, resolve_conflict, run_round
from backoffice.sync.push_decisions import WITHDRAWN, WITHDRAWN_NOTE
from backoffice.ui.requests.side_panel import SidePanel
from backoffice.ui.sync.lists import ConflictsList
from portal.models import Booking as PortalBooking
from portal.models import BookingState as PortalState
from portal.models import PlaceCount

pytestmark = pytest.mark.postgres
MONDAY = "2026-12-07"


def _withdraw(portal, parent, reg: str, day: str = MONDAY) -> None:
    draft(portal, parent.token, reg, {"action": "unbook", "unit": "JOURNEE", "dates": [day]})
    [line] = validate(portal, parent.token, reg)["lines"]
    assert (line["decision"], line["reason_code"]) == ("cancelled", "withdrawn")


def _portal_day(portal, day: str = MONDAY) -> tuple[PortalState, int]:
    with portal.db.session() as ps:
        b = ps.scalar(select(PortalBooking).where(PortalBooking.day == date.fromisoformat(day)))
        taken = ps.scalar(
            select(func.coalesce(func.sum(PlaceCount.taken), 0)).where(
                PlaceCount.day == date.fromisoformat(day), PlaceCount.age_group == ""
            )
        )
        return b.state, taken


def _pending_request(db, day: str = MONDAY) -> int:
    return _requests(db)[("JOURNEE", day)].id


def _check_converged(db, portal, smtp_sink, request_id: int, mails_before: int) -> None:
    # The portal: still cancelled, no place taken, no answer e-mailed.
    assert _portal_day(portal) == (PortalState.CANCELLED, 0)
    assert len(smtp_sink.to(LOGIN)) == mails_before
    with db.session() as s:
        request = s.get(PortalRequest, request_id)
        [link] = request.bookings
        # The back-office: the withdrawal wins, the decision is undone.
        assert link.booking.state is BookingState.CANCELLED
        assert (request.state, request.answer_text, request.decided_by_id) == (
            RequestState.REFUSED,
            WITHDRAWN,
            None,
        )
        undone = s.scalars(
            select(AuditEvent).where(
                AuditEvent.entity == "portal_request",
                AuditEvent.entity_id == request_id,
                AuditEvent.action == AuditAction.DECIDE,
            )
        ).all()
        assert [(e.actor, e.old_value, e.new_value) for e in undone][-1] == (
            "portail",
            "Réservation acceptée : Réservation acceptée.",
            f"Réservation refusée : {WITHDRAWN}",
        )
        [conflict] = open_conflicts(s)
        assert (conflict.entity, conflict.field) == ("portal_request", "decision")
        assert s.get(SyncConflict, conflict.id).entity_id == request_id
        assert conflict.agent_value == "Réservation acceptée : Réservation acceptée."
        assert conflict.portal_value.startswith("Annulé sur le portail — La famille a retiré")
        # The desk shows why beside the request.
        assert request_notes(s, request_id) == (WITHDRAWN_NOTE,)
        states = s.scalars(select(OutboxItem.state)).all()
        assert set(states) == {OutboxState.ACKNOWLEDGED}


def test_withdrawn_then_decided_before_the_pull_ends_cancelled_on_both_sides(
    qtbot,
    db,
    agent,
    portal,
    smtp_sink,
    client,
    registered,  # noqa: F811 - the fixture
):
    parent, _child_id, reg = registered
    set_now(portal, "2026-12-04 15:00")  # Monday 7 is past « J-2 à 12:00 »: a request
    book(portal, parent.token, reg, MONDAY)
    assert run_round(db, client).pull.requests == 1
    request_id = _pending_request(db)
    assert _portal_day(portal) == (PortalState.REQUESTED, 0)
    mails = len(smtp_sink.to(LOGIN))

    _withdraw(portal, parent, reg)  # on the portal, not yet pulled
    with db.session() as s:
        accept_requests(s, agent, [request_id])
        [item] = s.scalars(select(OutboxItem).where(OutboxItem.topic == "booking.decisions"))
        [decision] = item.payload["decisions"]
        # The decision says the day it was taken on: state and version from the feed.
        assert (decision["expected_state"], decision["expected_version"]) == ("requested", 1)

    report = run_round(db, client)  # pulls the withdrawal, then pushes the decision

    assert report.ok and report.push.failed == 0, report.summary()
    _check_converged(db, portal, smtp_sink, request_id, mails)
    assert report.push.stale == 1 and "Décisions sans objet : 1" in report.summary()
    with db.session() as s:  # the withdrawal itself landed as decided by the portal
        kinds = {r.kind: r.state for r in s.scalars(select(PortalRequest))}
        assert kinds[RequestKind.CANCELLATION] is RequestState.ACCEPTED
    again = run_round(db, client)
    assert again.ok and again.moved == 0, again.summary()

    # Shown where the agents look: the Synchronisation area's conflicts…
    conflicts = ConflictsList(db, agent)
    qtbot.addWidget(conflicts)
    conflicts.reload()
    table = conflicts.table
    assert table.rowCount() == 1
    shown = [table.item(0, c).toolTip() for c in range(4)]
    assert shown[1] == "Demande — décision de l'agent (sans objet)"
    assert shown[2:] == [
        "Réservation acceptée : Réservation acceptée.",
        "Annulé sur le portail — La famille a retiré cette demande : la décision est sans objet.",
    ]
    # …and the requests desk, beside the family's next request (the withdrawn one has left
    # the queue): « la famille a retiré cette demande ».
    book(portal, parent.token, reg, "2026-12-08")
    assert run_round(db, client).pull.requests == 1
    with db.session() as s:
        [row] = pending_requests(s)
        data = side_data(s, agent, date(2026, 12, 4), [row], row)
    panel = SidePanel()
    qtbot.addWidget(panel)
    panel.show_data(data)
    ref = _requests(db)[("JOURNEE", MONDAY)].portal_ref
    assert data.notes == (f"Demande {ref} du 07/12/2026 : {WITHDRAWN_NOTE}",)
    assert "La famille a retiré cette demande sur le portail" in panel.family_label.text()

    # The Synchronisation area: the agent cannot keep the decision, only take note.
    with db.session() as s:
        conflict_id = s.scalar(select(SyncConflict.id))
        with pytest.raises(UserError, match="ne peut pas être maintenue"):
            resolve_conflict(s, agent, conflict_id, "agent")
    with db.session() as s:
        resolve_conflict(s, agent, conflict_id, "portal")
    with db.session() as s:
        assert open_conflicts(s) == []
        assert s.get(PortalRequest, request_id).state is RequestState.REFUSED
    assert _portal_day(portal) == (PortalState.CANCELLED, 0)


class BeforeDecisionsPut:
    """Wraps the client's adapter: runs ``action`` just before the decisions' PUT (the
    parent withdraws after the round's pull, before its push)."""

    def __init__(self, client, action):
        self.adapter = client.session.get_adapter(client.base_url)
        self.action, self.done = action, False
        client.session.mount("http://", self)

    def send(self, request, **kwargs):
        if not self.done and request.method == "PUT" and "/bookings/decisions" in request.url:
            self.done = True
            self.action()
        return self.adapter.send(request, **kwargs)

    def close(self):
        self.adapter.close()


def test_withdrawn_between_pull_and_push_converges_from_the_answer(
    db,
    agent,
    portal,
    smtp_sink,
    client,
    registered,  # noqa: F811 - the fixture
):
    parent, _child_id, reg = registered
    set_now(portal, "2026-12-04 15:00")
    book(portal, parent.token, reg, MONDAY)
    assert run_round(db, client).pull.requests == 1
    request_id = _pending_request(db)
    mails = len(smtp_sink.to(LOGIN))
    with db.session() as s:
        accept_requests(s, agent, [request_id])

    BeforeDecisionsPut(client, lambda: _withdraw(portal, parent, reg))
    report = run_round(db, client)

    # The answer alone undoes the decision (the withdrawal is not pulled yet).
    assert report.ok and report.push.stale == 1, report.summary()
    with db.session() as s:
        booking = s.get(PortalRequest, request_id).bookings[0].booking
        assert booking.state is BookingState.CANCELLED
    following = run_round(db, client)  # now the withdrawal comes in: nothing moves back
    assert following.ok and following.pull.requests == 1, following.summary()
    _check_converged(db, portal, smtp_sink, request_id, mails)
    assert run_round(db, client).moved == 0


def test_a_decision_on_an_unchanged_day_still_goes_through(
    db,
    agent,
    portal,
    smtp_sink,
    client,
    registered,  # noqa: F811 - the fixture
):
    """The check refuses only changed days: an untouched request is accepted as before,
    and the portal's version is what the decision expected."""
    parent, _child_id, reg = registered
    set_now(portal, "2026-12-04 15:00")
    book(portal, parent.token, reg, MONDAY, "2026-12-08")
    run_round(db, client)
    mails = len(smtp_sink.to(LOGIN))
    _withdraw(portal, parent, reg, "2026-12-08")
    with db.session() as s:
        accept_requests(s, agent, [_pending_request(db), _pending_request(db, "2026-12-08")])
    report = run_round(db, client)
    assert report.ok and report.push.stale == 1, report.summary()
    assert _portal_day(portal) == (PortalState.ACCEPTED, 1)
    assert _portal_day(portal, "2026-12-08") == (PortalState.CANCELLED, 0)
    with db.session() as s:
        monday = s.get(PortalRequest, _pending_request(db))
        assert monday.state is RequestState.ACCEPTED
        assert monday.bookings[0].booking.state is BookingState.ACCEPTED
        assert s.scalar(select(func.count(SyncConflict.id))) == 1
    # One answer e-mailed, about Monday only.
    [answer] = smtp_sink.to(LOGIN)[mails:]
    assert "07/12/2026" in answer.body and "08/12/2026" not in answer.body, answer.body


def test_an_old_decision_refused_after_the_agent_decided_the_new_request_keeps_the_new_one(
    db,
    agent,
    portal,
    smtp_sink,
    client,
    registered,  # noqa: F811 - the fixture
):
    """The agent accepts a request; before that decision reaches the portal the family
    withdraws it and asks again, the back-office pulls both and the agent accepts the new
    request too. The old decision's refusal (the day's state then: « requested ») must
    not overwrite the new acceptance, which the portal takes right after: both sides end
    accepted (the race the fault test met once in 200 rounds of cuts)."""
    from backoffice.sync.pull import pull_changes

    parent, _child_id, reg = registered
    set_now(portal, "2026-12-04 15:00")
    book(portal, parent.token, reg, MONDAY)
    assert run_round(db, client).pull.requests == 1
    first = _pending_request(db)
    with db.session() as s:
        accept_requests(s, agent, [first])  # queued, not pushed yet
    _withdraw(portal, parent, reg)
    book(portal, parent.token, reg, MONDAY)  # asked again: a new request
    assert pull_changes(db, client).requests == 2  # the withdrawal and the new request
    with db.session() as s:
        [again] = [r.id for r in pending_requests(s) if r.kind is RequestKind.BOOKING]
        assert again != first
        accept_requests(s, agent, [again])

    report = run_round(db, client)  # pushes the old decision (refused), then the new one

    assert report.ok and report.push.stale == 1, report.summary()
    assert _portal_day(portal) == (PortalState.ACCEPTED, 1)
    with db.session() as s:
        booking = s.get(PortalRequest, again).bookings[0].booking
        assert booking.state is BookingState.ACCEPTED
        assert s.get(PortalRequest, again).state is RequestState.ACCEPTED
        assert s.get(PortalRequest, first).state is RequestState.REFUSED
    assert run_round(db, client).moved == 0


def test_a_withdrawal_pulled_after_the_answer_told_of_it_does_not_undo_the_next_decision(
    db,
    agent,
    portal,
    smtp_sink,
    client,
    registered,  # noqa: F811 - the fixture
):
    """The agent accepts a request; after the round's pull, before its push, the family
    withdraws it and asks again. The refusal's answer (the day « requested », version 3)
    puts the request back to decide; the agent accepts it again, on the day the portal
    holds. The next round pulls the withdrawal and the new request — older news than the
    answer — then pushes the acceptance, which the portal takes: both sides end accepted
    (the pull must not put the day back to « demandé »; the race the fault test met once
    in CI)."""
    parent, _child_id, reg = registered
    set_now(portal, "2026-12-04 15:00")
    book(portal, parent.token, reg, MONDAY)
    assert run_round(db, client).pull.requests == 1
    first = _pending_request(db)
    with db.session() as s:
        accept_requests(s, agent, [first])

    def withdraw_and_ask_again():
        _withdraw(portal, parent, reg)
        book(portal, parent.token, reg, MONDAY)

    BeforeDecisionsPut(client, withdraw_and_ask_again)
    refused = run_round(db, client)
    assert refused.ok and refused.push.stale == 1, refused.summary()
    with db.session() as s:
        request = s.get(PortalRequest, first)
        assert request.state is RequestState.PENDING  # still asked for: decide again
        assert request.bookings[0].booking.state is BookingState.REQUESTED
        accept_requests(s, agent, [first])

    report = run_round(db, client)  # pulls the withdrawal and the new request, then pushes

    assert report.ok and report.pull.requests == 2 and report.push.stale == 0, report.summary()
    assert _portal_day(portal) == (PortalState.ACCEPTED, 1)
    with db.session() as s:
        booking = s.get(PortalRequest, first).bookings[0].booking
        assert booking.state is BookingState.ACCEPTED
        # The new request lands decided by the day: nothing left for an agent.
        [new] = [r for r in booking_requests(s, booking.id) if r.id != first]
        assert new.state is RequestState.ACCEPTED
        assert [r.id for r in pending_requests(s) if r.kind is RequestKind.BOOKING] == []
    assert run_round(db, client).moved == 0


def booking_requests(s, booking_id: int) -> list[PortalRequest]:
    return [
        r
        for r in s.scalars(select(PortalRequest).where(PortalRequest.kind == RequestKind.BOOKING))
        if any(link.booking_id == booking_id for link in r.bookings)
    ]
