"""What the portal must be told, written in the same transaction as the change.

The sync engine sends pending items in order (per family) with their
idempotency key until the portal acknowledges them.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from backoffice.models import OutboxItem


def enqueue(
    session: Session, topic: str, payload: dict, family_id: int | None = None
) -> OutboxItem:
    item = OutboxItem(
        idempotency_key=str(uuid.uuid4()), topic=topic, payload=payload, family_id=family_id
    )
    session.add(item)
    return item
