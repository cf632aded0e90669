"""The portal's own tables (SQLAlchemy 2). Never shared with the back-office.

Secrets are never stored in clear: passwords are argon2 hashes, tokens and
e-mailed links are stored as SHA-256 hashes of long random values.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; stored naive UTC everywhere."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: pass an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def enum_column(enum_cls: type[enum.Enum], length: int = 32) -> SAEnum:
    """A StrEnum stored by value in a plain VARCHAR."""
    return SAEnum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class AccountState(enum.StrEnum):
    AWAITING_ACTIVATION = "awaiting_activation"
    ACTIVE = "active"
    DISABLED = "disabled"


class LinkPurpose(enum.StrEnum):
    ACTIVATION = "activation"
    PASSWORD_RESET = "password_reset"
    EMAIL_CHANGE = "email_change"


class Family(Base):
    """A family as the back-office pushed it, plus the parents' own edits."""

    __tablename__ = "family"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The back-office's identifier ("F00042"): the key of every staff call.
    ref: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    address_line1: Mapped[str] = mapped_column(String(200), default="")
    address_line2: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(5), default="")
    commune: Mapped[str] = mapped_column(String(80), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    billing_email: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    account: Mapped[ParentAccount | None] = relationship(
        back_populates="family", uselist=False, cascade="all, delete-orphan"
    )
    guardians: Mapped[list[Guardian]] = relationship(
        back_populates="family", cascade="all, delete-orphan", order_by="Guardian.rank"
    )
    children: Mapped[list[Child]] = relationship(
        back_populates="family", cascade="all, delete-orphan", order_by="Child.id"
    )


class Guardian(Base):
    """Responsable légal (one or two per family)."""

    __tablename__ = "guardian"
    __table_args__ = (UniqueConstraint("family_id", "rank"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    civility: Mapped[str] = mapped_column(String(10), default="")
    last_name: Mapped[str] = mapped_column(String(80))
    first_name: Mapped[str] = mapped_column(String(80))
    relationship_label: Mapped[str] = mapped_column(String(40), default="")
    is_payer: Mapped[bool] = mapped_column(Boolean, default=False)
    mobile_phone: Mapped[str] = mapped_column(String(20), default="")
    home_phone: Mapped[str] = mapped_column(String(20), default="")
    work_phone: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(254), default="")

    family: Mapped[Family] = relationship(back_populates="guardians")


class ParentAccount(Base):
    """The family's login to the portal (one per family)."""

    __tablename__ = "parent_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), unique=True)
    # Stored lower-cased: the identifier parents type.
    login_email: Mapped[str] = mapped_column(String(254), unique=True)
    # A new login waiting for its confirmation link; the old one works meanwhile.
    pending_login_email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    state: Mapped[AccountState] = mapped_column(
        enum_column(AccountState), default=AccountState.AWAITING_ACTIVATION
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    family: Mapped[Family] = relationship(back_populates="account")


class Child(Base):
    """A child and the five blocks of the child form.

    Block 1 (information) is in columns; the other four are JSON documents
    validated by the API schemas (``portal.schemas``) on every write.
    """

    __tablename__ = "child"
    __table_args__ = (UniqueConstraint("family_id", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    # The back-office's identifier of the child: what URLs and the feed use.
    ref: Mapped[str] = mapped_column(String(40))
    last_name: Mapped[str] = mapped_column(String(80))
    first_name: Mapped[str] = mapped_column(String(80))
    sex: Mapped[str] = mapped_column(String(1), default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    school: Mapped[str] = mapped_column(String(120), default="")
    school_class: Mapped[str] = mapped_column(String(20), default="")
    medical: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    emergency_contacts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    authorised_pickups: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    consents: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    family: Mapped[Family] = relationship(back_populates="children")


class ConsentDefinition(Base):
    """An autorisation asked of parents, as the back-office defines it."""

    __tablename__ = "consent_definition"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    label: Mapped[str] = mapped_column(String(160))
    mandatory: Mapped[bool] = mapped_column(Boolean, default=True)
    asks_detail: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class SingleUseLink(Base):
    """An e-mailed link (activation, password reset, e-mail change): hash only."""

    __tablename__ = "single_use_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("parent_account.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[LinkPurpose] = mapped_column(enum_column(LinkPurpose))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    new_email: Mapped[str | None] = mapped_column(String(254))  # e-mail change only
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginAttempt(Base):
    """Every login attempt, by the identifier typed (known or not): the rate limit."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_login_at", "login", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    success: Mapped[bool] = mapped_column(Boolean)


class AccessToken(Base):
    """A short-lived parent session (bearer token): hash only."""

    __tablename__ = "access_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("parent_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StaffToken(Base):
    """A back-office API token (``portal create-staff-token``): hash only."""

    __tablename__ = "staff_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FeedCounter(Base):
    """One row: the last change number given.

    Taking the next number updates this row, which locks it until the
    transaction ends: changes become visible in number order, so a reader
    resuming ``after=N`` never skips one committed late.
    """

    __tablename__ = "feed_counter"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)


class Change(Base):
    """Append-only feed of what parents did, numbered without gaps from 1."""

    __tablename__ = "change"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    family_ref: Mapped[str] = mapped_column(String(40), index=True)
    child_ref: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(60))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class IdempotencyRecord(Base):
    """The answer given to a back-office call, replayed when the same key comes back."""

    __tablename__ = "idempotency_record"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    # Method, path and body hash: the same key with another request is refused.
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class RegistrationState(enum.StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    REFUSED = "refused"


class BookingState(enum.StrEnum):
    """State of one child × unit × day (DESIGN §5)."""

    ACCEPTED = "accepted"
    REQUESTED = "requested"
    WAITING_LIST = "waiting_list"
    REFUSED = "refused"
    CANCEL_REQUESTED = "cancel_requested"
    CANCELLED = "cancelled"


class CatalogueDocument(Base):
    """One row: the catalogue (activities, periods, units, closures, capacities, rules)
    as the back-office last pushed it, replaced whole by each push."""

    __tablename__ = "catalogue"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    pushed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    body: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Registration(Base):
    """A child's registration to an activity for a period (guide §6.1).

    Activity and period are the catalogue's codes (the catalogue is replaced
    whole by each push; registrations and bookings keep their codes).
    """

    __tablename__ = "registration"
    __table_args__ = (UniqueConstraint("child_id", "activity_code", "period_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # « INS-000001 » for the parents' requests, the back-office's own reference otherwise.
    ref: Mapped[str] = mapped_column(String(40), unique=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)
    activity_code: Mapped[str] = mapped_column(String(40))
    period_code: Mapped[str] = mapped_column(String(40))
    age_group: Mapped[str] = mapped_column(String(40), default="")
    state: Mapped[RegistrationState] = mapped_column(enum_column(RegistrationState))
    # How many times parents submitted it (a refused registration may be asked again):
    # the feed's ``request_ref`` is ``REG-<ref>-<n>``.
    submissions: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reason: Mapped[str] = mapped_column(String(500), default="")
    answer: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    child: Mapped[Child] = relationship()


class Booking(Base):
    """One child × unit × day of a registration, with its current state."""

    __tablename__ = "booking"
    __table_args__ = (UniqueConstraint("registration_id", "unit_code", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    unit_code: Mapped[str] = mapped_column(String(40))
    day: Mapped[date] = mapped_column(Date)
    # The age group whose places this booking counts in ("" if none).
    age_group: Mapped[str] = mapped_column(String(40), default="")
    state: Mapped[BookingState] = mapped_column(enum_column(BookingState))
    reason: Mapped[str] = mapped_column(String(500), default="")
    answer: Mapped[str] = mapped_column(String(2000), default="")
    # A cancellation the service accepted: is the day still billed? (None: not said.)
    billed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    registration: Mapped[Registration] = relationship()


class DraftItem(Base):
    """A day a parent ticked (book) or unticked (cancel) and has not validated yet."""

    __tablename__ = "draft_item"
    __table_args__ = (UniqueConstraint("registration_id", "unit_code", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    unit_code: Mapped[str] = mapped_column(String(40))
    day: Mapped[date] = mapped_column(Date)
    action: Mapped[str] = mapped_column(String(10))  # "book" | "cancel"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BookingSubmission(Base):
    """A validated planning (« réservation » with its number, guide §6.1 and §6.3)."""

    __tablename__ = "booking_submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    registration: Mapped[Registration] = relationship()
    lines: Mapped[list[BookingLine]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="BookingLine.id"
    )


class BookingLine(Base):
    """One day of a submission: what was asked and what the rules decided then."""

    __tablename__ = "booking_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("booking_submission.id", ondelete="CASCADE"), index=True
    )
    booking_id: Mapped[int] = mapped_column(
        ForeignKey("booking.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(10))  # "book" | "cancel"
    decision: Mapped[BookingState] = mapped_column(enum_column(BookingState))
    reason_code: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(500))

    submission: Mapped[BookingSubmission] = relationship(back_populates="lines")
    booking: Mapped[Booking] = relationship()


class PlaceCount(Base):
    """Places taken per activity × unit × day (age group "" = all groups).

    Taken atomically by a conditional ``UPDATE … WHERE taken < places``: two
    parents never get the last place both.
    """

    __tablename__ = "place_count"

    activity_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    age_group: Mapped[str] = mapped_column(String(40), primary_key=True)
    taken: Mapped[int] = mapped_column(Integer, default=0)


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


__all__ = [
    "Invoice",
    "InvoicePdf",
    "InvoiceState",
    "Payment",
    "PaymentAllocation",
    "PaymentState",
    "PaymentWindow",
    "AccessToken",
    "AccountState",
    "Base",
    "Booking",
    "BookingLine",
    "BookingState",
    "BookingSubmission",
    "CatalogueDocument",
    "Change",
    "Child",
    "ConsentDefinition",
    "DraftItem",
    "Family",
    "FeedCounter",
    "Guardian",
    "IdempotencyRecord",
    "LinkPurpose",
    "LoginAttempt",
    "ParentAccount",
    "PlaceCount",
    "Registration",
    "RegistrationState",
    "SingleUseLink",
    "StaffToken",
    "utcnow",
]
