"""Days booked at the desk reach the parents' planning on the next sync round.

The back-office holds the codes of the portal's test catalogue (ALSH du Lude,
December 2026); the agent registers Lou at the desk and books for the family
(``services.bookings.planning``); the round pushes ``booking.desk`` and the parent's
planning shows the days (the registration created accepted on the portal); a
second round moves nothing; a day cancelled at the desk frees it on the portal.
"""

from __future__ import annotations

from datetime import date, time

import pytest
from portal_testkit import catalogue_body, cell, planning, push_catalogue, set_now
from sqlalchemy import select
from sync_helpers import TODAY, Parent, open_account

from backoffice.models import (
    Activity,
    ActivityKind,
    BillingBasis,
    Capacity,
    Child,
    OutboxItem,
    OutboxState,
    Period,
    PeriodKind,
    Regie,
    Registration,
    RegistrationState,
    Settlement,
    Site,
    Unit,
)
from backoffice.services.bookings.desk_push import DESK_TOPIC
from backoffice.services.bookings.planning import book_days, unbook_days
from backoffice.sync import run_round

pytestmark = pytest.mark.postgres
LOGIN = "sophie.lemoine@example.org"


def _catalogue(db) -> tuple[int, int]:
    """The back-office's side of the portal's catalogue; (journée unit id, period id)."""
    with db.session() as s:
        activity = Activity(
            code="ALSH-LUDE",
            name="Accueil de loisirs du Lude",
            kind=ActivityKind.ALSH,
            regie=Regie(code="ALSH", name="Régie ALSH enfance", invoice_prefix="ALSH",
                        credit_note_prefix="AV-ALSH", settlement=Settlement.DESK_AND_ONLINE),
            site=Site(code="LUDE", name="Le Lude"),
            billing_basis=BillingBasis.BOOKINGS,
        )  # fmt: skip
        period = Period(code="DEC-2026", name="Décembre 2026", kind=PeriodKind.HOLIDAYS,
                        start_date=date(2026, 11, 30), end_date=date(2026, 12, 31))  # fmt: skip
        journee = Unit(code="JOURNEE", name="Journée", position=1, weekdays="1,2,3,4,5",
                       start_time=time(8, 30), end_time=time(17, 30))  # fmt: skip
        journee.capacities = [
            Capacity(start_date=date(2026, 11, 30), end_date=date(2026, 12, 31), places=20)
        ]
        activity.periods = [period]
        activity.units = [journee]
        s.add(activity)
        s.flush()
        return journee.id, period.id


def test_desk_booking_reaches_the_parents_planning(db, agent, portal, smtp_sink, client):
    unit_id, period_id = _catalogue(db)
    family_id, _code = open_account(db, agent, LOGIN)
    push_catalogue(portal, catalogue_body())
    assert run_round(db, client).ok  # the account goes to the portal
    parent = Parent(portal, smtp_sink, LOGIN)
    with db.session() as s:
        child = s.scalar(select(Child).where(Child.family_id == family_id))
        registration = Registration(
            child_id=child.id,
            activity_id=s.get(Unit, unit_id).activity_id,
            period_id=period_id,
            state=RegistrationState.ACCEPTED,
        )
        s.add(registration)
        s.flush()
        child_id, reg_ref = child.id, f"BO-{registration.id}"
    with db.session() as s:
        days = [date(2026, 12, 7), date(2026, 12, 8)]
        assert book_days(s, agent, child_id, unit_id, days, TODAY).booked == days

    pushed = run_round(db, client)

    assert pushed.ok and pushed.push.failed == 0, pushed.push.failures
    assert pushed.push.by_topic == {DESK_TOPIC: 1}, pushed.summary()
    set_now(portal, "2026-11-27 10:00")
    [listed] = portal.parent("GET", "/me/registrations", parent.token).json()
    assert (listed["ref"], listed["state"]) == (reg_ref, "accepted")
    week = planning(portal, parent.token, reg_ref, "2026-W50")
    assert [cell(week, d)["state"] for d in ("2026-12-07", "2026-12-08", "2026-12-10")] == [
        "booked",
        "booked",
        "open",
    ]
    again = run_round(db, client)
    assert again.ok and again.moved == 0, again.summary()

    with db.session() as s:
        assert unbook_days(s, agent, child_id, unit_id, [date(2026, 12, 8)], TODAY).cancelled
    assert run_round(db, client).push.by_topic == {DESK_TOPIC: 1}
    week = planning(portal, parent.token, reg_ref, "2026-W50")
    assert cell(week, "2026-12-08")["state"] == "open"
    assert cell(week, "2026-12-07")["state"] == "booked"
    with db.session() as s:
        states = {i.state for i in s.scalars(select(OutboxItem))}
    assert states == {OutboxState.ACKNOWLEDGED}
    assert run_round(db, client).moved == 0
