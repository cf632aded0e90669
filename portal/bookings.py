"""Registrations, weekly planning, draft, validation, cancellations (guide §6) and the
back-office's decisions.

A parent ticks and unticks days into a draft (nothing is decided yet), reviews it,
then validates: each day is decided by the activity's rules (:mod:`portal.rules`),
places are taken atomically (:class:`PlaceCount`), and each day goes to the change
feed with its decision and the reason, in French.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from portal import answers, feed, rules
from portal import catalogue as catalogue_mod
from portal.catalogue import ActivityIndex, Catalogue
from portal.completeness import age_on, missing_for_child
from portal.errors import FieldError, PortalError, invalid, not_found
from portal.families import consent_definitions
from portal.mail import Mail
from portal.models import (
    Booking,
    BookingLine,
    BookingState,
    BookingSubmission,
    Child,
    DraftItem,
    Family,
    PlaceCount,
    Registration,
    RegistrationState,
)
from portal.schemas_bookings import (
    BookingDecisions,
    BookingDecisionsResult,
    BookingOut,
    Cell,
    Day,
    Draft,
    DraftLine,
    DraftRequest,
    PeriodIn,
    Planning,
    RegistrationOut,
    RegistrationPush,
    RegistrationPushResult,
    RegistrationRequest,
    Skipped,
    Submission,
    SubmissionLine,
    SubmissionSummary,
    UnitIn,
    Week,
)

REGISTRATION_LABELS = {
    "requested": "En attente de validation",
    "accepted": "Acceptée",
    "refused": "Refusée",
}
STATE_LABELS = {
    "accepted": "Réservation acceptée",
    "requested": "Demande de réservation en attente de validation",
    "waiting_list": "Liste d'attente",
    "refused": "Réservation refusée",
    "cancel_requested": "Demande d'annulation en attente de validation",
    "cancelled": "Annulée",
}
CELL_LABELS = {
    "closed": "Fermé",
    "open": "Ouvert à la réservation",
    "full": "Complet",
    "booked": "Réservation acceptée",
    "requested": "Demande de réservation en attente",
    "waiting_list": "Liste d'attente",
    "refused": "Refusée",
    "cancel_requested": "Demande d'annulation en attente",
}
SUBMISSION_LABELS = {
    "accepted": "Acceptée",
    "pending": "En attente de validation",
    "partially_accepted": "Acceptée en partie",
    "refused": "Refusée",
}
# States of a booking that hold a place (a cancellation asked late still holds it).
HOLDS_PLACE = {BookingState.ACCEPTED, BookingState.CANCEL_REQUESTED}
# States a parent may un-book.
ACTIVE = {BookingState.ACCEPTED, BookingState.REQUESTED, BookingState.WAITING_LIST}
# Closed-day reasons a bulk selection passes over silently (not a day of the unit).
STRUCTURAL = {"out_of_period", "weekday"}


def child_name(child: Child) -> str:
    return f"{child.first_name} {child.last_name}".strip()


# --- registrations --------------------------------------------------------------------------


def registration_out(reg: Registration, cat: Catalogue) -> RegistrationOut:
    index = cat.activities.get(reg.activity_code)
    period = index.periods.get(reg.period_code) if index else None
    return RegistrationOut(
        ref=reg.ref,
        child_ref=reg.child.ref,
        child_name=child_name(reg.child),
        activity=reg.activity_code,
        activity_name=index.activity.name if index else reg.activity_code,
        period=reg.period_code,
        period_label=period.label if period else reg.period_code,
        age_group=reg.age_group,
        state=reg.state.value,
        state_label=REGISTRATION_LABELS[reg.state.value],
        reason=reg.reason,
        answer=reg.answer,
    )


def _period(index: ActivityIndex, code: str) -> PeriodIn:
    period = index.periods.get(code)
    if period is None:
        raise not_found("Période")
    return period


def age_group_for(index: ActivityIndex, child: Child, period: PeriodIn) -> str | None:
    """The child's age group at the start of the period; "" without groups; None if none fits."""
    groups = index.activity.age_groups
    if not groups:
        return ""
    if child.birth_date is None:
        return None
    age = age_on(child.birth_date, period.start)
    for g in groups:
        if (g.min_age is None or age >= g.min_age) and (g.max_age is None or age <= g.max_age):
            return g.code
    return None


