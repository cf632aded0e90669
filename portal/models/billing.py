"""Billing (guide §7): invoices pushed by the back-office with their PDF, payment windows,
online payments and their allocation to invoices."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, enum_column, utcnow
from portal.models.families import Family


class InvoiceState(enum.StrEnum):
    """State of an invoice as the back-office pushes it (guide §7.1)."""

    ISSUED = "issued"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    SENT_TO_TRESOR = "sent_to_tresor"  # « transmise au Trésor public »
    CANCELLED = "cancelled"  # by a credit note


class Invoice(Base):
    """An invoice pushed by the back-office; issued invoices never change content,
    only state and settlements (a cancellation goes through a credit note)."""

    __tablename__ = "invoice"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    regie_code: Mapped[str] = mapped_column(String(40), index=True)
    regie_label: Mapped[str] = mapped_column(String(120), default="")
    issue_date: Mapped[date] = mapped_column(Date)
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    total_cents: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[InvoiceState] = mapped_column(enum_column(InvoiceState))
    payable_online: Mapped[bool] = mapped_column(Boolean, default=False)
    # The content as pushed (lines by child, QF bracket, instructions…) and its hash:
    # the same content pushed again changes nothing; another content is refused.
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    content_hash: Mapped[str] = mapped_column(String(64))
    # Settlements known to the back-office (desk payments, Trésor, recorded online payments).
    settlements: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    credit_note: Mapped[str] = mapped_column(String(40), default="")
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_size: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    family: Mapped[Family] = relationship()


class InvoicePdf(Base):
    """The PDF of an invoice (kept apart: lists never load it)."""

    __tablename__ = "invoice_pdf"

    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoice.id", ondelete="CASCADE"), primary_key=True
    )
    content: Mapped[bytes] = mapped_column(LargeBinary)


class PaymentWindow(Base):
    """Days (Paris) when a régie's invoices may be paid online, both ends included."""

    __tablename__ = "payment_window"

    id: Mapped[int] = mapped_column(primary_key=True)
    regie_code: Mapped[str] = mapped_column(String(40), index=True)
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    label: Mapped[str] = mapped_column(String(120), default="")


class PaymentState(enum.StrEnum):
    PENDING = "pending"  # « en attente de validation par la banque »
    VALIDATED = "validated"
    REFUSED = "refused"


class Payment(Base):
    """An online payment of one or several invoices of one régie (guide §7.3)."""

    __tablename__ = "payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    regie_code: Mapped[str] = mapped_column(String(40))
    provider: Mapped[str] = mapped_column(String(20))
    # PayFiP: the operation's reference (≤ 30 alphanumerics, unique) and year.
    refdet: Mapped[str] = mapped_column(String(30), unique=True)
    exer: Mapped[int] = mapped_column(Integer)
    # The provider's id of the operation (PayFiP: the idOp creerPaiementSecurise gave);
    # a notification names it, and the result is read back with it.
    operation_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    email: Mapped[str] = mapped_column(String(254))
    object: Mapped[str] = mapped_column(String(100))
    state: Mapped[PaymentState] = mapped_column(enum_column(PaymentState), index=True)
    # paid_card | paid_direct_debit | card_refused | direct_debit_refused | abandoned | expired
    result: Mapped[str | None] = mapped_column(String(30))
    result_code: Mapped[str | None] = mapped_column(String(10))
    authorisation: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notifications: Mapped[int] = mapped_column(Integer, default=0)

    allocations: Mapped[list[PaymentAllocation]] = relationship(
        back_populates="payment", cascade="all, delete-orphan", order_by="PaymentAllocation.id"
    )


class PaymentAllocation(Base):
    """The part of a payment that goes to one invoice."""

    __tablename__ = "payment_allocation"
    __table_args__ = (UniqueConstraint("payment_id", "invoice_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(
        ForeignKey("payment.id", ondelete="CASCADE"), index=True
    )
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoice.id", ondelete="CASCADE"), index=True
    )
    amount_cents: Mapped[int] = mapped_column(BigInteger)

    payment: Mapped[Payment] = relationship(back_populates="allocations")
    invoice: Mapped[Invoice] = relationship()
