"""What an agent keeps in a child's file reaches the parents' portal; a login change
made at the desk goes out as the portal's confirmation link."""

from __future__ import annotations

import pytest
from sync_helpers import TODAY, Parent, family, open_account

from backoffice.services.child_file.contacts import ContactForm, add_contact
from backoffice.services.child_file.medical import MedicalForm, VaccineAnswer, save_medical_record
from backoffice.services.families.edit import FamilyChanges, update_family
from backoffice.sync import run_round

pytestmark = pytest.mark.postgres
LOGIN = "sophie.lemoine@example.org"


def _activated(db, agent, portal, smtp_sink, client):
    family_id, code = open_account(db, agent, LOGIN)
    assert run_round(db, client).ok
    return family_id, code, Parent(portal, smtp_sink, LOGIN)


def test_child_file_kept_at_the_desk_shows_on_the_portal(db, agent, portal, smtp_sink, client):
    family_id, _code, parent = _activated(db, agent, portal, smtp_sink, client)
    child_id = family(db, family_id).children[0].id
    with db.session() as s:
        save_medical_record(
            s,
            agent,
            child_id,
            MedicalForm(
                vaccines={"tetanos": VaccineAnswer(done=True, last_date=TODAY.replace(year=2025))},
                allergy_food=True,
                allergy_detail="Alimentaire : arachide",
                doctor_name="Dr Moreau",
                doctor_phone="0243940099",
                doctor_commune="Le Lude",
            ),
            None,
            TODAY,
        )
    with db.session() as s:
        add_contact(
            s,
            agent,
            child_id,
            ContactForm(
                last_name="Lemoine",
                first_name="Jeanne",
                relationship="grand-mère",
                phone1="0243940055",
            ),
            emergency_contact=True,
            authorised_pickup=True,
        )

    report = run_round(db, client)

    assert report.ok, report.error
    assert report.push.by_topic == {"account.upsert": 2}, report.push.by_topic
    held = portal.parent("GET", f"/me/children/{child_id}", parent.token).json()
    medical = held["medical"]
    assert medical["doctor_name"] == "Dr Moreau"
    assert {"vaccine": "tetanos", "done": True, "last_date": "2025-11-27"} in medical[
        "vaccinations"
    ]
    food = next(a for a in medical["allergies"] if a["allergy"] == "alimentaire")
    assert (food["present"], food["detail"]) == (True, "arachide")
    [contact] = held["emergency_contacts"]
    [pickup] = held["authorised_pickups"]
    assert (contact["first_name"], contact["phone1"]) == ("Jeanne", "02 43 94 00 55")
    assert contact["person_ref"] == pickup["person_ref"]

    # Nothing echoes back: the portal's copy now equals the desk's.
    again = run_round(db, client)
    assert again.ok and again.moved == 0, again.summary()


def test_login_change_at_the_desk_sends_the_confirmation_link(db, agent, portal, smtp_sink, client):
    family_id, code, _parent = _activated(db, agent, portal, smtp_sink, client)
    new = "sophie.l@example.net"
    with db.session() as s:
        version = family(db, family_id).version
        update_family(s, agent, family_id, FamilyChanges(login_email=new), version)

    report = run_round(db, client)

    assert report.ok, report.error
    assert report.push.by_topic.get("account.change_login") == 1, report.push.by_topic
    held = portal.staff("GET", f"/staff/families/{code}").json()
    assert held["account"]["pending_login_email"] == new
    assert len(smtp_sink.to(new)) == 1
    r = portal.post("/auth/email-change/confirm", json={"token": smtp_sink.last_to(new).token})
    assert r.status_code == 200, r.text

    assert run_round(db, client).ok
    f = family(db, family_id)
    assert (f.login_email, f.pending_login_email) == (new, None)
    assert len(smtp_sink.to(new)) == 1  # never sent twice
