"""How a decision is written down: the rows it changes, what the portal is told, and
what undoing it needs.

A :class:`Recorder` lives for one call of the desk (accept, refuse, offer freed
places, automatic processing). Before it first touches a request, or a booking or
registration row of that request, it keeps their previous values; at the end
(:meth:`Recorder.flush`) it writes the outbox items (one ``booking.decisions`` per
family and call, one ``registration.decision`` per registration) and pushes onto
the request's ``payload["_decisions"]`` stack what :mod:`.undo` needs:
the previous values, the row versions just written, the outbox items carrying the
decision and the portal's day ids in them, and the requests whose waiting days
took a place this decision freed (undone with it).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import ParamSpec, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from backoffice.dates import WEEKDAYS
from backoffice.errors import UserError
from backoffice.models import (
    REQUEST_KIND_LABELS,
    AuditAction,
    AuditEvent,
    Booking,
    BookingState,
    Family,
    OutboxItem,
    PortalRequest,
    Registration,
    RegistrationState,
    RequestBooking,
    RequestKind,
    RequestState,
    Role,
    utcnow,
)
from backoffice.services.common import outbox
from backoffice.services.common.actors import Actor
from backoffice.services.common.permissions import Permission, require

P = ParamSpec("P")
R = TypeVar("R")
REGISTRATION_TOPIC = "registration.decision"
BOOKINGS_TOPIC = "booking.decisions"
MAX_DECISIONS = 1000  # per PUT /staff/bookings/decisions (portal's BookingDecisions)
MAX_ANSWER = 2000  # characters the portal keeps for an answer
EXPECTED = ("expected_state", "expected_version")  # what a pushed decision was taken on
# In a request's payload: the day's version the portal gave when refusing a stale decision.
PORTAL_VERSION = "portal_version"
UNDO_KEY = "_decisions"  # in PortalRequest.payload: the decisions taken, last on top
STATE_LABELS = {
    RequestState.PENDING: "en attente",
    RequestState.ACCEPTED: "acceptée",
    RequestState.REFUSED: "refusée",
    RequestState.PARTIAL: "acceptée en partie",
    RequestState.DUPLICATE: "close (en double)",
}
STALE = "Un autre agent vient de traiter une de ces demandes : actualisez la liste."

# Booking states holding a place (as the portal counts them).
HOLDING = (BookingState.ACCEPTED, BookingState.CANCEL_REQUESTED)


class DecisionError(UserError):
    """A decision that cannot be taken (French message); nothing was changed."""


# Who decides the families' requests (not the régisseurs: billing only).
DECIDING_ROLES = frozenset({Role.ADMIN, Role.DIRECTOR, Role.AGENT})


def require_deciding_role(actor: Actor, session=None) -> None:
    """Thin alias of :func:`~backoffice.services.common.permissions.require`."""
    require(session, actor, Permission.REQUESTS_DECIDE, "décider des demandes des familles")


def day_label(day: date) -> str:
    return f"{WEEKDAYS[day.weekday()]} {day:%d/%m/%Y}"


def request_name(request: PortalRequest) -> str:
    return request.portal_ref or str(request.id)


@contextmanager
def concurrent_writes_explained() -> Iterator[None]:
    """A concurrent write by another agent becomes a French :class:`DecisionError` (a
    row's version changed; on SQLite, a snapshot another writer made stale)."""
    try:
        yield
    except StaleDataError as exc:
        raise DecisionError(STALE) from exc
    except OperationalError as exc:
        if "locked" in str(exc).lower() or "busy" in str(exc).lower():
            raise DecisionError(STALE) from exc
        raise


def explained(function: Callable[P, R]) -> Callable[P, R]:
    """Run ``function`` under :func:`concurrent_writes_explained` (autoflushes too)."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with concurrent_writes_explained():
            return function(*args, **kwargs)

    return wrapper


def flush(session: Session) -> None:
    with concurrent_writes_explained():
        session.flush()


def audit(session: Session, actor: Actor, request: PortalRequest, old: str, new: str) -> None:
    """A line of the family's history (« Décision », old → new), by whom and when."""
    session.add(
        AuditEvent(
            staff_user_id=actor.staff_id,
            actor=actor.login,
            action=AuditAction.DECIDE,
            entity="portal_request",
            entity_id=request.id,
            family_id=request.family_id,
            child_id=request.child_id,
            field="state",
            old_value=old,
            new_value=new,
        )
    )


def state_text(request: PortalRequest, state: str | RequestState, answer: str = "") -> str:
    """« Réservation acceptée en partie : … » (the answer shortened)."""
    text = f"{REQUEST_KIND_LABELS[request.kind]} {STATE_LABELS[RequestState(state)]}"
    answer = " ".join(answer.split())
    return f"{text} : {answer[:300]}" if answer else text


def portal_booking_id(request: PortalRequest) -> int | None:
    """The portal's id of the request's day: portal requests hold one day each; the
    desk's and the demo's (several days, no id) are unknown to the portal."""
    value = request.payload.get("booking_id")
    if len(request.bookings) != 1 or isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def seen_version(session: Session, booking: Booking, portal_id: int) -> int | None:
    """The day's version in the last change the feed told about it (``booking_version`` of
    the requests on this day), None when the feed did not say (an older portal)."""
    payloads = session.scalars(
        select(PortalRequest.payload)
        .join(RequestBooking, RequestBooking.request_id == PortalRequest.id)
        .where(RequestBooking.booking_id == booking.id)
    )
    versions = [
        p.get(key)
        for p in payloads
        if p.get("booking_id") == portal_id
        for key in ("booking_version", PORTAL_VERSION)
        if isinstance(p.get(key), int) and not isinstance(p.get(key), bool)
    ]
    return max(versions, default=None)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def parse_instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def request_state(request: PortalRequest) -> RequestState:
    """A booking or cancellation request's state from its days: a day still to decide
    keeps it pending; then all accepted (a cancellation: cancelled) → accepted, all
    refused → refused, all on the waiting list → pending (it waits for a place), a
    mix → partial."""
    if request.kind is RequestKind.CANCELLATION:
        undecided, waiting, yes = {BookingState.CANCEL_REQUESTED}, set(), {BookingState.CANCELLED}
    else:
        undecided, waiting = {BookingState.REQUESTED}, {BookingState.WAITING_LIST}
        yes = {BookingState.ACCEPTED}
    states = {link.booking.state for link in request.bookings}
    if states & undecided or states <= waiting:
        return RequestState.PENDING
    if states <= yes:
        return RequestState.ACCEPTED
    if not states & (yes | waiting):
        return RequestState.REFUSED
    return RequestState.PARTIAL


class Recorder:
    """What one call decides: rows changed, outbox items, undo information."""

    def __init__(self, session: Session, actor: Actor, places=None):
        self.session, self.actor, self.now = session, actor, utcnow()
        self.places = places  # a capacity.Places whose counts follow the days
        # family id → portal booking id → its decision (the last one a day gets in a call:
        # the portal refuses a day given twice in one call)
        self.days: dict[int, dict[int, dict]] = {}
        self.snapshots: dict[int, dict] = {}  # request id → what undo needs
        self.requests: dict[int, PortalRequest] = {}
        self.registration_items: dict[int, OutboxItem] = {}  # request id → item
        self.freed: dict[tuple[int, date], list[int]] = {}  # (unit, day) → requests freeing it
        self.cause: list[int] = []  # requests whose freed place is being offered now

    # -- previous values ----------------------------------------------------------------
    def snapshot(self, request: PortalRequest) -> dict:
        snap = self.snapshots.get(request.id)
        if snap is None:
            snap = {
                "at": _iso(self.now),
                "by": self.actor.staff_id,
                "request": {
                    "state": request.state.value,
                    "decided_at": _iso(request.decided_at),
                    "decided_by_id": request.decided_by_id,
                    "answer_text": request.answer_text,
                },
                "bookings": {},
                "registration": None,
                "portal_days": [],
                "items": [],
                "then": [],  # requests given a place this decision freed
                "given": [],  # their days
                "cause": self.cause[0] if self.cause else None,
            }
            self.snapshots[request.id] = snap
            self.requests[request.id] = request
            for cause in self.cause:
                self.snapshots[cause]["then"].append(request.id)
        return snap

    @staticmethod
    def keep_booking(snap: dict, booking: Booking) -> None:
        snap["bookings"].setdefault(
            str(booking.id),
            {
                "state": booking.state.value,
                "decided_at": _iso(booking.decided_at),
                "decided_by_id": booking.decided_by_id,
                "decision_reason": booking.decision_reason,
                "cancellation_billed": booking.cancellation_billed,
                "version": booking.version,
            },
        )

    # -- decisions ----------------------------------------------------------------------
    def record(self, request: PortalRequest, state: RequestState, answer: str) -> None:
        self.snapshot(request)
        request.state = state
        request.decided_at = self.now
        request.decided_by_id = self.actor.staff_id
        request.answer_text = answer[:MAX_ANSWER]

    def registration(self, request: PortalRequest, accepted: bool, answer: str) -> None:
        snap = self.snapshot(request)
        payload = request.payload
        state = RegistrationState.ACCEPTED if accepted else RegistrationState.REFUSED
        row = None
        if request.child_id is not None and request.period_id is not None:
            row = self.session.scalar(
                select(Registration).where(
                    Registration.child_id == request.child_id,
                    Registration.period_id == request.period_id,
                )
            )
        if row is not None:
            snap["registration"] = {
                "id": row.id,
                "state": row.state.value,
                "decided_at": _iso(row.decided_at),
                "decided_by_id": row.decided_by_id,
                "reason": row.reason,
                "version_before": row.version,
            }
            row.state = state
            row.decided_at, row.decided_by_id, row.reason = self.now, self.actor.staff_id, answer
        self.record(request, RequestState.ACCEPTED if accepted else RequestState.REFUSED, answer)
        if not payload.get("registration"):
            return  # entered locally: the portal does not know it
        body = {
            "child_ref": str(request.child_id),
            "family_ref": request.family.code,
            "activity": payload.get("activity"),
            "period": payload.get("period"),
            "state": state.value,
            "answer": answer[:MAX_ANSWER],
        }
        self.registration_items[request.id] = outbox.enqueue(
            self.session,
            REGISTRATION_TOPIC,
            {
                "family_code": request.family.code,
                "registration": payload["registration"],
                "request": request.portal_ref,
                "body": body,
            },
            request.family_id,
        )

    def day(
        self,
        request: PortalRequest | None,
        booking: Booking,
        state: BookingState,
        answer: str,
        billed: bool | None = None,
    ) -> None:
        """Decide one day; ``request`` None: a day no request holds (pushed nothing)."""
        if request is not None:
            self.keep_booking(self.snapshot(request), booking)
            for cause in self.cause:
                self.snapshots[cause]["given"].append(booking.id)
        else:
            for cause in self.cause:  # undone with the decision that freed the place
                self.keep_booking(self.snapshots[cause], booking)
        if booking.state in HOLDING and state not in HOLDING:
            self.freed.setdefault((booking.unit_id, booking.day), []).extend(
                [request.id] if request is not None else []
            )
        if self.places is not None:
            self.places.moved(booking, booking.state, state)
        before = booking.state
        booking.state = state
        booking.decided_at, booking.decided_by_id = self.now, self.actor.staff_id
        booking.decision_reason = answer[:MAX_ANSWER]
        if state is BookingState.CANCELLED:
            booking.cancellation_billed = bool(billed)
        if request is None:
            return
        portal_id = portal_booking_id(request)
        if portal_id is None:
            return
        decision = {
            "booking_id": portal_id,
            "state": state.value,
            "answer": answer[:MAX_ANSWER],
        }
        if state is BookingState.CANCELLED and billed is not None:
            decision["billed"] = billed
        family_days = self.days.setdefault(request.family_id, {})
        # The day as the portal holds it (the state before this call's first decision on it,
        # the version of the last change the feed told about it): the portal refuses the
        # decision if the family changed the day meanwhile (withdrawn, asked again).
        earlier = family_days.get(portal_id)
        if earlier is not None:
            expected = {k: earlier[k] for k in EXPECTED if k in earlier}
        else:
            expected = {"expected_state": before.value}
            version = seen_version(self.session, booking, portal_id)
            if version is not None:
                expected["expected_version"] = version
        family_days[portal_id] = {**decision, **expected}
        self.snapshots[request.id]["portal_days"].append(portal_id)

    # -- the end of the call --------------------------------------------------------------
    def flush(self) -> None:
        codes = dict(
            self.session.execute(
                select(Family.id, Family.code).where(Family.id.in_(list(self.days)))
            ).all()
        )
        items: dict[int, list[OutboxItem]] = {}
        for family_id, by_day in self.days.items():
            decisions = list(by_day.values())
            for start in range(0, len(decisions), MAX_DECISIONS):
                items.setdefault(family_id, []).append(
                    outbox.enqueue(
                        self.session,
                        BOOKINGS_TOPIC,
                        {
                            "family_code": codes[family_id],
                            "decisions": decisions[start : start + MAX_DECISIONS],
                        },
                        family_id,
                    )
                )
        flush(self.session)
        for request_id, snap in self.snapshots.items():
            request = self.requests[request_id]
            if snap["portal_days"]:
                snap["items"] += [item.id for item in items.get(request.family_id, [])]
            if request_id in self.registration_items:
                snap["items"].append(self.registration_items[request_id].id)
            # The rows this call just changed, in this transaction.
            versions = {}
            for booking_id in snap["bookings"]:
                booking = self.session.get_one(Booking, int(booking_id))
                versions[booking_id] = booking.version
            snap["versions"] = versions
            if snap["registration"] is not None:
                row = self.session.get_one(Registration, snap["registration"]["id"])
                snap["registration"]["version"] = row.version
            stack = list(request.payload.get(UNDO_KEY, []))
            request.payload = {**request.payload, UNDO_KEY: [*stack, snap]}
            audit(
                self.session,
                self.actor,
                request,
                state_text(request, snap["request"]["state"]),
                state_text(request, request.state, request.answer_text),
            )
        flush(self.session)
