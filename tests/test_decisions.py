# Long module: the decisions tested around one shared world of requests, on SQLite and PostgreSQL.
"""The desk's decisions on requests (``backoffice.services.requests.decisions``), on real SQLite
files and PostgreSQL schemas.

``build_world`` is a small ALSH of December (Journée with few places, Accueil du
matin without capacity) and a few families, each with one registered child; the
helpers add requests the way the portal's feed (one day, the portal's
``booking_id``) or the desk and the demo (several days, no portal id) leave them.
The undo and automatic-processing tests reuse them.
"""

from __future__ import annotations

import itertools
import threading
import time as clock
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from backoffice.models import (
    Activity,
    ActivityKind,
    BillingBasis,
    Booking,
    BookingState,
    Capacity,
    Child,
    Family,
    OutboxItem,
    Period,
    PeriodKind,
    PortalRequest,
    ProcessingRule,
    Regie,
    Registration,
    RegistrationState,
    RequestBooking,
    RequestKind,
    RequestState,
    Role,
    Settlement,
    Sex,
    Site,
    Source,
    StaffUser,
    Unit,
    WhenFull,
)
from backoffice.services.common.actors import current_actor
from backoffice.services.requests.decisions import (
    FREED_ANSWER,
    DecisionError,
    accept_requests,
    refuse_requests,
)

pytestmark = pytest.mark.postgres

MONDAY, TUESDAY, THURSDAY = date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 10)
T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
_tick = itertools.count()
WAITING_MONDAY_2 = (
    "Liste d'attente : plus de place le lundi 07/12/2026 (Journée, 2 places). "
    "La réservation sera acceptée si une place se libère, dans l'ordre des demandes."
)


@dataclass
class World:
    activity: int
    journee: int
    matin: int
    period: int
    children: list[int]
    families: list[int]


def build_world(
    db,
    *,
    places: int = 2,
    when_full: WhenFull = WhenFull.WAITING_LIST,
    auto_accept: bool = False,
    children: int = 4,
) -> World:
    with db.session() as s:
        regie = Regie(
            code="ALSH",
            name="Régie ALSH enfance",
            invoice_prefix="ALSH",
            credit_note_prefix="AV-ALSH",
            settlement=Settlement.DESK_AND_ONLINE,
        )
        activity = Activity(
            code="ALSH-LUDE",
            name="Accueil de loisirs du Lude",
            kind=ActivityKind.ALSH,
            regie=regie,
            site=Site(code="LUDE", name="Le Lude"),
            billing_basis=BillingBasis.BOOKINGS,
        )
        activity.rule = ProcessingRule(auto_accept=auto_accept, when_full=when_full)
        period = Period(
            code="DEC-2026",
            name="Décembre 2026",
            kind=PeriodKind.HOLIDAYS,
            start_date=date(2026, 11, 30),
            end_date=date(2026, 12, 31),
        )
        journee = Unit(code="JOURNEE", name="Journée", position=1, weekdays="1,2,3,4,5")
        journee.capacities = [
            Capacity(start_date=date(2026, 11, 30), end_date=date(2026, 12, 31), places=places)
        ]
        matin = Unit(code="MATIN", name="Accueil du matin", position=2, start_time=time(7, 30))
        activity.periods, activity.units = [period], [journee, matin]
        s.add(activity)
        kids, families = [], []
        for n in range(children):
            family = Family(code=f"F{n + 1:05d}", name=f"Famille {n + 1}",
                            login_email=f"famille{n + 1}@example.org")  # fmt: skip
            child = Child(
                family=family,
                last_name=f"FAMILLE{n + 1}",
                first_name=f"Enfant{n + 1}",
                sex=Sex.FEMALE,
                birth_date=date(2018, 5, 3),
            )
            s.add(child)
            s.flush()
            s.add(
                Registration(
                    child_id=child.id,
                    activity_id=activity.id,
                    period_id=period.id,
                    state=RegistrationState.ACCEPTED,
                )
            )
            kids.append(child.id)
            families.append(family.id)
        s.flush()
        return World(activity.id, journee.id, matin.id, period.id, kids, families)


