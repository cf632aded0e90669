"""The draft: days a parent ticks (book) or unticks (cancel), one by one or in bulk,
reviewed with the decision each would get now; nothing is decided before validation."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from portal import rules
from portal.bookings.planning import Context, context, parse_week
from portal.bookings.registrations import registration_out
from portal.bookings.schemas import Draft, DraftLine, DraftRequest, Skipped
from portal.bookings.states import ACTIVE, REGISTRATION_LABELS
from portal.errors import FieldError, PortalError, invalid
from portal.models import BookingState, DraftItem, Registration, RegistrationState

# Closed-day reasons a bulk selection passes over silently (not a day of the unit).
STRUCTURAL = {"out_of_period", "weekday"}


def _selected_days(ctx: Context, change, path: str) -> list[date]:
    p = ctx.period
    if change.scope == "days":
        if not change.dates:
            raise invalid([FieldError(field=f"{path}.dates", message="Indiquez au moins un jour.")])
        days = sorted(set(change.dates))
    elif change.scope == "week":
        if change.week is None:
            raise invalid(
                [FieldError(field=f"{path}.week", message="Indiquez la semaine (ex. 2026-W49).")]
            )
        days = parse_week(change.week, f"{path}.week")
    else:
        days = [p.start + timedelta(days=i) for i in range((p.end - p.start).days + 1)]
    if change.weekdays:
        keep = set(change.weekdays)
        days = [d for d in days if d.isoweekday() in keep]
    return days


def _draft_out(ctx: Context, skipped: list[Skipped]) -> Draft:
    lines = []
    for (unit_code, day), item in sorted(ctx.drafts.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        unit = ctx.index.units.get(unit_code)
        name = unit.name if unit else unit_code
        if item.action == "book":
            if unit is None:
                decision = rules.Decision("refused", "unknown_unit", "Unité retirée du catalogue.")
            else:
                decision = ctx.preview_booking(unit, day)
        else:
            booking = ctx.bookings.get((unit_code, day))
            state = booking.state.value if booking is not None else "accepted"
            decision = rules.decide_cancellation(ctx.rules, day, ctx.now, state)
        lines.append(
            DraftLine(
                date=day,
                label=rules.day_label(day),
                unit=unit_code,
                unit_name=name,
                action=item.action,
                outcome=decision.state,
                outcome_reason=decision.reason,
            )
        )
    books = sum(1 for line in lines if line.action == "book")
    cancels = len(lines) - books
    summary = (
        f"{books} jour(s) à réserver, {cancels} jour(s) à annuler : vérifiez puis validez."
        if lines
        else "Aucun jour coché : le brouillon est vide."
    )
    return Draft(
        registration=registration_out(ctx.reg, ctx.cat),
        lines=lines,
        skipped=skipped,
        summary=summary,
    )


def draft_range(ctx: Context) -> tuple[date, date]:
    return ctx.period.start, ctx.period.end


def draft(session: Session, reg: Registration, now: datetime) -> Draft:
    ctx = context(session, reg, now)
    ctx.load_rows(*draft_range(ctx))
    return _draft_out(ctx, [])


def edit_draft(session: Session, reg: Registration, body: DraftRequest, now: datetime) -> Draft:
    """Tick / untick days (one by one or in bulk) into the draft; nothing is decided yet."""
    ctx = context(session, reg, now)
    if reg.state is not RegistrationState.ACCEPTED:
        raise PortalError(
            409,
            f"Inscription {REGISTRATION_LABELS[reg.state.value].lower()} : les réservations "
            "seront possibles quand le service l'aura acceptée.",
        )
    ctx.load_rows(*draft_range(ctx))
    skipped: list[Skipped] = []
    for i, change in enumerate(body.changes):
        path = f"changes.{i}"
        unit = ctx.index.units.get(change.unit)
        if unit is None:
            raise invalid(
                [FieldError(field=f"{path}.unit", message=f"Unité inconnue : {change.unit}.")]
            )
        explicit = change.scope == "days"
        for day in _selected_days(ctx, change, path):
            key = (unit.code, day)
            item = ctx.drafts.get(key)
            booking = ctx.bookings.get(key)
            state = booking.state if booking is not None else None
            if change.action == "book":
                if item is not None:
                    if item.action == "cancel":  # re-ticked: keep the booking
                        session.delete(item)
                        del ctx.drafts[key]
                    continue
                if state in ACTIVE or state is BookingState.CANCEL_REQUESTED:
                    if explicit:
                        skipped.append(Skipped(date=day, unit=unit.code, reason="Déjà réservé."))
                    continue
                closed = ctx.closed(unit, day)
                if closed is not None:
                    if explicit or closed[0] not in STRUCTURAL:
                        skipped.append(Skipped(date=day, unit=unit.code, reason=closed[1]))
                    continue
                item = DraftItem(
                    registration_id=reg.id, unit_code=unit.code, day=day, action="book"
                )
            else:
                if item is not None:
                    if item.action == "book":  # unticked before validation
                        session.delete(item)
                        del ctx.drafts[key]
                    continue
                if state is BookingState.CANCEL_REQUESTED:
                    if explicit:
                        skipped.append(
                            Skipped(date=day, unit=unit.code, reason="Annulation déjà demandée.")
                        )
                    continue
                if state not in ACTIVE:
                    if explicit:
                        skipped.append(
                            Skipped(date=day, unit=unit.code, reason="Aucune réservation ce jour.")
                        )
                    continue
                if day < ctx.today:
                    skipped.append(Skipped(date=day, unit=unit.code, reason="Date passée."))
                    continue
                item = DraftItem(
                    registration_id=reg.id, unit_code=unit.code, day=day, action="cancel"
                )
            session.add(item)
            ctx.drafts[key] = item
    session.flush()
    return _draft_out(ctx, skipped)


def clear_draft(session: Session, reg: Registration) -> None:
    session.execute(delete(DraftItem).where(DraftItem.registration_id == reg.id))
