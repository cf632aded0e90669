"""What the collectivity offers: régies, sites, activities, periods, units,
capacities, processing rules and tariffs. Described by the catalogue TOML file."""

from __future__ import annotations

import enum
from datetime import date, time
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.models.base import Base, Money, ScaledDecimal, VersionedMixin, enum_column


class ActivityKind(enum.StrEnum):
    PERISCOLAIRE = "periscolaire"
    ALSH = "alsh"
    JEUNESSE = "jeunesse"
    MULTI_ACCUEIL = "multi_accueil"


class Settlement(enum.StrEnum):
    """How a régie's invoices are settled."""

    DESK_AND_ONLINE = "desk_and_online"  # ALSH: portal during payment windows, or desk
    DESK = "desk"  # jeunesse: at the desk
    TRESOR_PUBLIC = "tresor_public"  # APS, multi-accueil: avis des sommes à payer


class BillingBasis(enum.StrEnum):
    """What an activity's invoice lines are computed from."""

    BOOKINGS = "bookings"  # ALSH, jeunesse: accepted bookings, before the holidays
    ATTENDANCE = "attendance"  # périscolaire: present + absent without justification
    HOURS = "hours"  # multi-accueil: attendance hours


class PeriodKind(enum.StrEnum):
    SCHOOL_YEAR = "school_year"
    HOLIDAYS = "holidays"
    OTHER = "other"


class WhenFull(enum.StrEnum):
    WAITING_LIST = "waiting_list"
    REQUEST = "request"