def request_registration(
    session: Session, family: Family, body: RegistrationRequest, now: datetime
) -> tuple[int, RegistrationOut]:
    """A parent registers a child to an activity for a period (guide §6.1)."""
    from portal.families import child_of_family

    child = child_of_family(session, family.id, body.child_ref)
    cat = catalogue_mod.load(session)
    index = cat.activity(body.activity)
    period = _period(index, body.period)
    today = rules.today_in_paris(now)
    if not catalogue_mod.booking_open(period, today):
        raise PortalError(
            409,
            f"La période « {period.label} » n'est pas ouverte à la réservation "
            f"(du {rules.short(period.booking_opens)} au {rules.short(period.booking_closes)}).",
        )
    existing = session.scalars(
        select(Registration).where(
            Registration.child_id == child.id,
            Registration.activity_code == index.activity.code,
            Registration.period_code == period.code,
        )
    ).first()
    if existing is not None and existing.state is not RegistrationState.REFUSED:
        return 200, registration_out(existing, cat)
    missing = missing_for_child(child, consent_definitions(session), today)
    if missing:
        raise PortalError(
            422,
            f"Inscription impossible : le dossier de {child_name(child)} est incomplet. "
            "Informations obligatoires manquantes : " + " ; ".join(missing) + ". "
            "Complétez la fiche « Enfant » (rubrique « Mes enfants ») puis recommencez.",
            [FieldError(field="child_ref", message=m) for m in missing],
        )
    group = age_group_for(index, child, period)
    if group is None:
        ranges = ", ".join(g.label for g in index.activity.age_groups)
        raise PortalError(
            422,
            f"Inscription impossible : {child_name(child)} n'a pas l'âge requis pour "
            f"« {index.activity.name} » ({ranges}).",
            [FieldError(field="child_ref", message="Âge hors des tranches de l'activité.")],
        )
    auto = index.activity.rules.registration_auto_accept
    state = RegistrationState.ACCEPTED if auto else RegistrationState.REQUESTED
    reason = (
        "Inscription acceptée : vous pouvez réserver les jours dans le planning."
        if auto
        else "Inscription soumise à validation par le service."
    )
    if existing is None:
        reg = Registration(
            ref=f"tmp-{uuid.uuid4().hex[:30]}",
            family_id=family.id,
            child_id=child.id,
            activity_code=index.activity.code,
            period_code=period.code,
        )
        session.add(reg)
    else:
        reg = existing
    reg.state, reg.reason, reg.answer, reg.age_group = state, reason, "", group
    session.flush()
    if reg.ref.startswith("tmp-"):
        reg.ref = f"INS-{reg.id:06d}"
    reg.child = child
    reg.submissions = (reg.submissions or 0) + 1
    feed.append(
        session,
        family.ref,
        "registration.submitted",
        {
            "request_ref": f"REG-{reg.ref}-{reg.submissions}",
            "registration": reg.ref,
            "activity": reg.activity_code,
            "period": reg.period_code,
            "age_group": reg.age_group,
            "decision": state.value,
            "reason": reason,
        },
        child_ref=child.ref,
    )
    return (201 if existing is None else 200), registration_out(reg, cat)


def registration_state(session: Session, family: Family, body: RegistrationRequest) -> str | None:
    """The state of the child's registration to this activity and period (None: none yet)."""
    state = session.scalars(
        select(Registration.state)
        .join(Child, Registration.child_id == Child.id)
        .where(
            Child.family_id == family.id,
            Child.ref == body.child_ref,
            Registration.activity_code == body.activity,
            Registration.period_code == body.period,
        )
    ).first()
    return state.value if state is not None else None


def registrations_of(session: Session, family_id: int) -> list[RegistrationOut]:
    cat = catalogue_mod.load(session)
    rows = session.scalars(
        select(Registration).where(Registration.family_id == family_id).order_by(Registration.id)
    )
    return [registration_out(r, cat) for r in rows]


