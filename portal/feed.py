"""The append-only change feed of what parents did, pulled by the back-office.

Numbers come from the one-row :class:`FeedCounter`, taken in the same
transaction as the change: numbers have no gaps and become visible in order.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.models import Change, FeedCounter, utcnow

MAX_PAGE = 1000


def append(
    session: Session, family_ref: str, kind: str, data: dict[str, Any], child_ref: str | None = None
) -> int:
    seq = session.execute(
        update(FeedCounter)
        .where(FeedCounter.id == 1)
        .values(last_seq=FeedCounter.last_seq + 1)
        .returning(FeedCounter.last_seq)
    ).scalar_one()
    session.add(
        Change(
            seq=seq, at=utcnow(), family_ref=family_ref, child_ref=child_ref, kind=kind, data=data
        )
    )
    session.flush()
    return seq


def position(session: Session) -> int:
    """The last change number given (0 when the feed is empty)."""
    return session.scalar(select(FeedCounter.last_seq).where(FeedCounter.id == 1)) or 0


def page(session: Session, after: int, limit: int) -> tuple[list[Change], bool]:
    """Changes numbered after ``after``, in order, at most ``limit``; and whether more follow."""
    rows = list(
        session.scalars(
            select(Change).where(Change.seq > after).order_by(Change.seq).limit(limit + 1)
        )
    )
    return rows[:limit], len(rows) > limit
