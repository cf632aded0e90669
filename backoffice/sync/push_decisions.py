"""The portal's answer to pushed decisions (``PUT /staff/bookings/decisions``): the days
it refused because they changed since the agent decided.

Each decision carries the day's state and version as the back-office last saw them
(:class:`backoffice.services.requests.recording.Recorder`). A family that withdrew
(or asked again for) the day before the decision reached the portal makes the portal
refuse that day (``refused`` in its answer: nothing changed there, nothing e-mailed, no
place taken). The portal's state wins here too:

- the day (``Booking``) takes the portal's state, unless it changed here since with
  news at least as recent (a new request pulled, then decided: see ``_changed_since``);
- the request the agent decided is undone: closed as withdrawn (« Sans objet : la
  demande a été retirée par la famille. ») when the day is no longer asked for, or back
  to pending (to decide again) when it still is and no newer request holds it;
- an audit line (actor « portail ») and an open :class:`SyncConflict` (``entity``
  ``portal_request``, ``field`` ``decision``) tell the agents: the Synchronisation area
  lists it, the requests desk shows its message beside the request.

An older portal answers without ``refused``: nothing to do.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.models import (
    Booking,
    BookingState,
    Family,
    OutboxItem,
    PortalRequest,
    RequestKind,
    RequestState,
    SyncConflict,
    utcnow,
)
from backoffice.services.common.actors import PORTAL, bind
from backoffice.services.requests.recording import (
    PORTAL_VERSION,
    UNDO_KEY,
    audit,
    request_state,
    seen_version,
    state_text,
)
from backoffice.services.requests.side_panel import STALE_NOTE

DECISION_FIELD = "decision"  # SyncConflict.field of a decision the portal refused
WITHDRAWN = "Sans objet : la demande a été retirée par la famille."
WITHDRAWN_NOTE = "La famille a retiré cette demande sur le portail : la décision est annulée."
CHANGED_NOTE = "Ce jour a changé sur le portail depuis la décision : elle est annulée."
PORTAL_STATES = {s.value: s for s in BookingState}
STATE_WORDS = {
    BookingState.REQUESTED: "demandé",
    BookingState.WAITING_LIST: "en liste d'attente",
    BookingState.ACCEPTED: "réservé",
    BookingState.REFUSED: "refusé",
    BookingState.CANCEL_REQUESTED: "annulation demandée",
    BookingState.CANCELLED: "annulé",
}
# A request still open when its day is in one of these states.
OPEN_STATES = {
    RequestKind.BOOKING: {BookingState.REQUESTED, BookingState.WAITING_LIST},
    RequestKind.CANCELLATION: {BookingState.CANCEL_REQUESTED},
}


def decided_by(session: Session, item: OutboxItem, portal_id: int) -> list[PortalRequest]:
    """The family's requests on this portal day whose decision ``item`` carried."""
    rows = session.scalars(
        select(PortalRequest).where(
            PortalRequest.family_id == item.family_id,
            PortalRequest.kind.in_([RequestKind.BOOKING, RequestKind.CANCELLATION]),
        )
    )
    return [
        r
        for r in rows
        if r.payload.get("booking_id") == portal_id
        and any(item.id in (snap.get("items") or []) for snap in r.payload.get(UNDO_KEY, []))
    ]


def _newer_request_on_day(session: Session, request: PortalRequest, portal_id: int) -> bool:
    """Did the family ask again for the day since (a later request on it)?"""
    rows = session.scalars(
        select(PortalRequest).where(
            PortalRequest.family_id == request.family_id,
            PortalRequest.kind == request.kind,
            PortalRequest.id > request.id,
        )
    )
    return any(r.payload.get("booking_id") == portal_id for r in rows)


