"""The agents' decisions on parents' requests: accept or refuse, pushed to the portal.

One function per action at the desk, each ``(session, actor, …)``; the actor is
bound to the session (audit trail) and recorded on what it decides:

- :func:`accept_requests`: a registration becomes accepted; each day of a booking
  request is judged **against the unit's capacity** for its date, in request order
  (oldest request first, then day by day), the days accepted earlier in the same
  call counted (:mod:`.capacity`). A full day follows the activity's rule
  (``ProcessingRule.when_full``): the **waiting list** (served in request order when
  a place frees), or refused with an answer saying it is full — never overfilled. A
  cancellation is accepted (the day is cancelled, ``billed`` as an « absence non
  justifiée » or not, when the agent says so) and the freed place is offered to the
  waiting list (:func:`offer_freed_places`).
- :func:`refuse_requests`: a reason is mandatory (parents read it); a registration
  or the booking's days are refused; a refused cancellation keeps the days booked.
- :func:`undo_decisions` (:mod:`.undo`): back to what was before, as long
  as the portal has not been told.

A request's state follows its days: all accepted → ``accepted``, all refused →
``refused``, a mix → ``partial``; while all its days wait for a place it stays
``pending`` (the answer recorded). Each request, registration and day records
``decided_at`` / ``decided_by`` and the answer. In the same transaction the
outbox gets what the portal must be told (see docs/sync.md):

- ``registration.decision`` → ``PUT /staff/registrations/{n° INS-…}``, one per
  registration known to the portal;
- ``booking.decisions`` → ``PUT /staff/bookings/decisions``, one per family and
  call, with the portal's ``booking_id`` of each day (one e-mail per family and call).

Requests entered locally (desk, demo: several days, no portal ids) are decided the
same way; nothing is pushed for them. A request already decided (another agent,
another window) is refused with a French message and nothing changes; a concurrent
write on the same rows is caught by their version counter at flush.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from backoffice.dates import WEEKDAYS
from backoffice.models import (
    Booking,
    BookingState,
    Capacity,
    PortalRequest,
    RequestBooking,
    RequestKind,
    RequestState,
    Source,
    WhenFull,
)
from backoffice.services.bookings.desk_push import push_desk_days
from backoffice.services.common.actors import Actor, bind
from backoffice.services.requests.capacity import Places, full_answer, waiting_answer
from backoffice.services.requests.recording import (
    BOOKINGS_TOPIC,
    HOLDING,
    MAX_ANSWER,
    MAX_DECISIONS,
    REGISTRATION_TOPIC,
    DecisionError,
    Recorder,
    day_label,
    explained,
    flush,
    request_name,
    request_state,
    require_deciding_role,
)
from backoffice.services.requests.undo import undo_decisions

__all__ = [
    "BOOKINGS_TOPIC",
    "FREED_ANSWER",
    "HOLDING",
    "MAX_DECISIONS",
    "REGISTRATION_TOPIC",
    "WEEKDAYS",
    "DecisionError",
    "accept_requests",
    "day_label",
    "offer_freed_places",
    "refuse_requests",
    "undo_decisions",
]

FREED_ANSWER = "Une place s'est libérée : votre réservation sur liste d'attente est acceptée."
AUTO_ACCEPTED = "Réservation acceptée (traitement automatique)."
AUTO_NOTE = "(Traitement automatique.)"
WITHDRAWN = "Sans objet : la demande a été retirée par la famille."
BILLED = "Annulation acceptée : cette journée reste facturée (absence non justifiée)."
NOT_BILLED = "Annulation acceptée : cette journée ne sera pas facturée."
# The days a request may still decide, by kind.
OPEN_DAYS = {
    RequestKind.BOOKING: (BookingState.REQUESTED, BookingState.WAITING_LIST),
    RequestKind.CANCELLATION: (BookingState.CANCEL_REQUESTED,),
}


def _full(session: Session, booking: Booking) -> Capacity | None:
    """The capacity row with no place left for ``booking`` (see :class:`Places`)."""
    return Places(session).full(booking)


def _ids(request_ids: Iterable[int]) -> list[int]:
    ids = list(dict.fromkeys(request_ids))
    if not ids:
        raise DecisionError("Aucune demande sélectionnée.")
    return ids


def load_requests(session: Session, ids: list[int]) -> list[PortalRequest]:
    """The requests, in the given order; a missing one is a French error."""
    requests = session.scalars(
        select(PortalRequest)
        .where(PortalRequest.id.in_(ids))
        .options(
            selectinload(PortalRequest.family),
            selectinload(PortalRequest.bookings)
            .selectinload(RequestBooking.booking)
            .selectinload(Booking.unit),
        )
    ).all()
    by_id = {r.id: r for r in requests}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise DecisionError(f"Demande {missing[0]} introuvable : la liste a peut-être changé.")
    return [by_id[i] for i in ids]


def _load(session: Session, ids: list[int]) -> list[PortalRequest]:
    ordered = load_requests(session, ids)
    for request in ordered:
        if request.kind not in (
            RequestKind.REGISTRATION,
            RequestKind.BOOKING,
            RequestKind.CANCELLATION,
        ):
            raise DecisionError(
                f"La demande {request_name(request)} ne se décide pas ici "
                "(modification du dossier ou d'identifiant)."
            )
        if request.state is not RequestState.PENDING:
            raise DecisionError(
                f"La demande {request_name(request)} a déjà été traitée "
                f"({request.state.value}) : actualisez la liste."
            )
        if request.kind is not RequestKind.REGISTRATION and not request.bookings:
            raise DecisionError(
                f"La demande {request_name(request)} ne correspond à aucun jour connu du "
                "back-office (activité, unité ou date absentes du catalogue)."
            )
    return ordered


def _in_order(requests: list[PortalRequest]) -> list[PortalRequest]:
    """First come, first served: places and the waiting list go in request order."""
    return sorted(requests, key=lambda r: (r.received_at, r.id))


def open_days(request: PortalRequest) -> list[Booking]:
    """The request's days still to decide, by date then unit."""
    states = OPEN_DAYS.get(request.kind, ())
    days = [link.booking for link in request.bookings if link.booking.state in states]
    return sorted(days, key=lambda b: (b.day, b.unit.position, b.unit_id, b.id))


