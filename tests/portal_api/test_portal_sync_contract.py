"""What the back-office sync client asked for: login change by staff, the feed
position on staff writes, stable person refs, request refs in the feed."""

from __future__ import annotations

from portal_testkit import HTTP_TIMEOUT, PASSWORD, changes, family_body, new_key

JEANNE = {
    "last_name": "DUPONT",
    "first_name": "Jeanne",
    "relationship_label": "grand-mère",
    "phone1": "0243112233",
}
PAUL = {
    "last_name": "DURAND",
    "first_name": "Paul",
    "relationship_label": "voisin",
    "phone1": "0243445566",
}


def test_staff_changes_the_login_through_a_confirmation_link(portal, smtp_sink, active_parent):
    login, _token = active_parent
    key = new_key()
    body = {"new_login_email": "Nouvelle.Adresse@example.fr"}
    r = portal.staff("POST", "/staff/families/F00042/login-email", key, json=body)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "message": "Courriel de confirmation envoyé à nouvelle.adresse@example.fr. "
        "L'identifiant actuel reste valable jusqu'à la confirmation.",
        "login_email": login,
        "pending_login_email": "nouvelle.adresse@example.fr",
        "sent_to": "nouvelle.adresse@example.fr",
    }
    # Replayed with the same key: same answer, no second e-mail.
    again = portal.staff("POST", "/staff/families/F00042/login-email", key, json=body)
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == r.json()
    assert len(smtp_sink.to("nouvelle.adresse@example.fr")) == 1
    mail = smtp_sink.last_to("nouvelle.adresse@example.fr")
    assert "service enfance a enregistré cette adresse" in mail.body
    assert mail.link.startswith("https://portail.example.fr/confirmation-email#jeton=")
    # Until the parent confirms, the old login works and the feed has nothing new.
    before = changes(portal)
    assert portal.post("/auth/login", json={"login": login, "password": PASSWORD}).ok
    assert portal.staff("GET", "/staff/families/F00042").json()["account"] == {
        "login_email": login,
        "pending_login_email": "nouvelle.adresse@example.fr",
        "state": "active",
    }
    r = portal.post("/auth/email-change/confirm", json={"token": mail.token})
    assert r.status_code == 200, r.text
    new = changes(portal, after=before[-1]["seq"])
    assert [(c["kind"], c["data"]) for c in new] == [
        ("login_email.changed", {"before": login, "after": "nouvelle.adresse@example.fr"})
    ]
    assert (
        portal.post("/auth/login", json={"login": login, "password": PASSWORD}).status_code == 401
    )
    r = portal.post(
        "/auth/login", json={"login": "nouvelle.adresse@example.fr", "password": PASSWORD}
    )
    assert r.ok
    # The link served once.
    assert portal.post("/auth/email-change/confirm", json={"token": mail.token}).status_code == 410


