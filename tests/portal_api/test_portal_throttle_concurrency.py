"""Simultaneous wrong passwords, on SQLite and PostgreSQL: the counters are locked, so
no more tries get checked than the free ones, however many arrive at once."""

from __future__ import annotations

import threading

import pytest
from portal_testkit import make_settings, serve

pytestmark = pytest.mark.postgres

TRIES = 12


def test_simultaneous_failures_get_no_extra_tries(db_url, smtp_sink):
    running, stop = serve(make_settings(db_url, smtp_sink.port))
    try:
        barrier = threading.Barrier(TRIES)
        codes: list[int] = []

        def wrong() -> None:
            barrier.wait()
            r = running.post(
                "/auth/login",
                json={"login": "cible@example.fr", "password": "Mauvais-mot-de-passe-1"},
                headers={"X-Forwarded-For": "203.0.113.66"},
            )
            codes.append(r.status_code)

        threads = [threading.Thread(target=wrong) for _ in range(TRIES)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        stop()
    # 5 free failures, checked; every other try waits (none is a server error).
    assert sorted(codes) == [401] * 5 + [429] * (TRIES - 5), codes