def registration_of_family(session: Session, family_id: int, ref: str) -> Registration:
    reg = session.scalars(
        select(Registration).where(Registration.family_id == family_id, Registration.ref == ref)
    ).first()
    if reg is None:
        raise not_found("Inscription")
    return reg


def push_registration(
    session: Session, ref: str, body: RegistrationPush, outbox: list[Mail] | None = None
) -> tuple[int, dict]:
    """The back-office accepts/refuses a registration, or records one made at the desk.

    When a registration the parents asked for becomes accepted or refused, its answer
    e-mail goes to ``outbox`` (sent by the caller after the commit)."""
    stmt = select(Child).join(Family).where(Child.ref == body.child_ref)
    if body.family_ref is not None:
        stmt = stmt.where(Family.ref == body.family_ref)
    children = list(session.scalars(stmt))
    if not children:
        raise PortalError(404, f"Enfant « {body.child_ref} » introuvable.")
    if len(children) > 1:
        raise PortalError(
            409,
            f"Plusieurs familles ont un enfant « {body.child_ref} » : indiquez « family_ref ».",
        )
    child = children[0]
    # Locked until the commit: two pushes of the same decision never both see a change.
    reg = session.scalars(
        select(Registration).where(Registration.ref == ref).with_for_update()
    ).first()
    if reg is None:
        reg = session.scalars(
            select(Registration)
            .where(
                Registration.child_id == child.id,
                Registration.activity_code == body.activity,
                Registration.period_code == body.period,
            )
            .with_for_update()
        ).first()
    elif (reg.child_id, reg.activity_code, reg.period_code) != (
        child.id,
        body.activity,
        body.period,
    ):
        raise PortalError(
            409,
            f"L'inscription « {ref} » concerne un autre enfant, une autre activité ou une "
            "autre période.",
        )
    cat = catalogue_mod.load(session)
    index = cat.activities.get(body.activity)
    if body.age_group is not None and (index is None or body.age_group not in index.groups):
        raise invalid(
            [FieldError(field="age_group", message=f"Tranche d'âge inconnue : {body.age_group}.")]
        )
    created = reg is None
    previous = None if created else reg.state
    if created:
        reg = Registration(
            ref=ref,
            family_id=child.family_id,
            child_id=child.id,
            activity_code=body.activity,
            period_code=body.period,
            reason="Inscription enregistrée par le service.",
        )
        session.add(reg)
        if body.age_group is None and index is not None and body.period in index.periods:
            reg.age_group = age_group_for(index, child, index.periods[body.period]) or ""
    reg.state = RegistrationState(body.state)
    reg.answer = body.answer
    if body.age_group is not None:
        reg.age_group = body.age_group
    reg.child = child
    session.flush()
    out = registration_out(reg, cat)
    asked_by_parents = not created and (reg.submissions or 0) > 0
    if (
        outbox is not None
        and asked_by_parents
        and reg.state is not previous
        and reg.state in (RegistrationState.ACCEPTED, RegistrationState.REFUSED)
    ):
        to = answers.recipient(child.family)
        if to is not None:
            outbox.append(
                answers.registration_mail(
                    to,
                    number=reg.ref,
                    child=out.child_name,
                    activity=out.activity_name,
                    period=out.period_label,
                    accepted=reg.state is RegistrationState.ACCEPTED,
                    answer=reg.answer,
                )
            )
    result = RegistrationPushResult(created=created, registration=out)
    return (201 if created else 200), result.model_dump(mode="json")


# --- the planning context -----------------------------------------------------------------


