"""Parents' requests from the feed land in the agents' inbox (``PortalRequest``).

Each ``registration.submitted`` / ``booking.submitted`` change is one request
(``data["request_ref"]``, else the change number, makes applying twice a no-op);
its ``data`` is kept whole as the request's payload (the portal's registration
number and ``booking_id`` are what the decisions are pushed with, see
:mod:`backoffice.services.requests.decisions`).

When the back-office's catalogue knows the activity, period (and unit) codes,
the request is also linked to the rows it is about, created or updated with the
portal's state:

- a registration: the child's ``Registration`` for the period (age group from
  the change), linked through the request's ``activity_id`` / ``period_id``;
- a booking day: the ``Booking`` (child × unit × date) with the portal's state
  (``requested``, ``waiting_list``, ``accepted``, ``cancel_requested``,
  ``cancelled``), linked through ``RequestBooking`` — unless the back-office already
  knows the day at that version or a later one (a refused decision's answer told it
  first): then the day keeps its state and the request lands decided by it when
  nothing is left to decide.

A change whose codes the catalogue does not know still lands (unlinked): the
agent sees it; nothing is quarantined for that.

What the portal already decided by itself (registration or day accepted at
once, cancellation within the notice, request withdrawn) lands as decided
(``accepted``, with the portal's explanation as answer, no agent): the inbox
keeps only what waits for an agent.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from backoffice.models import (
    Activity,
    AgeGroup,
    Booking,
    BookingState,
    Period,
    PortalRequest,
    Registration,
    RegistrationState,
    RequestBooking,
    RequestKind,
    RequestState,
    Source,
    Unit,
    utcnow,
)
from backoffice.services.requests.recording import request_state, seen_version
from backoffice.sync.apply import ApplyContext, FeedChange, Quarantine, handles, request_ref

# Feed kind → inbox kind.
REQUEST_KINDS: dict[str, RequestKind] = {
    "registration.submitted": RequestKind.REGISTRATION,
    "booking.submitted": RequestKind.BOOKING,
}
# The portal's state of a day → the back-office's.
BOOKING_STATES: dict[str, BookingState] = {
    "requested": BookingState.REQUESTED,
    "waiting_list": BookingState.WAITING_LIST,
    "accepted": BookingState.ACCEPTED,
    "refused": BookingState.REFUSED,
    "cancel_requested": BookingState.CANCEL_REQUESTED,
    "cancelled": BookingState.CANCELLED,
}
REGISTRATION_STATES: dict[str, RegistrationState] = {
    "requested": RegistrationState.REQUESTED,
    "accepted": RegistrationState.ACCEPTED,
    "refused": RegistrationState.REFUSED,
}
# Decisions the portal took by itself: nothing left for an agent.
DECIDED_BY_PORTAL = frozenset({"accepted", "cancelled"})


def land_request(
    ctx: ApplyContext, change: FeedChange, kind: RequestKind, child_id: int | None = None
) -> str:
    """Land the change as a request: "request", or "unchanged" when already there."""
    return "unchanged" if new_request(ctx, change, kind, child_id) is None else "request"


def new_request(
    ctx: ApplyContext, change: FeedChange, kind: RequestKind, child_id: int | None = None
) -> PortalRequest | None:
    """The new inbox row, or None when this request is already in the inbox."""
    family = ctx.family()
    ref = request_ref(change)
    if ref is None:
        raise Quarantine("Référence de demande illisible (« request_ref »).")
    if ref in ctx.request_refs:  # loaded for the whole page by ApplyContext.preload
        return None
    ctx.request_refs.add(ref)
    request = PortalRequest(
        portal_ref=ref,
        kind=kind,
        family_id=family.id,
        child_id=child_id,
        payload={"feed_seq": change.seq, "feed_kind": change.kind, **change.data},
    )
    ctx.session.add(request)
    return request


# -- the catalogue rows a change names (cached for the page) ---------------------------------


def _activity(ctx: ApplyContext, code) -> Activity | None:
    if not isinstance(code, str):
        return None
    key = ("activity", code)
    if key not in ctx.lookups:
        ctx.lookups[key] = ctx.session.scalar(select(Activity).where(Activity.code == code))
    return ctx.lookups[key]


def _child_of(ctx: ApplyContext, model, activity: Activity | None, code):
    if not isinstance(code, str) or activity is None:
        return None
    key = (model.__tablename__, activity.id, code)
    if key not in ctx.lookups:
        ctx.lookups[key] = ctx.session.scalar(
            select(model).where(model.activity_id == activity.id, model.code == code)
        )
    return ctx.lookups[key]


def _day(value) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _registration(
    ctx: ApplyContext, child_id: int, activity: Activity, period: Period, data: dict
) -> Registration:
    registration = ctx.session.scalar(
        select(Registration).where(
            Registration.child_id == child_id, Registration.period_id == period.id
        )
    )
    if registration is None:
        registration = Registration(
            child_id=child_id,
            activity_id=activity.id,
            period_id=period.id,
            state=RegistrationState.REQUESTED,
            source=Source.PORTAL,
        )
        ctx.session.add(registration)
    group = _child_of(ctx, AgeGroup, activity, data.get("age_group"))
    if group is not None:
        registration.age_group_id = group.id
    return registration


def _decided(request: PortalRequest, data: dict) -> None:
    request.state = RequestState.ACCEPTED
    request.decided_at = utcnow()
    answer = data.get("reason")
    request.answer_text = answer if isinstance(answer, str) else ""


def _link_registration(ctx: ApplyContext, request: PortalRequest, data: dict) -> None:
    activity = _activity(ctx, data.get("activity"))
    period = _child_of(ctx, Period, activity, data.get("period"))
    if activity is None or period is None or request.child_id is None:
        return  # (no activity: no period either)
    request.activity_id, request.period_id = activity.id, period.id
    registration = _registration(ctx, request.child_id, activity, period, data)
    state = REGISTRATION_STATES.get(str(data.get("decision")))
    if state is not None:
        registration.state = state
        registration.source = Source.PORTAL
        registration.requested_at = utcnow()
        if state is RegistrationState.ACCEPTED:
            registration.decided_at, registration.decided_by_id = utcnow(), None
            registration.reason = str(data.get("reason") or "")


def _link_booking(ctx: ApplyContext, request: PortalRequest, data: dict) -> None:
    activity = _activity(ctx, data.get("activity"))
    period = _child_of(ctx, Period, activity, data.get("period"))
    unit = _child_of(ctx, Unit, activity, data.get("unit"))
    day = _day(data.get("date"))
    if activity is None or unit is None or day is None or request.child_id is None:
        return  # (no activity: no unit either)
    request.activity_id = activity.id
    request.period_id = period.id if period is not None else None
    booking = ctx.session.scalar(
        select(Booking).where(
            Booking.child_id == request.child_id, Booking.unit_id == unit.id, Booking.day == day
        )
    )
    state = BOOKING_STATES.get(str(data.get("decision")), BookingState.REQUESTED)
    now = utcnow()
    older = booking is not None and _older_news(ctx, booking, data)
    if booking is None:
        booking = Booking(child_id=request.child_id, unit_id=unit.id, day=day, state=state)
        ctx.session.add(booking)
    if not older:  # (older news: the day keeps what the back-office made of later news)
        if state is BookingState.CANCEL_REQUESTED:
            booking.cancel_requested_at = now
        elif booking.state is not state:
            booking.requested_at = now
        booking.state = state
        booking.source = Source.PORTAL
        if state in (BookingState.ACCEPTED, BookingState.CANCELLED):
            booking.decided_at, booking.decided_by_id = now, None
            booking.decision_reason = str(data.get("reason") or "")
    if period is not None and booking.registration_id is None:
        registration = ctx.session.scalar(
            select(Registration).where(
                Registration.child_id == request.child_id, Registration.period_id == period.id
            )
        )
        if registration is not None:
            booking.registration_id = registration.id
    request.bookings.append(RequestBooking(booking=booking))
    if older and (settled := request_state(request)) is not RequestState.PENDING:
        # The day was decided since (on the version this change told of, or a later
        # one): nothing left to decide for this request.
        request.state, request.decided_at = settled, now
        request.answer_text = booking.decision_reason or ""


def _older_news(ctx: ApplyContext, booking: Booking, data: dict) -> bool:
    """Does the back-office already know the day at this change's version or later?

    Changes come in feed order, each with a higher ``booking_version`` than the last, so
    only the portal's answer to a refused decision (``push_decisions``) can have told of a
    version first — the day's state then, taken by the back-office, and maybe decided
    again since by an agent. The withdrawal and new request that made that version,
    pulled afterwards, are older news: they land as requests, but must not set the day
    back to « demandé » under a decision the portal is about to take (the race the
    decisions' fault test met)."""
    version = data.get("booking_version")
    portal_id = data.get("booking_id")
    if not isinstance(version, int) or isinstance(version, bool) or booking.id is None:
        return False
    seen = seen_version(ctx.session, booking, portal_id) if isinstance(portal_id, int) else None
    return seen is not None and version <= seen


def _request_handler(kind: RequestKind):
    def handle(ctx: ApplyContext, change: FeedChange) -> str:
        child_id = ctx.child().id if change.child_ref else None
        actual = kind
        if kind is RequestKind.BOOKING and "cancel" in str(change.data.get("action", "")):
            actual = RequestKind.CANCELLATION
        request = new_request(ctx, change, actual, child_id=child_id)
        if request is None:
            return "unchanged"
        if kind is RequestKind.REGISTRATION:
            _link_registration(ctx, request, change.data)
        else:
            _link_booking(ctx, request, change.data)
        if change.data.get("decision") in DECIDED_BY_PORTAL:
            _decided(request, change.data)
        return "request"

    return handle


for _feed_kind, _kind in REQUEST_KINDS.items():
    handles(_feed_kind, lands_requests=True)(_request_handler(_kind))
