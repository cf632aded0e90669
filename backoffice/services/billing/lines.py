# Long module: the billing rules (decide), the anomalies and the draft loop that applies them share their types.
"""What is billed: invoice lines computed from bookings and attendance.

Per activity billing basis (``Activity.billing_basis``, set in the catalogue):

- ``bookings`` (ALSH, jeunesse — invoiced before the holidays start): every
  **accepted** booking of the period.
- ``attendance`` (périscolaire, TAP, mercredis): days with attendance
  **present**, and **absent without justification** (booking accepted).
  A booked day without attendance recorded is not billed yet and is flagged
  ("jour réservé sans pointage"): a later run of the same period bills it once
  the attendance is entered.
- ``hours`` (multi-accueil): as ``attendance``; a unit billed by the hour is
  billed for the attended hours (arrival → departure, each quarter hour started
  is due, see :mod:`.tariffs`); when nobody was there but the day is due
  (unjustified absence, late cancellation) the unit's scheduled hours.

Whatever the basis, a **cancelled** booking is billed only when the
cancellation was accepted after the deadline and not justified
(``Booking.cancellation_billed``, the agent's decision); justified ones and
cancellations made in time are not. Bookings still waiting for a decision
(requested, cancellation requested) are not billed and are flagged.

A booking is billed once: each line references its booking and a later run
skips bookings that already have a line (even if a credit note cancelled it:
a credit note is final, the day is not billed again).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from backoffice.models import (
    Activity,
    ActivityKind,
    Attendance,
    BillingBasis,
    BillingUnit,
    Booking,
    BookingState,
    Child,
    Family,
    FamilyQuotient,
    Guardian,
    InvoiceLine,
    Regie,
    Unit,
)
from backoffice.services.billing.common import ZERO, cents
from backoffice.services.billing.tariffs import (
    Quote,
    RankIndex,
    TariffBook,
    billed_hours,
    scheduled_hours,
)

ONE = Decimal("1.00")

LATE_CANCELLATION = "annulation tardive"
UNJUSTIFIED_ABSENCE = "absence non justifiée"


class AnomalyKind:
    MISSING_QF = "missing_qf"
    NO_BILLING_ADDRESS = "no_billing_address"
    NO_ATTENDANCE = "no_attendance"
    PENDING_BOOKING = "pending_booking"
    PENDING_CANCELLATION = "pending_cancellation"
    MISSING_HOURS = "missing_hours"
    MISSING_TARIFF = "missing_tariff"


ANOMALY_LABELS = {
    AnomalyKind.MISSING_QF: "QF absent : tranche la plus haute appliquée",
    AnomalyKind.NO_BILLING_ADDRESS: "Adresse de facturation incomplète",
    AnomalyKind.NO_ATTENDANCE: "Jour réservé sans pointage (non facturé)",
    AnomalyKind.PENDING_BOOKING: "Réservation en attente de décision (non facturée)",
    AnomalyKind.PENDING_CANCELLATION: "Demande d'annulation en attente (non facturée)",
    AnomalyKind.MISSING_HOURS: "Présence sans heures d'arrivée et de départ (non facturée)",
    AnomalyKind.MISSING_TARIFF: "Aucun tarif ne s'applique (bloquant)",
}
BLOCKING = frozenset({AnomalyKind.MISSING_TARIFF})
# Not an anomaly for a day still to come.
UPCOMING_OK = frozenset({AnomalyKind.NO_ATTENDANCE, AnomalyKind.MISSING_HOURS})


@dataclass(frozen=True, slots=True)
class Anomaly:
    kind: str
    family_id: int
    family_code: str
    family_name: str
    child: str = ""
    day: date | None = None
    detail: str = ""

    @property
    def label(self) -> str:
        return ANOMALY_LABELS[self.kind]

    @property
    def blocking(self) -> bool:
        return self.kind in BLOCKING

    def text(self) -> str:
        parts = [f"{self.family_code} {self.family_name}"]
        if self.child:
            parts.append(self.child)
        if self.day:
            parts.append(f"{self.day:%d/%m/%Y}")
        if self.detail:
            parts.append(self.detail)
        return f"{self.label} — " + ", ".join(parts)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "label": self.label,
            "blocking": self.blocking,
            "family": self.family_code,
            "family_name": self.family_name,
            "child": self.child,
            "day": self.day.isoformat() if self.day else None,
            "detail": self.detail,
        }


@dataclass(slots=True)
class DraftLine:
    booking_id: int | None
    child_id: int | None
    child_name: str
    unit_id: int | None
    tariff_id: int | None
    day: date | None
    label: str
    qf_bracket: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    sort_key: tuple = ()


@dataclass(slots=True)
class FamilyBill:
    family_id: int
    code: str
    name: str
    billing_name: str
    billing_address: str
    billing_email: str
    lines: list[DraftLine] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)


@dataclass(slots=True)
class Draft:
    regie: Regie
    start: date
    end: date
    bills: list[FamilyBill]
    anomalies: list[Anomaly]

    @property
    def total(self) -> Decimal:
        return sum((b.total for b in self.bills), ZERO)

    @property
    def line_count(self) -> int:
        return sum(len(b.lines) for b in self.bills)


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """Quantity × unit price, rounded half-up to the cent — once, per line."""
    return cents(quantity * unit_price)


@dataclass(frozen=True, slots=True)
class Decision:
    quantity: Decimal | None  # None: not billed
    note: str = ""  # shown after the label (late cancellation…)
    anomaly: str | None = None


def decide(
    basis: BillingBasis,
    hourly: bool,
    state: BookingState,
    attendance: Attendance | None,
    cancellation_billed: bool,
    arrival: time | None = None,
    departure: time | None = None,
    unit_start: time | None = None,
    unit_end: time | None = None,
) -> Decision:
    """Whether one booking is billed, and for what quantity (see the module docstring)."""

    def due_without_presence(note: str) -> Decision:
        if not hourly:
            return Decision(ONE, note)
        hours = scheduled_hours(unit_start, unit_end)
        if not hours:
            return Decision(None, anomaly=AnomalyKind.MISSING_HOURS)
        return Decision(hours, note)

    if state is BookingState.CANCELLED:
        return due_without_presence(LATE_CANCELLATION) if cancellation_billed else Decision(None)
    if state in (BookingState.REFUSED, BookingState.WAITING_LIST):
        return Decision(None)
    if basis is BillingBasis.BOOKINGS:
        if state is BookingState.REQUESTED:
            return Decision(None, anomaly=AnomalyKind.PENDING_BOOKING)
        if state is BookingState.CANCEL_REQUESTED:
            return Decision(None, anomaly=AnomalyKind.PENDING_CANCELLATION)
        return due_without_presence("")
    # attendance / hours
    if attendance is Attendance.PRESENT:
        if not hourly:
            return Decision(ONE)
        if arrival is None or departure is None:
            return Decision(None, anomaly=AnomalyKind.MISSING_HOURS)
        hours = billed_hours(arrival, departure)
        if not hours:
            return Decision(None, anomaly=AnomalyKind.MISSING_HOURS)
        return Decision(hours)
    if attendance is Attendance.ABSENT_JUSTIFIED:
        return Decision(None)
    if state is BookingState.REQUESTED:
        return Decision(None, anomaly=AnomalyKind.PENDING_BOOKING)
    if attendance is Attendance.ABSENT:
        return due_without_presence(UNJUSTIFIED_ABSENCE)
    return Decision(None, anomaly=AnomalyKind.NO_ATTENDANCE)


@dataclass(frozen=True, slots=True)
class UnitInfo:
    id: int
    name: str
    position: int
    hourly: bool
    start: time | None
    end: time | None
    activity_id: int
    activity_name: str
    activity_kind: ActivityKind
    basis: BillingBasis
    rank_pricing: bool


def regie_units(session: Session, regie_id: int) -> dict[int, UnitInfo]:
    rows = session.execute(
        select(
            Unit.id,
            Unit.name,
            Unit.position,
            Unit.billing_unit,
            Unit.start_time,
            Unit.end_time,
            Activity.id,
            Activity.name,
            Activity.kind,
            Activity.billing_basis,
            Activity.rank_pricing,
        )
        .join(Activity, Activity.id == Unit.activity_id)
        .where(Activity.regie_id == regie_id)
    )
    return {
        r[0]: UnitInfo(
            r[0], r[1], r[2], r[3] is BillingUnit.HOUR, r[4], r[5], r[6], r[7], r[8], r[9], r[10]
        )
        for r in rows
    }


def billing_identity(
    family: Family | Any, guardians: list[Guardian] | list[Any]
) -> tuple[str, str, str]:
    """(billing name, billing address, billing e-mail) as printed on the invoice.

    ``family`` and ``guardians`` are ORM objects or rows with the same attribute names."""
    payer = next((g for g in guardians if g.is_payer), guardians[0] if guardians else None)
    if payer is not None:
        name = " ".join(p for p in (payer.civility, payer.first_name, payer.last_name) if p)
    else:
        name = f"Famille {family.name}"
    town = " ".join(p for p in (family.postcode, family.commune) if p)
    address = "\n".join(p for p in (family.address_line1, family.address_line2, town) if p)
    email = family.billing_email or (payer.email if payer else "") or family.login_email
    return name, address, email


def address_complete(family: Family | Any) -> bool:
    return bool(family.address_line1.strip() and family.postcode.strip() and family.commune.strip())


def unbilled_bookings(session: Session, unit_ids: list[int], start: date, end: date):
    """Bookings of these units in [start, end] that no invoice line references yet."""
    billed = exists().where(InvoiceLine.booking_id == Booking.id)
    # Plain columns: run on the session's connection, without the ORM's row loading
    # (a fifth of the time for a month's tens of thousands of rows); flushed first,
    # as the session's own execute would.
    session.flush()
    return (
        session.connection()
        .execute(
            select(
                Booking.id,
                Booking.child_id,
                Booking.unit_id,
                Booking.day,
                Booking.state,
                Booking.attendance,
                Booking.cancellation_billed,
                Booking.arrival_time,
                Booking.departure_time,
                Child.family_id,
                Child.first_name,
                Child.last_name,
                Child.birth_date,
            )
            .join(Child, Child.id == Booking.child_id)
            .where(
                and_(
                    Booking.unit_id.in_(unit_ids),
                    Booking.day >= start,
                    Booking.day <= end,
                    ~billed,
                )
            )
            .order_by(Child.family_id, Booking.day, Booking.id)
        )
        .all()
    )


def compute_draft(
    session: Session, regie: Regie, start: date, end: date, as_of: date | None = None
) -> Draft:
    """Every family's lines for ``regie`` over [start, end], with the anomalies.

    Days after ``as_of`` (default: all days) are not flagged for a missing
    attendance: they have not happened yet."""
    units = regie_units(session, regie.id)
    anomalies: list[Anomaly] = []
    if not units:
        return Draft(regie, start, end, [], anomalies)
    bookings = unbilled_bookings(session, list(units), start, end)
    family_ids = sorted({b.family_id for b in bookings})
    families = _families(session, family_ids)
    quotients = _quotients(session, family_ids)
    book = TariffBook.load(session, list(units))
    ranks = RankIndex.load(session, {u.activity_id for u in units.values() if u.rank_pricing})

    bills: dict[int, FamilyBill] = {}
    missing_qf_flagged: set[int] = set()
    # A month's bookings repeat few distinct cases: each decision, quote, QF, label and
    # amount is computed once per distinct key (one quantize per distinct line amount).
    decisions: dict[tuple, Decision] = {}
    quotes: dict[tuple, Quote | None] = {}
    qfs: dict[tuple[int, date | None], int | None] = {}
    steady: set[int] = set()
    labels: dict[tuple, str] = {}
    amounts: dict[tuple[Decimal, Decimal], Decimal] = {}
    names: dict[int, str] = {}
    # A unit whose tariffs do not change during the period: its quotes hold every day.
    steady_tariffs = {unit_id for unit_id in units if book.steady(unit_id, start, end)}
    # Rows unpacked once (attribute access on a row costs more than on a tuple).
    for (
        booking_id,
        child_id,
        unit_id,
        day,
        state,
        attendance,
        cancellation_billed,
        arrival_time,
        departure_time,
        family_id,
        first_name,
        last_name,
        birth_date,
    ) in bookings:
        unit = units[unit_id]
        family = families[family_id]
        child_name = names.get(child_id)
        if child_name is None:
            child_name = names[child_id] = f"{first_name} {last_name}".strip()
        key = (
            unit_id,
            state,
            attendance,
            cancellation_billed,
            arrival_time,
            departure_time,
        )
        decision = decisions.get(key)
        if decision is None:
            decision = decisions[key] = decide(
                unit.basis,
                unit.hourly,
                state,
                attendance,
                cancellation_billed,
                arrival_time,
                departure_time,
                unit.start,
                unit.end,
            )
        if decision.quantity is None:
            future = as_of is not None and day > as_of
            if decision.anomaly and not (future and decision.anomaly in UPCOMING_OK):
                anomalies.append(
                    Anomaly(
                        decision.anomaly,
                        family_id,
                        family.code,
                        family.name,
                        child_name,
                        day,
                        unit.name,
                    )
                )
            continue
        # Most families' QF is the same all period long: then once per family.
        qf_key = (family_id, None if family_id in steady else day)
        if qf_key in qfs:
            qf = qfs[qf_key]
        else:
            family_qfs = quotients.get(family_id, ())
            if _steady_over(family_qfs, start, end):
                steady.add(family_id)
                qf_key = (family_id, None)
            qf = qfs[qf_key] = _quotient_on(family_qfs, day)
        rank = (
            ranks.rank(family_id, unit.activity_id, child_id, birth_date, day)
            if unit.rank_pricing
            else None
        )
        priced_on = start if unit_id in steady_tariffs else day
        quote_key = (unit_id, priced_on, qf, rank)
        if quote_key in quotes:
            quote = quotes[quote_key]
        else:
            quote = quotes[quote_key] = book.quote(unit_id, priced_on, qf, rank)
        if quote is None:
            anomalies.append(
                Anomaly(
                    AnomalyKind.MISSING_TARIFF,
                    family_id,
                    family.code,
                    family.name,
                    child_name,
                    day,
                    f"{unit.activity_name} — {unit.name}",
                )
            )
            continue
        if qf is None and family_id not in missing_qf_flagged:
            missing_qf_flagged.add(family_id)
            anomalies.append(Anomaly(AnomalyKind.MISSING_QF, family_id, family.code, family.name))
        bill = bills.get(family_id)
        if bill is None:
            bill = bills[family_id] = FamilyBill(
                family_id,
                family.code,
                family.name,
                family.billing_name,
                family.billing_address,
                family.billing_email,
            )
        label_key = (unit_id, decision.note, rank)
        label = labels.get(label_key)
        if label is None:
            label = f"{unit.activity_name} — {unit.name}"
            if decision.note:
                label += f" ({decision.note})"
            if rank and rank > 1:
                label += f" — {rank}e enfant"
            label = labels[label_key] = label[:200]
        amount_key = (decision.quantity, quote.price)
        amount = amounts.get(amount_key)
        if amount is None:
            amount = amounts[amount_key] = line_amount(decision.quantity, quote.price)
        bill.lines.append(
            DraftLine(
                booking_id=booking_id,
                child_id=child_id,
                child_name=child_name,
                unit_id=unit_id,
                tariff_id=quote.tariff_id,
                day=day,
                label=label,
                qf_bracket=quote.bracket,
                quantity=decision.quantity,
                unit_price=quote.price,
                amount=amount,
                sort_key=(birth_date, child_id, unit.position, unit_id, day, booking_id),
            )
        )
    for bill in bills.values():
        bill.lines.sort(key=lambda line: line.sort_key)
        if not families[bill.family_id].address_ok:
            anomalies.append(
                Anomaly(AnomalyKind.NO_BILLING_ADDRESS, bill.family_id, bill.code, bill.name)
            )
    ordered = sorted(bills.values(), key=lambda bill: (bill.code, bill.family_id))
    anomalies.sort(key=lambda a: (a.family_code, a.kind, a.day or date.min, a.child))
    return Draft(regie, start, end, ordered, anomalies)


@dataclass(frozen=True, slots=True)
class _FamilyFacts:
    code: str
    name: str
    billing_name: str
    billing_address: str
    billing_email: str
    address_ok: bool


def _chunks(ids: list[int], size: int = 900):
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def _families(session: Session, family_ids: list[int]) -> dict[int, _FamilyFacts]:
    """The billing facts of these families, read as plain rows (no ORM objects)."""
    result: dict[int, _FamilyFacts] = {}
    for ids in _chunks(family_ids):
        guardians: dict[int, list[Any]] = defaultdict(list)
        for g in session.execute(
            select(
                Guardian.family_id,
                Guardian.is_payer,
                Guardian.civility,
                Guardian.first_name,
                Guardian.last_name,
                Guardian.email,
            )
            .where(Guardian.family_id.in_(ids))
            .order_by(Guardian.family_id, Guardian.rank, Guardian.id)
        ):
            guardians[g.family_id].append(g)
        for family in session.execute(
            select(
                Family.id,
                Family.code,
                Family.name,
                Family.postcode,
                Family.commune,
                Family.address_line1,
                Family.address_line2,
                Family.billing_email,
                Family.login_email,
            ).where(Family.id.in_(ids))
        ):
            name, address, email = billing_identity(family, guardians[family.id])
            result[family.id] = _FamilyFacts(
                family.code, family.name, name, address, email, address_complete(family)
            )
    return result


def _quotients(session: Session, family_ids: list[int]) -> dict[int, list[tuple]]:
    result: dict[int, list[tuple]] = defaultdict(list)
    for ids in _chunks(family_ids):
        for family_id, quotient, valid_from, valid_to in session.execute(
            select(
                FamilyQuotient.family_id,
                FamilyQuotient.quotient,
                FamilyQuotient.valid_from,
                FamilyQuotient.valid_to,
            ).where(FamilyQuotient.family_id.in_(ids))
        ):
            result[family_id].append((valid_from, valid_to, quotient))
    return result


def _steady_over(rows, start: date, end: date) -> bool:
    """Whether :func:`_quotient_on` gives the same answer for every day of [start, end]:
    no QF starts after ``start`` or ends before ``end`` within the period."""
    return not any(
        start < valid_from <= end or (valid_to is not None and start <= valid_to < end)
        for valid_from, valid_to, _quotient in rows
    )


def _quotient_on(rows, day: date) -> int | None:
    """Same rule as :meth:`Family.quotient_on`: the latest QF starting on or before ``day``."""
    best = None
    for valid_from, valid_to, quotient in rows:
        if valid_from <= day and (valid_to is None or day <= valid_to):
            if best is None or valid_from > best[0]:
                best = (valid_from, quotient)
    return best[1] if best else None
