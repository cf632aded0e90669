"""Password checks slowed, never locked (issue #14, item 2): per account and per client
address, the owner's usual address left alone, the same limiter on ``/auth/login``,
``/me/password`` and ``/me/login-email``, counters shared by every worker.

Client addresses are simulated with ``X-Forwarded-For``: the tests talk to the portal
from 127.0.0.1, a trusted proxy by default (``PORTAL_TRUSTED_PROXIES``).
"""

from __future__ import annotations

from datetime import timedelta

from portal_testkit import PASSWORD, family_body, make_settings, new_key, serve
from sqlalchemy import func, select

from portal.models import KnownAddress, ThrottleCounter

WRONG = "Mauvais-mot-de-passe-1"
OWNER_ADDRESS = "198.51.100.7"


def login(portal, who: str, password: str, address: str | None = None):
    headers = {"X-Forwarded-For": address} if address else {}
    return portal.post("/auth/login", json={"login": who, "password": password}, headers=headers)


def age_failures(portal, seconds: int) -> None:
    """The clock moves on: every failure counted happened ``seconds`` earlier."""
    with portal.db.session() as session:
        for counter in session.scalars(select(ThrottleCounter)):
            counter.last_failure_at -= timedelta(seconds=seconds)


def test_failures_from_ten_addresses_do_not_stop_the_owner(portal, active_parent):
    who, _token = active_parent
    assert login(portal, who, PASSWORD, OWNER_ADDRESS).status_code == 200  # the usual address
    codes = []
    for i in range(50):  # 50 failures, 5 from each of 10 addresses
        r = login(portal, who, WRONG, f"203.0.113.{i % 10 + 1}")
        codes.append(r.status_code)
        if r.status_code == 429:
            assert r.json()["detail"].startswith("Trop de tentatives de connexion échouées")
            assert int(r.headers["Retry-After"]) >= 1
    assert codes[:5] == [401] * 5 and codes.count(429) >= 40, codes
    # A stranger's address, right password or not, waits; the owner at home does not.
    assert login(portal, who, PASSWORD, "192.0.2.77").status_code == 429
    r = login(portal, who, PASSWORD, OWNER_ADDRESS)
    assert r.status_code == 200, r.text
    # Nothing stored in clear: keys are HMACs, not identifiers nor addresses.
    with portal.db.read() as session:
        keys = session.scalars(select(ThrottleCounter.key)).all()
        known = session.scalars(select(KnownAddress.address_key)).all()
    assert keys and all(len(k) == 64 and "@" not in k and "." not in k for k in keys + known)


def test_the_owner_at_home_is_still_slowed_by_their_own_failures(portal, active_parent):
    who, _token = active_parent
    assert login(portal, who, PASSWORD, OWNER_ADDRESS).status_code == 200
    for _ in range(5):
        assert login(portal, who, WRONG, OWNER_ADDRESS).status_code == 401
    assert login(portal, who, PASSWORD, OWNER_ADDRESS).status_code == 429


def test_one_address_on_twenty_accounts_is_slowed(portal, active_parent):
    who, _token = active_parent
    sprayer = "203.0.113.50"
    identifiers = [f"parent{i}@example.fr" for i in range(19)] + [who]
    codes = [login(portal, ident, WRONG, sprayer).status_code for ident in identifiers]
    assert codes == [401] * 10 + [429] * 10, codes
    r = login(portal, "parent99@example.fr", WRONG, sprayer)
    assert r.status_code == 429 and 0 < int(r.headers["Retry-After"]) <= 15
    assert "réessayez dans" in r.json()["detail"]
    # Elsewhere, the same accounts are not slowed (one failure each so far).
    assert login(portal, identifiers[0], WRONG, "198.51.100.200").status_code == 401
    assert login(portal, who, PASSWORD, "198.51.100.200").status_code == 200


def test_the_delay_grows_with_failures(portal, active_parent):
    who, _token = active_parent
    stranger = "203.0.113.9"
    for _ in range(5):
        assert login(portal, who, WRONG, stranger).status_code == 401
    waits = []
    for _ in range(4):
        r = login(portal, who, WRONG, stranger)
        assert r.status_code == 429
        waits.append(int(r.headers["Retry-After"]))
        age_failures(portal, waits[-1])  # wait just that long, then fail once more
        assert login(portal, who, WRONG, stranger).status_code == 401
    assert waits == sorted(waits) and waits[0] <= 15 and 16 < waits[1] <= 30, waits
    assert 30 < waits[2] <= 60 and 60 < waits[3] <= 120, waits
    r = login(portal, who, WRONG, stranger)
    assert "réessayez dans 4 minutes" in r.json()["detail"]  # 240 s after the 9th failure


