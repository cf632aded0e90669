"""A child registered at the desk appears in the parent's planning on the real portal
(issue #15 item 1); a family without a portal account sends nothing; unregistering
tells the portal too.

The back-office holds the codes of the portal's test catalogue (ALSH du Lude,
December 2026), as in ``test_sync_desk_bookings``.
"""

from __future__ import annotations

from datetime import date

import pytest
from portal_testkit import catalogue_body, cell, planning, push_catalogue, set_now
from sqlalchemy import select
from sync_helpers import TODAY, Parent, open_account
from test_sync_desk_bookings import LOGIN, _catalogue

from backoffice.models import (
    Child,
    ChildContact,
    Family,
    MedicalRecord,
    OutboxItem,
    Person,
    Sex,
    Unit,
    Vaccination,
)
from backoffice.services.bookings.desk_push import DESK_TOPIC
from backoffice.services.bookings.planning import book_days
from backoffice.services.bookings.registrations import (
    REGISTRATION_TOPIC,
    register_child,
)
from backoffice.services.bookings.unregistration import unregister_child
from backoffice.services.child_file.reference import VACCINES
from backoffice.sync import run_round

pytestmark = pytest.mark.postgres


def _complete_file(child: Child) -> None:
    """What the desk typed from the paper fiche sanitaire."""
    child.medical_record = MedicalRecord(doctor_name="Dr Leroy", doctor_phone="0243941111")
    for code in VACCINES:
        child.vaccinations.append(Vaccination(vaccine=code, done=True, last_date=date(2024, 3, 1)))
    granny = Person(
        last_name="BERTIN",
        first_name="Odette",
        relationship_label="grand-mère",
        phone1="0243940000",
    )
    child.family.persons.append(granny)
    child.contacts.append(
        ChildContact(person=granny, emergency_contact=True, authorised_pickup=True)
    )


def test_desk_registration_reaches_the_parents_planning(db, agent, portal, smtp_sink, client):
    unit_id, period_id = _catalogue(db)
    family_id, _code = open_account(db, agent, LOGIN)
    push_catalogue(portal, catalogue_body())
    assert run_round(db, client).ok  # the account goes to the portal
    parent = Parent(portal, smtp_sink, LOGIN)
    set_now(portal, "2026-11-27 10:00")
    assert portal.parent("GET", "/me/registrations", parent.token).json() == []
    with db.session() as s:
        child = s.scalar(select(Child).where(Child.family_id == family_id))
        _complete_file(child)
        activity_id = s.get_one(Unit, unit_id).activity_id
        child_id = child.id
    with db.session() as s:
        result = register_child(s, agent, child_id, activity_id, [period_id], TODAY)
    assert result.pushed
    reg_ref = f"BO-{result.registration_ids[0]}"

    pushed = run_round(db, client)

    assert pushed.ok and pushed.push.failed == 0, pushed.push.failures
    assert pushed.push.by_topic == {REGISTRATION_TOPIC: 1}, pushed.summary()
    [listed] = portal.parent("GET", "/me/registrations", parent.token).json()
    assert (listed["ref"], listed["state"], listed["period"]) == (reg_ref, "accepted", "DEC-2026")
    week = planning(portal, parent.token, reg_ref, "2026-W50")
    assert cell(week, "2026-12-07")["state"] == "open"
    assert "book" in cell(week, "2026-12-07")["actions"]
    assert run_round(db, client).moved == 0

    # A day booked at the desk lands on the same registration; unregistering frees it.
    with db.session() as s:
        assert book_days(s, agent, child_id, unit_id, [date(2026, 12, 7)], TODAY).booked
    assert run_round(db, client).push.by_topic == {DESK_TOPIC: 1}
    assert cell(planning(portal, parent.token, reg_ref, "2026-W50"), "2026-12-07")["state"] == (
        "booked"
    )
    with db.session() as s:
        done = unregister_child(s, agent, result.registration_ids[0], TODAY, bill_late=False)
    assert done.cancelled == 1 and done.pushed
    again = run_round(db, client)
    assert again.ok and again.push.by_topic == {DESK_TOPIC: 1, REGISTRATION_TOPIC: 1}, (
        again.summary()
    )
    [listed] = portal.parent("GET", "/me/registrations", parent.token).json()
    assert listed["state"] == "refused"
    assert listed["answer"] == "Désinscription enregistrée par le service."


def test_family_without_portal_account_sends_nothing(db, agent, portal, client):
    unit_id, period_id = _catalogue(db)
    push_catalogue(portal, catalogue_body())
    with db.session() as s:
        family = Family(code="F00090", name="RIVIÈRE", postcode="72800", commune="Le Lude",
                        address_line1="1 place de l'Église")  # fmt: skip
        child = Child(last_name="RIVIÈRE", first_name="Léon", sex=Sex.MALE,
                      birth_date=date(2018, 5, 3), school="École Jean Moulin")  # fmt: skip
        family.children.append(child)
        s.add(family)
        _complete_file(child)
        s.flush()
        child_id, activity_id = child.id, s.get_one(Unit, unit_id).activity_id
    with db.session() as s:
        result = register_child(s, agent, child_id, activity_id, [period_id], TODAY)
    assert result.registered and not result.pushed
    with db.session() as s:  # booked, then unregistered: the days are not told either
        assert book_days(s, agent, child_id, unit_id, [date(2026, 12, 7)], TODAY).booked
    with db.session() as s:
        done = unregister_child(s, agent, result.registration_ids[0], TODAY, bill_late=False)
    assert done.cancelled == 1 and not done.pushed
    with db.session() as s:
        assert s.scalars(select(OutboxItem.topic)).all() == []
    report = run_round(db, client)
    assert report.ok and report.moved == 0 and report.push.by_topic == {}, report.summary()
