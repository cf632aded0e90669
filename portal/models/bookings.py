"""Bookings (guide §6): the pushed catalogue, registrations, booked days, the parents'
drafts and validated submissions, and the places taken per unit and day."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, enum_column, utcnow
from portal.models.families import Child

# What a parent asked for a day: to book it, or to cancel its booking.
DayAction = Literal["book", "cancel"]


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
    # Bumped by each change the family makes to the day (each one goes to the feed with
    # it, « booking_version »): the service's decisions say the version they were taken
    # on, and one taken on an older version is refused for that day.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
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
    action: Mapped[DayAction] = mapped_column(String(10))
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
    action: Mapped[DayAction] = mapped_column(String(10))
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
