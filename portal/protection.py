"""HTTP protection around the whole application: the client's address behind trusted
proxies, security headers on every answer, and a request body size limit.

:func:`install` wraps the application's middleware stack from the outside, so that
even the answers Starlette makes itself (404, 405, 500) carry the headers, and a body
too large is refused before any route, parser or error handler sees it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, cast

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from portal.settings import Settings

# Strict: this API serves JSON; its only HTML is the simulated payment page (demo,
# tests), whose inline <style> is the one exception allowed.
CSP = (
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
    "object-src 'none'"
)
CSP_HTML = CSP + "; style-src 'self' 'unsafe-inline'"

PDF_UPLOAD = re.compile(r"^/staff/(?:invoices/[^/]+/pdf|documents/[^/]+)$")
PDF_SLACK = 64 * 1024


def _kib(size: int) -> str:
    return f"{size // 1024} Kio" if size < 1024 * 1024 else f"{size / (1024 * 1024):g} Mio"


class BodyTooLarge(HTTPException):
    """Raised by ``receive`` past the limit: the error handlers answer 413."""

    def __init__(self, limit: int):
        super().__init__(
            413, f"Requête trop volumineuse : le corps ne doit pas dépasser {_kib(limit)}."
        )


def body_limit(settings: Settings, method: str, path: str) -> int:
    """Largest body accepted on this route."""
    if method == "PUT" and PDF_UPLOAD.match(path):
        # The route checks the PDF's exact size itself (its own message): this is the
        # backstop, a little above.
        return settings.invoice_pdf_max_bytes + PDF_SLACK
    if path.startswith("/staff/"):
        return settings.staff_body_max_bytes
    return settings.body_max_bytes


def security_headers(settings: Settings) -> Callable[[bytes], list[tuple[bytes, bytes]]]:
    common = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    ]
    if settings.hsts_max_age_seconds:
        common.append(
            (
                b"strict-transport-security",
                f"max-age={settings.hsts_max_age_seconds}; includeSubDomains".encode(),
            )
        )

    # Built once: every answer carries one of these two lists.
    html = [*common, (b"content-security-policy", CSP_HTML.encode())]
    other = [*common, (b"content-security-policy", CSP.encode())]

    def headers(content_type: bytes) -> list[tuple[bytes, bytes]]:
        return html if content_type.startswith(b"text/html") else other

    return headers


def _error_body(exc: BodyTooLarge) -> bytes:
    return json.dumps({"detail": exc.detail, "errors": []}, ensure_ascii=False).encode("utf-8")


async def _too_large(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BodyTooLarge)
    return Response(
        _error_body(exc),
        status_code=413,
        media_type="application/json",
        headers={"Connection": "close"},
    )


class Protection:
    """Pure ASGI (no buffering): headers added at ``http.response.start``; the body
    counted as it arrives, declared (``Content-Length``) or chunked."""

    def __init__(self, app: ASGIApp, settings: Settings):
        self.app = app
        self.settings = settings
        self.headers = security_headers(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                sent = message.get("headers", [])
                present = {name.lower() for name, _ in sent}
                content_type = next((v for n, v in sent if n.lower() == b"content-type"), b"")
                added = [(n, v) for n, v in self.headers(content_type) if n not in present]
                message = {**message, "headers": [*sent, *added]}
            await send(message)

        limit = body_limit(self.settings, scope["method"], scope["path"])
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(send_with_headers, limit)
            return
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, counted_receive, send_with_headers)
        except BodyTooLarge:
            # Only when no handler turned it into an answer (a route reading the stream
            # outside FastAPI's handlers).
            if started:
                raise
            await self._refuse(send_with_headers, limit)

    @staticmethod
    async def _refuse(send: Send, limit: int) -> None:
        body = _error_body(BodyTooLarge(limit))
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def install(app: FastAPI, settings: Settings) -> None:
    """Wrap the whole middleware stack: proxies resolved first (``PORTAL_TRUSTED_PROXIES``),
    then the body limit and the headers, outside Starlette's own error middleware."""
    app.add_exception_handler(BodyTooLarge, _too_large)
    build = app.build_middleware_stack
    trusted = [h.strip() for h in settings.trusted_proxies.split(",") if h.strip()]

    def build_protected() -> ASGIApp:
        # uvicorn types ASGI apps more narrowly than Starlette: the same protocol.
        protected = cast(Any, Protection(build(), settings))
        return cast(ASGIApp, ProxyHeadersMiddleware(protected, trusted_hosts=trusted))

    # Starlette builds the stack on the first request from this method.
    app.build_middleware_stack = build_protected  # type: ignore[method-assign]