@dataclass
class Context:
    """What deciding a day needs: the registration, its activity and period, now, the rows."""

    session: Session
    reg: Registration
    cat: Catalogue
    index: ActivityIndex
    period: PeriodIn
    now: datetime
    today: date
    bookings: dict[tuple[str, date], Booking] = field(default_factory=dict)
    drafts: dict[tuple[str, date], DraftItem] = field(default_factory=dict)
    counts: dict[tuple[str, date, str], int] = field(default_factory=dict)

    @property
    def rules(self):
        return self.index.activity.rules

    def load_rows(self, first: date, last: date) -> None:
        s, reg = self.session, self.reg
        self.bookings = {
            (b.unit_code, b.day): b
            for b in s.scalars(select(Booking).where(Booking.registration_id == reg.id))
        }
        self.drafts = {
            (d.unit_code, d.day): d
            for d in s.scalars(select(DraftItem).where(DraftItem.registration_id == reg.id))
        }
        self.counts = {
            (p.unit_code, p.day, p.age_group): p.taken
            for p in s.scalars(
                select(PlaceCount).where(
                    PlaceCount.activity_code == reg.activity_code,
                    PlaceCount.day >= first,
                    PlaceCount.day <= last,
                )
            )
        }

    def closed(self, unit: UnitIn, day: date) -> tuple[str, str] | None:
        """Why ``day`` cannot be booked (code, French reason), or None when it can."""
        p = self.period
        if not p.start <= day <= p.end:
            return "out_of_period", f"Hors de la période « {p.label} »."
        if day.isoweekday() not in unit.weekdays:
            return "weekday", f"Pas d'accueil le {rules.WEEKDAYS[day.weekday()]} ({unit.name})."
        holiday = rules.public_holiday(day)
        if holiday and not self.rules.open_on_public_holidays:
            return "holiday", f"Fermé : jour férié ({holiday})."
        closure = self.index.closure(day)
        if closure is not None:
            return "closure", f"Fermé : {closure.label}."
        if day < self.today:
            return "past", "Date passée."
        if not catalogue_mod.booking_open(p, self.today):
            return (
                "window",
                f"Réservations ouvertes du {rules.short(p.booking_opens)} "
                f"au {rules.short(p.booking_closes)}.",
            )
        if self.reg.state is not RegistrationState.ACCEPTED:
            return "registration", "Inscription " + REGISTRATION_LABELS[
                self.reg.state.value
            ].lower() + "."
        return None

    def capacity(self, unit: str, day: date) -> tuple[bool, int | None]:
        """(full, places) from the counts loaded: full if any capacity that applies is used up."""
        group = self.reg.age_group
        caps = self.index.capacities(unit, day, group)
        if not caps:
            return False, None
        full = False
        for c in caps:
            key = (unit, day, c.age_group or "")
            if self.counts.get(key, 0) >= c.places:
                full = True
        return full, min(c.places for c in caps)

    def preview_booking(self, unit: UnitIn, day: date) -> rules.Decision:
        """What validating would decide now, from the counts loaded (no place taken)."""
        full, places = self.capacity(unit.code, day)
        return rules.decide_booking(self.rules, day, unit.name, self.now, full, places)

    def decide_booking(self, unit: UnitIn, day: date) -> rules.Decision:
        """The decision at validation: when the rules accept, the place is taken atomically
        (whatever the counts loaded earlier said); if none is left, « full » decides."""
        full, places = self.capacity(unit.code, day)
        first = rules.decide_booking(self.rules, day, unit.name, self.now, False, places)
        if first.reason_code == "late":
            return first
        if first.state == "accepted":
            if take_place(self.session, self.index, unit.code, day, self.reg.age_group):
                return first
            full = True
        return rules.decide_booking(self.rules, day, unit.name, self.now, full, places)


def context(session: Session, reg: Registration, now: datetime) -> Context:
    cat = catalogue_mod.load(session)
    index = cat.activities.get(reg.activity_code)
    period = index.periods.get(reg.period_code) if index else None
    if index is None or period is None:
        raise PortalError(
            409,
            "Cette activité ou cette période n'est plus proposée sur le portail : "
            "contactez le service enfance.",
        )
    return Context(
        session=session,
        reg=reg,
        cat=cat,
        index=index,
        period=period,
        now=now,
        today=rules.today_in_paris(now),
    )


def _week(week: str) -> Week:
    days = rules.week_days(week)
    return Week(week=week, label=rules.week_label(week), first_day=days[0], last_day=days[-1])


