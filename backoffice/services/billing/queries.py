"""Read-only views of billing for the GUI: régies, runs, invoices, lines, open invoices.

Small immutable rows (no ORM objects leave the session), computed in one short
session, fit to be loaded by a background task and shown by a table model.
Nothing here writes; the actions stay in :mod:`.runs`, :mod:`.payments`… (one
user action, one service function).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.models import (
    INVOICE_STATE_LABELS,
    Child,
    DepositSlip,
    Family,
    Invoice,
    InvoiceLine,
    InvoiceRun,
    InvoiceRunState,
    InvoiceState,
    PaymentMode,
    PaymentState,
    Regie,
    Settlement,
)
from backoffice.services.billing.balances import (
    FamilyBalance,
    PaymentRow,
    family_balance,
    list_payments,
)
from backoffice.services.billing.common import PARIS, ZERO, get_family, get_regie
from backoffice.services.billing.credit_notes import credited_by_line, get_invoice
from backoffice.services.billing.ledger import figures
from backoffice.services.billing.payments import cesu_room, open_invoices

OPEN_STATES = (InvoiceState.ISSUED, InvoiceState.PARTIALLY_PAID)


@dataclass(frozen=True, slots=True)
class RegieRow:
    id: int
    code: str
    name: str
    settlement: Settlement

    @property
    def via_tresor(self) -> bool:
        return self.settlement is Settlement.TRESOR_PUBLIC

    @property
    def label(self) -> str:
        return f"{self.code} — {self.name}"


def regie_rows(session: Session) -> list[RegieRow]:
    return [
        RegieRow(r.id, r.code, r.name, r.settlement)
        for r in session.scalars(select(Regie).order_by(Regie.code))
    ]


# -- runs ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunRow:
    id: int
    regie: str
    label: str
    start: date
    end: date
    issued_on: date | None  # the invoices' issue date
    count: int
    total: Decimal
    first_number: str
    last_number: str

    @property
    def numbers(self) -> str:
        if not self.count:
            return ""
        if self.first_number == self.last_number:
            return self.first_number
        return f"{self.first_number} à {self.last_number}"


def _paris_day(moment) -> date | None:
    return moment.astimezone(PARIS).date() if moment else None


def run_rows(session: Session, regie_code: str | None = None) -> list[RunRow]:
    """Issued runs, the most recent first, with their count, total and number range."""
    stmt = (
        select(InvoiceRun, Regie.code)
        .join(Regie, Regie.id == InvoiceRun.regie_id)
        .where(InvoiceRun.state == InvoiceRunState.ISSUED)
    )
    if regie_code:
        stmt = stmt.where(InvoiceRun.regie_id == get_regie(session, regie_code).id)
    runs = session.execute(stmt.order_by(InvoiceRun.id.desc())).all()
    ids = [run.id for run, _ in runs]
    invoices: dict[int, list[tuple[int, str, Decimal, date]]] = defaultdict(list)
    for start in range(0, len(ids), 900):
        for run_id, seq, number, total, issued in session.execute(
            select(
                Invoice.run_id, Invoice.seq, Invoice.number, Invoice.total, Invoice.issue_date
            ).where(Invoice.run_id.in_(ids[start : start + 900]))
        ):
            if run_id is not None:  # always: IN (…) never matches NULL
                invoices[run_id].append((seq, number, total, issued))
    rows = []
    for run, code in runs:
        items = sorted(invoices[run.id])
        rows.append(
            RunRow(
                run.id,
                code,
                run.label,
                run.period_start,
                run.period_end,
                items[0][3] if items else _paris_day(run.issued_at),
                len(items),
                sum((item[2] for item in items), ZERO),
                items[0][1] if items else "",
                items[-1][1] if items else "",
            )
        )
    return rows


# -- invoices --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    id: int
    number: str
    regie: str
    family_id: int
    family_code: str
    billing_name: str
    issue_date: date
    due_date: date
    total: Decimal
    credited: Decimal
    paid: Decimal
    state: InvoiceState

    @property
    def balance(self) -> Decimal:
        return self.total - self.credited - self.paid

    @property
    def state_label(self) -> str:
        return INVOICE_STATE_LABELS[self.state]


def _invoice_rows(session: Session, stmt) -> list[InvoiceRow]:
    rows = session.execute(
        stmt.add_columns(Family.code, Regie.code)
        .join(Family, Family.id == Invoice.family_id)
        .join(Regie, Regie.id == Invoice.regie_id)
    ).all()
    figs = figures(session, [inv.id for inv, _, _ in rows])
    return [
        InvoiceRow(
            inv.id,
            inv.number,
            regie,
            inv.family_id,
            family,
            inv.billing_name,
            inv.issue_date,
            inv.due_date,
            inv.total,
            figs[inv.id].credited,
            figs[inv.id].paid,
            inv.state,
        )
        for inv, family, regie in rows
    ]


def run_invoice_rows(session: Session, run_id: int) -> list[InvoiceRow]:
    return _invoice_rows(
        session, select(Invoice).where(Invoice.run_id == run_id).order_by(Invoice.seq)
    )


def family_invoice_rows(
    session: Session, family_id: int, *, open_only: bool = False
) -> list[InvoiceRow]:
    """A family's invoices, oldest first (``open_only``: those still owing money)."""
    stmt = select(Invoice).where(Invoice.family_id == family_id)
    if open_only:
        stmt = stmt.where(Invoice.state.in_(OPEN_STATES))
    rows = _invoice_rows(session, stmt.order_by(Invoice.issue_date, Invoice.regie_id, Invoice.seq))
    return [r for r in rows if r.balance > 0] if open_only else rows


