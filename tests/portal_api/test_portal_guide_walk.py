"""The parents' guide walked through HTTP, section by section (§2 to §7)."""

from __future__ import annotations

import hashlib

import requests
from portal_testkit import (
    HTTP_TIMEOUT,
    MEDICAL,
    PASSWORD,
    catalogue_body,
    enable_payments,
    family_body,
    invoice_body,
    new_key,
    payfip_provider,
    push_windows,
    sample_pdf,
    set_now,
)

NEW_PASSWORD = "Printemps-2027-a-Mayet"
CONTACT = {
    "last_name": "DUPONT",
    "first_name": "Jeanne",
    "relationship_label": "grand-mère",
    "phone1": "0243112233",
}


def test_walk_the_guide(portal, smtp_sink, payfip_fake):
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

    # §6.1 The back-office pushes its catalogue and rules; the clock says Friday 27/11/2026.
    assert staff("PUT", "/staff/catalogue", new_key(), json=catalogue_body()).ok
    set_now(portal, "2026-11-27 09:00")
    activities = portal.parent("GET", "/me/activities", token).json()
    assert [(a["code"], a["site"]) for a in activities][0] == ("ALSH-LUDE", "Le Lude")
    # Registration refused in red while mandatory information is missing (the vaccines).
    registration = {"child_ref": child["ref"], "activity": "ALSH-LUDE", "period": "DEC-2026"}
    r = portal.parent("POST", "/me/registrations", token, json=registration)
    assert r.status_code == 422
    assert "Vaccins obligatoires : Diphtérie" in r.json()["detail"]
    medical = MEDICAL | {"doctor_name": "Dr Morel"}
    assert portal.parent("PUT", f"{base}/medical", token, json=medical).ok
    r = portal.parent("POST", "/me/registrations", token, json=registration)
    assert r.status_code == 201
    reg = r.json()["ref"]
    planning = f"/me/registrations/{reg}"
    # The planning open for booking: choose the week, book in bulk by weekday (Tuesdays and
    # Thursdays of the period), review, validate. On Tuesday 01/12 at 14:00, today and
    # Thursday 03/12 are past their limit (J-2 à 12:00): requests; the others are accepted.
    set_now(portal, "2026-12-01 14:00")
    week = portal.parent("GET", f"{planning}/planning", token).json()
    assert week["week"]["week"] == "2026-W49" and len(week["weeks"]) == 5
    r = portal.parent(
        "POST",
        f"{planning}/draft",
        token,
        json={
            "changes": [
                {"action": "book", "unit": "JOURNEE", "scope": "period", "weekdays": [2, 4]}
            ]
        },
    )
    assert [line["date"] for line in r.json()["lines"]][:3] == [
        "2026-12-01",
        "2026-12-03",
        "2026-12-08",
    ]
    review = portal.parent("GET", f"{planning}/draft", token).json()
    assert review["lines"][0]["outcome"] == "requested"
    summary = portal.parent("POST", f"{planning}/draft/validate", token).json()
    decisions = [line["decision"] for line in summary["lines"]]
    assert decisions == ["requested"] * 2 + ["accepted"] * (len(decisions) - 2)
    assert summary["lines"][1]["reason"] == (
        "Demande soumise à validation : réservation après la date limite "
        "(J-2 à 12:00, mardi 01/12/2026)."
    )
    assert summary["state_label"] == "En attente de validation"
    assert summary["registration"]["period_label"] == "Décembre 2026"
    # §6.2 The booking appears in the list; its detail shows each day.
    [listed] = portal.parent("GET", "/me/bookings", token).json()
    assert listed["number"] == summary["number"]
    # §6.3 Cancellation request: Tuesday 08/12 after its limit (J-1 à 10:00, Monday 07/12).
    set_now(portal, "2026-12-07 18:00")
    portal.parent(
        "POST",
        f"{planning}/draft",
        token,
        json={"changes": [{"action": "unbook", "unit": "JOURNEE", "dates": ["2026-12-08"]}]},
    )
    cancel = portal.parent("POST", f"{planning}/draft/validate", token).json()
    assert cancel["lines"][0]["decision"] == "cancel_requested"
    assert "pourra être facturée" in cancel["lines"][0]["reason"]
    # The back-office answers the request of Thursday 03/12: the planning shows it.
    r = staff(
        "PUT",
        "/staff/bookings/decisions",
        new_key(),
        json={
            "decisions": [
                {
                    "booking_id": summary["lines"][1]["booking_id"],
                    "state": "accepted",
                    "answer": "Accord exceptionnel.",
                }
            ]
        },
    )
    assert r.ok
    week = portal.parent("GET", f"{planning}/planning?week=2026-W49", token).json()
    thursday = [d for d in week["days"] if d["date"] == "2026-12-03"][0]["cells"][0]
    assert (thursday["state"], thursday["answer"]) == ("booked", "Accord exceptionnel.")

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
        "child.medical.updated",
        "registration.submitted",
    ] + ["booking.submitted"] * (len(decisions) + 1)

    # §7 « Mes factures & paiements »: the back-office pushes the invoices of two régies,
    # the ALSH one with its PDF, and the ALSH payment window.
    enable_payments(portal, payfip_provider(payfip_fake))
    alsh = invoice_body("F00100", cents=(2500, 2500, 1250))
    assert staff("PUT", "/staff/invoices/ALSH-2026-0001", new_key(), json=alsh).status_code == 201
    aps = invoice_body("F00100", "APS", (4200,)) | {"state": "sent_to_tresor"}
    assert staff("PUT", "/staff/invoices/APS-2026-0001", new_key(), json=aps).status_code == 201
    pdf = sample_pdf("ALSH-2026-0001")
    r = staff(
        "PUT",
        "/staff/invoices/ALSH-2026-0001/pdf",
        new_key(),
        data=pdf,
        headers={
            "Content-Type": "application/pdf",
            "X-Content-SHA256": hashlib.sha256(pdf).hexdigest(),
        },
    )
    assert r.ok, r.text
    push_windows(portal, ("ALSH", "2026-12-01", "2026-12-18"))
    set_now(portal, "2026-12-08 20:00")
    # §7.1 The invoices per régie: APS settled (sent to the Trésor public), ALSH to pay online.
    listing = portal.parent("GET", "/me/invoices", token).json()
    assert [(g["regie"], g["online_payment_open"]) for g in listing["regies"]] == [
        ("ALSH", True),
        ("APS", False),
    ]
    assert [
        (i["number"], i["state_label"], i["balance_cents"], i["payable_now"])
        for g in listing["regies"]
        for i in g["invoices"]
    ] == [
        ("ALSH-2026-0001", "À régler", 6250, True),
        ("APS-2026-0001", "Transmise au Trésor public", 0, False),
    ]
    # §7.2 The detail and the PDF.
    detail = portal.parent("GET", "/me/invoices/ALSH-2026-0001", token).json()
    assert len(detail["children"][0]["lines"]) == 3 and detail["qf_bracket"] == "QF 601-900"
    r = portal.parent("GET", "/me/invoices/ALSH-2026-0001/pdf", token)
    assert r.headers["Content-Type"] == "application/pdf" and r.content == pdf
    # §7.3 Pay online: tick the invoice, pay; the bank refuses the card first…
    r = portal.parent("POST", "/me/payments", token, json={"invoices": ["ALSH-2026-0001"]})
    assert r.status_code == 201, r.text
    refused = r.json()
    # The browser goes to PayFiP (here the fake one) with the operation's idOp.
    idop = refused["redirect_url"].split("?idop=", 1)[1]
    choice = {"idop": idop, "resultrans": "R"}
    page = requests.post(payfip_fake.page_url, data=choice, timeout=HTTP_TIMEOUT)
    assert "Carte refusée" in page.text
    # … then the parent pays again, and the payment is validated.
    r = portal.parent("POST", "/me/payments", token, json={"invoices": ["ALSH-2026-0001"]})
    paid = r.json()
    assert requests.get(paid["redirect_url"], timeout=HTTP_TIMEOUT).ok
    idop = paid["redirect_url"].split("?idop=", 1)[1]
    choice = {"idop": idop, "resultrans": "P"}
    requests.post(payfip_fake.page_url, data=choice, timeout=HTTP_TIMEOUT)
    payments = portal.parent("GET", "/me/payments", token).json()
    assert sorted((p["ref"], p["state_label"]) for p in payments) == [
        (refused["payment"]["ref"], "Règlement refusé par la banque"),
        (paid["payment"]["ref"], "Règlement validé"),
    ]
    invoice = portal.parent("GET", "/me/invoices/ALSH-2026-0001", token).json()
    assert (invoice["state_label"], invoice["balance_cents"]) == ("Réglée", 0)
    assert "validé" in smtp_sink.last_to("nouvelle@example.fr").subject
    # The back-office gets both results from the feed.
    feed = staff("GET", "/staff/changes?limit=1000").json()["changes"]
    results = [
        (c["data"]["payment"], c["data"]["state"], c["data"]["provider_result"])
        for c in feed
        if c["kind"] == "payment.updated"
    ]
    assert results == [
        (refused["payment"]["ref"], "refused", "card_refused"),
        (paid["payment"]["ref"], "validated", "paid_card"),
    ]
