"""Logging in: e-mailed single-use links, failed password checks (the progressive delays)
and known addresses, the parents' sessions and the back-office's API tokens; secrets are kept as hashes only."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, enum_column, utcnow


class LinkPurpose(enum.StrEnum):
    ACTIVATION = "activation"
    PASSWORD_RESET = "password_reset"
    EMAIL_CHANGE = "email_change"


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


class ThrottleCounter(Base):
    """Recent failed password checks under one key (an account, a client address, or the
    pair): the progressive delays of :mod:`portal.throttle`. The key is an HMAC, so
    neither identifiers nor addresses are stored in clear here."""

    __tablename__ = "throttle_counter"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KnownAddress(Base):
    """An address (HMAC) from which an account signed in successfully: failures from
    other addresses never delay the account there."""

    __tablename__ = "known_address"
    __table_args__ = (UniqueConstraint("account_id", "address_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("parent_account.id", ondelete="CASCADE"), index=True
    )
    address_key: Mapped[str] = mapped_column(String(64))
    last_success_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PortalSecret(Base):
    """A random secret the portal made for itself at migration (``address_key``: the
    HMAC key of client addresses); never sent, never logged."""

    __tablename__ = "portal_secret"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))


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