def tresor_invoice_rows(session: Session, regie_code: str | None = None) -> list[InvoiceRow]:
    """Invoices of the Trésor public régies still owing money (to transmit), by régie."""
    stmt = (
        select(Invoice)
        .where(
            Invoice.state.in_(OPEN_STATES),
            Invoice.regie_id.in_(
                select(Regie.id).where(Regie.settlement == Settlement.TRESOR_PUBLIC)
            ),
        )
        .order_by(Invoice.issue_date, Invoice.seq)
    )
    if regie_code:
        stmt = stmt.where(Invoice.regie_id == get_regie(session, regie_code).id)
    rows = [r for r in _invoice_rows(session, stmt) if r.balance > 0]
    return sorted(rows, key=lambda r: (r.regie, r.issue_date, r.number))


@dataclass(frozen=True, slots=True)
class LineRow:
    position: int
    label: str
    child: str
    day: date | None
    amount: Decimal
    credited: Decimal

    @property
    def left(self) -> Decimal:
        """What a credit note may still take from this line."""
        return self.amount - self.credited


def invoice_line_rows(session: Session, number: str) -> list[LineRow]:
    invoice = get_invoice(session, number)
    already = credited_by_line(session, invoice.id)
    return [
        LineRow(
            line.position,
            line.label,
            f"{first} {last}".strip() if first or last else "",
            line.day,
            line.amount,
            already[line.id],
        )
        for line, first, last in session.execute(
            select(InvoiceLine, Child.first_name, Child.last_name)
            .outerjoin(Child, Child.id == InvoiceLine.child_id)
            .where(InvoiceLine.invoice_id == invoice.id)
            .order_by(InvoiceLine.position)
        )
    ]


# -- desk payments ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenInvoice:
    number: str
    issue_date: date
    due_date: date
    total: Decimal
    balance: Decimal
    cesu_room: Decimal  # what CESU may still pay on it (children under 6)


def open_invoice_rows(session: Session, family_ref: str, regie_code: str) -> list[OpenInvoice]:
    """What a desk payment of this family for this régie can settle, oldest first."""
    family = get_family(session, family_ref)
    regie = get_regie(session, regie_code)
    return [
        OpenInvoice(
            invoice.number,
            invoice.issue_date,
            invoice.due_date,
            invoice.total,
            balance,
            cesu_room(session, invoice),
        )
        for invoice, balance in open_invoices(session, family.id, regie.id)
    ]


def oldest_first(
    invoices: Iterable[OpenInvoice], amount: Decimal, *, cesu: bool = False
) -> dict[str, Decimal]:
    """The allocation the service applies by default: oldest invoice first, each up to
    what it still owes (CESU: up to what CESU may pay); the rest is the family's credit."""
    left = max(amount, ZERO)
    plan: dict[str, Decimal] = {}
    for invoice in invoices:
        if left <= 0:
            break
        room = min(invoice.balance, invoice.cesu_room) if cesu else invoice.balance
        part = min(left, room)
        if part > 0:
            plan[invoice.number] = part
            left -= part
    return plan


# -- online payments -------------------------------------------------------------------


def online_payment_rows(session: Session, state: PaymentState | None = None) -> list[PaymentRow]:
    """Online (PayFiP) payments received from the portal, the most recent first."""
    rows = [r for r in list_payments(session, state=state) if r.mode is PaymentMode.ONLINE]
    return sorted(rows, key=lambda r: (r.received_on, r.id), reverse=True)


@dataclass(frozen=True, slots=True)
class FamilyHeader:
    id: int
    code: str
    name: str


def family_header(session: Session, family_id: int) -> FamilyHeader:
    # Unknown: get_family raises the French "Aucune famille…".
    family = session.get(Family, family_id) or get_family(session, str(family_id))
    return FamilyHeader(family.id, family.code, family.name)


@dataclass(frozen=True)
class FamilyAccount:
    """A family's account at the payments desk: who, the balance per régie, the invoices."""

    header: FamilyHeader
    balance: FamilyBalance
    invoices: list[InvoiceRow]


def family_account(session: Session, family_id: int) -> FamilyAccount:
    header = family_header(session, family_id)
    return FamilyAccount(
        header,
        family_balance(session, header.code),
        family_invoice_rows(session, family_id),
    )


# -- deposit slips ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SlipRow:
    number: str
    regie: str
    deposit_date: date
    count: int
    total: Decimal


def deposit_slip_rows(session: Session, regie_code: str | None = None) -> list[SlipRow]:
    """Deposit slips already made, the most recent first (to reprint them)."""
    stmt = select(DepositSlip, Regie.code).join(Regie, Regie.id == DepositSlip.regie_id)
    if regie_code:
        stmt = stmt.where(DepositSlip.regie_id == get_regie(session, regie_code).id)
    return [
        SlipRow(slip.number, code, slip.deposit_date, slip.cheque_count, slip.total)
        for slip, code in session.execute(
            stmt.order_by(DepositSlip.deposit_date.desc(), DepositSlip.id.desc())
        )
    ]
