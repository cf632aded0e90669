"""Parents' sign-in: activation link, login rate limit, forgotten password, e-mail change."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from portal_testkit import PASSWORD
from sqlalchemy import select, update

from portal.models import AccessToken, SingleUseLink, utcnow

NEW_PASSWORD = "Automne-2026-au-Lude"


def _age_links(portal, **delta) -> None:
    """Make every e-mailed link older than its lifetime (the clock moves on)."""
    with portal.db.session() as session:
        session.execute(update(SingleUseLink).values(expires_at=utcnow() - timedelta(**delta)))


def activate(portal, token, password=PASSWORD, confirmation=None):
    return portal.post(
        "/auth/activate",
        json={
            "token": token,
            "password": password,
            "password_confirmation": password if confirmation is None else confirmation,
        },
    )


def test_activation_link_is_single_use(portal, smtp_sink, make_family):
    login = make_family()
    token = smtp_sink.last_to(login).token
    # No login before activation.
    r = portal.post("/auth/login", json={"login": login, "password": PASSWORD})
    assert r.status_code == 401
    r = activate(portal, token)
    assert r.status_code == 200, r.text
    session_token = r.json()["access_token"]
    assert r.json()["token_type"] == "bearer"
    assert portal.parent("GET", "/me", session_token).json()["account"]["state"] == "active"
    r = activate(portal, token, "Autre-mot-de-passe-99")
    assert r.status_code == 410
    assert r.json()["detail"] == "Ce lien a déjà été utilisé ou remplacé par un lien plus récent."
    r = portal.post("/auth/login", json={"login": login, "password": PASSWORD})
    assert r.status_code == 200


def test_activation_link_expires(portal, smtp_sink, make_family):
    login = make_family()
    token = smtp_sink.last_to(login).token
    _age_links(portal, seconds=1)
    r = activate(portal, token)
    assert r.status_code == 410
    assert r.json()["detail"] == "Ce lien a expiré. Demandez-en un nouveau."
    # « Mot de passe oublié » on an account awaiting activation sends a new activation link.
    r = portal.post("/auth/password-forgotten", json={"email": login})
    assert r.status_code == 202
    fresh = smtp_sink.last_to(login)
    assert "finalisez la création" in fresh.subject
    assert activate(portal, fresh.token).status_code == 200


def test_bad_or_truncated_link(portal, smtp_sink, make_family):
    login = make_family()
    token = smtp_sink.last_to(login).token
    r = activate(portal, token[:-3])
    assert r.status_code == 400
    assert "copié en entier" in r.json()["detail"]
    # A link of another kind does not work here.
    r = portal.post(
        "/auth/password-reset",
        json={"token": token, "password": PASSWORD, "password_confirmation": PASSWORD},
    )
    assert r.status_code == 400


def test_password_rules_in_french(portal, smtp_sink, make_family):
    login = make_family()
    token = smtp_sink.last_to(login).token
    r = activate(portal, token, "court", "autre")
    assert r.status_code == 422
    errors = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert errors["password"] == (
        "Le mot de passe doit comporter au moins 10 caractères, au moins une lettre majuscule, "
        "au moins un chiffre."
    )
    assert (
        errors["password_confirmation"]
        == "La confirmation ne correspond pas au mot de passe saisi."
    )
    r = activate(portal, token, "Claire.Martin-2026")
    assert r.status_code == 422
    assert "ne pas contenir votre identifiant" in r.json()["detail"]
    # The refused attempts did not consume the link.
    assert activate(portal, token).status_code == 200


def test_login_slowed_not_locked(portal, active_parent):
    """5 failures are free, then the next try waits (429 + Retry-After, in French); the
    account is never locked: once the wait is over, the right password works."""
    login, _token = active_parent
    wrong = {"login": login, "password": "Mauvais-mot-de-passe-1"}
    elsewhere = {"X-Forwarded-For": "203.0.113.9"}  # not the address that activated
    for attempt in range(1, 6):
        r = portal.post("/auth/login", json=wrong, headers=elsewhere)
        assert r.status_code == 401, attempt
        assert r.json()["detail"].startswith("Identifiant ou mot de passe incorrect.")
        if attempt == 4:
            assert "Il vous reste 1 essai avant un délai d'attente." in r.json()["detail"]
    r = portal.post("/auth/login", json=wrong, headers=elsewhere)
    assert r.status_code == 429
    # 15 s from the last failure (14 when a second went by on a loaded machine).
    assert re.search(r"réessayez dans 1[45] secondes", r.json()["detail"]), r.json()
    assert 0 < int(r.headers["Retry-After"]) <= 15
    # Too soon: even the right password waits (and is not checked).
    r = portal.post("/auth/login", json={"login": login, "password": PASSWORD}, headers=elsewhere)
    assert r.status_code == 429
    # Another login is not affected.
    r = portal.post("/auth/login", json={"login": "inconnu@example.fr", "password": "x"})
    assert r.status_code == 401


def test_unknown_login_same_answer(portal, active_parent):
    r = portal.post("/auth/login", json={"login": "personne@example.fr", "password": PASSWORD})
    assert r.status_code == 401
    assert r.json()["detail"] == "Identifiant ou mot de passe incorrect."


def test_wait_ends_then_right_password_works(portal, active_parent):
    from portal.models import ThrottleCounter

    login, _token = active_parent
    elsewhere = {"X-Forwarded-For": "203.0.113.9"}
    for _ in range(5):
        portal.post(
            "/auth/login",
            json={"login": login, "password": "Mauvais-mot-de-passe-1"},
            headers=elsewhere,
        )
    r = portal.post("/auth/login", json={"login": login, "password": PASSWORD}, headers=elsewhere)
    assert r.status_code == 429
    with portal.db.session() as session:  # the clock moves on past the 15 s
        session.execute(
            update(ThrottleCounter).values(last_failure_at=utcnow() - timedelta(seconds=16))
        )
    r = portal.post(
        "/auth/login", json={"login": login.upper(), "password": PASSWORD}, headers=elsewhere
    )
    assert r.status_code == 200


def test_forgotten_password_end_to_end(portal, smtp_sink, active_parent):
    login, old_session = active_parent
    r = portal.post("/auth/password-forgotten", json={"email": login.upper()})
    assert r.status_code == 202
    assert "Si un compte correspond" in r.json()["message"]
    mail = smtp_sink.last_to(login)
    assert "réinitialisation" in mail.subject
    assert login in mail.body  # the identifier is recalled, never a password
    assert PASSWORD not in mail.body
    assert mail.link.startswith("https://portail.example.fr/mot-de-passe#jeton=")
    body = {"token": mail.token, "password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD}
    r = portal.post("/auth/password-reset", json=body)
    assert r.status_code == 200, r.text
    assert portal.parent("GET", "/me", r.json()["access_token"]).status_code == 200
    # Single use; old sessions closed; old password gone, new one works.
    assert portal.post("/auth/password-reset", json=body).status_code == 410
    assert portal.parent("GET", "/me", old_session).status_code == 401
    assert (
        portal.post("/auth/login", json={"login": login, "password": PASSWORD}).status_code == 401
    )
    assert (
        portal.post("/auth/login", json={"login": login, "password": NEW_PASSWORD}).status_code
        == 200
    )


def test_forgotten_password_unknown_address_sends_nothing(portal, smtp_sink, active_parent):
    before = len(smtp_sink.messages)
    r = portal.post("/auth/password-forgotten", json={"email": "inconnu@example.fr"})
    assert r.status_code == 202
    assert len(smtp_sink.messages) == before


def test_forgotten_password_is_throttled(portal, smtp_sink, active_parent):
    login, _ = active_parent
    for _ in range(5):
        assert portal.post("/auth/password-forgotten", json={"email": login}).status_code == 202
    assert len([m for m in smtp_sink.to(login) if "réinitialisation" in m.subject]) == 3


def test_reset_link_expires(portal, smtp_sink, active_parent):
    login, _ = active_parent
    portal.post("/auth/password-forgotten", json={"email": login})
    token = smtp_sink.last_to(login).token
    _age_links(portal, seconds=1)
    body = {"token": token, "password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD}
    assert portal.post("/auth/password-reset", json=body).status_code == 410


def test_login_email_change(portal, smtp_sink, active_parent):
    login, token = active_parent
    new = "claire.nouvelle@example.fr"
    r = portal.parent("POST", "/me/login-email", token, json={"new_email": new, "password": "faux"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["message"] == "Le mot de passe actuel est incorrect."
    r = portal.parent(
        "POST", "/me/login-email", token, json={"new_email": new, "password": PASSWORD}
    )
    assert r.status_code == 202, r.text
    assert "votre identifiant reste inchangé" in r.json()["message"]
    me = portal.parent("GET", "/me", token).json()["account"]
    assert me == {"login_email": login, "pending_login_email": new, "state": "active"}
    mail = smtp_sink.last_to(new)
    assert "confirmez votre nouvelle adresse" in mail.subject
    # Until confirmed, the old login works and the new one does not.
    assert (
        portal.post("/auth/login", json={"login": login, "password": PASSWORD}).status_code == 200
    )
    assert portal.post("/auth/login", json={"login": new, "password": PASSWORD}).status_code == 401
    r = portal.post("/auth/email-change/confirm", json={"token": mail.token})
    assert r.status_code == 200
    assert new in r.json()["message"]
    assert portal.post("/auth/email-change/confirm", json={"token": mail.token}).status_code == 410
    assert portal.post("/auth/login", json={"login": new, "password": PASSWORD}).status_code == 200
    assert (
        portal.post("/auth/login", json={"login": login, "password": PASSWORD}).status_code == 401
    )
    me = portal.parent("GET", "/me", token).json()["account"]
    assert me["login_email"] == new and me["pending_login_email"] is None


def test_login_email_change_refuses_taken_address(portal, make_family, active_parent):
    _login, token = active_parent
    make_family("F2", "voisin@example.fr")
    r = portal.parent(
        "POST",
        "/me/login-email",
        token,
        json={"new_email": "voisin@example.fr", "password": PASSWORD},
    )
    assert r.status_code == 409


def test_password_change(portal, active_parent):
    login, token = active_parent
    other = portal.post("/auth/login", json={"login": login, "password": PASSWORD}).json()[
        "access_token"
    ]
    body = {
        "current_password": "faux",
        "new_password": NEW_PASSWORD,
        "new_password_confirmation": NEW_PASSWORD,
    }
    r = portal.parent("POST", "/me/password", token, json=body)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "current_password"
    r = portal.parent("POST", "/me/password", token, json=body | {"current_password": PASSWORD})
    assert r.status_code == 200
    assert r.json()["message"] == "Votre mot de passe a été modifié."
    assert portal.parent("GET", "/me", token).status_code == 200  # this session stays
    assert portal.parent("GET", "/me", other).status_code == 401  # the others are closed
    assert (
        portal.post("/auth/login", json={"login": login, "password": NEW_PASSWORD}).status_code
        == 200
    )


def test_session_tokens_expire_and_logout(portal, active_parent):
    login, token = active_parent
    assert portal.parent("GET", "/me", "pas-un-jeton").status_code == 401
    r = portal.parent("GET", "/me", "")
    assert r.status_code == 401
    with portal.db.session() as session:
        session.execute(update(AccessToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    r = portal.parent("GET", "/me", token)
    assert r.status_code == 401
    assert "reconnectez-vous" in r.json()["detail"]
    fresh = portal.post("/auth/login", json={"login": login, "password": PASSWORD}).json()
    assert fresh["expires_in"] == 30 * 60
    assert portal.parent("POST", "/auth/logout", fresh["access_token"]).status_code == 204
    assert portal.parent("GET", "/me", fresh["access_token"]).status_code == 401


@pytest.mark.parametrize("path", ["/me", "/me/family", "/me/children", "/me/children/C101"])
def test_parent_token_required(portal, path):
    r = portal.parent("GET", path, "")
    assert r.status_code == 401
    assert r.json()["detail"] == "Authentification requise."


def _token_row(portal):
    with portal.db.session() as session:
        return session.scalars(select(AccessToken).order_by(AccessToken.id.desc())).first()


def test_active_sessions_slide_up_to_a_maximum(portal, active_parent):
    _login, token = active_parent
    created = _token_row(portal).expires_at
    portal.parent("GET", "/me", token)
    assert _token_row(portal).expires_at == created  # young session: no write
    with portal.db.session() as session:
        session.execute(update(AccessToken).values(expires_at=utcnow() + timedelta(minutes=5)))
    assert portal.parent("GET", "/me", token).status_code == 200
    assert _token_row(portal).expires_at > utcnow() + timedelta(minutes=29)
    # Not beyond the maximum after the login.
    with portal.db.session() as session:
        session.execute(
            update(AccessToken).values(
                created_at=utcnow() - timedelta(hours=12),
                expires_at=utcnow() + timedelta(minutes=5),
            )
        )
    portal.parent("GET", "/me", token)
    assert _token_row(portal).expires_at < utcnow() + timedelta(minutes=6)
