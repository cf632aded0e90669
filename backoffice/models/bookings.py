"""Registrations, bookings with attendance, and the requests inbox from the portal."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.models.base import Base, UTCDateTime, VersionedMixin, enum_column, utcnow


class Source(enum.StrEnum):
    DESK = "desk"  # entered by an agent
    PORTAL = "portal"  # made by a parent on the portal


class RegistrationState(enum.StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    CANCELLED = "cancelled"


class BookingState(enum.StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    WAITING_LIST = "waiting_list"
    CANCEL_REQUESTED = "cancel_requested"
    CANCELLED = "cancelled"


BOOKING_STATE_LABELS = {
    BookingState.REQUESTED: "Demandée",
    BookingState.ACCEPTED: "Acceptée",
    BookingState.REFUSED: "Refusée",
    BookingState.WAITING_LIST: "Liste d'attente",
    BookingState.CANCEL_REQUESTED: "Annulation demandée",
    BookingState.CANCELLED: "Annulée",
}


class Attendance(enum.StrEnum):
    PRESENT = "present"
    ABSENT_JUSTIFIED = "absent_justified"
    ABSENT = "absent"


ATTENDANCE_LABELS = {
    Attendance.PRESENT: "Présent",
    Attendance.ABSENT_JUSTIFIED: "Absent justifié",
    Attendance.ABSENT: "Absent",
}


class Registration(VersionedMixin, Base):
    """Inscription of a child to an activity for a period."""

    __tablename__ = "registration"
    __table_args__ = (UniqueConstraint("child_id", "period_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id"), index=True)
    age_group_id: Mapped[int | None] = mapped_column(ForeignKey("age_group.id"))
    state: Mapped[RegistrationState] = mapped_column(enum_column(RegistrationState))
    source: Mapped[Source] = mapped_column(enum_column(Source), default=Source.DESK)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    reason: Mapped[str] = mapped_column(Text, default="")

    child: Mapped[Child] = relationship()  # noqa: F821
    activity: Mapped[Activity] = relationship()  # noqa: F821
    period: Mapped[Period] = relationship()  # noqa: F821


class Booking(VersionedMixin, Base):
    """Réservation: one child × unit × date, with its state and, later, attendance."""

    __tablename__ = "booking"
    __table_args__ = (
        UniqueConstraint("child_id", "unit_id", "day"),
        Index("ix_booking_unit_day_state", "unit_id", "day", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    day: Mapped[date] = mapped_column(Date)
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registration.id", ondelete="SET NULL")
    )
    state: Mapped[BookingState] = mapped_column(enum_column(BookingState))
    source: Mapped[Source] = mapped_column(enum_column(Source), default=Source.DESK)
    # Waiting lists are served in request order.
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    cancel_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A late cancellation accepted "as billed" (absence non justifiée).
    cancellation_billed: Mapped[bool] = mapped_column(Boolean, default=False)
    attendance: Mapped[Attendance | None] = mapped_column(enum_column(Attendance))
    # Multi-accueil: actual arrival/departure, billed by the hour.
    arrival_time: Mapped[time | None] = mapped_column(Time)
    departure_time: Mapped[time | None] = mapped_column(Time)

    child: Mapped[Child] = relationship()  # noqa: F821
    unit: Mapped[Unit] = relationship()  # noqa: F821


class RequestKind(enum.StrEnum):
    REGISTRATION = "registration"
    BOOKING = "booking"
    CANCELLATION = "cancellation"
    FILE_CHANGE = "file_change"
    LOGIN_EMAIL_CHANGE = "login_email_change"


REQUEST_KIND_LABELS = {
    RequestKind.REGISTRATION: "Inscription",
    RequestKind.BOOKING: "Réservation",
    RequestKind.CANCELLATION: "Annulation",
    RequestKind.FILE_CHANGE: "Modification du dossier",
    RequestKind.LOGIN_EMAIL_CHANGE: "Changement d'identifiant",
}


class RequestState(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    PARTIAL = "partial"  # some days accepted, some refused or waiting
    DUPLICATE = "duplicate"  # the same days as another request of the child, decided with it


class PortalRequest(VersionedMixin, Base):
    """A parent's request from the portal, waiting in the agents' inbox."""

    __tablename__ = "portal_request"
    __table_args__ = (Index("ix_portal_request_state_kind", "state", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The portal's own id: applying the same change twice finds this row.
    portal_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    kind: Mapped[RequestKind] = mapped_column(enum_column(RequestKind))
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    child_id: Mapped[int | None] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity.id"))
    period_id: Mapped[int | None] = mapped_column(ForeignKey("period.id"))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[RequestState] = mapped_column(
        enum_column(RequestState), default=RequestState.PENDING
    )
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    # The answer parents read on the portal (and by e-mail).
    answer_text: Mapped[str] = mapped_column(Text, default="")

    family: Mapped[Family] = relationship()  # noqa: F821
    child: Mapped[Child | None] = relationship()  # noqa: F821
    bookings: Mapped[list[RequestBooking]] = relationship(
        back_populates="request", cascade="all, delete-orphan"
    )


class RequestBooking(Base):
    """The bookings a booking or cancellation request is about."""

    __tablename__ = "request_booking"
    __table_args__ = (UniqueConstraint("request_id", "booking_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("portal_request.id", ondelete="CASCADE"))
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id", ondelete="CASCADE"))

    request: Mapped[PortalRequest] = relationship(back_populates="bookings")
    booking: Mapped[Booking] = relationship()


from backoffice.models.catalogue import Activity, Period, Unit  # noqa: E402,F401
from backoffice.models.families import Child, Family  # noqa: E402,F401
