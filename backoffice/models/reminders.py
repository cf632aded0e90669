"""Reminders (relances) of unpaid invoices: one row per invoice and level, never two."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.models.base import Base, Money, UTCDateTime, enum_column, utcnow

__all__ = ["REMINDER_CHANNEL_LABELS", "Reminder", "ReminderChannel"]


class ReminderChannel(enum.StrEnum):
    EMAIL = "email"
    LETTER = "letter"  # printed and posted (families without e-mail)


REMINDER_CHANNEL_LABELS = {
    ReminderChannel.EMAIL: "Courriel",
    ReminderChannel.LETTER: "Courrier",
}


class Reminder(Base):
    """A reminder sent for an invoice at a level (1, 2): the unique key makes a
    second sending of the same level impossible, even from two desks at once."""

    __tablename__ = "reminder"
    __table_args__ = (UniqueConstraint("invoice_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    sent_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[ReminderChannel] = mapped_column(enum_column(ReminderChannel))
    recipient: Mapped[str] = mapped_column(String(254), default="")  # e-mail address, or ""
    balance: Mapped[Decimal] = mapped_column(Money())  # what was still owed that day
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