def _parse_week(week: str, field_name: str = "week") -> list[date]:
    try:
        return rules.week_days(week)
    except ValueError as exc:
        raise invalid(
            [FieldError(field=field_name, message=f"La semaine « {week} » n'existe pas.")]
        ) from exc


def cell(ctx: Context, unit: UnitIn, day: date) -> Cell:
    booking = ctx.bookings.get((unit.code, day))
    draft = ctx.drafts.get((unit.code, day))
    state = booking.state if booking is not None else None
    active = state in ACTIVE or state is BookingState.CANCEL_REQUESTED
    closed = ctx.closed(unit, day)
    past = closed is not None and closed[0] == "past"
    actions: list[str] = []
    outcome, outcome_reason = None, ""
    if active:
        cell_state = "booked" if state is BookingState.ACCEPTED else state.value
        reason = booking.reason
        if state in ACTIVE and not past:
            actions = ["book"] if draft is not None else ["unbook"]
            decision = rules.decide_cancellation(ctx.rules, day, ctx.now, state.value)
            if draft is not None:
                outcome, outcome_reason = decision.state, decision.reason
    else:
        full, places = ctx.capacity(unit.code, day)
        if closed is not None:
            cell_state, reason = "closed", closed[1]
        elif state is BookingState.REFUSED:
            cell_state, reason = "refused", booking.reason
        elif full:
            cell_state = "full"
            reason = (
                "Complet : une réservation ira en liste d'attente."
                if ctx.rules.when_full == "waiting_list"
                else "Complet : une réservation deviendra une demande à valider."
            )
        else:
            cell_state, reason = "open", ""
        if closed is None:
            actions = ["unbook"] if draft is not None else ["book"]
            decision = ctx.preview_booking(unit, day)
            outcome, outcome_reason = decision.state, decision.reason
            if cell_state == "refused" and draft is None:
                outcome, outcome_reason = None, ""
    return Cell(
        unit=unit.code,
        state=cell_state,
        label=CELL_LABELS[cell_state],
        reason=reason,
        actions=actions,
        draft=draft.action if draft is not None else None,
        outcome=outcome,
        outcome_reason=outcome_reason,
        booking_id=booking.id if booking is not None else None,
        answer=booking.answer if booking is not None else "",
    )


def planning(session: Session, reg: Registration, week: str | None, now: datetime) -> Planning:
    """The weekly planning (ISO weeks, Europe/Paris) of a registration (guide §6.1)."""
    ctx = context(session, reg, now)
    p = ctx.period
    weeks = rules.period_weeks(p.start, p.end)
    if week is None:
        anchor = min(max(ctx.today, p.start), p.end)
        week = rules.iso_week(anchor)
    days = _parse_week(week)
    if week not in weeks:
        raise invalid(
            [
                FieldError(
                    field="week",
                    message=f"La semaine {week} n'est pas dans la période « {p.label} » "
                    f"(du {rules.short(p.start)} au {rules.short(p.end)}).",
                )
            ]
        )
    ctx.load_rows(days[0], days[-1])
    units = ctx.index.activity.units
    i = weeks.index(week)
    return Planning(
        registration=registration_out(reg, ctx.cat),
        week=_week(week),
        weeks=[_week(w) for w in weeks],
        previous_week=weeks[i - 1] if i > 0 else None,
        next_week=weeks[i + 1] if i + 1 < len(weeks) else None,
        units=[catalogue_mod.unit_out(u) for u in units],
        rules=catalogue_mod.rules_out(ctx.index.activity),
        days=[
            Day(date=d, label=rules.day_label(d), cells=[cell(ctx, u, d) for u in units])
            for d in days
        ],
        draft_count=len(ctx.drafts),
    )


# --- the draft ---------------------------------------------------------------------------------


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
        days = _parse_week(change.week, f"{path}.week")
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


def _draft_range(ctx: Context) -> tuple[date, date]:
    return ctx.period.start, ctx.period.end


