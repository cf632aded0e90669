"""The last places under concurrent parents, on SQLite and PostgreSQL: never overbooked.

Six children (six registrations) validate the same day at the same moment, from
six threads, against a unit with two places left: exactly two are accepted, the
others go to the waiting list, and the place counter says two.
"""

from __future__ import annotations

import threading

import pytest
from portal_testkit import (
    booking_family,
    catalogue_body,
    complete_child,
    draft,
    make_settings,
    push_catalogue,
    register,
    serve,
    set_now,
)
from sqlalchemy import select

from portal.models import PlaceCount

pytestmark = pytest.mark.postgres

CHILDREN = 6
PLACES = 2


def test_concurrent_bookings_of_the_last_places_never_overfill(db_url, smtp_sink):
    running, stop = serve(make_settings(db_url, smtp_sink.port))
    try:
        body = catalogue_body()
        body["activities"][0]["capacities"][0]["places"] = PLACES
        push_catalogue(running, body)
        set_now(running, "2026-11-27 09:00")
        children = [complete_child(f"C7{i:02d}", f"Enfant{i}") for i in range(CHILDREN)]
        token = booking_family(running, smtp_sink, children, ref="F00700")
        regs = [register(running, token, c["ref"]) for c in children]
        for reg in regs:
            draft(
                running, token, reg, {"action": "book", "unit": "JOURNEE", "dates": ["2026-12-10"]}
            )
        barrier = threading.Barrier(CHILDREN)
        answers: list = []

        def validate(reg: str) -> None:
            barrier.wait()
            answers.append(running.parent("POST", f"/me/registrations/{reg}/draft/validate", token))

        threads = [threading.Thread(target=validate, args=(reg,)) for reg in regs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert [a.status_code for a in answers] == [201] * CHILDREN, [a.text for a in answers]
        decisions = sorted(a.json()["lines"][0]["decision"] for a in answers)
        assert decisions == ["accepted"] * PLACES + ["waiting_list"] * (CHILDREN - PLACES)
        with running.db.read() as session:
            taken = session.scalars(
                select(PlaceCount.taken).where(PlaceCount.age_group == "")
            ).all()
        assert taken == [PLACES]
        feed = running.staff("GET", "/staff/changes?after=0&limit=1000").json()["changes"]
        assert [c["seq"] for c in feed] == list(range(1, len(feed) + 1))
        booked = [c["data"]["decision"] for c in feed if c["kind"] == "booking.submitted"]
        assert sorted(booked) == decisions
    finally:
        stop()