def _summary(request: PortalRequest, answers: dict[int, str], answer: str) -> str:
    """The request's answer: the day's own for one day, else one line per day."""
    if len(request.bookings) == 1:
        return next(iter(answers.values()))
    lines = [answer] if answer else []
    for link in sorted(request.bookings, key=lambda k: (k.booking.day, k.booking.unit_id)):
        booking = link.booking
        if booking.id in answers:
            lines.append(f"{day_label(booking.day)} ({booking.unit.name}) : {answers[booking.id]}")
    return "\n".join(lines)


def judge_days(
    rec: Recorder,
    places: Places,
    request: PortalRequest,
    answer: str,
    *,
    automatic: bool = False,
    from_day: date | None = None,
) -> bool:
    """Accept the request's open days (from ``from_day`` on) within capacity, a full
    one per the activity's rule; ``automatic`` (no agent): a full day under the
    « demande » rule is left to an agent. Returns whether anything changed."""
    answers: dict[int, str] = {}
    accepted = AUTO_ACCEPTED if automatic else "Réservation acceptée."
    for booking in open_days(request):
        if from_day is not None and booking.day < from_day:
            continue
        full = places.full(booking)  # the days decided so far in this call count
        if full is None:
            text = answer or accepted
            rec.day(request, booking, BookingState.ACCEPTED, text)
        elif places.when_full(booking.unit_id) is WhenFull.WAITING_LIST:
            if booking.state is BookingState.WAITING_LIST:
                continue  # still full: it keeps its rank, nothing new to tell
            text = waiting_answer(booking, full, answer or (AUTO_NOTE if automatic else ""))
            rec.day(request, booking, BookingState.WAITING_LIST, text)
        elif automatic:
            continue
        else:
            text = full_answer(booking, full)  # not the agent's words of acceptance
            rec.day(request, booking, BookingState.REFUSED, text)
        answers[booking.id] = text
    if not answers:
        return False
    rec.record(request, request_state(request), _summary(request, answers, answer))
    return True


def _cancellation_text(answer: str, billed: bool | None) -> str:
    if billed is None:
        return answer or "Annulation acceptée."
    text = BILLED if billed else NOT_BILLED
    return f"{text} {answer}" if answer else text


