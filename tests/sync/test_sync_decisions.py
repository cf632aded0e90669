"""Parents' requests in, agents' decisions out, against the real portal on loopback.

The portal holds the ALSH du Lude catalogue of its own tests (registrations
validated by the service, bookings « J-2 à 12:00 »); the back-office holds the
same codes (activity, period, units, age groups) with its own capacities. A
parent registers and books late through the portal's API; sync rounds bring
the requests in (linked to Registration / Booking rows), the agent decides
(``backoffice.services.requests.decisions``), the next round pushes the decisions and
the parent's planning shows them with the answer.
"""

from __future__ import annotations

from datetime import date, time

import pytest
from portal_testkit import (
    CONTACT,
    MEDICAL,
    book,
    catalogue_body,
    cell,
    new_key,
    planning,
    push_catalogue,
    register,
    set_now,
)
from sqlalchemy import func, select
from sync_helpers import Parent, open_account

from backoffice.models import (
    Activity,
    ActivityKind,
    AgeGroup,
    BillingBasis,
    Booking,
    BookingState,
    Capacity,
    Child,
    Family,
    OutboxItem,
    OutboxState,
    Period,
    PeriodKind,
    PortalRequest,
    Regie,
    Registration,
    RegistrationState,
    RequestKind,
    RequestState,
    Settlement,
    Site,
    Source,
    Unit,
)
from backoffice.services.requests.decisions import DecisionError, accept_requests, refuse_requests
from backoffice.sync import run_round
from backoffice.sync.push import family_push_body

pytestmark = pytest.mark.postgres
LOGIN = "sophie.lemoine@example.org"
WELCOME = "Bienvenue au centre de loisirs !"


def _catalogue(db, places: int) -> None:
    """The back-office's side of the portal's test catalogue (same codes)."""
    with db.session() as s:
        regie = Regie(
            code="ALSH",
            name="Régie ALSH enfance",
            invoice_prefix="ALSH",
            credit_note_prefix="AV-ALSH",
            settlement=Settlement.DESK_AND_ONLINE,
        )
        site = Site(code="LUDE", name="Le Lude")
        activity = Activity(
            code="ALSH-LUDE",
            name="Accueil de loisirs du Lude",
            kind=ActivityKind.ALSH,
            regie=regie,
            site=site,
            billing_basis=BillingBasis.BOOKINGS,
        )
        activity.age_groups = [
            AgeGroup(code="MAT", name="3-5 ans", min_age_months=36, max_age_months=71),
            AgeGroup(code="ELEM", name="6-11 ans", min_age_months=72, max_age_months=143),
        ]
        activity.periods = [
            Period(
                code="DEC-2026",
                name="Décembre 2026",
                kind=PeriodKind.HOLIDAYS,
                start_date=date(2026, 11, 30),
                end_date=date(2026, 12, 31),
            )
        ]
        journee = Unit(
            code="JOURNEE",
            name="Journée",
            position=1,
            start_time=time(8, 30),
            end_time=time(17, 30),
            weekdays="1,2,3,4,5",
        )
        journee.capacities = [
            Capacity(start_date=date(2026, 11, 30), end_date=date(2026, 12, 31), places=places)
        ]
        matin = Unit(
            code="MATIN",
            name="Accueil du matin",
            position=2,
            start_time=time(7, 30),
            end_time=time(8, 30),
            weekdays="1,2,4,5",
        )
        activity.units = [journee, matin]
        s.add(activity)


@pytest.fixture
def registered(db, agent, portal, smtp_sink, client):
    """A family opened at the desk, activated, its child's file complete on the portal;
    the parent asks to register Lou to ALSH-LUDE DEC-2026 (validated by the service);
    the registration comes in, the agent accepts it, the decision goes out.

    Returns (parent, child id, portal registration n°)."""
    _catalogue(db, places=20)
    family_id, code = open_account(db, agent, LOGIN)
    # Registrations are validated by the service on this portal.
    push_catalogue(portal, catalogue_body(registration_auto_accept=False))
    first = run_round(db, client)
    assert first.ok and first.push.failed == 0, first.push.failures
    parent = Parent(portal, smtp_sink, LOGIN)
    # The child's file, complete (the portal refuses a registration otherwise).
    with db.session() as s:
        body = family_push_body(s.get(Family, family_id))
    [child] = body["children"]
    child |= {"medical": MEDICAL, "emergency_contacts": [CONTACT], "authorised_pickups": [CONTACT]}
    r = portal.staff("PUT", f"/staff/families/{code}", new_key(), json=body)
    assert r.status_code == 200, r.text
    child_id = int(child["ref"])

    set_now(portal, "2026-11-20 10:00")
    reg = register(portal, parent.token, child["ref"])
    second = run_round(db, client)
    assert second.ok and second.pull.quarantined == 0
    assert second.pull.by_kind == {"account.activated": 1, "registration.submitted": 1}
    with db.session() as s:
        [request] = s.scalars(select(PortalRequest)).all()
        assert (request.kind, request.state, request.child_id) == (
            RequestKind.REGISTRATION,
            RequestState.PENDING,
            child_id,
        )
        assert request.payload["registration"] == reg
        registration = s.scalar(select(Registration))
        assert (registration.state, registration.source) == (
            RegistrationState.REQUESTED,
            Source.PORTAL,
        )
        assert s.get(AgeGroup, registration.age_group_id).code == "ELEM"
        accept_requests(s, agent, [request.id], answer=WELCOME)
    third = run_round(db, client)
    assert third.ok and third.push.by_topic == {"registration.decision": 1}, third.summary()
    listed = parent_registration(portal, parent, reg)
    assert (listed["state"], listed["answer"]) == ("accepted", WELCOME)
    with db.session() as s:
        registration = s.scalar(select(Registration))
        assert registration.state is RegistrationState.ACCEPTED
        assert registration.decided_by_id == agent.staff_id
    return parent, child_id, reg


