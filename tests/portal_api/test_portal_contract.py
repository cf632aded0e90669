"""The HTTP contract: OpenAPI committed and up to date, health, French errors."""

from __future__ import annotations

import json

import requests
from portal_testkit import HTTP_TIMEOUT, new_key

from portal.cli import OPENAPI_PATH, main, openapi_text


def test_committed_openapi_is_up_to_date():
    assert OPENAPI_PATH.read_text(encoding="utf-8") == openapi_text(), (
        "portal/openapi.json n'est pas à jour : lancez « portal openapi »"
    )
    assert main(["openapi", "--check"]) == 0


def test_openapi_served_matches_committed(portal):
    served = requests.get(portal.url("/openapi.json"), timeout=HTTP_TIMEOUT).json()
    assert served == json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    paths = set(served["paths"])
    assert {"/auth/login", "/me/family", "/staff/changes", "/staff/families/{family_ref}"} <= paths


def test_health(portal):
    r = requests.get(portal.url("/health"), timeout=HTTP_TIMEOUT)
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def test_errors_are_french_json(portal):
    r = requests.get(portal.url("/nulle-part"), timeout=HTTP_TIMEOUT)
    assert r.status_code == 404
    assert r.json()["detail"] == "Ressource introuvable."
    r = portal.post("/auth/login", data="pas du json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    assert "JSON" in r.json()["detail"]
    r = portal.post("/auth/login", json={"login": "x@example.fr"})
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "password", "message": "Le champ « Mot de passe » est obligatoire."}
    ]
    r = portal.staff("PUT", "/staff/families/F1", json={"name": "X", "login_email": "x@example.fr"})
    assert r.status_code == 422
    assert "Clé d'idempotence" in r.json()["detail"]
    r = portal.staff(
        "PUT", "/staff/families/F1", new_key(), json={"name": "X", "login_email": "pas-un-mail"}
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "login_email"
    assert "adresse e-mail" in r.json()["errors"][0]["message"]