# Autorisations an activity asks (ConsentDefinition ↔ Activity).
activity_consent = Table(
    "activity_consent",
    Base.metadata,
    Column("activity_id", ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "consent_definition_id",
        ForeignKey("consent_definition.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)


class Regie(VersionedMixin, Base):
    __tablename__ = "regie"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    invoice_prefix: Mapped[str] = mapped_column(String(12), unique=True)
    credit_note_prefix: Mapped[str] = mapped_column(String(16), unique=True)
    settlement: Mapped[Settlement] = mapped_column(enum_column(Settlement))
    payment_instructions: Mapped[str] = mapped_column(Text, default="")
    payment_due_days: Mapped[int] = mapped_column(Integer, default=30)
    # Archived (no longer offered, hidden from pickers and the portal); its invoices stay.
    archived_on: Mapped[date | None] = mapped_column(Date)

    activities: Mapped[list[Activity]] = relationship(back_populates="regie")
    payment_windows: Mapped[list[PaymentWindow]] = relationship(
        back_populates="regie", cascade="all, delete-orphan", order_by="PaymentWindow.opens_on"
    )

    @property
    def payable_online(self) -> bool:
        return self.settlement is Settlement.DESK_AND_ONLINE


class PaymentWindow(Base):
    """When parents may pay a régie's invoices online on the portal."""

    __tablename__ = "payment_window"

    id: Mapped[int] = mapped_column(primary_key=True)
    regie_id: Mapped[int] = mapped_column(ForeignKey("regie.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(120), default="")
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)

    regie: Mapped[Regie] = relationship(back_populates="payment_windows")


class Site(VersionedMixin, Base):
    """Établissement: a place children are received."""

    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(5), default="")
    commune: Mapped[str] = mapped_column(String(80), default="")
    insee_code: Mapped[str] = mapped_column(String(5), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    archived_on: Mapped[date | None] = mapped_column(Date)

    activities: Mapped[list[Activity]] = relationship(back_populates="site")


class Activity(VersionedMixin, Base):
    __tablename__ = "activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[ActivityKind] = mapped_column(enum_column(ActivityKind))
    regie_id: Mapped[int] = mapped_column(ForeignKey("regie.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    billing_basis: Mapped[BillingBasis] = mapped_column(enum_column(BillingBasis))
    # Tariffs can depend on the child's rank among the family's children registered.
    rank_pricing: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Pièces à fournir for a registration (« Attestation d'assurance »…), in order.
    required_documents: Mapped[list[str]] = mapped_column(JSON, default=list)

    regie: Mapped[Regie] = relationship(back_populates="activities")
    # Autorisations this activity asks (answered before a registration is accepted).
    consents: Mapped[list[ConsentDefinition]] = relationship(
        secondary=activity_consent, order_by="ConsentDefinition.position"
    )
    site: Mapped[Site] = relationship(back_populates="activities")
    age_groups: Mapped[list[AgeGroup]] = relationship(
        back_populates="activity", cascade="all, delete-orphan", order_by="AgeGroup.min_age_months"
    )
    periods: Mapped[list[Period]] = relationship(
        back_populates="activity", cascade="all, delete-orphan", order_by="Period.start_date"
    )
    units: Mapped[list[Unit]] = relationship(
        back_populates="activity", cascade="all, delete-orphan", order_by="Unit.position"
    )
    rule: Mapped[ProcessingRule | None] = relationship(
        back_populates="activity", cascade="all, delete-orphan", uselist=False
    )


class AgeGroup(Base):
    """Groupe d'âge (e.g. 3–5 ans, 6–12 ans); ages in months at the day of service."""

    __tablename__ = "age_group"
    __table_args__ = (UniqueConstraint("activity_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(80))
    min_age_months: Mapped[int] = mapped_column(Integer)
    max_age_months: Mapped[int] = mapped_column(Integer)

    activity: Mapped[Activity] = relationship(back_populates="age_groups")


class Period(VersionedMixin, Base):
    """Période: a school year, a holiday, a session, with its opening for bookings."""

    __tablename__ = "period"
    __table_args__ = (UniqueConstraint("activity_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[PeriodKind] = mapped_column(enum_column(PeriodKind))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    # Parents may register/book on the portal between these dates (inclusive).
    booking_opens_on: Mapped[date | None] = mapped_column(Date)
    booking_closes_on: Mapped[date | None] = mapped_column(Date)
    archived_on: Mapped[date | None] = mapped_column(Date)

    activity: Mapped[Activity] = relationship(back_populates="periods")


class BillingUnit(enum.StrEnum):
    EACH = "each"  # one price per unit booked/attended
    HOUR = "hour"  # price per hour (multi-accueil)


class Unit(VersionedMixin, Base):
    """Unité: what is booked per child and date (matin, soir, journée, repas, heure…)."""

    __tablename__ = "unit"
    __table_args__ = (UniqueConstraint("activity_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)
    start_time: Mapped[time | None] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)
    billing_unit: Mapped[BillingUnit] = mapped_column(
        enum_column(BillingUnit), default=BillingUnit.EACH
    )
    # ISO weekdays (1 = lundi … 7 = dimanche) the unit runs, e.g. "1,2,4,5".
    weekdays: Mapped[str] = mapped_column(String(20), default="1,2,3,4,5")

    activity: Mapped[Activity] = relationship(back_populates="units")
    capacities: Mapped[list[Capacity]] = relationship(
        back_populates="unit", cascade="all, delete-orphan"
    )
    tariffs: Mapped[list[Tariff]] = relationship(
        back_populates="unit", cascade="all, delete-orphan", order_by="Tariff.valid_from"
    )

    @property
    def weekday_set(self) -> frozenset[int]:
        return frozenset(int(d) for d in self.weekdays.split(",") if d.strip())


class Capacity(Base):
    """Places per unit and date over a date range, optionally for one age group."""

    __tablename__ = "capacity"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    age_group_id: Mapped[int | None] = mapped_column(ForeignKey("age_group.id", ondelete="CASCADE"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    places: Mapped[int] = mapped_column(Integer)

    unit: Mapped[Unit] = relationship(back_populates="capacities")
    age_group: Mapped[AgeGroup | None] = relationship()


class ProcessingRule(VersionedMixin, Base):
    """How the portal treats a parent's booking or cancellation for an activity.

    Notice reads like "J-2 à 12:00": a booking for day D is accepted at once
    only if made before ``notice_time`` on D minus ``notice_days`` (counting
    only working days when ``skip_weekends`` / ``skip_public_holidays``).
    """

    __tablename__ = "processing_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), unique=True
    )
    booking_notice_days: Mapped[int] = mapped_column(Integer, default=2)
    booking_notice_time: Mapped[time] = mapped_column(Time, default=time(12, 0))
    cancel_notice_days: Mapped[int] = mapped_column(Integer, default=2)
    cancel_notice_time: Mapped[time] = mapped_column(Time, default=time(12, 0))
    skip_weekends: Mapped[bool] = mapped_column(Boolean, default=True)
    skip_public_holidays: Mapped[bool] = mapped_column(Boolean, default=True)
    auto_accept: Mapped[bool] = mapped_column(Boolean, default=False)
    when_full: Mapped[WhenFull] = mapped_column(
        enum_column(WhenFull), default=WhenFull.WAITING_LIST
    )
    registration_requires_complete_file: Mapped[bool] = mapped_column(Boolean, default=True)

    activity: Mapped[Activity] = relationship(back_populates="rule")


class Tariff(Base):
    """Price of a unit from a date, for a QF bracket and optionally a child rank.

    A new price is a new row with a later ``valid_from``; issued invoices keep
    the price they were computed with (lines store it), so nothing is repriced.
    ``qf_max`` None means "and above"; families without a QF on file pay the
    bracket with the highest ``qf_min``.
    """

    __tablename__ = "tariff"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    valid_from: Mapped[date] = mapped_column(Date)
    qf_min: Mapped[int] = mapped_column(Integer, default=0)
    qf_max: Mapped[int | None] = mapped_column(Integer)
    child_rank: Mapped[int | None] = mapped_column(Integer)  # None: any rank; 3 means 3rd and more
    price: Mapped[Decimal] = mapped_column(Money())

    unit: Mapped[Unit] = relationship(back_populates="tariffs")

    @property
    def bracket_label(self) -> str:
        if self.qf_max is None:
            return f"QF ≥ {self.qf_min}"
        if self.qf_min <= 0:
            return f"QF ≤ {self.qf_max}"
        return f"QF {self.qf_min}–{self.qf_max}"


class Closure(Base):
    """Days with no service: public holidays, school holidays for périscolaire, closing weeks.

    ``activity_id`` None closes every activity.
    """

    __tablename__ = "closure"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    label: Mapped[str] = mapped_column(String(120), default="")


class ConsentDefinition(VersionedMixin, Base):
    """Autorisation asked of parents (droit à l'image, baignade, rentrer seul…)."""

    __tablename__ = "consent_definition"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    label: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    mandatory: Mapped[bool] = mapped_column(Boolean, default=True)
    min_age_years: Mapped[int | None] = mapped_column(Integer)
    asks_detail: Mapped[bool] = mapped_column(
        Boolean, default=False
    )  # e.g. time for "rentrer seul"
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


__all__ = [
    "ActivityKind",
    "Settlement",
    "BillingBasis",
    "PeriodKind",
    "WhenFull",
    "BillingUnit",
    "Regie",
    "PaymentWindow",
    "Site",
    "Activity",
    "AgeGroup",
    "Period",
    "Unit",
    "Capacity",
    "ProcessingRule",
    "Tariff",
    "Closure",
    "ConsentDefinition",
    "activity_consent",
    "ScaledDecimal",
]
