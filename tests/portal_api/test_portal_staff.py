"""Back-office side: token required, idempotent pushes, account states, e-mails on demand."""

from __future__ import annotations

import pytest
import requests
from portal_testkit import HTTP_TIMEOUT, PASSWORD, STAFF_TOKEN, family_body, new_key
from sqlalchemy import func, select

from portal.cli import main
from portal.models import ParentAccount
from portal.security import token_hash

STAFF_CALLS = [
    ("PUT", "/staff/families/F1"),
    ("GET", "/staff/families/F1"),
    ("POST", "/staff/families/F1/disable"),
    ("POST", "/staff/families/F1/reactivate"),
    ("POST", "/staff/families/F1/activation-email"),
    ("POST", "/staff/families/F1/password-reset-email"),
    ("PUT", "/staff/consent-definitions"),
    ("GET", "/staff/changes"),
]


@pytest.mark.parametrize(("method", "path"), STAFF_CALLS)
def test_staff_token_required(portal, method, path):
    body = family_body("a@example.fr")
    headers = {"Idempotency-Key": new_key()}
    r = requests.request(method, portal.url(path), json=body, headers=headers, timeout=HTTP_TIMEOUT)
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == "Bearer"
    assert r.json()["detail"] == "Jeton du back-office requis."
    headers["Authorization"] = "Bearer " + STAFF_TOKEN + "x"
    r = requests.request(method, portal.url(path), json=body, headers=headers, timeout=HTTP_TIMEOUT)
    assert r.status_code == 401
    assert "invalide" in r.json()["detail"]


def test_parent_token_is_not_a_staff_token(portal, active_parent):
    _login, token = active_parent
    r = portal.parent("GET", "/staff/changes", token)
    assert r.status_code == 401


def _accounts(portal) -> int:
    with portal.db.session() as session:
        return session.scalar(select(func.count()).select_from(ParentAccount))


def test_account_creation_is_idempotent(portal, smtp_sink):
    body = family_body("claire.martin@example.fr")
    key = new_key()
    first = portal.staff("PUT", "/staff/families/F00042", key, json=body)
    assert first.status_code == 201, first.text
    assert first.json() == {
        "family_ref": "F00042",
        "created": True,
        "account_state": "awaiting_activation",
        "activation_email_sent": True,
    }
    again = portal.staff("PUT", "/staff/families/F00042", key, json=body)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _accounts(portal) == 1
    assert len(smtp_sink.to("claire.martin@example.fr")) == 1
    mail = smtp_sink.last_to("claire.martin@example.fr")
    assert "finalisez la création" in mail.subject
    assert mail.link.startswith("https://portail.example.fr/activation#jeton=")

    # The same key with another request is refused, and does nothing.
    other = portal.staff("PUT", "/staff/families/F00042", key, json=family_body("autre@example.fr"))
    assert other.status_code == 422
    assert "clé d'idempotence a déjà servi" in other.json()["detail"]

    # A new key updates the family; no new e-mail.
    body["commune"] = "Aubigné-Racan"
    body["children"].append(
        {"ref": "C102", "information": {"last_name": "MARTIN", "first_name": "Hugo", "sex": "M"}}
    )
    update = portal.staff("PUT", "/staff/families/F00042", new_key(), json=body)
    assert update.status_code == 200
    assert update.json()["created"] is False
    assert len(smtp_sink.to("claire.martin@example.fr")) == 1
    view = portal.staff("GET", "/staff/families/F00042").json()
    assert view["family"]["commune"] == "Aubigné-Racan"
    assert [c["ref"] for c in view["children"]] == ["C101", "C102"]
    assert _accounts(portal) == 1


def test_login_email_belongs_to_one_family(portal, make_family):
    make_family("F1", "un@example.fr")
    r = portal.staff("PUT", "/staff/families/F2", new_key(), json=family_body("UN@example.fr"))
    assert r.status_code == 409
    assert "déjà l'identifiant d'une autre famille (F1)" in r.json()["detail"]


def test_unknown_family_is_404(portal):
    r = portal.staff("GET", "/staff/families/F404")
    assert r.status_code == 404
    assert r.json()["detail"] == "Famille introuvable."
    r = portal.staff("POST", "/staff/families/F404/disable", new_key())
    assert r.status_code == 404


