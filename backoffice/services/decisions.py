"""The agents' decisions on parents' requests: accept or refuse, pushed to the portal.

One function per action at the desk, each ``(session, actor, …)``; the actor is
bound to the session (audit trail) and recorded on what it decides:

- :func:`accept_requests`: a registration becomes accepted; a booking day is
  accepted **within the unit's capacity** for that date (accepted bookings
  counted, including those accepted in the same call, against the catalogue's
  ``Capacity`` rows: all ages, and the child's age group) — when full, the day
  goes to the **waiting list** and the answer says so; a cancellation request is
  accepted (the day is cancelled, ``billed`` or not when the agent says so).
- :func:`refuse_requests`: a reason is mandatory (parents read it); a
  registration or a booking day is refused; a refused cancellation keeps the
  day booked.

Each request records ``decided_at`` / ``decided_by`` and the answer text; its
registration or booking rows get the same. A day sent to the waiting list keeps
its request pending (it waits for a place, in request order) with the answer
recorded. In the same transaction, the outbox gets what the portal must be
told (see docs/sync.md):

- ``registration.decision`` → ``PUT /staff/registrations/{n° INS-…}``, one per
  registration;
- ``booking.decisions`` → ``PUT /staff/bookings/decisions``, one per family and
  call, with the portal's ``booking_id`` of each day (the portal sends one
  e-mail per family and call).

A request already decided (another agent, another window) is refused with a
French message and nothing changes; a concurrent write on the same rows is
caught by their version counter at flush.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from ..errors import UserError
from ..models import (
    Booking,
    BookingState,
    Capacity,
    Family,
    PortalRequest,
    Registration,
    RegistrationState,
    RequestBooking,
    RequestKind,
    RequestState,
    Unit,
    utcnow,
)
from . import outbox
from .actors import Actor, bind

REGISTRATION_TOPIC = "registration.decision"
BOOKINGS_TOPIC = "booking.decisions"
MAX_DECISIONS = 1000  # per PUT /staff/bookings/decisions (portal's BookingDecisions)
MAX_ANSWER = 2000  # characters the portal keeps for an answer
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

# Booking states holding a place (as the portal counts them).
HOLDING = (BookingState.ACCEPTED, BookingState.CANCEL_REQUESTED)


class DecisionError(UserError):
    """A decision that cannot be taken (French message); nothing was changed."""


def day_label(day: date) -> str:
    return f"{WEEKDAYS[day.weekday()]} {day:%d/%m/%Y}"


def _ids(request_ids: Iterable[int]) -> list[int]:
    ids = list(dict.fromkeys(request_ids))
    if not ids:
        raise DecisionError("Aucune demande sélectionnée.")
    return ids


def _load(session: Session, ids: list[int]) -> list[PortalRequest]:
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
    ordered = [by_id[i] for i in ids]
    for request in ordered:
        if request.kind not in (
            RequestKind.REGISTRATION,
            RequestKind.BOOKING,
            RequestKind.CANCELLATION,
        ):
            raise DecisionError(
                f"La demande {_name(request)} ne se décide pas ici "
                "(modification du dossier ou d'identifiant)."
            )
        if request.state is not RequestState.PENDING:
            raise DecisionError(
                f"La demande {_name(request)} a déjà été traitée "
                f"({request.state.value}) : actualisez la liste."
            )
        if request.kind is not RequestKind.REGISTRATION and not request.bookings:
            raise DecisionError(
                f"La demande {_name(request)} ne correspond à aucun jour connu du back-office "
                "(activité, unité ou date absentes du catalogue)."
            )
        if request.kind is RequestKind.REGISTRATION and not request.payload.get("registration"):
            raise DecisionError(
                f"La demande {_name(request)} n'a pas de numéro d'inscription du portail."
            )
    return ordered


def _name(request: PortalRequest) -> str:
    return request.portal_ref or str(request.id)


class _Decisions:
    """What one call tells the portal: registrations one by one, days per family."""

    def __init__(self, session: Session, actor: Actor):
        self.session, self.actor, self.now = session, actor, utcnow()
        self.days: dict[int, list[dict]] = {}  # family id → decisions

    def record(self, request: PortalRequest, state: RequestState, answer: str) -> None:
        request.state = state
        request.decided_at = self.now
        request.decided_by_id = self.actor.staff_id
        request.answer_text = answer

    def registration(self, request: PortalRequest, accepted: bool, answer: str) -> None:
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
            row.state = state
            row.decided_at, row.decided_by_id, row.reason = self.now, self.actor.staff_id, answer
        self.record(request, RequestState.ACCEPTED if accepted else RequestState.REFUSED, answer)
        body = {
            "child_ref": str(request.child_id),
            "family_ref": request.family.code,
            "activity": payload.get("activity"),
            "period": payload.get("period"),
            "state": state.value,
            "answer": answer,
        }
        outbox.enqueue(
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
        request: PortalRequest,
        booking: Booking,
        state: BookingState,
        answer: str,
        billed: bool | None = None,
    ) -> None:
        booking.state = state
        booking.decided_at, booking.decided_by_id = self.now, self.actor.staff_id
        booking.decision_reason = answer
        decision = {
            "booking_id": request.payload["booking_id"],
            "state": "accepted" if state is BookingState.ACCEPTED else state.value,
            "answer": answer[:MAX_ANSWER],
        }
        if state is BookingState.CANCELLED and billed is not None:
            booking.cancellation_billed = billed
            decision["billed"] = billed
        self.days.setdefault(request.family_id, []).append(decision)

    def flush(self) -> None:
        codes = dict(
            self.session.execute(
                select(Family.id, Family.code).where(Family.id.in_(list(self.days)))
            ).all()
        )
        for family_id, decisions in self.days.items():
            for start in range(0, len(decisions), MAX_DECISIONS):
                outbox.enqueue(
                    self.session,
                    BOOKINGS_TOPIC,
                    {
                        "family_code": codes[family_id],
                        "decisions": decisions[start : start + MAX_DECISIONS],
                    },
                    family_id,
                )
        try:
            self.session.flush()
        except StaleDataError as exc:
            raise DecisionError(
                "Un autre agent vient de traiter une de ces demandes : actualisez la liste."
            ) from exc


def _full(session: Session, booking: Booking) -> Capacity | None:
    """The capacity row that has no place left for ``booking``'s unit and day, if any
    (places held by accepted days other than this one, the pending ones flushed)."""
    capacities = session.scalars(
        select(Capacity).where(
            Capacity.unit_id == booking.unit_id,
            Capacity.start_date <= booking.day,
            Capacity.end_date >= booking.day,
        )
    ).all()
    if not capacities:
        return None
    group = None
    if booking.registration_id is not None:
        group = session.scalar(
            select(Registration.age_group_id).where(Registration.id == booking.registration_id)
        )
    for capacity in sorted(capacities, key=lambda c: c.places):
        if capacity.age_group_id is not None and capacity.age_group_id != group:
            continue
        taken = select(func.count(Booking.id)).where(
            Booking.unit_id == booking.unit_id,
            Booking.day == booking.day,
            Booking.state.in_(HOLDING),
            Booking.id != booking.id,
        )
        if capacity.age_group_id is not None:
            taken = taken.join(Registration, Registration.id == Booking.registration_id).where(
                Registration.age_group_id == capacity.age_group_id
            )
        if session.scalar(taken) >= capacity.places:
            return capacity
    return None


def _waiting_answer(booking: Booking, unit: Unit, capacity: Capacity, answer: str) -> str:
    places = f"{capacity.places} place" + ("s" if capacity.places > 1 else "")
    text = (
        f"Liste d'attente : plus de place le {day_label(booking.day)} ({unit.name}, {places}). "
        "La réservation sera acceptée si une place se libère, dans l'ordre des demandes."
    )
    return f"{text} {answer}" if answer else text


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
    bind(session, actor)
    answer = (answer or "").strip()
    if len(answer) > MAX_ANSWER // 2:
        raise DecisionError(f"La réponse dépasse {MAX_ANSWER // 2} caractères.")
    requests = _load(session, _ids(request_ids))
    decisions = _Decisions(session, actor)
    # In request order: the waiting list, and places, are served first come, first served.
    for request in sorted(requests, key=lambda r: (r.received_at, r.id)):
        if request.kind is RequestKind.REGISTRATION:
            decisions.registration(request, True, answer or "Inscription acceptée.")
            continue
        [link] = request.bookings
        booking = link.booking
        if request.kind is RequestKind.CANCELLATION:
            text = answer or "Annulation acceptée."
            decisions.day(request, booking, BookingState.CANCELLED, text, billed)
            decisions.record(request, RequestState.ACCEPTED, text)
            continue
        session.flush()  # the days accepted so far in this call count
        full = _full(session, booking)
        if full is not None:
            text = _waiting_answer(booking, booking.unit, full, answer)
            decisions.day(request, booking, BookingState.WAITING_LIST, text)
            decisions.record(request, RequestState.PENDING, text)
        else:
            text = answer or "Réservation acceptée."
            decisions.day(request, booking, BookingState.ACCEPTED, text)
            decisions.record(request, RequestState.ACCEPTED, text)
    decisions.flush()
    return requests


def refuse_requests(
    session: Session, actor: Actor, request_ids: Iterable[int], reason: str
) -> list[PortalRequest]:
    """Refuse these pending requests with ``reason`` (mandatory: parents read it). A
    refused cancellation keeps the day booked."""
    bind(session, actor)
    reason = (reason or "").strip()
    if not reason:
        raise DecisionError("Indiquez le motif du refus : les parents le liront sur le portail.")
    if len(reason) > MAX_ANSWER:
        raise DecisionError(f"Le motif du refus dépasse {MAX_ANSWER} caractères.")
    requests = _load(session, _ids(request_ids))
    decisions = _Decisions(session, actor)
    for request in requests:
        if request.kind is RequestKind.REGISTRATION:
            decisions.registration(request, False, reason)
            continue
        [link] = request.bookings
        kept = request.kind is RequestKind.CANCELLATION
        state = BookingState.ACCEPTED if kept else BookingState.REFUSED
        decisions.day(request, link.booking, state, reason)
        decisions.record(request, RequestState.REFUSED, reason)
    decisions.flush()
    return requests
