"""The family card's whole story in one call: per child the registrations and the next
bookings (with the portal's states), the requests pending, the invoices per régie with
their state, the balance and the payments.

:func:`family_card` reads it all in a bounded number of queries, whatever the size of
the family's year (no query per child, booking or invoice), and returns plain frozen
dataclasses the GUI shows off its thread. No health data here: the medical alerts stay
on the « Fiche » tab, from :mod:`.queries`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from backoffice.dates import PARIS
from backoffice.models import (
    INVOICE_STATE_LABELS,
    PAYMENT_MODE_LABELS,
    REQUEST_KIND_LABELS,
    Activity,
    Booking,
    BookingState,
    Child,
    Closure,
    Family,
    Invoice,
    InvoiceState,
    Payment,
    PaymentAllocation,
    PaymentMode,
    PaymentState,
    Period,
    PortalRequest,
    Regie,
    RegistrationState,
    RequestBooking,
    RequestKind,
    RequestState,
    Role,
    Site,
    Unit,
)
from backoffice.models import Registration as RegistrationModel
from backoffice.services.billing.ledger import figures
from backoffice.services.billing.payments import PAYMENT_STATE_LABELS
from backoffice.services.common.actors import PORTAL, Actor, PermissionDenied
from backoffice.services.common.permissions import Permission, require
from backoffice.services.families.queries import NotFound

ZERO = Decimal("0.00")
# How many bookings ahead the card lists per child (the planning shows the rest).
NEXT_BOOKINGS = 8
# Every agent of the back-office answers « où en est mon dossier ? ».
CARD_ROLES = frozenset({Role.ADMIN, Role.DIRECTOR, Role.AGENT, Role.ACCOUNTANT})

# A booking's state → the planning cell's state (``week_cells.CELL_LABELS``, the portal's).
BOOKING_CELL_STATES = {
    BookingState.ACCEPTED: "booked",
    BookingState.REQUESTED: "requested",
    BookingState.WAITING_LIST: "waiting_list",
    BookingState.REFUSED: "refused",
    BookingState.CANCEL_REQUESTED: "cancel_requested",
}
# The parents' words for each state (portal ``bookings.states.CELL_LABELS``).
CELL_STATE_LABELS = {
    "booked": "Réservation acceptée",
    "requested": "Demande de réservation en attente",
    "waiting_list": "Liste d'attente",
    "refused": "Refusée",
    "cancel_requested": "Demande d'annulation en attente",
    "closed": "Fermé",
}
# The portal's words (``portal.bookings.states.REGISTRATION_LABELS``).
REGISTRATION_STATE_LABELS = {
    RegistrationState.REQUESTED: "En attente de validation",
    RegistrationState.ACCEPTED: "Acceptée",
    RegistrationState.REFUSED: "Refusée",
    RegistrationState.CANCELLED: "Annulée",
}
# Registration state → the icon of the planning (same colours as the bookings).
REGISTRATION_CELL_STATES = {
    RegistrationState.REQUESTED: "requested",
    RegistrationState.ACCEPTED: "booked",
    RegistrationState.REFUSED: "refused",
    RegistrationState.CANCELLED: "closed",
}


@dataclass(frozen=True, slots=True)
class RegistrationLine:
    id: int
    child_id: int
    activity: str
    site: str
    period: str
    start: date
    end: date
    state: RegistrationState

    @property
    def icon_state(self) -> str:
        return REGISTRATION_CELL_STATES[self.state]

    @property
    def state_label(self) -> str:
        return REGISTRATION_STATE_LABELS[self.state]


@dataclass(frozen=True, slots=True)
class BookingLine:
    id: int
    child_id: int
    day: date
    activity: str
    unit: str
    site: str
    state: str  # a key of CELL_STATE_LABELS (the planning's icons)
    closure: str = ""  # the closure's label when the day has been closed since

    @property
    def state_label(self) -> str:
        label = CELL_STATE_LABELS[self.state]
        return f"{label} ({self.closure})" if self.closure else label


@dataclass(frozen=True, slots=True)
class ChildCard:
    id: int
    full_name: str
    birth_date: date
    registrations: list[RegistrationLine]
    next_bookings: list[BookingLine]
    bookings_ahead: int  # all the bookings ahead, of which ``next_bookings`` are the first


@dataclass(frozen=True, slots=True)
class RequestLine:
    id: int
    child_id: int | None
    child: str
    kind: RequestKind
    received_on: date
    subject: str  # the activity and period, or what the request is about
    days: int  # days asked for (bookings, cancellations)
    first_day: date | None = None
    last_day: date | None = None

    @property
    def kind_label(self) -> str:
        return REQUEST_KIND_LABELS[self.kind]


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    id: int
    number: str
    regie: str
    regie_name: str
    issue_date: date
    due_date: date
    period_start: date
    period_end: date
    total: Decimal
    credited: Decimal
    paid: Decimal
    state: InvoiceState

    @property
    def balance(self) -> Decimal:
        return self.total - self.credited - self.paid

    @property
    def state_label(self) -> str:
        if self.state is InvoiceState.ISSUED:
            return "À payer"
        return INVOICE_STATE_LABELS[self.state]

    @property
    def to_pay(self) -> bool:
        return self.state in (InvoiceState.ISSUED, InvoiceState.PARTIALLY_PAID) and (
            self.balance > 0
        )


@dataclass(frozen=True, slots=True)
class PaymentLine:
    id: int
    regie: str
    received_on: date
    mode: PaymentMode
    amount: Decimal
    state: PaymentState
    reference: str
    invoices: tuple[str, ...]  # the invoice numbers it settled

    @property
    def mode_label(self) -> str:
        return PAYMENT_MODE_LABELS[self.mode]

    @property
    def state_label(self) -> str:
        return PAYMENT_STATE_LABELS[self.state]


@dataclass(frozen=True, slots=True)
class RegieTotals:
    regie: str
    name: str
    invoiced: Decimal
    credited: Decimal
    paid: Decimal
    pending_online: Decimal

    @property
    def balance(self) -> Decimal:
        """Positive: the family owes it; negative: the family has that much credit."""
        return self.invoiced - self.credited - self.paid


@dataclass(frozen=True, slots=True)
class FamilyCard:
    family_id: int
    code: str
    name: str
    today: date
    children: list[ChildCard]
    requests: list[RequestLine]
    invoices: list[InvoiceLine]  # by régie, then the most recent first
    payments: list[PaymentLine]  # the most recent first
    regies: list[RegieTotals]

    @property
    def balance(self) -> Decimal:
        return sum((r.balance for r in self.regies), ZERO)

    @property
    def to_pay(self) -> list[InvoiceLine]:
        return [i for i in self.invoices if i.to_pay]


def require_card_role(actor: Actor, session=None) -> None:
    if actor == PORTAL:
        raise PermissionDenied("Votre rôle ne permet pas de consulter la fiche d'une famille.")
    require(session, actor, Permission.FAMILIES_VIEW, "consulter la fiche d'une famille")


def _closures(session: Session, activity_ids: set[int], start: date, end: date):
    if not activity_ids:
        return []
    return session.execute(
        select(Closure.activity_id, Closure.start_date, Closure.end_date, Closure.label).where(
            or_(Closure.activity_id.is_(None), Closure.activity_id.in_(activity_ids)),
            Closure.end_date >= start,
            Closure.start_date <= end,
        )
    ).all()


def _closure_label(closures, activity_id: int, day: date) -> str | None:
    for closure_activity, start, end, label in closures:
        if closure_activity in (None, activity_id) and start <= day <= end:
            return label or "fermeture"
    return None


def _children(session: Session, family_id: int, today: date) -> list[ChildCard]:
    kids = session.execute(
        select(Child.id, Child.first_name, Child.last_name, Child.birth_date)
        .where(Child.family_id == family_id)
        .order_by(Child.birth_date, Child.id)
    ).all()
    ids = [k.id for k in kids]
    ahead: dict[int, int] = defaultdict(int)
    registrations: dict[int, list[RegistrationLine]] = defaultdict(list)
    bookings: dict[int, list[BookingLine]] = defaultdict(list)
    if ids:
        for reg, activity, site, period, start, end in session.execute(
            select(
                RegistrationModel,
                Activity.name,
                Site.name,
                Period.name,
                Period.start_date,
                Period.end_date,
            )
            .join(Activity, Activity.id == RegistrationModel.activity_id)
            .join(Site, Site.id == Activity.site_id)
            .join(Period, Period.id == RegistrationModel.period_id)
            .where(RegistrationModel.child_id.in_(ids), Period.end_date >= today)
            .order_by(Period.start_date, Activity.name, RegistrationModel.id)
        ):
            registrations[reg.child_id].append(
                RegistrationLine(
                    reg.id, reg.child_id, activity, site, period, start, end, reg.state
                )
            )
        rows = session.execute(
            select(
                Booking.id,
                Booking.child_id,
                Booking.day,
                Booking.state,
                Unit.activity_id,
                Activity.name,
                Unit.name,
                Site.name,
            )
            .join(Unit, Unit.id == Booking.unit_id)
            .join(Activity, Activity.id == Unit.activity_id)
            .join(Site, Site.id == Activity.site_id)
            .where(
                Booking.child_id.in_(ids),
                Booking.day >= today,
                Booking.state != BookingState.CANCELLED,
            )
            .order_by(Booking.day, Unit.start_time, Unit.name, Booking.id)
        ).all()
        shown = []
        for r in rows:  # all counted, the first few shown
            ahead[r.child_id] += 1
            if ahead[r.child_id] <= NEXT_BOOKINGS:
                shown.append(r)
        last = max((r.day for r in shown), default=today)
        closures = _closures(session, {r.activity_id for r in shown}, today, last)
        for r in shown:
            closure = _closure_label(closures, r.activity_id, r.day)
            bookings[r.child_id].append(
                BookingLine(
                    r.id,
                    r.child_id,
                    r.day,
                    r[5],
                    r[6],
                    r[7],
                    "closed" if closure is not None else BOOKING_CELL_STATES[r.state],
                    closure or "",
                )
            )
    return [
        ChildCard(
            k.id,
            f"{k.first_name} {k.last_name}".strip(),
            k.birth_date,
            registrations[k.id],
            bookings[k.id],
            ahead[k.id],
        )
        for k in kids
    ]


def _requests(session: Session, family_id: int) -> list[RequestLine]:
    days = (
        select(
            RequestBooking.request_id.label("request_id"),
            func.count(func.distinct(Booking.day)).label("days"),
            func.min(Booking.day).label("first_day"),
            func.max(Booking.day).label("last_day"),
        )
        .join(Booking, Booking.id == RequestBooking.booking_id)
        .join(PortalRequest, PortalRequest.id == RequestBooking.request_id)
        .where(PortalRequest.family_id == family_id, PortalRequest.state == RequestState.PENDING)
        .group_by(RequestBooking.request_id)
        .subquery()
    )
    rows = session.execute(
        select(
            PortalRequest.id,
            PortalRequest.child_id,
            PortalRequest.kind,
            PortalRequest.received_at,
            Child.first_name,
            Activity.name,
            Period.name,
            days.c.days,
            days.c.first_day,
            days.c.last_day,
        )
        .outerjoin(Child, Child.id == PortalRequest.child_id)
        .outerjoin(Activity, Activity.id == PortalRequest.activity_id)
        .outerjoin(Period, Period.id == PortalRequest.period_id)
        .outerjoin(days, days.c.request_id == PortalRequest.id)
        .where(PortalRequest.family_id == family_id, PortalRequest.state == RequestState.PENDING)
        .order_by(PortalRequest.received_at, PortalRequest.id)
    ).all()
    return [
        RequestLine(
            r.id,
            r.child_id,
            r.first_name or "",
            r.kind,
            r.received_at.astimezone(PARIS).date(),
            " — ".join(p for p in (r[5], r[6]) if p),
            r.days or 0,
            r.first_day,
            r.last_day,
        )
        for r in rows
    ]


def _money(session: Session, family_id: int):
    invoices = session.execute(
        select(Invoice, Regie.code, Regie.name)
        .join(Regie, Regie.id == Invoice.regie_id)
        .where(Invoice.family_id == family_id)
    ).all()
    figs = figures(session, [inv.id for inv, _, _ in invoices])
    invoice_lines = [
        InvoiceLine(
            inv.id,
            inv.number,
            code,
            name,
            inv.issue_date,
            inv.due_date,
            inv.period_start,
            inv.period_end,
            inv.total,
            figs[inv.id].credited,
            figs[inv.id].paid,
            inv.state,
        )
        for inv, code, name in invoices
    ]
    invoice_lines.sort(key=lambda i: (i.regie, -i.issue_date.toordinal(), i.number))
    payments = session.execute(
        select(Payment, Regie.code, Regie.name)
        .join(Regie, Regie.id == Payment.regie_id)
        .where(Payment.family_id == family_id)
        .order_by(Payment.received_on.desc(), Payment.id.desc())
    ).all()
    settled: dict[int, list[str]] = defaultdict(list)
    if payments:
        for payment_id, number in session.execute(
            select(PaymentAllocation.payment_id, Invoice.number)
            .join(Invoice, Invoice.id == PaymentAllocation.invoice_id)
            .join(Payment, Payment.id == PaymentAllocation.payment_id)
            .where(Payment.family_id == family_id)
            .order_by(Invoice.number)
        ):
            settled[payment_id].append(number)
    payment_lines = [
        PaymentLine(
            p.id,
            code,
            p.received_on,
            p.mode,
            p.amount,
            p.state,
            p.reference,
            tuple(settled[p.id]),
        )
        for p, code, _name in payments
    ]
    names = {code: name for _, code, name in invoices} | {code: n for _, code, n in payments}
    sums: dict[str, dict[str, Decimal]] = defaultdict(
        lambda: {"invoiced": ZERO, "credited": ZERO, "paid": ZERO, "pending": ZERO}
    )
    for line in invoice_lines:
        sums[line.regie]["invoiced"] += line.total
        sums[line.regie]["credited"] += line.credited
    for p in payment_lines:
        if p.state is PaymentState.VALIDATED:
            sums[p.regie]["paid"] += p.amount
        elif p.state is PaymentState.PENDING_BANK_VALIDATION:
            sums[p.regie]["pending"] += p.amount
    regies = [
        RegieTotals(code, names[code], s["invoiced"], s["credited"], s["paid"], s["pending"])
        for code, s in sorted(sums.items())
    ]
    return invoice_lines, payment_lines, regies


def family_card(session: Session, actor: Actor, family_id: int, today: date) -> FamilyCard:
    """Everything the desk tells a family on the phone, as of ``today`` (Europe/Paris)."""
    require_card_role(actor)
    family = session.execute(
        select(Family.id, Family.code, Family.name).where(Family.id == family_id)
    ).one_or_none()
    if family is None:
        raise NotFound(f"Aucune famille n'a l'identifiant {family_id}.")
    invoices, payments, regies = _money(session, family_id)
    return FamilyCard(
        family.id,
        family.code,
        family.name,
        today,
        _children(session, family_id, today),
        _requests(session, family_id),
        invoices,
        payments,
        regies,
    )