def test_staff_login_change_refusals(portal, make_family):
    make_family("F1", "un@example.fr")
    make_family("F2", "deux@example.fr")
    post = "/staff/families/F1/login-email"
    r = portal.staff("POST", post, new_key(), json={"new_login_email": "DEUX@example.fr"})
    assert r.status_code == 409
    assert "déjà l'identifiant d'une autre famille (F2)" in r.json()["detail"]
    r = portal.staff("POST", post, new_key(), json={"new_login_email": "un@example.fr"})
    assert r.status_code == 422
    assert r.json()["detail"] == "Cette adresse est déjà l'identifiant du compte."
    r = portal.staff("POST", post, new_key(), json={"new_login_email": "pas-une-adresse"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "new_login_email"
    r = portal.staff(
        "POST", "/staff/families/F9/login-email", new_key(), json={"new_login_email": "a@b.fr"}
    )
    assert r.status_code == 404
    assert portal.staff("POST", "/staff/families/F1/disable", new_key()).ok
    r = portal.staff("POST", post, new_key(), json={"new_login_email": "trois@example.fr"})
    assert r.status_code == 409 and "désactivé" in r.json()["detail"]


def test_staff_writes_say_the_feed_position(portal, active_parent):
    _login, token = active_parent
    r = portal.staff("PUT", "/staff/families/F00042", new_key(), json=family_body("x@example.fr"))
    assert r.status_code == 200
    assert r.headers["X-Feed-Position"] == "1"  # account.activated
    # A parent edits something: the next staff write tells the back-office.
    _phone(portal, token, "0243556677")
    key = new_key()
    body = {"definitions": [{"code": "image", "label": "Droit à l'image"}]}
    r = portal.staff("PUT", "/staff/consent-definitions", key, json=body)
    assert r.headers["X-Feed-Position"] == "2"
    assert changes(portal)[-1]["seq"] == 2
    # A replay says the position now, not the one stored with the answer.
    _phone(portal, token, "0243556688")
    again = portal.staff("PUT", "/staff/consent-definitions", key, json=body)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["X-Feed-Position"] == "3"
    # Every staff write declares the header in the contract.
    spec = portal_openapi(portal)
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if path.startswith("/staff/") and method != "get":
                ok = [a for c, a in op["responses"].items() if c.startswith("2")]
                assert all("X-Feed-Position" in a.get("headers", {}) for a in ok), (method, path)


def _phone(portal, token, phone: str) -> None:
    family = portal.parent("GET", "/me/family", token).json()
    fields = {k: family[k] for k in ("address_line1", "postcode", "commune")}
    r = portal.parent("PUT", "/me/family", token, json=fields | {"phone": phone})
    assert r.status_code == 200, r.text


def portal_openapi(portal) -> dict:
    import requests

    return requests.get(portal.url("/openapi.json"), timeout=HTTP_TIMEOUT).json()


def test_person_refs_are_stable_across_edits(portal, smtp_sink):
    from portal_testkit import activate

    staff_person = JEANNE | {"person_ref": "BO-P17"}
    body = family_body("f5@example.fr")
    body["children"][0]["emergency_contacts"] = [staff_person]
    body["children"].append(
        {
            "ref": "C102",
            "information": {"last_name": "MARTIN", "first_name": "Hugo", "sex": "M"},
        }
    )
    assert portal.staff("PUT", "/staff/families/F5", new_key(), json=body).status_code == 201
    token = activate(portal, smtp_sink, "f5@example.fr")
    base = "/me/children/C101"
    form = portal.parent("GET", base, token).json()
    assert form["emergency_contacts"] == [staff_person | _blank_person()]
    # The parent adds Paul and edits Jeanne's phone, sending back the refs read.
    jeanne = form["emergency_contacts"][0] | {"phone1": "0243000001"}
    r = portal.parent("PUT", f"{base}/emergency-contacts", token, json={"persons": [jeanne, PAUL]})
    assert r.status_code == 200, r.text
    listed = r.json()["emergency_contacts"]
    assert listed[0]["person_ref"] == "BO-P17"
    paul_ref = listed[1]["person_ref"]
    assert paul_ref.startswith("PP-")
    change = changes(portal)[-1]
    assert change["kind"] == "child.emergency_contacts.updated"
    assert [p["person_ref"] for p in change["data"]["before"]] == ["BO-P17"]
    assert [p["person_ref"] for p in change["data"]["after"]] == ["BO-P17", paul_ref]
    # A client that forgets the refs: matched by name, the refs do not move.
    reorder = [PAUL, JEANNE | {"phone1": "0243000001"}]
    r = portal.parent("PUT", f"{base}/emergency-contacts", token, json={"persons": reorder})
    assert [p["person_ref"] for p in r.json()["emergency_contacts"]] == [paul_ref, "BO-P17"]
    # The same person for another child or list keeps the same ref.
    r = portal.parent(
        "PUT", "/me/children/C102/authorised-pickups", token, json={"persons": [PAUL]}
    )
    assert r.json()["authorised_pickups"][0]["person_ref"] == paul_ref
    # The back-office pushes the family again without changing the list: refs kept.
    assert portal.staff("PUT", "/staff/families/F5", new_key(), json=body).ok
    view = portal.staff("GET", "/staff/families/F5").json()
    assert view["children"][0]["emergency_contacts"][0]["person_ref"] == "BO-P17"
    assert view["children"][1]["authorised_pickups"][0]["person_ref"] == paul_ref
    # A parent cannot invent a ref, nor give the same person twice.
    r = portal.parent(
        "PUT",
        f"{base}/emergency-contacts",
        token,
        json={"persons": [PAUL | {"person_ref": "PP-000000000000"}]},
    )
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {
            "field": "emergency_contacts.0.person_ref",
            "message": "Personne 1 : personne inconnue (PP-000000000000).",
        }
    ]
    twice = [PAUL | {"person_ref": paul_ref}, JEANNE | {"person_ref": paul_ref}]
    r = portal.parent("PUT", f"{base}/emergency-contacts", token, json={"persons": twice})
    assert r.status_code == 422
    assert "figure deux fois" in r.json()["detail"]


def _blank_person() -> dict:
    return {"address_line1": "", "postcode": "", "commune": "", "phone2": ""}


def test_migration_gives_refs_to_the_persons_already_there(tmp_path):
    from sqlalchemy.orm import Session

    from portal.db import make_engine, upgrade
    from portal.models import Child, Family

    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    upgrade(engine, "0002")
    with Session(engine) as session, session.begin():
        family = Family(ref="F1", name="MARTIN")
        for ref in ("C1", "C2"):
            family.children.append(
                Child(
                    ref=ref,
                    last_name="MARTIN",
                    first_name=ref,
                    medical={},
                    emergency_contacts=[JEANNE, PAUL],
                    authorised_pickups=[JEANNE | {"first_name": " jeanne "}],
                    consents=[],
                )
            )
        session.add(family)
    upgrade(engine)
    with Session(engine) as session:
        c1, c2 = session.query(Child).order_by(Child.id).all()
        jeanne, paul = (p["person_ref"] for p in c1.emergency_contacts)
        assert jeanne.startswith("PP-") and paul.startswith("PP-") and jeanne != paul
        assert [p["person_ref"] for p in c2.emergency_contacts] == [jeanne, paul]
        assert [p["person_ref"] for p in c1.authorised_pickups + c2.authorised_pickups] == [
            jeanne,
            jeanne,
        ]
    engine.dispose()
