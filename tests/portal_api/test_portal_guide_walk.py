"""The parents' guide walked through HTTP, section by section (§2 to §5 so far).

Later increments extend this walk with registrations, bookings and
cancellations (§6), invoices and online payment (§7).
"""

from __future__ import annotations

from portal_testkit import PASSWORD, family_body, new_key

NEW_PASSWORD = "Printemps-2027-a-Mayet"
CONTACT = {
    "last_name": "DUPONT",
    "first_name": "Jeanne",
    "relationship_label": "grand-mère",
    "phone1": "0243112233",
}


def test_walk_the_guide(portal, smtp_sink):
    staff = portal.staff
    # The agent opens the account from the paper form (§4): the portal e-mails the link.
    r = staff("PUT", "/staff/families/F00100", new_key(), json=family_body("famille@example.fr"))
    assert r.status_code == 201
    staff(
        "PUT",
        "/staff/consent-definitions",
        new_key(),
        json={"definitions": [{"code": "image", "label": "Droit à l'image"}]},
    )
    mail = smtp_sink.last_to("famille@example.fr")

    # §4.1 Finalise the account with the link and a password.
    r = portal.post(
        "/auth/activate",
        json={"token": mail.token, "password": PASSWORD, "password_confirmation": PASSWORD},
    )
    assert r.status_code == 200

    # §2 Log in.
    r = portal.post("/auth/login", json={"login": "famille@example.fr", "password": PASSWORD})
    token = r.json()["access_token"]

    # §3 Forgotten password: a link by e-mail, never a password.
    portal.post("/auth/password-forgotten", json={"email": "famille@example.fr"})
    reset = smtp_sink.last_to("famille@example.fr")
    r = portal.post(
        "/auth/password-reset",
        json={
            "token": reset.token,
            "password": NEW_PASSWORD,
            "password_confirmation": NEW_PASSWORD,
        },
    )
    token = r.json()["access_token"]

    # §4.2–4.4 « Mon compte famille », « Mes informations ».
    me = portal.parent("GET", "/me", token).json()
    assert me["family"]["name"] == "MARTIN"
    family = me["family"]
    r = portal.parent(
        "PUT",
        "/me/family",
        token,
        json={k: family[k] for k in ("address_line1", "postcode", "commune")}
        | {"phone": "0243556677"},
    )
    assert r.status_code == 200

    # §4.5 New login, confirmed by the link sent to it; §4.6 new password.
    portal.parent(
        "POST",
        "/me/login-email",
        token,
        json={"new_email": "nouvelle@example.fr", "password": NEW_PASSWORD},
    )
    confirm = smtp_sink.last_to("nouvelle@example.fr")
    assert portal.post("/auth/email-change/confirm", json={"token": confirm.token}).ok
    r = portal.parent(
        "POST",
        "/me/password",
        token,
        json={
            "current_password": NEW_PASSWORD,
            "new_password": PASSWORD,
            "new_password_confirmation": PASSWORD,
        },
    )
    assert r.ok
    r = portal.post("/auth/login", json={"login": "nouvelle@example.fr", "password": PASSWORD})
    assert r.ok

    # §5 « Mes enfants »: the form with a missing mandatory field is refused, then accepted.
    [child] = portal.parent("GET", "/me/children", token).json()
    base = f"/me/children/{child['ref']}"
    r = portal.parent(
        "PUT", f"{base}/emergency-contacts", token, json={"persons": [CONTACT | {"phone1": ""}]}
    )
    assert r.status_code == 422
    assert r.json()["detail"] == "Personne 1 : le champ « Téléphone 1 » est obligatoire."
    for block, body in [
        ("emergency-contacts", {"persons": [CONTACT]}),
        ("authorised-pickups", {"persons": [CONTACT]}),
        ("medical", {"doctor_name": "Dr Morel", "doctor_phone": "0243999999"}),
        ("consents", {"consents": [{"code": "image", "granted": True}]}),
    ]:
        r = portal.parent("PUT", f"{base}/{block}", token, json=body)
        assert r.status_code == 200, (block, r.text)

    # The back-office pulls what the parents did, in order.
    kinds = [c["kind"] for c in staff("GET", "/staff/changes").json()["changes"]]
    assert kinds == [
        "account.activated",
        "family.updated",
        "login_email.change_requested",
        "login_email.changed",
        "child.emergency_contacts.updated",
        "child.authorised_pickups.updated",
        "child.medical.updated",
        "child.consents.updated",
    ]