def add_request(
    db,
    world: World,
    child: int,
    kind: RequestKind,
    days: list[date],
    *,
    unit: int | None = None,
    portal_id: int | None = None,
    day_state: BookingState | None = None,
) -> int:
    """A pending request of child n° ``child`` (index in the world) for these days:
    with ``portal_id``, one day as the portal's feed lands it; else as the desk and
    the demo do (several days, no portal id). Returns its id."""
    unit = unit or world.journee
    received = T0 + timedelta(minutes=next(_tick))
    with db.session() as s:
        child_id = world.children[child]
        registration = s.scalar(select(Registration.id).where(Registration.child_id == child_id))
        request = PortalRequest(
            portal_ref=f"R-{next(_tick)}",
            kind=kind,
            family_id=world.families[child],
            child_id=child_id,
            activity_id=world.activity,
            period_id=world.period,
            received_at=received,
            payload=(
                {
                    "feed_kind": "booking.submitted",
                    "booking_id": portal_id,
                    "date": days[0].isoformat(),
                }
                if portal_id is not None
                else {"days": [d.isoformat() for d in days], "child_id": child_id}
            ),
        )
        default = (
            BookingState.REQUESTED if kind is RequestKind.BOOKING else BookingState.CANCEL_REQUESTED
        )
        for day in days:
            booking = s.scalar(
                select(Booking).where(
                    Booking.child_id == child_id, Booking.unit_id == unit, Booking.day == day
                )
            )
            if booking is None:
                booking = Booking(child_id=child_id, unit_id=unit, day=day, state=default)
                s.add(booking)
            booking.state = day_state or default
            booking.registration_id = registration
            booking.source = Source.PORTAL
            booking.requested_at = received
            request.bookings.append(RequestBooking(booking=booking))
        s.add(request)
        s.flush()
        return request.id


def desk_booking(db, world: World, child: int, day: date, unit: int | None = None) -> int:
    """An accepted day (holding a place) booked at the desk."""
    with db.session() as s:
        child_id = world.children[child]
        booking = Booking(
            child_id=child_id,
            unit_id=unit or world.journee,
            day=day,
            state=BookingState.ACCEPTED,
            registration_id=s.scalar(
                select(Registration.id).where(Registration.child_id == child_id)
            ),
        )
        s.add(booking)
        s.flush()
        return booking.id


def request_of(db, request_id: int) -> tuple[RequestState, dict[date, BookingState], str]:
    """(request state, {day: day state}, answer)."""
    with db.session() as s:
        request = s.get(PortalRequest, request_id)
        days = {link.booking.day: link.booking.state for link in request.bookings}
        return request.state, days, request.answer_text


def holding(db, unit: int, day: date) -> int:
    with db.session() as s:
        return s.scalar(
            select(func.count(Booking.id)).where(
                Booking.unit_id == unit,
                Booking.day == day,
                Booking.state.in_((BookingState.ACCEPTED, BookingState.CANCEL_REQUESTED)),
            )
        )


def outbox_decisions(db) -> list[tuple[int, list[dict]]]:
    """(family id, decisions) of each ``booking.decisions`` item, in order."""
    with db.session() as s:
        items = s.scalars(
            select(OutboxItem)
            .where(OutboxItem.topic == "booking.decisions")
            .order_by(OutboxItem.id)
        ).all()
        return [(i.family_id, i.payload["decisions"]) for i in items]


def make_agent(db, login: str, name: str):
    with db.session() as s:
        s.add(StaffUser(login=login, full_name=name, role=Role.AGENT))
    with db.session() as s:
        return current_actor(s, login)


@pytest.fixture
def agent(db):
    return make_agent(db, "mhuet", "Mélanie Huet")


def test_days_are_judged_against_capacity_in_request_order(db, agent):
    world = build_world(db, places=2)
    desk_booking(db, world, 3, MONDAY)  # one place left on Monday
    older = add_request(db, world, 0, RequestKind.BOOKING, [MONDAY, TUESDAY])
    newer = add_request(db, world, 1, RequestKind.BOOKING, [MONDAY, TUESDAY])

    with db.session() as s:  # given newest first: still served oldest first
        accept_requests(s, agent, [newer, older])

    assert request_of(db, older)[:2] == (
        RequestState.ACCEPTED,
        {MONDAY: BookingState.ACCEPTED, TUESDAY: BookingState.ACCEPTED},
    )
    state, days, answer = request_of(db, newer)
    assert (state, days) == (
        RequestState.PARTIAL,
        {MONDAY: BookingState.WAITING_LIST, TUESDAY: BookingState.ACCEPTED},
    )
    assert answer == (
        f"lundi 07/12/2026 (Journée) : {WAITING_MONDAY_2}\n"
        "mardi 08/12/2026 (Journée) : Réservation acceptée."
    )
    assert holding(db, world.journee, MONDAY) == 2  # never more than the places
    with db.session() as s:
        request = s.get(PortalRequest, newer)
        assert request.decided_by_id == agent.staff_id and request.decided_at is not None
        booking = s.scalar(
            select(Booking).where(Booking.child_id == world.children[1], Booking.day == MONDAY)
        )
        assert (booking.decision_reason, booking.decided_by_id) == (
            WAITING_MONDAY_2,
            agent.staff_id,
        )
    assert outbox_decisions(db) == []  # the portal does not know these requests


