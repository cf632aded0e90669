"""Undo a decision as long as the portal has not been told.

Each decision pushed onto a request's ``payload["_decisions"]`` stack
(:class:`.recording.Recorder`) says what the request, its days and its
registration were before, the versions it wrote, and the outbox items carrying it.
:func:`undo_decisions` takes the last decision of each request off:

- refused (:class:`DecisionError`, nothing changed) when an item carrying it was
  acknowledged by the portal, refused by it, or already tried (the portal may have
  received it: its idempotency key would replay the decision), or when a row changed
  since (another agent, the planning);
- otherwise the rows get their previous values back, the request's days are taken
  out of the pending ``booking.decisions`` item (the item is dropped when empty), a
  registration's ``registration.decision`` item is dropped;
- the requests whose waiting days took a place this decision freed are undone with
  it (the place goes back to the day whose cancellation is undone).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, selectinload

from backoffice.models import (
    Booking,
    BookingState,
    OutboxItem,
    OutboxState,
    PortalRequest,
    Registration,
    RegistrationState,
    RequestBooking,
    RequestState,
)
from backoffice.services.common.actors import Actor, bind
from backoffice.services.requests.recording import (
    HOLDING,
    REGISTRATION_TOPIC,
    UNDO_KEY,
    DecisionError,
    audit,
    day_label,
    explained,
    flush,
    parse_instant,
    request_name,
    require_deciding_role,
    state_text,
)

SENT = (
    "La décision sur la demande {name} a déjà été transmise au portail (les parents ont pu "
    "la lire) : elle ne peut plus être annulée."
)


def _requests(session: Session, ids: list[int]) -> dict[int, PortalRequest]:
    rows = session.scalars(
        select(PortalRequest)
        .where(PortalRequest.id.in_(ids))
        .options(selectinload(PortalRequest.bookings).selectinload(RequestBooking.booking))
    ).all()
    return {r.id: r for r in rows}


def _with_consequences(session: Session, ids: list[int]) -> list[PortalRequest]:
    """The requests asked for, then those their last decision gave a freed place to."""
    found: dict[int, PortalRequest] = {}
    todo = list(ids)
    while todo:
        batch = [i for i in dict.fromkeys(todo) if i not in found]
        todo = []
        rows = _requests(session, batch)
        for request_id in batch:
            request = rows.get(request_id)
            if request is None:
                raise DecisionError(
                    f"Demande {request_id} introuvable : la liste a peut-être changé."
                )
            stack = request.payload.get(UNDO_KEY) or []
            if not stack:
                raise DecisionError(
                    f"La demande {request_name(request)} n'a pas de décision à annuler."
                )
            found[request_id] = request
            for then in stack[-1].get("then", []):
                consequence = _requests(session, [then]).get(then)
                last = (consequence.payload.get(UNDO_KEY) or [{}])[-1] if consequence else {}
                if last.get("cause") == request_id and last.get("at") == stack[-1]["at"]:
                    todo.append(then)
    for request in found.values():
        _place_still_given(session, request, found)
    return list(found.values())


def _place_still_given(session: Session, request: PortalRequest, found: dict) -> None:
    """Undoing a freed place's cause while the day it went to still holds it (decided
    again since, or sent) would overfill the day: refused."""
    for booking_id in request.payload[UNDO_KEY][-1].get("given", []):
        booking = session.get(Booking, booking_id)
        if booking is None or booking.state not in HOLDING:
            continue  # undone on its own since: the place is free again
        owners = session.scalars(
            select(RequestBooking.request_id).where(RequestBooking.booking_id == booking_id)
        ).all()
        if not set(owners) & set(found):
            raise DecisionError(
                f"La place libérée par la demande {request_name(request)} a été attribuée le "
                f"{day_label(booking.day)} à une demande de la liste d'attente, décidée à "
                "nouveau depuis : la décision ne peut plus être annulée."
            )


def _check(session: Session, request: PortalRequest, snap: dict) -> list[OutboxItem]:
    items = []
    for item_id in snap.get("items", []):
        item = session.get(OutboxItem, item_id)
        if item is None:
            continue  # emptied and dropped by another undo
        if item.state is not OutboxState.PENDING or item.attempts:
            raise DecisionError(SENT.format(name=request_name(request)))
        items.append(item)
    for booking_id, version in snap.get("versions", {}).items():
        booking = session.get(Booking, int(booking_id))
        if booking is None or booking.version != version:
            when = f" du {day_label(booking.day)}" if booking is not None else ""
            raise DecisionError(
                f"La journée{when} de la demande {request_name(request)} a changé depuis la "
                "décision (autre agent, planning) : la décision ne peut plus être annulée."
            )
    registration = snap.get("registration")
    if registration is not None:
        row = session.get(Registration, registration["id"])
        if row is None or row.version != registration.get("version"):
            raise DecisionError(
                f"L'inscription de la demande {request_name(request)} a changé depuis la "
                "décision : la décision ne peut plus être annulée."
            )
    return items


def _restore(session: Session, actor: Actor, request: PortalRequest, snap: dict) -> None:
    before = snap["request"]
    audit(
        session,
        actor,
        request,
        state_text(request, request.state, request.answer_text),
        "Décision annulée : " + state_text(request, before["state"], before["answer_text"]),
    )
    request.state = RequestState(before["state"])
    request.decided_at = parse_instant(before["decided_at"])
    request.decided_by_id = before["decided_by_id"]
    request.answer_text = before["answer_text"]
    # Rows _check found unchanged (the snapshot's versions cover the same days).
    for booking_id, values in snap["bookings"].items():
        booking = session.get_one(Booking, int(booking_id))
        booking.state = BookingState(values["state"])
        booking.decided_at = parse_instant(values["decided_at"])
        booking.decided_by_id = values["decided_by_id"]
        booking.decision_reason = values["decision_reason"]
        booking.cancellation_billed = values["cancellation_billed"]
    registration = snap.get("registration")
    if registration is not None:
        row = session.get_one(Registration, registration["id"])
        row.state = RegistrationState(registration["state"])
        row.decided_at = parse_instant(registration["decided_at"])
        row.decided_by_id = registration["decided_by_id"]
        row.reason = registration["reason"]
    stack = list(request.payload.get(UNDO_KEY, []))[:-1]
    payload = {k: v for k, v in request.payload.items() if k != UNDO_KEY}
    request.payload = {**payload, UNDO_KEY: stack} if stack else payload


def _rebase(session: Session, request: PortalRequest, undone: dict) -> None:
    """The decision now on top recorded the versions it wrote; the undo rewrote the same
    values (new versions): it stays undoable unless something else changed in between."""
    stack = request.payload.get(UNDO_KEY) or []
    if not stack:
        return
    top = dict(stack[-1])
    versions = dict(top.get("versions", {}))
    for booking_id, values in undone["bookings"].items():
        if booking_id in versions and versions[booking_id] == values.get("version"):
            # A day the undo just restored.
            versions[booking_id] = session.get_one(Booking, int(booking_id)).version
    top["versions"] = versions
    before, registration = undone.get("registration"), top.get("registration")
    if before and registration and registration.get("version") == before.get("version_before"):
        # The request's registration, which the undo just restored.
        row = session.get_one(Registration, registration["id"])
        top["registration"] = {**registration, "version": row.version}
    request.payload = {**request.payload, UNDO_KEY: [*stack[:-1], top]}


def _unsend(session: Session, items: list[OutboxItem], snap: dict) -> None:
    days = set(snap.get("portal_days", []))
    for item in items:
        state = inspect(item)
        if item in session.deleted or state.deleted or state.was_deleted:
            continue  # emptied by another request of the same call
        if item.topic == REGISTRATION_TOPIC:
            session.delete(item)
            continue
        kept = [d for d in item.payload["decisions"] if d["booking_id"] not in days]
        if kept:
            item.payload = {**item.payload, "decisions": kept}
        else:
            session.delete(item)


@explained
def undo_decisions(
    session: Session, actor: Actor, request_ids: Iterable[int]
) -> list[PortalRequest]:
    """Undo the last decision on each of these requests (and the freed places it gave);
    returns the requests restored. All or nothing: a :class:`DecisionError` changes
    nothing."""
    require_deciding_role(actor)
    bind(session, actor)
    ids = list(dict.fromkeys(request_ids))
    if not ids:
        raise DecisionError("Aucune demande sélectionnée.")
    requests = _with_consequences(session, ids)
    plans = []
    for request in requests:
        snap = request.payload[UNDO_KEY][-1]
        plans.append((request, snap, _check(session, request, snap)))
    # Consequences first: a freed place goes back before the day that freed it.
    for request, snap, items in reversed(plans):
        _restore(session, actor, request, snap)
        _unsend(session, items, snap)
    flush(session)
    for request, snap, _items in plans:
        _rebase(session, request, snap)
    flush(session)
    return requests
