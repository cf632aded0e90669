"""Helpers shared by the route modules: the back-office's idempotent writes, which report
the feed position, and writes that answer 409 (never 500) when a concurrent one wins."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from portal import feed, idempotency
from portal.deps import Services
from portal.errors import PortalError

T = TypeVar("T")

FEED_POSITION_HEADER = "X-Feed-Position"
# Declared on every staff answer (see ``with_feed_position``).
FEED_POSITION_DOC = {
    FEED_POSITION_HEADER: {
        "description": "Dernier numéro du flux des changements après cet appel.",
        "schema": {"type": "integer"},
    }
}

CONFLICT = "Conflit avec une autre modification simultanée : réessayez."


async def received_pdf(request: Request, limit: int, sha256: str) -> tuple[bytes, str]:
    """A PDF the back-office uploads (an invoice, a public document): its media type, size
    (refused before it is read in full), ``%PDF-`` start and SHA-256 checked; returns the
    bytes and their digest, or raises a French 413, 415 or 422."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/pdf":
        raise PortalError(415, "Envoyez le PDF avec l'en-tête « Content-Type: application/pdf ».")
    too_big = PortalError(413, f"PDF trop volumineux : {limit // 1024} Kio au plus.")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_big
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    content = b"".join(chunks)
    if not content.startswith(b"%PDF-"):
        raise PortalError(415, "Le contenu envoyé n'est pas un PDF.")
    digest = hashlib.sha256(content).hexdigest()
    if digest != sha256.lower():
        raise PortalError(
            422, "L'empreinte SHA-256 ne correspond pas au PDF reçu : renvoyez-le en entier."
        )
    return content, digest


def with_feed_position(svc: Services, response: JSONResponse) -> JSONResponse:
    """Every staff answer says the feed's last number *after* the call: when it equals the
    back-office's cursor, parents changed nothing since its last pull."""
    with svc.db.read() as session:
        response.headers[FEED_POSITION_HEADER] = str(feed.position(session))
    return response


def idempotent_write(
    request: Request,
    svc: Services,
    key: str,
    body: BaseModel | None,
    action: Callable[[Session], tuple[int, dict[str, Any]]],
    payload: Any = None,
) -> JSONResponse:
    """A back-office write, done once per ``Idempotency-Key`` (:func:`portal.idempotency.run`);
    the answer says the feed position. ``payload`` (default: ``body``) is what the key's
    request is recognised by."""
    if payload is None:
        payload = body.model_dump(mode="json") if body is not None else None
    fp = idempotency.fingerprint(request.method, request.url.path, payload)
    return with_feed_position(svc, idempotency.run(svc.db, key, fp, action))


def write_or_conflict(svc: Services, action: Callable[[Session], T]) -> T:
    """A write (a parent's, a payment notification): a concurrent write of the same rows
    answers 409, never 500."""
    try:
        with svc.db.session() as session:
            return action(session)
    except IntegrityError as exc:
        raise PortalError(409, CONFLICT) from exc
    except DBAPIError as exc:
        # PostgreSQL deadlock or serialization failure: safe to retry.
        code = getattr(exc.orig, "sqlstate", None)
        if code in ("40P01", "40001"):
            raise PortalError(409, CONFLICT) from exc
        raise
