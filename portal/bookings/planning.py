"""The weekly planning (guide §6.1): what deciding a day needs (:class:`Context`), why a
day cannot be booked, and each day × unit cell with what the parent can do there."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import catalogue as catalogue_mod
from portal import rules
from portal.bookings.places import take_place
from portal.bookings.registrations import registration_out
from portal.bookings.schemas import BookingStateName, Cell, CellState, Day, Planning, Week
from portal.bookings.states import ACTIVE, CELL_LABELS, REGISTRATION_LABELS
from portal.catalogue import ActivityIndex, Catalogue
from portal.errors import FieldError, PortalError, invalid
from portal.models import (
    Booking,
    BookingState,
    DraftItem,
    PlaceCount,
    Registration,
    RegistrationState,
)
from portal.rules import Decision
from portal.schemas_catalogue import PeriodIn, UnitIn


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

    def load_rows(self, first: date, last: date, *, lock: bool = False) -> None:
        """The registration's days, draft and place counts; ``lock``: the days are locked
        until the commit (a validation), as the service's decisions lock theirs — one
        waits for the other and reads the state it left (never a lost update)."""
        s, reg = self.session, self.reg
        days = select(Booking).where(Booking.registration_id == reg.id)
        if lock:
            days = days.order_by(Booking.id).with_for_update()
        self.bookings = {(b.unit_code, b.day): b for b in s.scalars(days)}
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

    def preview_booking(self, unit: UnitIn, day: date) -> Decision:
        """What validating would decide now, from the counts loaded (no place taken)."""
        full, places = self.capacity(unit.code, day)
        return rules.decide_booking(self.rules, day, unit.name, self.now, full, places)

    def decide_booking(self, unit: UnitIn, day: date) -> Decision:
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


def parse_week(week: str, field_name: str = "week") -> list[date]:
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
    actions: list[Literal["book", "unbook"]] = []
    outcome: BookingStateName | None = None
    outcome_reason = ""
    cell_state: CellState
    if active:
        assert booking is not None and state is not None  # an active state is a booking's
        cell_state = "booked" if state is BookingState.ACCEPTED else cast(CellState, state.value)
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
        elif booking is not None and booking.state is BookingState.REFUSED:
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
    days = parse_week(week)
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
