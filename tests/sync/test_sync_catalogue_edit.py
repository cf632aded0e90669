"""Issue 17 end to end: a rule edited in « Paramètres » reaches the real portal at the
next sync round, and the portal's booking decisions apply the new deadline."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from catalogue_world import activity_id, load_example
from sqlalchemy import select

from backoffice.models import OutboxItem, OutboxState
from backoffice.services.catalogue_edit import rules as rule_edit
from backoffice.sync import run_round
from portal import catalogue as portal_catalogue
from portal import rules as portal_rules

PARIS = ZoneInfo("Europe/Paris")
MONDAY = date(2026, 10, 19)  # Toussaint holidays, ALSH Mayet
WEDNESDAY_BEFORE = datetime(2026, 10, 14, 10, 0, tzinfo=PARIS)


def portal_rules_of(portal, code: str):
    with portal.db.session() as ps:
        cat = portal_catalogue.load(ps)
    return next(a for a in cat.push.activities if a.code == code).rules


def test_an_edited_rule_reaches_the_portal_and_its_decisions(db, portal, client, agent):
    load_example(db)
    assert run_round(db, client).push.failed == 0
    held = portal_rules_of(portal, "ALSH-MAYET")
    assert portal_rules.notice_text(held.booking_notice) == "J-7 à 12:00"
    late = portal_rules.decide_booking(held, MONDAY, "Journée", WEDNESDAY_BEFORE, False, 12)
    assert late.reason_code == "late"  # J-7 à 12:00 was Monday 12/10

    with db.session() as s:
        rule_edit.save_rule(
            s,
            agent,
            activity_id(s, "ALSH-MAYET"),
            rule_edit.RuleInput(3, time(18, 0), 2, time(12, 0), False, False, True),
        )
    with db.session() as s:
        pending = s.scalars(select(OutboxItem).where(OutboxItem.state == OutboxState.PENDING)).all()
        assert [i.topic for i in pending] == ["catalogue.publish"]

    report = run_round(db, client)
    assert report.ok and report.push.by_topic == {"catalogue.publish": 1}
    held = portal_rules_of(portal, "ALSH-MAYET")
    assert portal_rules.notice_text(held.booking_notice) == "J-3 à 18:00"
    decision = portal_rules.decide_booking(held, MONDAY, "Journée", WEDNESDAY_BEFORE, False, 12)
    assert decision.state == "accepted"  # J-3 à 18:00 is Friday 16/10: still in time
    with db.session() as s:
        assert s.scalars(select(OutboxItem.state)).all() == [OutboxState.ACKNOWLEDGED] * len(
            s.scalars(select(OutboxItem.id)).all()
        )
