"""HTTP protection (issue #14, item 3): security headers on every answer, the OpenAPI
pages off unless asked for, request bodies limited (413 before the body is read in
full, declared or chunked)."""

from __future__ import annotations

import json
import re
import socket

import pytest
import requests
from portal_testkit import (
    HTTP_TIMEOUT,
    activate,
    enable_payments,
    family_body,
    invoice_body,
    make_settings,
    new_key,
    push_invoice,
    push_windows,
    serve,
    set_now,
)

BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
TEN_MB = 10 * 1024 * 1024


def assert_protected(r: requests.Response) -> None:
    for name, value in BASE_HEADERS.items():
        assert r.headers.get(name) == value, (r.request.url, name, r.headers)
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, csp
    assert "script-src" not in csp and "unsafe-eval" not in csp


@pytest.fixture
def plain_portal(tmp_path, smtp_sink):
    """The portal with the production defaults: no OpenAPI pages, no HSTS."""
    settings = make_settings(f"sqlite:///{tmp_path / 'p.sqlite3'}", smtp_sink.port)
    settings = settings.model_copy(update={"api_docs": False})
    running, stop = serve(settings)
    yield running
    stop()


def test_security_headers_on_api_answers(plain_portal, smtp_sink):
    portal = plain_portal
    answers = [
        requests.get(portal.url("/health"), timeout=HTTP_TIMEOUT),  # 200
        requests.get(portal.url("/nulle-part"), timeout=HTTP_TIMEOUT),  # 404 (Starlette's)
        requests.delete(portal.url("/health"), timeout=HTTP_TIMEOUT),  # 405
        portal.post("/auth/login", json={"login": "x@example.fr", "password": "x"}),  # 401
        portal.post("/auth/login", json={}),  # 422
        portal.staff("PUT", "/staff/families/F1", new_key(), json=family_body("f1@example.fr")),
    ]
    assert [r.status_code for r in answers] == [200, 404, 405, 401, 422, 201]
    for r in answers:
        assert_protected(r)
        assert "Strict-Transport-Security" not in r.headers  # not behind HTTPS by default
    assert answers[0].headers["Content-Security-Policy"] == (
        "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
        "object-src 'none'"
    )


def test_openapi_pages_are_off_by_default(plain_portal):
    for path in ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"):
        r = requests.get(plain_portal.url(path), timeout=HTTP_TIMEOUT)
        assert r.status_code == 404, path
        assert r.json()["detail"] == "Ressource introuvable."
        assert_protected(r)
    # The document is still built from the application (``portal openapi``).
    assert "/auth/login" in plain_portal.app.openapi()["paths"]


def test_openapi_pages_when_enabled(portal):
    assert requests.get(portal.url("/openapi.json"), timeout=HTTP_TIMEOUT).status_code == 200
    r = requests.get(portal.url("/docs"), timeout=HTTP_TIMEOUT)
    assert r.status_code == 200 and "text/html" in r.headers["Content-Type"]
    assert_protected(r)


def test_hsts_behind_https(tmp_path, smtp_sink):
    settings = make_settings(
        f"sqlite:///{tmp_path / 'p.sqlite3'}", smtp_sink.port, hsts_max_age_seconds=31536000
    )
    running, stop = serve(settings)
    try:
        r = requests.get(running.url("/health"), timeout=HTTP_TIMEOUT)
    finally:
        stop()
    assert r.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert_protected(r)


def test_security_headers_on_the_html_page(portal, smtp_sink):
    """The simulated payment page: the same headers; only its inline style is allowed."""
    login = "f1@example.fr"
    portal.staff("PUT", "/staff/families/F1", new_key(), json=family_body(login))
    token = activate(portal, smtp_sink, login)
    push_invoice(portal, "ALSH-2026-0001", invoice_body("F1"))
    push_windows(portal, ("ALSH", "2026-12-01", "2026-12-18"))
    enable_payments(portal)
    set_now(portal, "2026-12-05 10:00")
    started = portal.parent("POST", "/me/payments", token, json={"invoices": ["ALSH-2026-0001"]})
    assert started.status_code == 201, started.text
    page = requests.get(
        started.json()["redirect_url"],
        headers={"Authorization": f"Bearer {token}"},  # the page needs the parent's session
        timeout=HTTP_TIMEOUT,
    )
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert_protected(page)
    assert page.headers["Content-Security-Policy"].endswith("; style-src 'self' 'unsafe-inline'")


def _raw(portal, head: str, body_parts: list[bytes]) -> tuple[int, dict, bytes, int]:
    """Send ``head`` then the parts as long as the server reads them; returns (status,
    headers, body, bytes of body actually sent)."""
    port = int(portal.base.rsplit(":", 1)[1])
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=HTTP_TIMEOUT) as sock:
        sock.sendall(head.encode("latin-1"))
        for part in body_parts:
            try:
                sock.sendall(part)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(part)
        data = b""
        try:
            while b"\r\n\r\n" not in data or not _complete(data):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        except ConnectionResetError:
            pass
    head_bytes, _, body = data.partition(b"\r\n\r\n")
    lines = head_bytes.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return status, headers, body, sent


def _complete(data: bytes) -> bool:
    head, _, body = data.partition(b"\r\n\r\n")
    match = re.search(rb"content-length: *(\d+)", head, re.IGNORECASE)
    return match is not None and len(body) >= int(match.group(1))


def test_declared_10_mb_body_refused_before_it_is_read(portal):
    head = (
        "POST /auth/login HTTP/1.1\r\nHost: portail\r\nContent-Type: application/json\r\n"
        f"Content-Length: {TEN_MB}\r\n\r\n"
    )
    # Only the first kibibyte is ever sent: the answer comes without the rest.
    status, headers, body, _sent = _raw(portal, head, [b'{"login": "' + b"a" * 1024])
    assert status == 413
    assert json.loads(body)["detail"] == (
        "Requête trop volumineuse : le corps ne doit pas dépasser 64 Kio."
    )
    assert headers["x-content-type-options"] == "nosniff"


def test_chunked_body_refused_past_the_limit(portal, active_parent):
    """No Content-Length: the body is counted as it comes, and refused past 64 KiB
    although the client has not finished (it would send 10 MB)."""
    _login, token = active_parent
    head = (
        "PUT /me/family HTTP/1.1\r\nHost: portail\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {token}\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    piece = b"x" * 16384
    chunk = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    status, _headers, body, sent = _raw(portal, head, [b'4\r\n{"a"\r\n'] + [chunk] * 5)
    assert status == 413, body
    assert "64 Kio" in json.loads(body)["detail"]
    assert sent < 128 * 1024 < TEN_MB


def test_a_10_mb_body_through_requests(portal):
    r = portal.post(
        "/auth/password-forgotten",
        data=b"{" + b" " * TEN_MB + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 413
    assert r.json()["detail"].startswith("Requête trop volumineuse")


def test_the_back_office_may_send_more(portal):
    """/staff/ routes take up to 2 MiB: 100 KiB reaches validation (422, not 413); the
    invoice PDF route keeps its own limit (5 MiB)."""
    body = family_body("f1@example.fr")
    body["address_line1"] = "x" * 100_000
    r = portal.staff("PUT", "/staff/families/F1", new_key(), json=body)
    assert r.status_code == 422, r.text
    r = portal.staff("PUT", "/staff/families/F1", new_key(), data=b" " * (3 * 1024 * 1024))
    assert r.status_code == 413 and "2 Mio" in r.json()["detail"]
