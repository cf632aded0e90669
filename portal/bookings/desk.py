"""Days booked or cancelled by the service at the desk (``PUT /staff/bookings/desk``).

The back-office is the source of truth for them: each day is upserted on the
child's registration (created accepted when the portal does not know it, like a
registration recorded at the desk), with the places counted as the parents'
bookings are (:func:`portal.bookings.places.adjust_places`, the agent having checked the
capacity). No e-mail is sent (the family is at the desk) and nothing goes to the
change feed (the back-office already knows).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import catalogue as catalogue_mod
from portal.bookings.decisions import booking_out
from portal.bookings.places import adjust_places
from portal.bookings.registrations import age_group_for
from portal.bookings.schemas import DeskBooking, DeskBookings, DeskBookingsResult
from portal.bookings.states import HOLDS_PLACE
from portal.errors import FieldError, PortalError, invalid
from portal.models import Booking, BookingState, Child, Family, Registration, RegistrationState

REASONS = {
    BookingState.ACCEPTED: "Réservation enregistrée par le service.",
    BookingState.WAITING_LIST: "Complet : en liste d'attente (demande faite auprès du service).",
    BookingState.CANCELLED: "Annulation enregistrée par le service.",
}


def _child(session: Session, day: DeskBooking, path: str) -> Child:
    stmt = select(Child).join(Family).where(Child.ref == day.child_ref)
    if day.family_ref is not None:
        stmt = stmt.where(Family.ref == day.family_ref)
    children = list(session.scalars(stmt))
    if not children:
        raise PortalError(404, f"Enfant « {day.child_ref} » introuvable ({path}).")
    if len(children) > 1:
        raise PortalError(
            409,
            f"Plusieurs familles ont un enfant « {day.child_ref} » : indiquez « family_ref » "
            f"({path}).",
        )
    return children[0]


def _check_codes(cat, body: DeskBookings) -> None:
    errors = []
    for i, day in enumerate(body.bookings):
        index = cat.activities.get(day.activity)
        if index is None:
            errors.append(
                FieldError(
                    field=f"bookings.{i}.activity",
                    message=f"Activité inconnue du portail : {day.activity}.",
                )
            )
            continue
        if day.period not in index.periods:
            errors.append(
                FieldError(
                    field=f"bookings.{i}.period",
                    message=f"Période inconnue de l'activité {day.activity} : {day.period}.",
                )
            )
        if day.unit not in index.units:
            errors.append(
                FieldError(
                    field=f"bookings.{i}.unit",
                    message=f"Unité inconnue de l'activité {day.activity} : {day.unit}.",
                )
            )
    keys = [(d.child_ref, d.family_ref, d.activity, d.unit, d.date) for d in body.bookings]
    if len(set(keys)) != len(keys):
        errors.append(FieldError(field="bookings", message="Un même jour est indiqué deux fois."))
    if errors:
        raise invalid(errors)


def _registration(session: Session, cat, child: Child, day: DeskBooking) -> Registration:
    reg = session.scalars(
        select(Registration)
        .where(
            Registration.child_id == child.id,
            Registration.activity_code == day.activity,
            Registration.period_code == day.period,
        )
        .with_for_update()
    ).first()
    if reg is not None:
        return reg
    ref = day.registration_ref or f"BO-{child.ref}-{day.period}"[:40]
    taken = session.scalars(select(Registration).where(Registration.ref == ref)).first()
    if taken is not None:
        raise PortalError(
            409,
            f"L'inscription « {ref} » concerne un autre enfant, une autre activité ou une "
            "autre période.",
        )
    index = cat.activities[day.activity]
    reg = Registration(
        ref=ref,
        family_id=child.family_id,
        child_id=child.id,
        activity_code=day.activity,
        period_code=day.period,
        state=RegistrationState.ACCEPTED,
        reason="Inscription enregistrée par le service.",
        age_group=age_group_for(index, child, index.periods[day.period]) or "",
    )
    reg.child = child
    session.add(reg)
    session.flush()
    return reg


def record_desk_bookings(session: Session, body: DeskBookings) -> tuple[int, dict[str, Any]]:
    """Upsert each day (see the module docstring); 200 with what changed."""
    cat = catalogue_mod.load(session)
    _check_codes(cat, body)
    created = changed = 0
    out = []
    for i, day in enumerate(body.bookings):
        child = _child(session, day, f"bookings.{i}")
        reg = _registration(session, cat, child, day)
        new = BookingState(day.state)
        booking = session.scalars(
            select(Booking)
            .where(
                Booking.registration_id == reg.id,
                Booking.unit_code == day.unit,
                Booking.day == day.date,
            )
            .with_for_update()
        ).first()
        if booking is None:
            if new is BookingState.CANCELLED:
                continue  # never booked here: nothing to cancel
            booking = Booking(
                registration_id=reg.id,
                unit_code=day.unit,
                day=day.date,
                age_group=reg.age_group,
                state=new,
                reason=REASONS[new],
                answer="",
            )
            booking.registration = reg
            session.add(booking)
            session.flush()
            created += 1
            changed += 1
            if new in HOLDS_PLACE:
                adjust_places(session, reg.activity_code, booking, 1)
        elif booking.state is not new:
            was_held = booking.state in HOLDS_PLACE
            booking.state, booking.reason, booking.answer = new, REASONS[new], ""
            booking.billed = None
            changed += 1
            holds = new in HOLDS_PLACE
            if holds != was_held:
                adjust_places(session, reg.activity_code, booking, 1 if holds else -1)
        out.append(booking_out(booking))
    session.flush()
    result = DeskBookingsResult(created=created, changed=changed, bookings=out)
    return 200, result.model_dump(mode="json")