def test_a_request_whose_days_all_wait_stays_pending(db, agent):
    world = build_world(db, places=1)
    desk_booking(db, world, 3, MONDAY)
    request = add_request(db, world, 0, RequestKind.BOOKING, [MONDAY])

    with db.session() as s:
        accept_requests(s, agent, [request], answer="Nous vous tiendrons informés.")

    state, days, answer = request_of(db, request)
    assert (state, days) == (RequestState.PENDING, {MONDAY: BookingState.WAITING_LIST})
    assert answer.startswith(
        "Liste d'attente : plus de place le lundi 07/12/2026 (Journée, 1 place)."
    )
    assert answer.endswith("dans l'ordre des demandes. Nous vous tiendrons informés.")
    # Accepting it again while still full changes nothing and says so.
    with db.session() as s, pytest.raises(DecisionError, match="Toujours complet"):
        accept_requests(s, agent, [request])
    assert request_of(db, request)[2] == answer


def test_a_full_day_under_the_request_rule_is_refused_never_overfilled(db, agent):
    world = build_world(db, places=1, when_full=WhenFull.REQUEST)
    first = add_request(db, world, 0, RequestKind.BOOKING, [MONDAY])
    second = add_request(db, world, 1, RequestKind.BOOKING, [MONDAY, TUESDAY])

    with db.session() as s:
        accept_requests(s, agent, [first, second])

    assert request_of(db, first)[0] is RequestState.ACCEPTED
    state, days, answer = request_of(db, second)
    assert (state, days) == (
        RequestState.PARTIAL,
        {MONDAY: BookingState.REFUSED, TUESDAY: BookingState.ACCEPTED},
    )
    assert answer.splitlines()[0] == (
        "lundi 07/12/2026 (Journée) : Réservation refusée : plus de place le "
        "lundi 07/12/2026 (Journée, 1 place)."
    )
    assert holding(db, world.journee, MONDAY) == 1


REQ = {"expected_state": "requested"}


def test_portal_days_are_pushed_one_item_per_family_local_days_are_not(db, agent):
    world = build_world(db, places=5)
    monday = add_request(db, world, 0, RequestKind.BOOKING, [MONDAY], portal_id=101)
    tuesday = add_request(db, world, 0, RequestKind.BOOKING, [TUESDAY], portal_id=102)
    local = add_request(db, world, 0, RequestKind.BOOKING, [THURSDAY], unit=world.matin)
    other = add_request(db, world, 1, RequestKind.BOOKING, [MONDAY], portal_id=201)

    with db.session() as s:
        accept_requests(s, agent, [monday, tuesday, local, other], answer="À bientôt !")

    assert outbox_decisions(db) == [
        (
            world.families[0],
            [
                # (the day as the back-office saw it: the portal refuses it if it changed)
                {"booking_id": 101, "state": "accepted", "answer": "À bientôt !"} | REQ,
                {"booking_id": 102, "state": "accepted", "answer": "À bientôt !"} | REQ,
            ],
        ),
        (
            world.families[1],
            [{"booking_id": 201, "state": "accepted", "answer": "À bientôt !"} | REQ],
        ),
    ]
    assert request_of(db, local)[:2] == (
        RequestState.ACCEPTED,
        {THURSDAY: BookingState.ACCEPTED},  # no capacity on the morning unit
    )