def draft(session: Session, reg: Registration, now: datetime) -> Draft:
    ctx = context(session, reg, now)
    ctx.load_rows(*_draft_range(ctx))
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
    ctx.load_rows(*_draft_range(ctx))
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


# --- places, taken atomically -----------------------------------------------------------------


def _ensure_counters(session: Session, activity: str, unit: str, day: date, groups) -> None:
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    rows = [
        {"activity_code": activity, "unit_code": unit, "day": day, "age_group": g, "taken": 0}
        for g in groups
    ]
    session.execute(insert(PlaceCount).values(rows).on_conflict_do_nothing())


def _groups(age_group: str) -> list[str]:
    return ["", age_group] if age_group else [""]


class _Full(Exception):
    pass


def take_place(session: Session, index: ActivityIndex, unit: str, day: date, group: str) -> bool:
    """Count one more booking, unless a capacity that applies is used up. Atomic:
    ``UPDATE … SET taken = taken + 1 WHERE taken < places`` (the row stays locked
    until the transaction ends); both counters or none (savepoint)."""
    activity = index.activity.code
    caps = index.capacities(unit, day, group)
    limits: dict[str, int] = {}
    for c in caps:
        key = c.age_group or ""
        limits[key] = min(limits.get(key, c.places), c.places)
    try:
        with session.begin_nested():
            _ensure_counters(session, activity, unit, day, _groups(group))
            for key in _groups(group):
                stmt = (
                    update(PlaceCount)
                    .where(
                        PlaceCount.activity_code == activity,
                        PlaceCount.unit_code == unit,
                        PlaceCount.day == day,
                        PlaceCount.age_group == key,
                    )
                    .values(taken=PlaceCount.taken + 1)
                    .execution_options(synchronize_session=False)
                )
                if key in limits:
                    stmt = stmt.where(PlaceCount.taken < limits[key])
                if session.execute(stmt).rowcount != 1:
                    raise _Full
    except _Full:
        return False
    return True


def adjust_places(session: Session, activity: str, booking: Booking, delta: int) -> None:
    """Count a booking in or out without checking the capacity (the agent decides)."""
    groups = _groups(booking.age_group)
    _ensure_counters(session, activity, booking.unit_code, booking.day, groups)
    stmt = (
        update(PlaceCount)
        .where(
            PlaceCount.activity_code == activity,
            PlaceCount.unit_code == booking.unit_code,
            PlaceCount.day == booking.day,
            PlaceCount.age_group.in_(groups),
        )
        .values(taken=PlaceCount.taken + delta)
        .execution_options(synchronize_session=False)
    )
    if delta < 0:
        stmt = stmt.where(PlaceCount.taken > 0)
    session.execute(stmt)


# --- validation ---------------------------------------------------------------------------------


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
    ctx.load_rows(*_draft_range(ctx))
    if not ctx.drafts:
        raise PortalError(
            409, "Le brouillon est vide : cochez des jours dans le planning avant de valider."
        )
    items = sorted(ctx.drafts.values(), key=lambda d: (d.day, d.unit_code))
    submission = BookingSubmission(number=f"tmp-{uuid.uuid4().hex[:16]}", registration_id=reg.id)
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
            if previous not in ACTIVE:
                skipped.append(Skipped(date=day, unit=unit.code, reason="Aucune réservation."))
                continue
            if day < ctx.today:
                skipped.append(Skipped(date=day, unit=unit.code, reason="Date passée."))
                continue
            decision = rules.decide_cancellation(r, day, now, previous.value)
            if previous is BookingState.ACCEPTED and decision.state == "cancelled":
                adjust_places(session, reg.activity_code, booking, -1)
            notice = r.cancellation_notice
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


def submission_state(lines: list[BookingLine]) -> str:
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


# --- the back-office's decisions ------------------------------------------------------------------


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
    )


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
    told: dict[int, list[answers.DayAnswer]] = {}
    cat = catalogue_mod.load(session) if outbox is not None else None
    for d in body.decisions:
        b = found[d.booking_id]
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
    return BookingDecisionsResult(changed=changed, bookings=out).model_dump(mode="json")
