"""Families, guardians, children and everything in a child's file."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
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
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    enum_column,
    utcnow,
)
from fieldrules import dates


class AccountState(enum.StrEnum):
    FORM_RECEIVED = "form_received"
    AWAITING_ACTIVATION = "awaiting_activation"
    ACTIVE = "active"
    DISABLED = "disabled"


ACCOUNT_STATE_LABELS = {
    AccountState.FORM_RECEIVED: "Dossier reçu",
    AccountState.AWAITING_ACTIVATION: "En attente d'activation",
    AccountState.ACTIVE: "Actif",
    AccountState.DISABLED: "Désactivé",
}


class AllowanceScheme(enum.StrEnum):
    """Who pays the family allowances (and certifies the QF)."""

    CAF = "caf"
    MSA = "msa"
    NONE = "none"


class Sex(enum.StrEnum):
    FEMALE = "F"
    MALE = "M"


class Family(VersionedMixin, TimestampMixin, Base):
    __tablename__ = "family"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Identifier agents and parents quote ("F00042"); also the portal login id.
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    account_state: Mapped[AccountState] = mapped_column(
        enum_column(AccountState), default=AccountState.FORM_RECEIVED, index=True
    )
    address_line1: Mapped[str] = mapped_column(String(200), default="")
    address_line2: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(5), default="")
    commune: Mapped[str] = mapped_column(String(80), default="", index=True)
    insee_code: Mapped[str] = mapped_column(String(5), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    login_email: Mapped[str] = mapped_column(String(254), default="")
    # A login change requested on the portal, until the parent confirms the new address.
    pending_login_email: Mapped[str | None] = mapped_column(String(254))
    billing_email: Mapped[str] = mapped_column(String(254), default="")
    allowance_scheme: Mapped[AllowanceScheme] = mapped_column(
        enum_column(AllowanceScheme), default=AllowanceScheme.CAF
    )
    allowance_number: Mapped[str] = mapped_column(String(20), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    # When the parent first activated the portal account (reactivation goes back to "active").
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Lower-case, accent-free text of the family name, identifier, commune and
    # children's names: what the families search matches (kept by services).
    search_text: Mapped[str] = mapped_column(Text, default="")

    guardians: Mapped[list[Guardian]] = relationship(
        back_populates="family", cascade="all, delete-orphan", order_by="Guardian.rank"
    )
    children: Mapped[list[Child]] = relationship(
        back_populates="family", cascade="all, delete-orphan", order_by="Child.birth_date"
    )
    quotients: Mapped[list[FamilyQuotient]] = relationship(
        back_populates="family", cascade="all, delete-orphan", order_by="FamilyQuotient.valid_from"
    )
    persons: Mapped[list[Person]] = relationship(
        back_populates="family", cascade="all, delete-orphan"
    )

    def quotient_on(self, day: date) -> FamilyQuotient | None:
        """The QF valid on ``day`` (the latest one starting on or before it)."""
        valid = [
            q
            for q in self.quotients
            if q.valid_from <= day and (q.valid_to is None or day <= q.valid_to)
        ]
        return max(valid, key=lambda q: q.valid_from) if valid else None


class FamilyQuotient(Base):
    """A QF with its validity: a new one never rewrites the past."""

    __tablename__ = "family_quotient"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    quotient: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    source: Mapped[AllowanceScheme] = mapped_column(enum_column(AllowanceScheme))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    family: Mapped[Family] = relationship(back_populates="quotients")


class Guardian(VersionedMixin, Base):
    """Responsable légal (one or two per family)."""

    __tablename__ = "guardian"
    __table_args__ = (UniqueConstraint("family_id", "rank"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int] = mapped_column(Integer, default=1)
    civility: Mapped[str] = mapped_column(String(10), default="")  # Mme, M.
    last_name: Mapped[str] = mapped_column(String(80))
    first_name: Mapped[str] = mapped_column(String(80))
    relationship_label: Mapped[str] = mapped_column(String(40), default="")  # mère, père, tuteur…
    is_payer: Mapped[bool] = mapped_column(Boolean, default=False)
    mobile_phone: Mapped[str] = mapped_column(String(20), default="")
    home_phone: Mapped[str] = mapped_column(String(20), default="")
    work_phone: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(254), default="", index=True)
    profession: Mapped[str] = mapped_column(String(80), default="")
    employer: Mapped[str] = mapped_column(String(120), default="")
    # Empty address means "same as the family's".
    address_line1: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(5), default="")
    commune: Mapped[str] = mapped_column(String(80), default="")

    family: Mapped[Family] = relationship(back_populates="guardians")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Child(VersionedMixin, TimestampMixin, Base):
    __tablename__ = "child"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    last_name: Mapped[str] = mapped_column(String(80))
    first_name: Mapped[str] = mapped_column(String(80), index=True)
    sex: Mapped[Sex] = mapped_column(enum_column(Sex, length=1))
    birth_date: Mapped[date] = mapped_column(Date)
    school: Mapped[str] = mapped_column(String(120), default="")
    school_class: Mapped[str] = mapped_column(String(20), default="")  # PS, MS, GS, CP … CM2, 6e…
    notes: Mapped[str] = mapped_column(Text, default="")
    # The child left the family's care (moved away, grown up): kept for history and
    # invoices, no longer among the current children.
    left_on: Mapped[date | None] = mapped_column(Date)

    family: Mapped[Family] = relationship(back_populates="children")
    medical_record: Mapped[MedicalRecord | None] = relationship(
        back_populates="child", cascade="all, delete-orphan", uselist=False
    )
    vaccinations: Mapped[list[Vaccination]] = relationship(
        back_populates="child", cascade="all, delete-orphan"
    )
    diseases: Mapped[list[DiseaseHistory]] = relationship(
        back_populates="child", cascade="all, delete-orphan"
    )
    contacts: Mapped[list[ChildContact]] = relationship(
        back_populates="child", cascade="all, delete-orphan", order_by="ChildContact.position"
    )
    consents: Mapped[list[ConsentAnswer]] = relationship(
        back_populates="child", cascade="all, delete-orphan"
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def age_on(self, day: date) -> int:
        return dates.age_on(self.birth_date, day)

    def age_months_on(self, day: date) -> int:
        return dates.age_months_on(self.birth_date, day)


class MedicalRecord(VersionedMixin, Base):
    """Fiche sanitaire de liaison: health data, seen only by roles that need it."""

    __tablename__ = "medical_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), unique=True)
    allergy_asthma: Mapped[bool] = mapped_column(Boolean, default=False)
    allergy_food: Mapped[bool] = mapped_column(Boolean, default=False)
    allergy_medication: Mapped[bool] = mapped_column(Boolean, default=False)
    allergy_other: Mapped[bool] = mapped_column(Boolean, default=False)
    allergy_detail: Mapped[str] = mapped_column(Text, default="")
    medical_history: Mapped[str] = mapped_column(Text, default="")
    wears_glasses: Mapped[bool] = mapped_column(Boolean, default=False)
    wears_lenses: Mapped[bool] = mapped_column(Boolean, default=False)
    dental_appliance: Mapped[bool] = mapped_column(Boolean, default=False)
    hearing_aid: Mapped[bool] = mapped_column(Boolean, default=False)
    sleep_difficulties: Mapped[bool] = mapped_column(Boolean, default=False)
    enuresis: Mapped[bool] = mapped_column(Boolean, default=False)
    observations: Mapped[str] = mapped_column(Text, default="")
    doctor_name: Mapped[str] = mapped_column(String(120), default="")
    doctor_phone: Mapped[str] = mapped_column(String(20), default="")
    doctor_commune: Mapped[str] = mapped_column(String(80), default="")
    has_pai: Mapped[bool] = mapped_column(Boolean, default=False)
    pai_detail: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    child: Mapped[Child] = relationship(back_populates="medical_record")

    @property
    def has_allergy(self) -> bool:
        return (
            self.allergy_asthma
            or self.allergy_food
            or self.allergy_medication
            or self.allergy_other
        )


class Vaccination(Base):
    __tablename__ = "vaccination"
    __table_args__ = (UniqueConstraint("child_id", "vaccine"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"))
    # A code from backoffice.services.child_file.reference.VACCINES.
    vaccine: Mapped[str] = mapped_column(String(40))
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    last_date: Mapped[date | None] = mapped_column(Date)

    child: Mapped[Child] = relationship(back_populates="vaccinations")


class DiseaseHistory(Base):
    """Maladies déjà contractées (rubéole, varicelle…): yes/no per disease."""

    __tablename__ = "disease_history"
    __table_args__ = (UniqueConstraint("child_id", "disease"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"))
    disease: Mapped[str] = mapped_column(String(40))
    had: Mapped[bool] = mapped_column(Boolean, default=False)

    child: Mapped[Child] = relationship(back_populates="diseases")


class Person(VersionedMixin, Base):
    """Someone a family names: emergency contact and/or authorised pick-up person."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    last_name: Mapped[str] = mapped_column(String(80))
    first_name: Mapped[str] = mapped_column(String(80))
    relationship_label: Mapped[str] = mapped_column(String(40), default="")
    address_line1: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(5), default="")
    commune: Mapped[str] = mapped_column(String(80), default="")
    phone1: Mapped[str] = mapped_column(String(20), default="")
    phone2: Mapped[str] = mapped_column(String(20), default="")

    family: Mapped[Family] = relationship(back_populates="persons")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class ChildContact(Base):
    """A person's roles for one child."""

    __tablename__ = "child_contact"
    __table_args__ = (UniqueConstraint("child_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    emergency_contact: Mapped[bool] = mapped_column(Boolean, default=True)
    authorised_pickup: Mapped[bool] = mapped_column(Boolean, default=False)

    child: Mapped[Child] = relationship(back_populates="contacts")
    person: Mapped[Person] = relationship()


class ConsentAnswer(Base):
    __tablename__ = "consent_answer"
    __table_args__ = (UniqueConstraint("child_id", "consent_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"))
    consent_id: Mapped[int] = mapped_column(ForeignKey("consent_definition.id"))
    granted: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[str] = mapped_column(String(200), default="")
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    child: Mapped[Child] = relationship(back_populates="consents")
    consent: Mapped[ConsentDefinition] = relationship()  # noqa: F821


from backoffice.models.catalogue import ConsentDefinition  # noqa: E402,F401  (resolves the string above)
