"""The change feed the back-office pulls: numbered, ordered, resumable."""

from __future__ import annotations

import pytest
from portal_testkit import PASSWORD


@pytest.fixture
def some_changes(portal, active_parent):
    """Activation (1) then five family edits (2..6)."""
    _login, token = active_parent
    for i in range(5):
        r = portal.parent(
            "PUT",
            "/me/family",
            token,
            json={
                "address_line1": f"{i + 1} rue des Tilleuls",
                "postcode": "72800",
                "commune": "Le Lude",
            },
        )
        assert r.status_code == 200
    return token


def test_feed_numbered_in_order(portal, some_changes):
    page = portal.staff("GET", "/staff/changes").json()
    seqs = [c["seq"] for c in page["changes"]]
    assert seqs == [1, 2, 3, 4, 5, 6]
    assert page["last_seq"] == 6 and page["has_more"] is False
    assert page["changes"][0]["kind"] == "account.activated"
    assert [c["data"]["after"]["address_line1"] for c in page["changes"][1:]] == [
        f"{i} rue des Tilleuls" for i in range(1, 6)
    ]
    ats = [c["at"] for c in page["changes"]]
    assert ats == sorted(ats)


def test_feed_resumes_after_cursor(portal, some_changes):
    cursor, pulled = 0, []
    while True:
        page = portal.staff("GET", f"/staff/changes?after={cursor}&limit=4").json()
        pulled += [c["seq"] for c in page["changes"]]
        cursor = page["last_seq"]
        if not page["has_more"]:
            break
    assert pulled == [1, 2, 3, 4, 5, 6]
    # Nothing new: same cursor back, empty page.
    page = portal.staff("GET", f"/staff/changes?after={cursor}").json()
    assert page == {"changes": [], "last_seq": 6, "has_more": False}
    # A new change appears after the cursor only.
    portal.parent(
        "PUT",
        "/me/family",
        some_changes,
        json={"address_line1": "Mairie", "postcode": "72800", "commune": "Le Lude"},
    )
    page = portal.staff("GET", f"/staff/changes?after={cursor}").json()
    assert [c["seq"] for c in page["changes"]] == [7]
    # Re-reading from an older cursor gives the same changes again (pull is read-only).
    again = portal.staff("GET", "/staff/changes?after=5").json()
    assert [c["seq"] for c in again["changes"]] == [6, 7]


def test_feed_parameters_validated(portal):
    r = portal.staff("GET", "/staff/changes?after=-1")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "after"
    r = portal.staff("GET", "/staff/changes?limit=0")
    assert r.status_code == 422
    r = portal.staff("GET", "/staff/changes?limit=5000")
    assert r.status_code == 422


def test_failed_login_is_not_a_change(portal, active_parent):
    login, _ = active_parent
    portal.post("/auth/login", json={"login": login, "password": "mauvais"})
    portal.post("/auth/login", json={"login": login, "password": PASSWORD})
    kinds = [c["kind"] for c in portal.staff("GET", "/staff/changes").json()["changes"]]
    assert kinds == ["account.activated"]
