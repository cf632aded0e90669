"""What the back-office's synchronisation relies on: the change feed, numbered without
gaps, and the answers kept for its idempotent calls."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, utcnow


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