def parent_registration(portal, parent, reg: str) -> dict:
    [listed] = [
        r for r in portal.parent("GET", "/me/registrations", parent.token).json() if r["ref"] == reg
    ]
    return listed


def _requests(db, kind=RequestKind.BOOKING) -> dict[tuple[str, str], PortalRequest]:
    """Booking requests by (unit, date)."""
    with db.session() as s:
        rows = s.scalars(select(PortalRequest).where(PortalRequest.kind == kind)).all()
        return {(r.payload["unit"], r.payload["date"]): r for r in rows}


def _booking(db, child_id: int, unit: str, day: str) -> Booking:
    with db.session() as s:
        return s.scalar(
            select(Booking)
            .join(Unit, Unit.id == Booking.unit_id)
            .where(
                Booking.child_id == child_id,
                Unit.code == unit,
                Booking.day == date.fromisoformat(day),
            )
        )


def _pending_outbox(db) -> int:
    with db.session() as s:
        return s.scalar(
            select(func.count(OutboxItem.id)).where(OutboxItem.state != OutboxState.ACKNOWLEDGED)
        )


def test_requests_in_decisions_out_then_nothing_moves(db, agent, portal, client, registered):
    parent, child_id, reg = registered
    # Friday 4 December, 15:00: Monday 7 and Tuesday 8 are past « J-2 à 12:00 » (requests);
    # Thursday 10 is in time (accepted by the portal at once).
    set_now(portal, "2026-12-04 15:00")
    book(portal, parent.token, reg, "2026-12-07", "2026-12-08", "2026-12-10")
    book(portal, parent.token, reg, "2026-12-07", unit="MATIN")

    pulled = run_round(db, client)

    assert pulled.ok and pulled.pull.quarantined == 0
    assert pulled.pull.by_kind == {"booking.submitted": 4} and pulled.pull.requests == 4
    assert pulled.moved == 4
    requests = _requests(db)
    assert {k: r.state for k, r in requests.items()} == {
        ("JOURNEE", "2026-12-07"): RequestState.PENDING,
        ("JOURNEE", "2026-12-08"): RequestState.PENDING,
        ("MATIN", "2026-12-07"): RequestState.PENDING,
        ("JOURNEE", "2026-12-10"): RequestState.ACCEPTED,  # decided by the portal
    }
    with db.session() as s:
        bookings = {
            (b.unit.code, b.day.isoformat()): (b.state, b.source)
            for b in s.scalars(select(Booking).where(Booking.child_id == child_id))
        }
        registration_id = s.scalar(select(Registration.id))
        assert {b.registration_id for b in s.scalars(select(Booking))} == {registration_id}
    assert bookings == {
        ("JOURNEE", "2026-12-07"): (BookingState.REQUESTED, Source.PORTAL),
        ("JOURNEE", "2026-12-08"): (BookingState.REQUESTED, Source.PORTAL),
        ("MATIN", "2026-12-07"): (BookingState.REQUESTED, Source.PORTAL),
        ("JOURNEE", "2026-12-10"): (BookingState.ACCEPTED, Source.PORTAL),
    }

    # The agent accepts Monday (day and morning) and refuses Tuesday with a reason.
    accepted = [requests[("JOURNEE", "2026-12-07")].id, requests[("MATIN", "2026-12-07")].id]
    with db.session() as s:
        accept_requests(s, agent, accepted, answer="Lou est attendue lundi.")
    with db.session() as s:
        refuse_requests(s, agent, [requests[("JOURNEE", "2026-12-08")].id], "Sortie complète.")
    with db.session() as s:
        decided = {
            (r.payload["unit"], r.payload["date"]): (r.state, r.answer_text, r.decided_by_id)
            for r in s.scalars(
                select(PortalRequest).where(
                    PortalRequest.decided_by_id.is_not(None),
                    PortalRequest.kind == RequestKind.BOOKING,
                )
            )
        }
        items = s.scalars(
            select(OutboxItem)
            .where(OutboxItem.topic == "booking.decisions")
            .order_by(OutboxItem.id)
        ).all()
        assert [len(i.payload["decisions"]) for i in items] == [2, 1]
        assert {i.family_id for i in items} == {s.get(Child, child_id).family_id}
    me = agent.staff_id
    assert decided == {
        ("JOURNEE", "2026-12-07"): (RequestState.ACCEPTED, "Lou est attendue lundi.", me),
        ("MATIN", "2026-12-07"): (RequestState.ACCEPTED, "Lou est attendue lundi.", me),
        ("JOURNEE", "2026-12-08"): (RequestState.REFUSED, "Sortie complète.", me),
    }
    refused = _booking(db, child_id, "JOURNEE", "2026-12-08")
    assert (refused.state, refused.decision_reason, refused.decided_by_id) == (
        BookingState.REFUSED,
        "Sortie complète.",
        me,
    )

    pushed = run_round(db, client)

    assert pushed.ok and pushed.push.failed == 0, pushed.push.failures
    assert pushed.push.by_topic == {"booking.decisions": 2} and pushed.pull.received == 0
    week = planning(portal, parent.token, reg, "2026-W50")
    shown = {
        (unit, day): (cell(week, day, unit)["state"], cell(week, day, unit)["answer"])
        for unit, day in [
            ("JOURNEE", "2026-12-07"),
            ("MATIN", "2026-12-07"),
            ("JOURNEE", "2026-12-08"),
        ]
    }
    assert shown == {
        ("JOURNEE", "2026-12-07"): ("booked", "Lou est attendue lundi."),
        ("MATIN", "2026-12-07"): ("booked", "Lou est attendue lundi."),
        ("JOURNEE", "2026-12-08"): ("refused", "Sortie complète."),
    }
    assert cell(week, "2026-12-10")["state"] == "booked"

    again = run_round(db, client)
    assert again.ok and again.moved == 0, again.summary()
    assert _pending_outbox(db) == 0
    # A request already decided cannot be decided twice (another agent, another window).
    with db.session() as s, pytest.raises(DecisionError, match="déjà été traitée"):
        refuse_requests(s, agent, accepted[:1], "Trop tard.")


