"""Staff users, audit trail, settings and the sync bookkeeping (cursor, outbox,
quarantine, conflicts)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.models.base import Base, UTCDateTime, VersionedMixin, enum_column, utcnow


class Role(enum.StrEnum):
    """What a staff member may do (``services/common/permissions.ROLE_PERMISSIONS``).

    The medical right (fiche sanitaire) is not a role: ``StaffUser.medical_access``."""

    ADMIN = "admin"  # administrateur: everything
    DIRECTOR = "director"  # direction: catalogue, tariffs, settings, staff + all of accueil
    AGENT = "agent"  # accueil: families, files, requests, planning, attendance
    ACCOUNTANT = "accountant"  # régisseur: billing and payments of the assigned régies


ROLE_LABELS = {
    Role.ADMIN: "Administrateur",
    Role.DIRECTOR: "Direction",
    Role.AGENT: "Accueil",
    Role.ACCOUNTANT: "Régisseur",
}

# The roles given the medical right by default (new accounts, migration 0007 of older rows).
MEDICAL_ROLES = frozenset({Role.ADMIN, Role.DIRECTOR})

# The régies a régisseur works for (billing and payments limited to them).
staff_regie = Table(
    "staff_regie",
    Base.metadata,
    Column("staff_user_id", ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True),
    Column("regie_id", ForeignKey("regie.id", ondelete="CASCADE"), primary_key=True),
)


def _medical_default(context) -> bool:
    role = context.get_current_parameters().get("role")
    return role in {r.value for r in MEDICAL_ROLES} or role in MEDICAL_ROLES


class StaffUser(VersionedMixin, Base):
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.AGENT)
    # The medical right: sees and edits the fiche sanitaire (each opening recorded).
    # Not given: the role's default (MEDICAL_ROLES), as before the right was separate.
    medical_access: Mapped[bool] = mapped_column(Boolean, default=_medical_default)
    # argon2id hash; None: no password (identification by the Windows session).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def sees_medical_data(self) -> bool:
        return self.medical_access


class AuditAction(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    VIEW_MEDICAL = "view_medical"
    DECIDE = "decide"
    REFUSED = "refused"  # a permission refused: entity « permission », field = the permission


# The audit's actor of what the portal's parents and the program itself write; any
# other actor is a member of staff (``backoffice.services.common.actors``).
PORTAL_LOGIN = "portail"
SYSTEM_LOGIN = "système"
# The rows of staff only, as a literal condition: the condition of the partial index
# ``AUDIT_STAFF_EDITS_INDEX`` on ``audit_event (family_id, at)``, which a query can use
# only when it states that very condition (SQLite and PostgreSQL's generic plans do not
# prove it from bound parameters). The agents' edits of some families since a moment
# (the sync pull asks it for every page), without the portal's own rows, which
# outnumber them and grow with every change the pull applies. Migration 0012 creates
# it; it is not declared below: a ``postgresql_where`` would load SQLAlchemy's
# PostgreSQL dialect in every program on SQLite, before the first paint.
STAFF_ROWS = f"actor NOT IN ('{PORTAL_LOGIN}', '{SYSTEM_LOGIN}')"
AUDIT_STAFF_EDITS_INDEX = "ix_audit_event_staff_edits"


class AuditEvent(Base):
    """Who did what, when: one row per changed field (old → new)."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    actor: Mapped[str] = mapped_column(String(120))  # login, "portail" or "système"
    action: Mapped[AuditAction] = mapped_column(enum_column(AuditAction))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(Integer)
    family_id: Mapped[int | None] = mapped_column(Integer, index=True)
    child_id: Mapped[int | None] = mapped_column(Integer, index=True)
    field: Mapped[str] = mapped_column(String(80), default="")
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)


class Setting(Base):
    """Key/value settings of the collectivity (header, SIRET, sync interval…)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


class SyncCursor(Base):
    """Position in the portal's change feed, advanced in the applying transaction."""

    __tablename__ = "sync_cursor"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxState(enum.StrEnum):
    PENDING = "pending"
    ACKNOWLEDGED = "acknowledged"
    FAILED = "failed"  # refused by the portal; needs an agent


class OutboxItem(Base):
    """Something the portal must be told, written with the change that caused it."""

    __tablename__ = "outbox_item"
    __table_args__ = (Index("ix_outbox_item_state_id", "state", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    topic: Mapped[str] = mapped_column(String(60))  # e.g. "account.create", "invoice.publish"
    family_id: Mapped[int | None] = mapped_column(Integer, index=True)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[OutboxState] = mapped_column(
        enum_column(OutboxState), default=OutboxState.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QuarantinedChange(Base):
    """A change from the portal that could not be applied, kept with its reason."""

    __tablename__ = "quarantined_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_position: Mapped[int] = mapped_column(Integer, unique=True)
    payload: Mapped[dict] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SyncConflict(Base):
    """A field a parent and an agent both changed since the last sync."""

    __tablename__ = "sync_conflict"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(Integer)
    family_id: Mapped[int | None] = mapped_column(Integer, index=True)
    field: Mapped[str] = mapped_column(String(80))
    agent_value: Mapped[str | None] = mapped_column(Text)
    portal_value: Mapped[str | None] = mapped_column(Text)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    resolution: Mapped[str] = mapped_column(String(20), default="")  # "agent" | "portal"
    extra: Mapped[dict] = mapped_column(JSON, default=dict)