def test_a_mailed_reset_clears_the_account_failures(portal, smtp_sink, active_parent):
    who, _token = active_parent
    phone = "203.0.113.9"
    for _ in range(5):
        login(portal, who, WRONG, phone)
    assert login(portal, who, PASSWORD, phone).status_code == 429
    portal.post("/auth/password-forgotten", json={"email": who})
    new = "Hiver-2026-au-Lude"
    r = portal.post(
        "/auth/password-reset",
        json={"token": smtp_sink.last_to(who).token, "password": new, "password_confirmation": new},
        headers={"X-Forwarded-For": phone},
    )
    assert r.status_code == 200, r.text
    assert login(portal, who, new, phone).status_code == 200


def test_wrong_current_password_on_me_password_is_throttled(portal, active_parent):
    _who, token = active_parent
    body = {
        "current_password": WRONG,
        "new_password": "Printemps-2027-Lude",
        "new_password_confirmation": "Printemps-2027-Lude",
    }
    for attempt in range(5):
        r = portal.parent("POST", "/me/password", token, json=body)
        assert r.status_code == 422, (attempt, r.text)
        assert r.json()["errors"][0]["field"] == "current_password"
    r = portal.parent("POST", "/me/password", token, json=body | {"current_password": PASSWORD})
    assert r.status_code == 429, r.text
    assert r.json()["detail"].startswith("Trop d'essais du mot de passe actuel")
    assert 0 < int(r.headers["Retry-After"]) <= 15
    age_failures(portal, 16)
    r = portal.parent("POST", "/me/password", token, json=body | {"current_password": PASSWORD})
    assert r.status_code == 200, r.text


def test_wrong_current_password_on_login_email_is_throttled(portal, active_parent):
    _who, token = active_parent
    body = {"new_email": "claire.nouvelle@example.fr", "password": WRONG}
    for attempt in range(5):
        r = portal.parent("POST", "/me/login-email", token, json=body)
        assert r.status_code == 422, (attempt, r.text)
    r = portal.parent("POST", "/me/login-email", token, json=body | {"password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0, r.text
    # The login shares the account's counter: a stolen session cannot guess on one
    # endpoint and then use the other.
    assert login(portal, _who, WRONG, "203.0.113.20").status_code == 429


def test_forwarded_for_believed_only_from_trusted_proxies(tmp_path, smtp_sink):
    settings = make_settings(
        f"sqlite:///{tmp_path / 'p.sqlite3'}", smtp_sink.port, trusted_proxies=""
    )
    running, stop = serve(settings)
    try:
        codes = [
            login(running, f"p{i}@example.fr", WRONG, f"203.0.113.{i + 1}").status_code
            for i in range(11)
        ]
    finally:
        stop()
    # Every try came from 127.0.0.1 whatever the header said: one address, slowed.
    assert codes == [401] * 10 + [429], codes


def test_counters_are_shared_by_every_worker(tmp_path, smtp_sink):
    """Two portal processes' worth (two apps, one database): failures counted by one
    delay the tries sent to the other."""
    url = f"sqlite:///{tmp_path / 'p.sqlite3'}"
    first, stop_first = serve(make_settings(url, smtp_sink.port))
    second, stop_second = serve(make_settings(url, smtp_sink.port))
    try:
        r = first.staff("PUT", "/staff/families/F1", new_key(), json=family_body("f1@example.fr"))
        assert r.status_code == 201, r.text
        for _ in range(5):
            assert login(first, "f1@example.fr", WRONG, "203.0.113.3").status_code == 401
        assert login(second, "f1@example.fr", WRONG, "203.0.113.3").status_code == 429
        with second.db.read() as session:
            assert session.scalar(select(func.max(ThrottleCounter.failures))) == 5
    finally:
        stop_second()
        stop_first()


def test_forgotten_counters_are_purged(portal, active_parent):
    who, _token = active_parent
    for i in range(3):
        login(portal, f"p{i}@example.fr", WRONG, f"203.0.113.{i + 1}")
    with portal.db.read() as session:
        assert session.scalar(select(func.count()).select_from(ThrottleCounter)) == 9
    age_failures(portal, 61 * 60)  # past PORTAL_LOGIN_FORGET_MINUTES
    assert login(portal, who, WRONG, "198.51.100.9").status_code == 401
    with portal.db.read() as session:  # only the three counters of that last failure
        assert session.scalars(select(ThrottleCounter.failures)).all() == [1, 1, 1]


def test_an_ipv6_network_counts_as_one_address(portal):
    """Rotating addresses inside one /64 does not escape the per-address limit."""
    codes = [
        login(portal, f"p{i}@example.fr", WRONG, f"2001:db8:5:7::{i + 1:x}").status_code
        for i in range(11)
    ]
    assert codes == [401] * 10 + [429], codes
    assert login(portal, "p0@example.fr", WRONG, "2001:db8:5:8::1").status_code == 401