def test_full_day_goes_to_the_waiting_list_and_a_refusal_needs_a_reason(
    db, agent, portal, client, registered
):
    parent, child_id, reg = registered
    with db.session() as s:  # one place a day in the back-office's catalogue
        s.scalar(select(Capacity)).places = 1
    # Monday 7's only place is taken by a child booked at the desk.
    other_id, _ = open_account(db, agent, "autre@example.org", family_name="Durand")
    with db.session() as s:
        other = s.scalar(select(Child).where(Child.family_id == other_id))
        unit = s.scalar(select(Unit).where(Unit.code == "JOURNEE"))
        s.add(
            Booking(
                child_id=other.id,
                unit_id=unit.id,
                day=date(2026, 12, 7),
                state=BookingState.ACCEPTED,
            )
        )
    set_now(portal, "2026-12-04 15:00")
    book(portal, parent.token, reg, "2026-12-07", "2026-12-08")
    assert run_round(db, client).pull.requests == 2
    requests = _requests(db)
    monday = requests[("JOURNEE", "2026-12-07")].id
    tuesday = requests[("JOURNEE", "2026-12-08")].id

    # Refusing without a reason: a French message, nothing changed.
    with db.session() as s, pytest.raises(DecisionError, match="Indiquez le motif du refus"):
        refuse_requests(s, agent, [tuesday], "  ")
    assert _requests(db)[("JOURNEE", "2026-12-08")].state is RequestState.PENDING
    assert _booking(db, child_id, "JOURNEE", "2026-12-08").state is BookingState.REQUESTED
    assert _pending_outbox(db) == 0

    # Accepting both: Monday is full → waiting list, said in the answer; Tuesday accepted.
    with db.session() as s:
        accept_requests(s, agent, [monday, tuesday])
    waiting = _booking(db, child_id, "JOURNEE", "2026-12-07")
    assert waiting.state is BookingState.WAITING_LIST
    expected = (
        "Liste d'attente : plus de place le lundi 07/12/2026 (Journée, 1 place). "
        "La réservation sera acceptée si une place se libère, dans l'ordre des demandes."
    )
    assert waiting.decision_reason == expected
    after = _requests(db)
    assert (
        after[("JOURNEE", "2026-12-07")].state,
        after[("JOURNEE", "2026-12-07")].answer_text,
    ) == (
        RequestState.PENDING,  # still waiting for a place
        expected,
    )
    assert after[("JOURNEE", "2026-12-08")].state is RequestState.ACCEPTED
    assert _booking(db, child_id, "JOURNEE", "2026-12-08").state is BookingState.ACCEPTED

    pushed = run_round(db, client)
    assert pushed.ok and pushed.push.by_topic == {"booking.decisions": 1}, pushed.summary()
    week = planning(portal, parent.token, reg, "2026-W50")
    monday_cell = cell(week, "2026-12-07")
    assert (monday_cell["state"], monday_cell["answer"]) == ("waiting_list", expected)
    assert cell(week, "2026-12-08")["state"] == "booked"
    assert run_round(db, client).moved == 0
