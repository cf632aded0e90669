"""``PUT /staff/bookings/desk``: days booked, waiting or cancelled at the desk reach the
parents' planning; the registration is created accepted when the portal lacks it;
places follow; same key → same answer, done once; French 4xx."""

from __future__ import annotations

from portal_testkit import (
    booking_family,
    catalogue_body,
    cell,
    complete_child,
    new_key,
    planning,
    push_catalogue,
    register,
    set_now,
)
from sqlalchemy import select

from portal.models import PlaceCount

PATH = "/staff/bookings/desk"


def _day(date: str, state: str = "accepted", **kw) -> dict:
    return {
        "child_ref": "C301",
        "family_ref": "F00300",
        "registration_ref": "BO-17",
        "activity": "ALSH-LUDE",
        "period": "DEC-2026",
        "unit": "JOURNEE",
        "date": date,
        "state": state,
    } | kw


def _taken(portal, day: str) -> int:
    from datetime import date

    with portal.db.read() as s:
        return sum(
            p.taken
            for p in s.scalars(
                select(PlaceCount).where(
                    PlaceCount.unit_code == "JOURNEE",
                    PlaceCount.day == date.fromisoformat(day),
                    PlaceCount.age_group == "",
                )
            )
        )


def _family(portal, smtp_sink) -> str:
    push_catalogue(portal, catalogue_body())
    set_now(portal, "2026-11-27 09:00")
    return booking_family(portal, smtp_sink, [complete_child("C301", "Lou")], ref="F00300")


def test_desk_days_reach_the_parents_planning(portal, smtp_sink):
    token = _family(portal, smtp_sink)
    key = new_key()
    body = {"bookings": [_day("2026-12-07"), _day("2026-12-08", "waiting_list")]}
    sent_before = len(smtp_sink.messages)

    r = portal.staff("PUT", PATH, key, json=body)

    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["created"], out["changed"]) == (2, 2)
    assert [(b["registration"], b["date"], b["state"]) for b in out["bookings"]] == [
        ("BO-17", "2026-12-07", "accepted"),
        ("BO-17", "2026-12-08", "waiting_list"),
    ]
    # The same call again (cut connection): the same answer, nothing done twice.
    again = portal.staff("PUT", PATH, key, json=body)
    assert again.status_code == 200 and again.json() == out
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert _taken(portal, "2026-12-07") == 1 and _taken(portal, "2026-12-08") == 0

    # The parent sees the registration (accepted) and the days in the planning.
    [listed] = portal.parent("GET", "/me/registrations", token).json()
    assert (listed["ref"], listed["state"], listed["age_group"]) == ("BO-17", "accepted", "ELEM")
    week = planning(portal, token, "BO-17", "2026-W50")
    assert cell(week, "2026-12-07")["state"] == "booked"
    assert cell(week, "2026-12-08")["state"] == "waiting_list"
    assert cell(week, "2026-12-10")["state"] == "open"
    assert len(smtp_sink.messages) == sent_before  # no e-mail for the desk

    # Cancelled at the desk: the place is given back; an unknown day cancelled is a no-op.
    r = portal.staff(
        "PUT",
        PATH,
        new_key(),
        json={"bookings": [_day("2026-12-07", "cancelled"), _day("2026-12-10", "cancelled")]},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["created"], r.json()["changed"]) == (0, 1)
    assert _taken(portal, "2026-12-07") == 0
    week = planning(portal, token, "BO-17", "2026-W50")
    assert cell(week, "2026-12-07")["state"] == "open"


def test_desk_day_on_a_parents_registration(portal, smtp_sink):
    token = _family(portal, smtp_sink)
    reg = register(portal, token, "C301")  # accepted at once (complete file)
    r = portal.staff("PUT", PATH, new_key(), json={"bookings": [_day("2026-12-07")]})
    assert r.status_code == 200, r.text
    assert r.json()["bookings"][0]["registration"] == reg
    assert cell(planning(portal, token, reg, "2026-W50"), "2026-12-07")["state"] == "booked"


def test_desk_bookings_refusals_in_french(portal, smtp_sink):
    _family(portal, smtp_sink)
    unknown_child = portal.staff(
        "PUT", PATH, new_key(), json={"bookings": [_day("2026-12-07", child_ref="C999")]}
    )
    assert unknown_child.status_code == 404
    assert unknown_child.json()["detail"] == "Enfant « C999 » introuvable (bookings.0)."
    codes = portal.staff(
        "PUT",
        PATH,
        new_key(),
        json={"bookings": [_day("2026-12-07", unit="SOIREE"), _day("2026-12-08", period="X")]},
    )
    assert codes.status_code == 422
    assert [e["field"] for e in codes.json()["errors"]] == ["bookings.0.unit", "bookings.1.period"]
    assert "Unité inconnue de l'activité ALSH-LUDE : SOIREE." in codes.json()["detail"]
    twice = portal.staff(
        "PUT", PATH, new_key(), json={"bookings": [_day("2026-12-07"), _day("2026-12-07")]}
    )
    assert twice.status_code == 422
    assert twice.json()["detail"] == "Un même jour est indiqué deux fois."
    bad_state = portal.staff(
        "PUT", PATH, new_key(), json={"bookings": [_day("2026-12-07", "requested")]}
    )
    assert bad_state.status_code == 422
    no_key = portal.staff("PUT", PATH, json={"bookings": [_day("2026-12-07")]})
    assert no_key.status_code == 422