def test_late_cancellation_billed_or_not_frees_a_place_for_the_waiting_list(db, agent):
    world = build_world(db, places=1)
    billed = add_request(db, world, 0, RequestKind.CANCELLATION, [MONDAY], portal_id=11)
    free = add_request(db, world, 0, RequestKind.CANCELLATION, [TUESDAY], portal_id=12)
    first = add_request(
        db,
        world,
        1,
        RequestKind.BOOKING,
        [MONDAY],
        portal_id=21,
        day_state=BookingState.WAITING_LIST,
    )
    second = add_request(
        db, world, 2, RequestKind.BOOKING, [MONDAY], day_state=BookingState.WAITING_LIST
    )
    assert holding(db, world.journee, MONDAY) == 1  # the cancel-requested day holds it

    with db.session() as s:
        accept_requests(s, agent, [billed], billed=True)

    state, days, answer = request_of(db, billed)
    billed_text = "Annulation acceptée : cette journée reste facturée (absence non justifiée)."
    assert (state, days, answer) == (
        RequestState.ACCEPTED,
        {MONDAY: BookingState.CANCELLED},
        billed_text,
    )
    # The place went to the first on the waiting list, in request order; not the second.
    assert request_of(db, first) == (
        RequestState.ACCEPTED,
        {MONDAY: BookingState.ACCEPTED},
        FREED_ANSWER,
    )
    assert request_of(db, second)[:2] == (
        RequestState.PENDING,
        {MONDAY: BookingState.WAITING_LIST},
    )
    assert holding(db, world.journee, MONDAY) == 1
    with db.session() as s:
        cancelled = s.scalar(
            select(Booking).where(Booking.child_id == world.children[0], Booking.day == MONDAY)
        )
        assert cancelled.cancellation_billed is True
    assert outbox_decisions(db) == [
        (
            world.families[0],
            [
                {"booking_id": 11, "state": "cancelled", "answer": billed_text, "billed": True}
                | {"expected_state": "cancel_requested"}
            ],
        ),
        (
            world.families[1],
            [
                {"booking_id": 21, "state": "accepted", "answer": FREED_ANSWER}
                | {"expected_state": "waiting_list"}
            ],
        ),
    ]

    with db.session() as s:
        accept_requests(s, agent, [free], billed=False, answer="Bon rétablissement.")
    not_billed = "Annulation acceptée : cette journée ne sera pas facturée. Bon rétablissement."
    assert request_of(db, free)[2] == not_billed
    assert outbox_decisions(db)[-1] == (
        world.families[0],
        [
            {"booking_id": 12, "state": "cancelled", "answer": not_billed, "billed": False}
            | {"expected_state": "cancel_requested"}
        ],
    )


def test_a_refusal_needs_a_reason_and_a_refused_cancellation_keeps_the_days(db, agent):
    world = build_world(db)
    booking = add_request(db, world, 0, RequestKind.BOOKING, [MONDAY, TUESDAY])
    cancellation = add_request(db, world, 1, RequestKind.CANCELLATION, [MONDAY, TUESDAY])

    with db.session() as s, pytest.raises(DecisionError, match="Indiquez le motif du refus"):
        refuse_requests(s, agent, [booking], "   ")
    assert request_of(db, booking)[0] is RequestState.PENDING

    with db.session() as s:
        refuse_requests(s, agent, [booking, cancellation], "Sortie au zoo : complet.")

    assert request_of(db, booking) == (
        RequestState.REFUSED,
        {MONDAY: BookingState.REFUSED, TUESDAY: BookingState.REFUSED},
        "Sortie au zoo : complet.",
    )
    assert request_of(db, cancellation)[:2] == (
        RequestState.REFUSED,
        {MONDAY: BookingState.ACCEPTED, TUESDAY: BookingState.ACCEPTED},
    )
    with db.session() as s, pytest.raises(DecisionError, match="déjà été traitée"):
        accept_requests(s, agent, [booking])
    with db.session() as s, pytest.raises(DecisionError, match="Aucune demande"):
        accept_requests(s, agent, [])


def test_registrations_local_or_from_the_portal(db, agent):
    world = build_world(db, children=2)
    ids = []
    with db.session() as s:
        for n, payload in enumerate(({}, {"registration": "INS-000042", "activity": "ALSH-LUDE"})):
            child_id = world.children[n]
            s.scalar(
                select(Registration).where(Registration.child_id == child_id)
            ).state = RegistrationState.REQUESTED
            request = PortalRequest(
                kind=RequestKind.REGISTRATION,
                family_id=world.families[n],
                child_id=child_id,
                activity_id=world.activity,
                period_id=world.period,
                payload=payload,
            )
            s.add(request)
            s.flush()
            ids.append(request.id)

    with db.session() as s:
        accept_requests(s, agent, ids[:1])
        refuse_requests(s, agent, ids[1:], "Dossier incomplet : vaccins.")

    with db.session() as s:
        states = [
            s.scalar(select(Registration.state).where(Registration.child_id == c))
            for c in world.children
        ]
        assert states == [RegistrationState.ACCEPTED, RegistrationState.REFUSED]
        [item] = s.scalars(select(OutboxItem)).all()  # the portal's registration only
        assert (item.topic, item.payload["registration"], item.payload["body"]["state"]) == (
            "registration.decision",
            "INS-000042",
            "refused",
        )


