"""What a push topic's builder returns or raises: one staff call, or why there is none."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: dict | None
    idempotency_key: str
    data: bytes | None = None  # a raw body (the invoice PDF) instead of JSON
    headers: dict[str, str] = field(default_factory=dict)


class Held(Exception):
    """The portal cannot take this topic yet: the item waits, pending."""


class Skip(Exception):
    """Nothing to send for this item (superseded, outside the portal's contract): it is
    acknowledged without a call; ``str(exc)`` says why, in French."""


class Refused(Exception):
    """The back-office itself cannot send this item (file missing or changed): it is
    FAILED with ``str(exc)`` as the French reason, for an agent to look at."""


def digest(body: dict) -> str:
    """A short fingerprint of a JSON body built at send time (for the idempotency key)."""
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