@explained
def accept_requests(
    session: Session,
    actor: Actor,
    request_ids: Iterable[int],
    answer: str = "",
    *,
    billed: bool | None = None,
) -> list[PortalRequest]:
    """Accept these pending requests (see the module docstring); ``billed`` applies to
    the cancellations accepted (a late one « absence non justifiée »: True)."""
    require_deciding_role(actor)
    bind(session, actor)
    answer = (answer or "").strip()
    if len(answer) > MAX_ANSWER // 2:
        raise DecisionError(f"La réponse dépasse {MAX_ANSWER // 2} caractères.")
    requests = _load(session, _ids(request_ids))
    places = Places(session)
    rec = Recorder(session, actor, places)
    places.know(link.booking for request in requests for link in request.bookings)
    changed = False
    for request in _in_order(requests):
        if request.kind is RequestKind.REGISTRATION:
            rec.registration(request, True, answer or "Inscription acceptée.")
            changed = True
        elif not open_days(request):  # withdrawn on the portal meanwhile
            state = request_state(request)
            rec.record(request, state, WITHDRAWN if state is RequestState.REFUSED else "")
            changed = True
        elif request.kind is RequestKind.CANCELLATION:
            text = _cancellation_text(answer, billed)
            answers = {}
            for booking in open_days(request):
                rec.day(request, booking, BookingState.CANCELLED, text, billed)
                answers[booking.id] = text
            rec.record(request, request_state(request), _summary(request, answers, answer))
            changed = True
        else:
            changed = judge_days(rec, places, request, answer) or changed
    if not changed:
        [first, *_] = requests
        raise DecisionError(
            f"Toujours complet : la demande {request_name(first)} reste sur liste d'attente."
        )
    _offer(rec, places)
    rec.flush()
    return requests


@explained
def refuse_requests(
    session: Session, actor: Actor, request_ids: Iterable[int], reason: str
) -> list[PortalRequest]:
    """Refuse these pending requests with ``reason`` (mandatory: parents read it). A
    refused cancellation keeps the days booked."""
    require_deciding_role(actor)
    bind(session, actor)
    reason = (reason or "").strip()
    if not reason:
        raise DecisionError("Indiquez le motif du refus : les parents le liront sur le portail.")
    if len(reason) > MAX_ANSWER:
        raise DecisionError(f"Le motif du refus dépasse {MAX_ANSWER} caractères.")
    requests = _load(session, _ids(request_ids))
    rec = Recorder(session, actor)
    for request in requests:
        if request.kind is RequestKind.REGISTRATION:
            rec.registration(request, False, reason)
            continue
        days = open_days(request)
        kept = request.kind is RequestKind.CANCELLATION
        for booking in days:
            state = BookingState.ACCEPTED if kept else BookingState.REFUSED
            rec.day(request, booking, state, reason)
        if days:
            rec.record(request, request_state(request), reason)
        else:
            rec.record(request, RequestState.REFUSED, WITHDRAWN)
    rec.flush()
    return requests


def _offer(rec: Recorder, places: Places) -> list[Booking]:
    """Offer each place freed by this call's decisions to the waiting list."""
    accepted: list[Booking] = []
    while rec.freed:
        (unit_id, day), causes = rec.freed.popitem()
        rec.cause = list(dict.fromkeys(causes))
        accepted += _serve_waiting_list(rec, places, unit_id, day)
        rec.cause = []
    return accepted


def _serve_waiting_list(rec: Recorder, places: Places, unit_id: int, day: date) -> list[Booking]:
    session = rec.session
    flush(session)
    waiting = session.scalars(
        select(Booking)
        .where(
            Booking.unit_id == unit_id,
            Booking.day == day,
            Booking.state == BookingState.WAITING_LIST,
        )
        .order_by(Booking.requested_at, Booking.id)
    ).all()
    accepted: list[Booking] = []
    desk_days: list[Booking] = []
    for booking in waiting:
        if places.full(booking) is not None:
            continue  # another age group may still fit
        link = session.scalar(
            select(RequestBooking)
            .join(PortalRequest, PortalRequest.id == RequestBooking.request_id)
            .where(
                RequestBooking.booking_id == booking.id,
                PortalRequest.kind == RequestKind.BOOKING,
            )
            .order_by(PortalRequest.received_at.desc(), PortalRequest.id.desc())
        )
        request = link.request if link is not None else None
        rec.day(request, booking, BookingState.ACCEPTED, FREED_ANSWER)
        if request is not None:
            rec.record(request, request_state(request), FREED_ANSWER)
        elif booking.source is Source.DESK:
            desk_days.append(booking)
        accepted.append(booking)
        flush(session)
    if desk_days:
        push_desk_days(session, desk_days)
    return accepted


@explained
def offer_freed_places(
    session: Session, actor: Actor, unit_days: Iterable[tuple[int, date]]
) -> list[Booking]:
    """A place freed on these (unit, day) pairs offers itself to the waiting list, in
    request order: each waiting day that now fits is accepted (its request's state
    follows) and pushed to the portal when the portal knows it. Returns the days
    accepted."""
    require_deciding_role(actor)
    bind(session, actor)
    places = Places(session)
    rec = Recorder(session, actor, places)
    accepted: list[Booking] = []
    for unit_id, day in dict.fromkeys(unit_days):
        accepted += _serve_waiting_list(rec, places, unit_id, day)
    accepted += _offer(rec, places)
    rec.flush()
    return accepted
