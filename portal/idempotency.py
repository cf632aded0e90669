"""Idempotent back-office calls: same key and same request → the same answer, once.

The key's row is written first (before any side effect such as an e-mail), so
a concurrent call with the same key waits on it and then replays the answer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.db import Database
from portal.errors import PortalError
from portal.models import IdempotencyRecord, utcnow

REPLAY_HEADER = "Idempotent-Replayed"


def fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps([method.upper(), path, body], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _replay(record: IdempotencyRecord, request_hash: str) -> JSONResponse:
    if record.request_hash != request_hash:
        raise PortalError(
            422,
            "Cette clé d'idempotence a déjà servi pour une autre requête : "
            "utilisez une nouvelle clé pour une nouvelle demande.",
        )
    return JSONResponse(
        record.response_body, status_code=record.status_code, headers={REPLAY_HEADER: "true"}
    )


def run(
    db: Database,
    key: str,
    request_hash: str,
    action: Callable[[Session], tuple[int, dict[str, Any]]],
) -> JSONResponse:
    """Run ``action`` once for ``key``; its (status, body) is stored with the change."""
    try:
        with db.session() as session:
            record = session.get(IdempotencyRecord, key)
            if record is not None:
                return _replay(record, request_hash)
            record = IdempotencyRecord(
                key=key,
                request_hash=request_hash,
                status_code=0,
                response_body={},
                created_at=utcnow(),
            )
            session.add(record)
            session.flush()
            status, body = action(session)
            record.status_code = status
            record.response_body = body
    except IntegrityError as exc:
        # Another call with the same key committed first: answer as it did.
        with db.session() as session:
            record = session.get(IdempotencyRecord, key)
            if record is None:
                # Another request (other key) wrote the same thing at the same moment.
                raise PortalError(
                    409, "Conflit avec une autre requête simultanée : réessayez."
                ) from exc
            return _replay(record, request_hash)
    return JSONResponse(body, status_code=status)
