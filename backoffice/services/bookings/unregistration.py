"""Unregistering a child at the desk (issue #15 item 1): the bookings ahead shown
(:func:`bookings_ahead`, each with whether cancelling it now is past the activity's
notice), cancelled through the desk's planning (:func:`.planning.unbook_days`: places
freed, waiting list served, the portal told) — the late ones billed as an « absence
non justifiée » only when the agent says so, the others never — then the registration
marked cancelled (refused on the portal, whose registrations know no other end) and
recorded in the family's history. Registering: :mod:`.registrations`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.dates import long_day
from backoffice.models import (
    Activity,
    Booking,
    BookingState,
    Period,
    Registration,
    RegistrationState,
    Unit,
    utcnow,
)
from backoffice.services.bookings.desk_push import has_portal_account
from backoffice.services.bookings.planning import unbook_days
from backoffice.services.bookings.registrations import (
    UNREGISTERED,
    RegistrationError,
    audit_registration,
    check_role,
    push_registration,
    short_date,
)
from backoffice.services.bookings.week_cells import CANCELLABLE
from backoffice.services.common.actors import Actor, bind
from backoffice.services.requests.side_panel import cancel_deadline


@dataclass(frozen=True)
class DayAhead:
    booking_id: int
    unit_id: int
    unit: str
    day: date
    state: BookingState
    late: bool  # past the activity's cancellation notice: may be billed

    @property
    def label(self) -> str:
        late = " — hors délai" if self.late else ""
        return f"{long_day(self.day)} · {self.unit} · {_STATE_LABELS[self.state]}{late}"


_STATE_LABELS = {
    BookingState.ACCEPTED: "réservé",
    BookingState.WAITING_LIST: "liste d'attente",
}


@dataclass(frozen=True)
class Ahead:
    registration_id: int
    child: str
    activity: str
    period: str
    days: tuple[DayAhead, ...]

    @property
    def late_count(self) -> int:
        return sum(1 for d in self.days if d.late)


def bookings_ahead(
    session: Session, actor: Actor, registration_id: int, today: date, now: datetime | None = None
) -> Ahead:
    """The registration's days from ``today`` on that a cancellation would free."""
    check_role(actor)
    reg = _registration(session, registration_id)
    now = now or utcnow()
    rule = reg.activity.rule
    rows = session.execute(
        select(Booking, Unit)
        .join(Unit, Unit.id == Booking.unit_id)
        .where(
            Booking.child_id == reg.child_id,
            Unit.activity_id == reg.activity_id,
            Booking.day >= max(today, reg.period.start_date),
            Booking.day <= reg.period.end_date,
            Booking.state.in_(CANCELLABLE),
        )
        .order_by(Booking.day, Unit.position)
    ).all()
    days = tuple(
        DayAhead(
            b.id,
            u.id,
            u.name,
            b.day,
            b.state,
            rule is not None and now > cancel_deadline(b.day, rule),
        )
        for b, u in rows
    )
    return Ahead(reg.id, reg.child.full_name, reg.activity.name, reg.period.name, days)


def _registration(session: Session, registration_id: int) -> Registration:
    reg = session.get(Registration, registration_id)
    if reg is None:
        raise RegistrationError("Cette inscription n'existe plus : actualisez la fiche.")
    return reg


@dataclass
class UnregisterResult:
    cancelled: int = 0
    billed: int = 0
    freed_accepted: int = 0
    pushed: bool = False
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = "Désinscription enregistrée"
        if self.cancelled:
            text += f" : {self.cancelled} jour(s) réservé(s) annulé(s)"
            if self.billed:
                text += f", dont {self.billed} facturé(s) (absence non justifiée)"
        text += "."
        if self.freed_accepted:
            text += f"\n{self.freed_accepted} place(s) libérée(s) donnée(s) à la liste d'attente."
        if self.pushed:
            text += "\nLe portail de la famille est prévenu à la prochaine synchronisation."
        if self.skipped:
            text += "\n" + "\n".join(self.skipped[:12])
        return text


def unregister_child(
    session: Session,
    actor: Actor,
    registration_id: int,
    today: date,
    *,
    bill_late: bool,
    reason: str = "",
    now: datetime | None = None,
) -> UnregisterResult:
    """Cancel the bookings ahead (late ones billed only with ``bill_late``), then the
    registration; see the module docstring."""
    check_role(actor)
    bind(session, actor)
    reg = _registration(session, registration_id)
    if reg.state is RegistrationState.CANCELLED:
        raise RegistrationError("Cet enfant est déjà désinscrit de cette période.")
    if reg.state is RegistrationState.REQUESTED:
        raise RegistrationError(
            "Les parents ont demandé cette inscription : refusez-la dans les demandes."
        )
    ahead = bookings_ahead(session, actor, registration_id, today, now)
    result = UnregisterResult()
    by_unit: dict[tuple[int, bool], list[date]] = defaultdict(list)
    for d in ahead.days:
        by_unit[(d.unit_id, d.late and bill_late)].append(d.day)
    for (unit_id, billed), days in sorted(by_unit.items()):
        done = unbook_days(session, actor, reg.child_id, unit_id, days, today, billed=billed)
        result.cancelled += len(done.cancelled)
        result.billed += len(done.cancelled) if billed else 0
        result.freed_accepted += done.freed_accepted
        result.skipped += [f"{short_date(d)} : {why}" for d, why in done.skipped]
    old = reg.state.value
    text = UNREGISTERED + (f" {reason.strip()}" if reason.strip() else "")
    reg.state = RegistrationState.CANCELLED
    reg.decided_at, reg.decided_by_id, reg.reason = utcnow(), actor.staff_id, text[:2000]
    child = reg.child
    session.flush()
    audit_registration(session, actor, reg, child, old, RegistrationState.CANCELLED.value)
    if has_portal_account(child.family) and old == RegistrationState.ACCEPTED.value:
        push_registration(session, reg, child, reg.activity, reg.period, "refused", text[:2000])
        result.pushed = True
    session.flush()
    return result


def child_registrations(
    session: Session, actor: Actor, child_id: int, today: date
) -> list[tuple[int, str]]:
    """(registration id, « activity — period (state) ») of the child's live registrations."""
    check_role(actor)
    rows = session.execute(
        select(Registration, Activity.name, Period.name)
        .join(Activity, Activity.id == Registration.activity_id)
        .join(Period, Period.id == Registration.period_id)
        .where(
            Registration.child_id == child_id,
            Registration.state == RegistrationState.ACCEPTED,
            Period.end_date >= today,
        )
        .order_by(Period.start_date, Activity.name)
    ).all()
    return [(r.id, f"{a} — {p}") for r, a, p in rows]