def test_a_day_withdrawn_on_the_portal_meanwhile_is_not_brought_back(db, agent):
    world = build_world(db)
    request = add_request(
        db, world, 0, RequestKind.BOOKING, [MONDAY], day_state=BookingState.CANCELLED
    )
    with db.session() as s:
        accept_requests(s, agent, [request])
    assert request_of(db, request) == (
        RequestState.REFUSED,
        {MONDAY: BookingState.CANCELLED},
        "Sans objet : la demande a été retirée par la famille.",
    )


def test_a_second_agent_deciding_the_same_request_gets_a_clear_message(db, agent):
    world = build_world(db)
    request = add_request(db, world, 0, RequestKind.BOOKING, [MONDAY])
    colleague = make_agent(db, "jrenard", "Julien Renard")

    # The colleague's window read the request before the first agent saved.
    with pytest.raises(DecisionError, match="Un autre agent vient de traiter"):
        with db.session() as late:
            seen = late.get(PortalRequest, request)
            assert seen.state is RequestState.PENDING and seen.bookings[0].booking.day == MONDAY
            with db.session() as first:
                accept_requests(first, agent, [request], answer="Accepté.")
            refuse_requests(late, colleague, [request], "Complet.")

    assert request_of(db, request) == (
        RequestState.ACCEPTED,
        {MONDAY: BookingState.ACCEPTED},
        "Accepté.",
    )
    with db.session() as s:
        assert s.get(PortalRequest, request).decided_by_id == agent.staff_id
    # Read afresh: the request is already decided.
    with db.session() as s, pytest.raises(DecisionError, match="déjà été traitée"):
        refuse_requests(s, colleague, [request], "Complet.")


def test_two_agents_racing_for_the_last_place_never_overfill(db, agent):
    world = build_world(db, places=1)
    mine = add_request(db, world, 0, RequestKind.BOOKING, [MONDAY])
    theirs = add_request(db, world, 1, RequestKind.BOOKING, [MONDAY])
    colleague = make_agent(db, "jrenard", "Julien Renard")
    decided, outcome = threading.Event(), {}

    def first() -> None:
        with db.session() as s:
            accept_requests(s, agent, [mine])
            decided.set()
            clock.sleep(0.5)  # the colleague is now waiting for this transaction

    def second() -> None:
        decided.wait(60)
        try:
            with db.session() as s:
                accept_requests(s, colleague, [theirs])
            outcome["state"] = request_of(db, theirs)[1][MONDAY]
        except DecisionError as exc:
            outcome["error"] = str(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert request_of(db, mine)[1] == {MONDAY: BookingState.ACCEPTED}
    assert holding(db, world.journee, MONDAY) == 1
    # PostgreSQL waits for the unit's lock then sees the place taken; SQLite refuses the
    # stale write: either way the colleague does not take the place.
    assert outcome in (
        {"state": BookingState.WAITING_LIST},
        {"error": "Un autre agent vient de traiter une de ces demandes : actualisez la liste."},
    ), outcome


def test_a_cancellation_gives_the_place_to_a_day_waiting_from_the_desk(db):
    """A waiting day booked at the desk (no parent's request) that gets the freed
    place is told to the portal as a desk day (``booking.desk``)."""
    from test_planning import MONDAY, _desk_items, build_world, make_actor

    from backoffice.services.bookings.planning import book_days, unbook_days
    from backoffice.services.requests.decisions import offer_freed_places

    world = build_world(db)
    agent = make_actor(db)
    kids, matin, today = world.children, world.matin, MONDAY.replace(day=27, month=11)
    with db.session() as s:
        for name in ("Zoé", "Noé", "Lina"):
            book_days(s, agent, kids[name], matin, [MONDAY], today)
    with db.session() as s:
        assert offer_freed_places(s, agent, [(matin, MONDAY)]) == []  # still full
    with db.session() as s:
        unbook_days(s, agent, kids["Zoé"], matin, [MONDAY], today)
    told = [(b["child_ref"], b["state"]) for item in _desk_items(db) for b in item["bookings"]]
    assert told[-2:] == [(str(kids["Zoé"]), "cancelled"), (str(kids["Lina"]), "accepted")]
