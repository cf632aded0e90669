"""Invoices, credit notes, payments and their allocation — public money, exact."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.models.base import (
    Base,
    Money,
    ScaledDecimal,
    UTCDateTime,
    VersionedMixin,
    enum_column,
    utcnow,
)


class DocumentKind(enum.StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    DEPOSIT_SLIP = "deposit_slip"  # bordereau de remise de chèques


class NumberSequence(Base):
    """Last number given per régie, document kind and year.

    Taken and incremented in the same transaction that writes the document,
    so numbers have no gaps even if the program dies mid-run.
    """

    __tablename__ = "number_sequence"
    __table_args__ = (UniqueConstraint("regie_id", "kind", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    regie_id: Mapped[int] = mapped_column(ForeignKey("regie.id"))
    kind: Mapped[DocumentKind] = mapped_column(enum_column(DocumentKind))
    year: Mapped[int] = mapped_column(Integer)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class InvoiceRunState(enum.StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"


class InvoiceRun(Base):
    """Lot de facturation: one régie, one period."""

    __tablename__ = "invoice_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    regie_id: Mapped[int] = mapped_column(ForeignKey("regie.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    label: Mapped[str] = mapped_column(String(120), default="")
    state: Mapped[InvoiceRunState] = mapped_column(
        enum_column(InvoiceRunState), default=InvoiceRunState.DRAFT
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    invoices: Mapped[list[Invoice]] = relationship(back_populates="run")


class InvoiceState(enum.StrEnum):
    ISSUED = "issued"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    SENT_TO_TRESOR = "sent_to_tresor"  # envoyé au Trésor public, who collects
    CANCELLED = "cancelled"  # fully cancelled by a credit note


INVOICE_STATE_LABELS = {
    InvoiceState.ISSUED: "Émise",
    InvoiceState.PARTIALLY_PAID: "Partiellement réglée",
    InvoiceState.PAID: "Réglée",
    InvoiceState.SENT_TO_TRESOR: "Envoyée au Trésor public",
    InvoiceState.CANCELLED: "Annulée par avoir",
}


class Invoice(Base):
    """An issued invoice. Never edited nor deleted: a credit note corrects it.

    The billing name and address are copied at issue time: the paper the
    family received must stay reproducible after they move.
    """

    __tablename__ = "invoice"
    __table_args__ = (UniqueConstraint("regie_id", "year", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # ALSH-2026-00042
    regie_id: Mapped[int] = mapped_column(ForeignKey("regie.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("invoice_run.id"), index=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"), index=True)
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    total: Mapped[Decimal] = mapped_column(Money())
    state: Mapped[InvoiceState] = mapped_column(
        enum_column(InvoiceState), default=InvoiceState.ISSUED
    )
    billing_name: Mapped[str] = mapped_column(String(200))
    billing_address: Mapped[str] = mapped_column(Text)
    billing_email: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    run: Mapped[InvoiceRun | None] = relationship(back_populates="invoices")
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", cascade="all, delete-orphan", order_by="InvoiceLine.position"
    )
    regie: Mapped[Regie] = relationship()  # noqa: F821
    family: Mapped[Family] = relationship()  # noqa: F821


class InvoiceLine(Base):
    __tablename__ = "invoice_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    child_id: Mapped[int | None] = mapped_column(ForeignKey("child.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    # A booking is billed once: at most one line references it (NULLs aside).
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"), unique=True)
    tariff_id: Mapped[int | None] = mapped_column(ForeignKey("tariff.id"))
    day: Mapped[date | None] = mapped_column(Date)
    label: Mapped[str] = mapped_column(String(200))
    qf_bracket: Mapped[str] = mapped_column(String(40), default="")
    quantity: Mapped[Decimal] = mapped_column(ScaledDecimal(2))
    unit_price: Mapped[Decimal] = mapped_column(Money())
    amount: Mapped[Decimal] = mapped_column(Money())

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class CreditNote(Base):
    """Avoir: cancels or corrects an invoice, with its own numbering."""

    __tablename__ = "credit_note"
    __table_args__ = (UniqueConstraint("regie_id", "year", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # AV-ALSH-2026-00003
    regie_id: Mapped[int] = mapped_column(ForeignKey("regie.id"))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    issue_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    total: Mapped[Decimal] = mapped_column(Money())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))

    invoice: Mapped[Invoice] = relationship()
    lines: Mapped[list[CreditNoteLine]] = relationship(
        back_populates="credit_note", cascade="all, delete-orphan"
    )


class CreditNoteLine(Base):
    __tablename__ = "credit_note_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_note_id: Mapped[int] = mapped_column(ForeignKey("credit_note.id"), index=True)
    invoice_line_id: Mapped[int | None] = mapped_column(ForeignKey("invoice_line.id"))
    label: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Money())

    credit_note: Mapped[CreditNote] = relationship(back_populates="lines")


class ClosedPeriod(Base):
    """A closed billing period: nothing dated inside it can change any more."""

    __tablename__ = "closed_period"

    id: Mapped[int] = mapped_column(primary_key=True)
    regie_id: Mapped[int] = mapped_column(ForeignKey("regie.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))


class PaymentMode(enum.StrEnum):
    CHEQUE = "cheque"
    CASH = "cash"
    CARD = "card"
    ANCV = "ancv"
    CESU = "cesu"
    TRANSFER = "transfer"
    ONLINE = "online"  # PayFiP on the portal
    TRESOR_PUBLIC = "tresor_public"  # collected by the Trésor public
    DIRECT_DEBIT = "direct_debit"  # SEPA direct debit (pending until the bank's answer)


PAYMENT_MODE_LABELS = {
    PaymentMode.CHEQUE: "Chèque",
    PaymentMode.CASH: "Espèces",
    PaymentMode.CARD: "Carte bancaire",
    PaymentMode.ANCV: "Chèques-vacances ANCV",
    PaymentMode.CESU: "CESU",
    PaymentMode.TRANSFER: "Virement",
    PaymentMode.ONLINE: "Paiement en ligne",
    PaymentMode.TRESOR_PUBLIC: "Trésor public",
    PaymentMode.DIRECT_DEBIT: "Prélèvement SEPA",
}


class PaymentState(enum.StrEnum):
    PENDING_BANK_VALIDATION = "pending_bank_validation"
    VALIDATED = "validated"
    REFUSED = "refused"


class Payment(VersionedMixin, Base):
    __tablename__ = "payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"), index=True)
    regie_id: Mapped[int] = mapped_column(ForeignKey("regie.id"), index=True)
    mode: Mapped[PaymentMode] = mapped_column(enum_column(PaymentMode))
    amount: Mapped[Decimal] = mapped_column(Money())
    received_on: Mapped[date] = mapped_column(Date)
    state: Mapped[PaymentState] = mapped_column(
        enum_column(PaymentState, length=40), default=PaymentState.VALIDATED
    )
    reference: Mapped[str] = mapped_column(String(80), default="")  # cheque number, refdet…
    bank: Mapped[str] = mapped_column(String(80), default="")  # cheque: the payer's bank
    # Cheques: the deposit slip (bordereau de remise) that took them to the bank.
    deposit_slip_id: Mapped[int | None] = mapped_column(ForeignKey("deposit_slip.id"), index=True)
    payer_name: Mapped[str] = mapped_column(String(120), default="")
    # The portal's id of an online payment (idempotent notifications).
    portal_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))

    allocations: Mapped[list[PaymentAllocation]] = relationship(
        back_populates="payment", cascade="all, delete-orphan"
    )


class DepositSlip(Base):
    """Bordereau de remise: the cheques of a régie taken to the bank together."""

    __tablename__ = "deposit_slip"
    __table_args__ = (UniqueConstraint("regie_id", "year", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # BR-ALSH-2026-00001
    regie_id: Mapped[int] = mapped_column(ForeignKey("regie.id"))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    deposit_date: Mapped[date] = mapped_column(Date)
    total: Mapped[Decimal] = mapped_column(Money())
    cheque_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))


class PaymentAllocation(Base):
    """Part of a payment applied to one invoice."""

    __tablename__ = "payment_allocation"
    __table_args__ = (UniqueConstraint("payment_id", "invoice_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id", ondelete="CASCADE"))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())

    payment: Mapped[Payment] = relationship(back_populates="allocations")
    invoice: Mapped[Invoice] = relationship()


from backoffice.models.catalogue import Regie  # noqa: E402,F401
from backoffice.models.families import Family  # noqa: E402,F401
