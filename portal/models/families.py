"""Families as the back-office pushes them: guardians, children with the five blocks of
the child form, the family's parent account, and the autorisations asked of parents."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, enum_column, utcnow


class AccountState(enum.StrEnum):
    AWAITING_ACTIVATION = "awaiting_activation"
    ACTIVE = "active"
    DISABLED = "disabled"


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

    # Created with the family (``portal.families.push_family``): every family has one.
    account: Mapped[ParentAccount] = relationship(
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
    # Not asked of a younger child (a registration does not wait for it).
    min_age_years: Mapped[int | None] = mapped_column(Integer)
