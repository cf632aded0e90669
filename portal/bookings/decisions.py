"""The back-office's decisions on days (accepted, refused, waiting list, cancelled,
billed or not): places follow, and each family is told by one e-mail per call.

A decision may say the day's version and state it was taken on (``expected_version``,
``expected_state``): a day the family changed since (a request withdrawn before the
decision reached the portal, asked again…) keeps its state, no place moves, nothing is
e-mailed, and the answer lists it under ``refused`` — the other days of the call are
decided as usual."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import answers
from portal import catalogue as catalogue_mod
from portal.bookings.places import adjust_places
from portal.bookings.schemas import (
    BookingDecision,
    BookingDecisions,
    BookingDecisionsResult,
    BookingOut,
    DecisionRefused,
)
from portal.bookings.states import HOLDS_PLACE, STATE_LABELS, child_name
from portal.errors import FieldError, invalid
from portal.mail import Mail
from portal.models import Booking, BookingState, Family


def booking_out(b: Booking) -> BookingOut:
    reg = b.registration
    return BookingOut(
        booking_id=b.id,
        registration=reg.ref,
        child_ref=reg.child.ref,
        activity=reg.activity_code,
        period=reg.period_code,
        unit=b.unit_code,
        date=b.day,
        state=b.state.value,
        reason=b.reason,
        answer=b.answer,
        billed=b.billed,
        version=b.version,
    )


def stale(b: Booking, d: BookingDecision) -> str | None:
    """Why the decision no longer applies to the day (it changed since), or None."""
    version_moved = d.expected_version is not None and d.expected_version != b.version
    state_moved = d.expected_state is not None and d.expected_state != b.state.value
    if not (version_moved or state_moved):
        return None
    label = STATE_LABELS[b.state.value].lower()
    if b.state is BookingState.CANCELLED:
        return "La famille a retiré cette demande : la décision est sans objet."
    return f"Ce jour a changé depuis la décision (maintenant : {label}) : décidez à nouveau."


def _decided_reason(previous: BookingState, new: BookingState, billed: bool | None) -> str:
    if new is BookingState.ACCEPTED and previous is BookingState.CANCEL_REQUESTED:
        return "Annulation refusée par le service : la réservation est maintenue."
    if new is BookingState.CANCELLED and previous is BookingState.CANCEL_REQUESTED:
        text = "Annulation acceptée par le service"
        if billed is True:
            return text + " : cette journée reste facturée."
        if billed is False:
            return text + " : cette journée ne sera pas facturée."
        return text + "."
    return f"Décision du service : {STATE_LABELS[new.value].lower()}."


def decide(
    session: Session, body: BookingDecisions, outbox: list[Mail] | None = None
) -> dict[str, Any]:
    """Accept / refuse / waiting list / cancel days; places follow; the answer is shown.

    Every day whose state changes is told to its family: one e-mail per family in
    ``outbox`` (sent by the caller after the commit), listing the days."""
    ids = [d.booking_id for d in body.decisions]
    if len(set(ids)) != len(ids):
        raise invalid(
            [FieldError(field="decisions", message="Une réservation est indiquée deux fois.")]
        )
    misplaced = [
        FieldError(
            field=f"decisions.{i}.billed",
            message="« billed » ne s'indique que pour une annulation acceptée (« cancelled »).",
        )
        for i, d in enumerate(body.decisions)
        if d.billed is not None and d.state != "cancelled"
    ]
    if misplaced:
        raise invalid(misplaced)
    # Locked until the commit: a decision pushed twice at once is told once.
    found = {
        b.id: b
        for b in session.scalars(
            select(Booking).where(Booking.id.in_(ids)).order_by(Booking.id).with_for_update()
        )
    }
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise invalid(
            [
                FieldError(
                    field="decisions",
                    message="Réservation(s) inconnue(s) du portail : "
                    + ", ".join(str(i) for i in unknown)
                    + ".",
                )
            ]
        )
    changed = 0
    out = []
    refused = []
    told: dict[int, list[answers.DayAnswer]] = {}
    cat = catalogue_mod.load(session) if outbox is not None else None
    for d in body.decisions:
        b = found[d.booking_id]
        why = stale(b, d)
        if why is not None:
            refused.append(
                DecisionRefused(booking_id=b.id, state=b.state.value, version=b.version, reason=why)
            )
            continue
        new = BookingState(d.state)
        billed = d.billed if new is BookingState.CANCELLED else None
        if (b.state, b.answer, b.billed) != (new, d.answer, billed):
            changed += 1
        was_held = b.state in HOLDS_PLACE
        kind = answers.day_kind(b.state.value, new.value)
        if b.state is not new:
            b.reason = _decided_reason(b.state, new, billed)
        b.state = new
        b.answer = d.answer
        b.billed = billed
        if kind is not None and cat is not None:
            reg = b.registration
            index = cat.activities.get(reg.activity_code)
            unit = index.units.get(b.unit_code) if index else None
            told.setdefault(reg.family_id, []).append(
                answers.DayAnswer(
                    kind=kind,
                    child=child_name(reg.child),
                    activity=index.activity.name if index else reg.activity_code,
                    unit=unit.name if unit else b.unit_code,
                    day=b.day,
                    answer=b.answer,
                    billed=billed,
                )
            )
        holds = new in HOLDS_PLACE
        if holds != was_held:
            adjust_places(session, b.registration.activity_code, b, 1 if holds else -1)
        out.append(booking_out(b))
    for family_id, days in told.items():
        to = answers.recipient(session.get(Family, family_id))
        if to is not None and outbox is not None:
            outbox.append(answers.decisions_mail(to, days))
    result = BookingDecisionsResult(changed=changed, bookings=out, refused=refused)
    return result.model_dump(mode="json")
