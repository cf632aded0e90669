"""Validation: each day of the draft decided by the rules, recorded in a numbered
submission (« réservation ») and sent to the change feed; the parents' summaries of them."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import catalogue as catalogue_mod
from portal import feed, rules
from portal.bookings.drafts import clear_draft, draft_range
from portal.bookings.places import adjust_places
from portal.bookings.planning import context
from portal.bookings.registrations import registration_out
from portal.bookings.schemas import (
    Skipped,
    Submission,
    SubmissionLine,
    SubmissionStateName,
    SubmissionSummary,
)
from portal.bookings.states import ACTIVE, REGISTRATION_LABELS, STATE_LABELS, SUBMISSION_LABELS
from portal.catalogue import Catalogue
from portal.errors import PortalError, not_found
from portal.models import (
    Booking,
    BookingLine,
    BookingState,
    BookingSubmission,
    Family,
    Registration,
    RegistrationState,
)


def _deadline_iso(notice, day: date) -> str | None:
    return rules.deadline(day, notice).isoformat() if notice is not None else None


def validate(session: Session, family: Family, reg: Registration, now: datetime) -> Submission:
    """Apply the rules to every day of the draft, in date order; record and feed each day."""
    ctx = context(session, reg, now)
    if reg.state is not RegistrationState.ACCEPTED:
        raise PortalError(
            409,
            f"Inscription {REGISTRATION_LABELS[reg.state.value].lower()} : rien ne peut être "
            "validé avant son acceptation.",
        )
    ctx.load_rows(*draft_range(ctx), lock=True)
    if not ctx.drafts:
        raise PortalError(
            409, "Le brouillon est vide : cochez des jours dans le planning avant de valider."
        )
    items = sorted(ctx.drafts.values(), key=lambda d: (d.day, d.unit_code))
    # A new submission has no lines yet: the empty list spares their lazy load (a SELECT).
    submission = BookingSubmission(
        number=f"tmp-{uuid.uuid4().hex[:16]}", registration_id=reg.id, lines=[]
    )
    session.add(submission)
    session.flush()
    submission.number = f"RES-{submission.id:06d}"
    skipped: list[Skipped] = []
    r = ctx.rules
    for item in items:
        unit = ctx.index.units.get(item.unit_code)
        day = item.day
        booking = ctx.bookings.get((item.unit_code, day))
        previous = booking.state if booking is not None else None
        if unit is None:
            skipped.append(Skipped(date=day, unit=item.unit_code, reason="Unité retirée."))
            continue
        if item.action == "book":
            if previous in ACTIVE or previous is BookingState.CANCEL_REQUESTED:
                skipped.append(Skipped(date=day, unit=unit.code, reason="Déjà réservé."))
                continue
            closed = ctx.closed(unit, day)
            if closed is not None:
                skipped.append(Skipped(date=day, unit=unit.code, reason=closed[1]))
                continue
            decision = ctx.decide_booking(unit, day)
            if booking is None:
                booking = Booking(registration_id=reg.id, unit_code=unit.code, day=day)
                session.add(booking)
                ctx.bookings[(unit.code, day)] = booking
            booking.age_group = reg.age_group
            notice = r.booking_notice
        else:
            if booking is None or previous not in ACTIVE:
                skipped.append(Skipped(date=day, unit=unit.code, reason="Aucune réservation."))
                continue
            if day < ctx.today:
                skipped.append(Skipped(date=day, unit=unit.code, reason="Date passée."))
                continue
            decision = rules.decide_cancellation(r, day, now, previous.value)
            if previous is BookingState.ACCEPTED and decision.state == "cancelled":
                adjust_places(session, reg.activity_code, booking, -1)
            notice = r.cancellation_notice
        if previous is not None:
            booking.version += 1
        booking.state = BookingState(decision.state)
        booking.reason = decision.reason
        booking.answer = ""
        line = BookingLine(
            booking=booking,
            action=item.action,
            decision=BookingState(decision.state),
            reason_code=decision.reason_code,
            reason=decision.reason,
        )
        submission.lines.append(line)
        session.flush()
        feed.append(
            session,
            family.ref,
            "booking.submitted",
            {
                "request_ref": f"{submission.number}-{len(submission.lines)}",
                "registration": reg.ref,
                "submission": submission.number,
                "booking_id": booking.id,
                "booking_version": booking.version,
                "line_id": line.id,
                "activity": reg.activity_code,
                "period": reg.period_code,
                "unit": unit.code,
                "date": day.isoformat(),
                "age_group": reg.age_group,
                "action": item.action,
                "requested_state": "accepted" if item.action == "book" else "cancelled",
                "previous_state": previous.value if previous is not None else None,
                "decision": decision.state,
                "reason_code": decision.reason_code,
                "reason": decision.reason,
                "deadline": _deadline_iso(notice, day),
            },
            child_ref=reg.child.ref,
        )
    clear_draft(session, reg)
    if not submission.lines:
        raise PortalError(
            409,
            "Aucun jour du brouillon ne peut être validé : "
            + " ".join(f"{rules.short(s.date)} : {s.reason}" for s in skipped),
        )
    session.flush()
    out = submission_out(submission, ctx.cat)
    out.skipped = skipped
    return out


# --- summaries -----------------------------------------------------------------------------------


def _line_status(line: BookingLine) -> str:
    state = line.booking.state
    if line.action == "book":
        if state in (BookingState.REQUESTED, BookingState.WAITING_LIST):
            return "pending"
        return "refused" if state is BookingState.REFUSED else "done"
    if state is BookingState.CANCEL_REQUESTED:
        return "pending"
    return "done" if state is BookingState.CANCELLED else "refused"


def submission_state(lines: list[BookingLine]) -> SubmissionStateName:
    statuses = {_line_status(line) for line in lines}
    if "pending" in statuses:
        return "pending"
    if statuses == {"done"}:
        return "accepted"
    if statuses == {"refused"}:
        return "refused"
    return "partially_accepted"


def _message(number: str, lines: list[BookingLine]) -> str:
    counts = Counter(line.decision.value for line in lines)
    parts = []
    words = {
        "accepted": "jour(s) accepté(s)",
        "requested": "demande(s) soumise(s) à validation",
        "waiting_list": "en liste d'attente",
        "cancelled": "annulation(s) acceptée(s)",
        "cancel_requested": "demande(s) d'annulation soumise(s) à validation",
        "refused": "refusé(s)",
    }
    for state, word in words.items():
        if counts.get(state):
            parts.append(f"{counts[state]} {word}")
    return f"Réservation n° {number} enregistrée : " + ", ".join(parts) + "."


def submission_out(sub: BookingSubmission, cat: Catalogue) -> Submission:
    reg = sub.registration
    index = cat.activities.get(reg.activity_code)
    period = index.periods.get(reg.period_code) if index else None
    lines = []
    for line in sub.lines:
        b = line.booking
        unit = index.units.get(b.unit_code) if index else None
        lines.append(
            SubmissionLine(
                booking_id=b.id,
                date=b.day,
                label=rules.day_label(b.day),
                unit=b.unit_code,
                unit_name=unit.name if unit else b.unit_code,
                action=line.action,
                decision=line.decision.value,
                reason_code=line.reason_code,
                reason=line.reason,
                state=b.state.value,
                state_label=STATE_LABELS[b.state.value],
                answer=b.answer,
                billed=b.billed,
            )
        )
    state = submission_state(sub.lines)
    return Submission(
        number=sub.number,
        created_at=sub.created_at,
        registration=registration_out(reg, cat),
        period_start=period.start if period else None,
        period_end=period.end if period else None,
        state=state,
        state_label=SUBMISSION_LABELS[state],
        message=_message(sub.number, sub.lines),
        lines=lines,
    )


def submissions_of(session: Session, family_id: int) -> list[SubmissionSummary]:
    cat = catalogue_mod.load(session)
    rows = session.scalars(
        select(BookingSubmission)
        .join(Registration)
        .where(Registration.family_id == family_id)
        .order_by(BookingSubmission.id.desc())
    )
    out = []
    for sub in rows:
        reg = registration_out(sub.registration, cat)
        state = submission_state(sub.lines)
        out.append(
            SubmissionSummary(
                number=sub.number,
                created_at=sub.created_at,
                child_name=reg.child_name,
                activity_name=reg.activity_name,
                period_label=reg.period_label,
                state=state,
                state_label=SUBMISSION_LABELS[state],
                days=len(sub.lines),
            )
        )
    return out


def submission_of_family(session: Session, family_id: int, number: str) -> Submission:
    sub = session.scalars(
        select(BookingSubmission)
        .join(Registration)
        .where(Registration.family_id == family_id, BookingSubmission.number == number)
    ).first()
    if sub is None:
        raise not_found("Réservation")
    return submission_out(sub, catalogue_mod.load(session))
