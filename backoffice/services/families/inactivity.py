"""Which families may be anonymised: the day of each family's last activity, and the
invoices still owing money that keep a family from being anonymised."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.models import (
    Booking,
    Child,
    CreditNote,
    Family,
    Invoice,
    InvoiceState,
    Payment,
    PaymentAllocation,
    PaymentState,
    PortalRequest,
    Registration,
)

CHUNK = 500  # ids per IN (…) list


def chunks(ids: list[int]) -> Iterator[list[int]]:
    """``ids`` in slices of :data:`CHUNK`."""
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _as_day(value) -> date | None:
    if value is None:
        return None
    return value.date() if isinstance(value, datetime) else value


def last_activity(session: Session) -> dict[int, date]:
    """Per family, the day of its last activity: account opened or activated, a
    registration, a booked day, a portal request, an invoice or a payment."""
    latest: dict[int, date] = {}

    def note(rows: Iterable[tuple[int, object]]) -> None:
        for family_id, value in rows:
            day = _as_day(value)
            if day is not None and (family_id not in latest or day > latest[family_id]):
                latest[family_id] = day

    note(session.execute(select(Family.id, Family.created_at)))
    note(session.execute(select(Family.id, Family.activated_at)))
    note(
        session.execute(
            select(Child.family_id, func.max(Booking.day))
            .join(Booking, Booking.child_id == Child.id)
            .group_by(Child.family_id)
        )
    )
    note(
        session.execute(
            select(Child.family_id, func.max(Registration.requested_at))
            .join(Registration, Registration.child_id == Child.id)
            .group_by(Child.family_id)
        )
    )
    for model, column in (
        (PortalRequest, PortalRequest.received_at),
        (Invoice, Invoice.issue_date),
        (Payment, Payment.received_on),
    ):
        note(session.execute(select(model.family_id, func.max(column)).group_by(model.family_id)))
    return latest


def unpaid_invoices(
    session: Session, family_ids: list[int]
) -> dict[int, list[tuple[str, Decimal]]]:
    """Issued or partly paid invoices still owing money: family → [(number, balance)].

    Balance = total − validated payments allocated − credit notes."""
    if not family_ids:
        return {}
    result: dict[int, list[tuple[str, Decimal]]] = {}
    for ids in chunks(family_ids):
        invoices = session.scalars(
            select(Invoice).where(
                Invoice.family_id.in_(ids),
                Invoice.state.in_([InvoiceState.ISSUED, InvoiceState.PARTIALLY_PAID]),
            )
        ).all()
        if not invoices:
            continue
        invoice_ids = [i.id for i in invoices]
        paid: dict[int, Decimal] = {}
        for invoice_id, amount in session.execute(
            select(PaymentAllocation.invoice_id, PaymentAllocation.amount)
            .join(Payment, Payment.id == PaymentAllocation.payment_id)
            .where(
                PaymentAllocation.invoice_id.in_(invoice_ids),
                Payment.state == PaymentState.VALIDATED,
            )
        ):
            paid[invoice_id] = paid.get(invoice_id, Decimal(0)) + amount
        for invoice_id, amount in session.execute(
            select(CreditNote.invoice_id, CreditNote.total).where(
                CreditNote.invoice_id.in_(invoice_ids)
            )
        ):
            paid[invoice_id] = paid.get(invoice_id, Decimal(0)) + amount
        for invoice in invoices:
            balance = invoice.total - paid.get(invoice.id, Decimal(0))
            if balance > 0:
                result.setdefault(invoice.family_id, []).append((invoice.number, balance))
    return result