def test_disable_and_reactivate(portal, active_parent):
    login, token = active_parent
    r = portal.staff("POST", "/staff/families/F00042/disable", new_key())
    assert r.status_code == 200
    assert r.json()["state"] == "disabled"
    assert portal.parent("GET", "/me", token).status_code == 401
    r = portal.post("/auth/login", json={"login": login, "password": PASSWORD})
    assert r.status_code == 403
    assert "désactivé" in r.json()["detail"]
    r = portal.staff("POST", "/staff/families/F00042/reactivate", new_key())
    assert r.json()["state"] == "active"
    r = portal.post("/auth/login", json={"login": login, "password": PASSWORD})
    assert r.status_code == 200


def test_activation_and_reset_emails_on_demand(portal, smtp_sink, make_family):
    login = make_family()
    first = smtp_sink.last_to(login).token
    # Reset refused before activation; a new activation link replaces the first.
    r = portal.staff("POST", "/staff/families/F00042/password-reset-email", new_key())
    assert r.status_code == 409
    key = new_key()
    r = portal.staff("POST", "/staff/families/F00042/activation-email", key)
    assert r.status_code == 200, r.text
    assert portal.staff("POST", "/staff/families/F00042/activation-email", key).status_code == 200
    assert len(smtp_sink.to(login)) == 2  # creation + one resend, not two
    second = smtp_sink.last_to(login).token
    body = {"token": first, "password": PASSWORD, "password_confirmation": PASSWORD}
    r = portal.post("/auth/activate", json=body)
    assert r.status_code == 410
    r = portal.post("/auth/activate", json=body | {"token": second})
    assert r.status_code == 200
    r = portal.staff("POST", "/staff/families/F00042/activation-email", new_key())
    assert r.status_code == 409
    r = portal.staff("POST", "/staff/families/F00042/password-reset-email", new_key())
    assert r.status_code == 200
    assert "réinitialisation" in smtp_sink.last_to(login).subject


@pytest.mark.allow_log_warnings
def test_smtp_down_rolls_back_and_can_be_retried(tmp_path, smtp_sink):
    from portal_testkit import free_port, make_settings, serve

    settings = make_settings(f"sqlite:///{tmp_path / 'p.sqlite3'}", smtp_sink.port)
    down = settings.model_copy(update={"smtp_port": free_port()})  # nothing listens there
    running, stop = serve(down)
    try:
        key = new_key()
        r = running.staff("PUT", "/staff/families/F9", key, json=family_body("x@example.fr"))
        assert r.status_code == 503
        assert "courriel n'a pas pu être envoyé" in r.json()["detail"]
        with running.db.session() as session:
            assert session.scalar(select(func.count()).select_from(ParentAccount)) == 0
    finally:
        stop()
    running, stop = serve(settings)
    try:
        r = running.staff("PUT", "/staff/families/F9", key, json=family_body("x@example.fr"))
        assert r.status_code == 201
        assert len(smtp_sink.to("x@example.fr")) == 1
    finally:
        stop()


def test_staff_token_cli(tmp_path, smtp_sink, capsys):
    from portal_testkit import make_settings, serve

    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    assert main(["create-staff-token", "--name", "accueil", "--database-url", url]) == 0
    out = capsys.readouterr()
    token = out.out.strip()
    assert len(token) >= 40
    assert "plus jamais affiché" in out.err
    assert main(["create-staff-token", "--name", "accueil", "--database-url", url]) == 1
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("cli.sqlite3*"))
    assert token.encode() not in raw and token_hash(token).encode() in raw

    running, stop = serve(make_settings(url, smtp_sink.port, staff_token_hash=""))
    try:
        headers = {"Authorization": f"Bearer {token}"}
        r = requests.get(running.url("/staff/changes"), headers=headers, timeout=HTTP_TIMEOUT)
        assert r.status_code == 200
        assert main(["revoke-staff-token", "accueil", "--database-url", url]) == 0
        r = requests.get(running.url("/staff/changes"), headers=headers, timeout=HTTP_TIMEOUT)
        assert r.status_code == 401
        # Same commands under the spelling; a revoked name can be reused.
        assert main(["token", "create", "--name", "accueil", "--database-url", url]) == 0
        token2 = capsys.readouterr().out.strip()
        headers = {"Authorization": f"Bearer {token2}"}
        assert requests.get(running.url("/staff/changes"), headers=headers, timeout=HTTP_TIMEOUT).ok
        assert main(["token", "revoke", "accueil", "--database-url", url]) == 0
        assert main(["token", "revoke", "accueil", "--database-url", url]) == 1
    finally:
        stop()
