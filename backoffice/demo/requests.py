"""More pending requests for the desk, shaped like the portal's (one day each).

:func:`add_portal_requests` adds ``count`` booking and cancellation requests to a
database that already has the demo (families, registrations, catalogue), as
:mod:`backoffice.sync.handlers_requests` lands them from the portal: one
request per day, its payload carrying the portal's ``booking_id``, the codes
and the date, linked to its ``Booking`` (``requested``, or ``cancel_requested``
for a cancellation). Rows go in with Core ``executemany`` (50,000 in seconds):
used by the desk's GUI tests (a few hundred) and its benchmark (50,000).
"""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from backoffice.demo.bookings import paris_instant
from backoffice.demo.load import _advance_sequences
from backoffice.models import (
    Activity,
    Booking,
    BookingState,
    Child,
    Period,
    PortalRequest,
    Registration,
    RegistrationState,
    RequestBooking,
    RequestKind,
    RequestState,
    Source,
    Unit,
)

CANCELLATION_SHARE = 0.15


def _next_id(session: Session, model) -> int:
    return (session.scalar(select(func.max(model.id))) or 0) + 1


def add_portal_requests(
    session: Session,
    count: int,
    seed: int,
    today: date,
    *,
    activity_ids: set[int] | None = None,
) -> int:
    """Add up to ``count`` pending single-day requests (see the module docstring);
    returns how many were added (fewer when the registrations run out of free days)."""
    rng = random.Random(f"requests-desk-{seed}")  # not the demo's own sequence
    registrations = session.execute(
        select(
            Registration.id,
            Registration.child_id,
            Child.family_id,
            Activity.id,
            Activity.code,
            Period.code,
            Period.start_date,
            Period.end_date,
            Period.id,
        )
        .join(Child, Child.id == Registration.child_id)
        .join(Activity, Activity.id == Registration.activity_id)
        .join(Period, Period.id == Registration.period_id)
        .where(
            Registration.state == RegistrationState.ACCEPTED,
            Period.end_date > today,
            Activity.id.in_(activity_ids) if activity_ids else True,
        )
        .order_by(Registration.id)
    ).all()
    units: dict[int, list[tuple[int, str, frozenset[int]]]] = {}
    for unit in session.scalars(select(Unit).order_by(Unit.activity_id, Unit.position, Unit.id)):
        units.setdefault(unit.activity_id, []).append((unit.id, unit.code, unit.weekday_set))
    taken = set(
        session.execute(
            select(Booking.child_id, Booking.unit_id, Booking.day).where(Booking.day > today)
        ).all()
    )
    accepted = session.execute(
        select(Booking.id, Booking.child_id, Booking.unit_id, Booking.day, Booking.registration_id)
        .where(Booking.state == BookingState.ACCEPTED, Booking.day > today + timedelta(days=1))
        .order_by(Booking.id)
    ).all()
    rng.shuffle(accepted)
    by_registration = {r[0]: r for r in registrations}
    request_id, booking_id, link_id = (
        _next_id(session, m) for m in (PortalRequest, Booking, RequestBooking)
    )
    requests, bookings, links, cancel_updates = [], [], [], []
    now = paris_instant(today, 8 * 60)
    attempts = 0
    while len(requests) < count and registrations and attempts < count * 20:
        attempts += 1
        received = now - timedelta(minutes=rng.randint(5, 6 * 24 * 60))
        if accepted and rng.random() < CANCELLATION_SHARE:
            b_id, child_id, unit_id, day, reg_id = accepted.pop()
            reg = by_registration.get(reg_id)
            if reg is None:
                continue
            unit_code = next((c for u, c, _ in units.get(reg[3], ()) if u == unit_id), None)
            kind, linked = RequestKind.CANCELLATION, b_id
            cancel_updates.append({"b_id": b_id, "asked": received})
            portal_booking = rng.randint(1, 10**9)
        else:
            reg = rng.choice(registrations)
            choices = units.get(reg[3])
            if not choices:
                continue
            unit_id, unit_code, weekdays = rng.choice(choices)
            first, last = max(reg[6], today + timedelta(days=1)), reg[7]
            day = first + timedelta(days=rng.randint(0, max((last - first).days, 0)))
            if day.isoweekday() not in weekdays or (reg[1], unit_id, day) in taken:
                continue
            taken.add((reg[1], unit_id, day))
            kind, linked, portal_booking = RequestKind.BOOKING, booking_id, booking_id
            bookings.append(
                {
                    "id": booking_id,
                    "version": 1,
                    "child_id": reg[1],
                    "unit_id": unit_id,
                    "day": day,
                    "registration_id": reg[0],
                    "state": BookingState.REQUESTED,
                    "source": Source.PORTAL,
                    "requested_at": received,
                    "decision_reason": "",
                    "cancellation_billed": False,
                }
            )
            booking_id += 1
        ref = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        requests.append(
            {
                "id": request_id,
                "version": 1,
                "portal_ref": ref,
                "kind": kind,
                "family_id": reg[2],
                "child_id": reg[1],
                "activity_id": reg[3],
                "period_id": reg[8],
                "state": RequestState.PENDING,
                "received_at": received,
                "answer_text": "",
                "payload": {
                    "request_ref": ref,
                    "child_ref": str(reg[1]),
                    "activity": reg[4],
                    "period": reg[5],
                    "unit": unit_code,
                    "date": day.isoformat(),
                    "booking_id": portal_booking,
                    "action": "cancel" if kind is RequestKind.CANCELLATION else "book",
                    "decision": "cancel_requested"
                    if kind is RequestKind.CANCELLATION
                    else "requested",
                },
            }
        )
        links.append({"id": link_id, "request_id": request_id, "booking_id": linked})
        request_id += 1
        link_id += 1
    if bookings:
        session.execute(insert(Booking), bookings)
    if cancel_updates:
        ids = [u["b_id"] for u in cancel_updates]
        for start in range(0, len(ids), 500):
            session.execute(
                Booking.__table__.update()
                .where(Booking.id.in_(ids[start : start + 500]))
                .values(
                    state=BookingState.CANCEL_REQUESTED,
                    cancel_requested_at=now,
                    version=Booking.version + 1,
                )
            )
    if requests:
        session.execute(insert(PortalRequest), requests)
        session.execute(insert(RequestBooking), links)
    _advance_sequences(session)
    return len(requests)
