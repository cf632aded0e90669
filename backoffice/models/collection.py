"""Collection beyond the desk: PES V2 files to the Trésor public, SEPA mandates and debits."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.models.base import Base, Money, UTCDateTime, VersionedMixin, enum_column, utcnow


class PesExport(Base):
    """One PES V2 « ORMC » file: a bordereau of titles handed to the Trésor public."""

    __tablename__ = "pes_export"
    __table_args__ = (UniqueConstraint("regie_id", "year", "bordereau"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    regie_id: Mapped[int] = mapped_column(ForeignKey("regie.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)  # exercice
    bordereau: Mapped[int] = mapped_column(Integer)  # IdBord, per régie and year
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    file_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    invoice_count: Mapped[int] = mapped_column(Integer)
    total: Mapped[Decimal] = mapped_column(Money())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))

    invoices: Mapped[list[PesExportInvoice]] = relationship(
        back_populates="export", cascade="all, delete-orphan"
    )


class PesExportInvoice(Base):
    """An invoice sent as a title (pièce): each invoice goes to the Trésor once."""

    __tablename__ = "pes_export_invoice"

    id: Mapped[int] = mapped_column(primary_key=True)
    export_id: Mapped[int] = mapped_column(ForeignKey("pes_export.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), unique=True)
    amount: Mapped[Decimal] = mapped_column(Money())

    export: Mapped[PesExport] = relationship(back_populates="invoices")


class SequenceType(enum.StrEnum):
    """SEPA sequence: the first debit of a mandate, then the recurrent ones."""

    FIRST = "FRST"
    RECURRENT = "RCUR"


class SepaMandate(VersionedMixin, Base):
    """A family's SEPA direct-debit mandate (mandat de prélèvement)."""

    __tablename__ = "sepa_mandate"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"), index=True)
    debtor_name: Mapped[str] = mapped_column(String(70))
    iban: Mapped[str] = mapped_column(String(34))
    bic: Mapped[str] = mapped_column(String(11))
    reference: Mapped[str] = mapped_column(String(35), unique=True)  # RUM
    signed_on: Mapped[date] = mapped_column(Date)
    sequence: Mapped[SequenceType] = mapped_column(
        enum_column(SequenceType, length=4), default=SequenceType.FIRST
    )
    revoked_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SepaDebitRun(Base):
    """One pain.008 file: the debits of a régie for a due date."""

    __tablename__ = "sepa_debit_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    regie_id: Mapped[int] = mapped_column(ForeignKey("regie.id"), index=True)
    due_date: Mapped[date] = mapped_column(Date)
    file_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    debit_count: Mapped[int] = mapped_column(Integer)
    total: Mapped[Decimal] = mapped_column(Money())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))


class SepaDebit(Base):
    """One debit of a run: the pending payment it recorded, and its reject if any."""

    __tablename__ = "sepa_debit"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("sepa_debit_run.id"), index=True)
    mandate_id: Mapped[int] = mapped_column(ForeignKey("sepa_mandate.id"), index=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id"), unique=True)
    sequence: Mapped[SequenceType] = mapped_column(enum_column(SequenceType, length=4))
    amount: Mapped[Decimal] = mapped_column(Money())
    end_to_end_id: Mapped[str] = mapped_column(String(35))
    rejected_on: Mapped[date | None] = mapped_column(Date)
    reject_reason: Mapped[str] = mapped_column(String(4), default="")  # ISO code: AM04, MD01…


__all__ = [
    "PesExport",
    "PesExportInvoice",
    "SepaDebit",
    "SepaDebitRun",
    "SepaMandate",
    "SequenceType",
]
