"""Payments under concurrency, on SQLite and PostgreSQL: PayFiP's notifications of one
operation at the same moment apply once (each reads the result back from the fake
PayFiP); two starts for one invoice make one payment; contradicting results of the
simulated provider at once: one wins."""

from __future__ import annotations

import threading

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
    payfip_provider,
    push_invoice,
    push_windows,
    serve,
    set_now,
)

pytestmark = pytest.mark.postgres

THREADS = 4


def _together(n: int, call) -> list:
    barrier = threading.Barrier(n)
    answers: list = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        answers[i] = call(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def test_concurrent_notifications_apply_once(db_url, smtp_sink, payfip_fake):
    running, stop = serve(make_settings(db_url, smtp_sink.port))
    try:
        r = running.staff("PUT", "/staff/families/F1", new_key(), json=family_body("f1@example.fr"))
        assert r.status_code == 201
        token = activate(running, smtp_sink, "f1@example.fr")
        push_invoice(running, "ALSH-2026-0001", invoice_body("F1"))
        push_invoice(running, "ALSH-2026-0002", invoice_body("F1"))
        push_windows(running, ("ALSH", "2026-12-01", "2026-12-18"))
        enable_payments(running, payfip_provider(payfip_fake))
        set_now(running, "2026-12-05 10:00")

        # Two starts for the same invoice at once: one payment, the other told to wait.
        starts = _together(
            2,
            lambda _i: running.parent(
                "POST", "/me/payments", token, json={"invoices": ["ALSH-2026-0001"]}
            ),
        )
        assert sorted(a.status_code for a in starts) == [201, 409], [a.text for a in starts]
        [started] = [a.json() for a in starts if a.status_code == 201]
        idop = started["redirect_url"].rsplit("?idop=", 1)[1]
        # The parent pays at PayFiP; PayFiP's notification comes four times at once:
        # each reads the result back, it is applied once.
        payfip_fake.choose(idop, "P", notify=False)
        notify = running.url("/payments/payfip/notification")
        answers = _together(
            THREADS,
            lambda _i: requests.post(notify, data={"idOp": idop}, timeout=HTTP_TIMEOUT),
        )
        assert [a.status_code for a in answers] == [200] * THREADS, [a.text for a in answers]
        assert sorted(a.json()["changed"] for a in answers) == [False] * (THREADS - 1) + [True]

        # Contradicting results at once on another operation (simulated provider, with the
        # parent's session): exactly one wins.
        enable_payments(running)
        r = running.parent("POST", "/me/payments", token, json={"invoices": ["ALSH-2026-0002"]})
        refdet2 = r.json()["redirect_url"].rsplit("/", 1)[1]
        codes = ["P", "R", "P", "R"]
        simulated = running.url("/payments/simulated/notification")
        answers = _together(
            THREADS,
            lambda i: requests.post(
                simulated,
                data={"refdet": refdet2, "resultrans": codes[i]},
                headers={"Authorization": f"Bearer {token}"},
                timeout=HTTP_TIMEOUT,
            ),
        )
        assert [a.status_code for a in answers] == [200] * THREADS
        assert sum(a.json()["changed"] for a in answers) == 1
        assert len({a.json()["state"] for a in answers}) == 1

        feed = running.staff("GET", "/staff/changes?limit=1000").json()["changes"]
        assert [c["seq"] for c in feed] == list(range(1, len(feed) + 1))
        payments = [c["data"]["payment"] for c in feed if c["kind"] == "payment.updated"]
        assert payments == ["PAY-000001", "PAY-000002"]
    finally:
        stop()