def _changed_since(
    session: Session,
    item: OutboxItem,
    request: PortalRequest,
    booking: Booking,
    portal_id: int,
    version: object,
) -> bool:
    """Did the day change in the back-office after this decision, with news at least as
    recent as the portal's answer? Then the answer must not set the day's state.

    The decision's snapshot holds the day's row version it wrote. Written again since
    (the feed told of a withdrawal or a new request, an agent decided that new request):
    the portal's state in the answer is kept only when the portal knows a later version
    of the day than any change the feed brought. Otherwise it would undo what came after
    — a new request already accepted by the agent, whose own decision follows in the
    queue and which the portal takes: the day would stay « demandé » here and
    « réservé » there.
    """
    written = None
    for snap in request.payload.get(UNDO_KEY, []):
        if item.id in (snap.get("items") or []):
            written = (snap.get("versions") or {}).get(str(booking.id))
    if written is not None and written == booking.version:
        return False
    if not isinstance(version, int) or isinstance(version, bool):
        return True  # an older portal: no version to weigh the answer with
    seen = seen_version(session, booking, portal_id)
    return not (seen is None or version > seen)


def _converge(
    session: Session, item: OutboxItem, request: PortalRequest, refusal: dict, state: BookingState
) -> None:
    portal_id = refusal["booking_id"]
    agent_text = state_text(request, request.state, request.answer_text)
    version = refusal.get("version")
    for link in request.bookings:
        booking = link.booking
        if _changed_since(session, item, request, booking, portal_id, version):
            continue  # the day moved on in the back-office: the answer is older news
        if booking.state is not state:
            booking.state = state
            booking.decided_at, booking.decided_by_id = utcnow(), None
            booking.decision_reason = str(refusal.get("reason") or "")
    still_open = state in OPEN_STATES.get(request.kind, set())
    withdrawn = not still_open and state in (BookingState.CANCELLED, BookingState.REFUSED)
    if still_open and not _newer_request_on_day(session, request, portal_id):
        request.state = RequestState.PENDING
        request.decided_at = request.decided_by_id = None
        request.answer_text = ""
        note = CHANGED_NOTE + " Décidez à nouveau."
    else:  # no longer asked for (withdrawn, or asked again by a newer request)
        request.state = RequestState.REFUSED if still_open else request_state(request)
        request.decided_at, request.decided_by_id = utcnow(), None
        request.answer_text = WITHDRAWN if withdrawn or still_open else str(refusal["reason"])
        note = WITHDRAWN_NOTE if withdrawn else CHANGED_NOTE
    request.payload = {
        **request.payload,
        STALE_NOTE: note,
        **({PORTAL_VERSION: version} if isinstance(version, int) else {}),
    }
    portal_text = state_text(request, request.state, request.answer_text)
    audit(session, PORTAL, request, agent_text, portal_text)
    family = session.get(Family, request.family_id)
    session.add(
        SyncConflict(
            entity="portal_request",
            entity_id=request.id,
            family_id=request.family_id,
            field=DECISION_FIELD,
            agent_value=agent_text,
            portal_value=f"{STATE_WORDS[state].capitalize()} sur le portail — {refusal['reason']}",
            extra={
                "kind": DECISION_FIELD,
                "family_code": family.code if family is not None else "",
                "request": request.portal_ref,
                "booking_id": portal_id,
                "portal_state": state.value,
                "portal_version": version,
                "outbox_item": item.id,
                "note": note,
            },
        )
    )


def record_refusals(session: Session, item: OutboxItem, answer: object) -> int:
    """Apply the portal's ``refused`` days of a ``booking.decisions`` answer; returns how
    many requests were undone."""
    refused = answer.get("refused") if isinstance(answer, dict) else None
    if not isinstance(refused, list) or not refused:
        return 0
    bind(session, PORTAL)
    undone = 0
    for refusal in refused:
        if not isinstance(refusal, dict) or not isinstance(refusal.get("booking_id"), int):
            continue
        state = PORTAL_STATES.get(str(refusal.get("state")))
        if state is None:
            continue
        for request in decided_by(session, item, refusal["booking_id"]):
            _converge(session, item, request, refusal, state)
            undone += 1
    return undone
