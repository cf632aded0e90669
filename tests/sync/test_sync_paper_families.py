"""Issue #15 items 2 and 3 through the real portal: a child added at the desk reaches the
parent's account; a paper family's e-mail given later creates the account and sends the
activation link once."""

from __future__ import annotations

from datetime import date

import pytest
from sync_helpers import TODAY, form, open_account

from backoffice.models import Family, Sex
from backoffice.services.families import accounts, children
from backoffice.services.families.accounts import ChildForm
from backoffice.services.families.edit import FamilyChanges, update_family
from backoffice.sync import run_round

pytestmark = pytest.mark.postgres
LOGIN = "sophie.lemoine@example.org"


def test_a_child_added_at_the_desk_reaches_the_portal(db, agent, portal, smtp_sink, client):
    family_id, code = open_account(db, agent, LOGIN)
    assert run_round(db, client).ok
    with db.session() as s:
        children.add_child(
            s, agent, family_id,
            ChildForm(first_name="Jules", sex=Sex.MALE, birth_date=date(2026, 9, 1)), TODAY,
        )  # fmt: skip
    report = run_round(db, client)
    assert report.ok, report.error
    assert report.push.by_topic == {"account.upsert": 1}
    held = portal.staff("GET", f"/staff/families/{code}").json()
    assert len(held["children"]) == 2
    assert len(smtp_sink.to(LOGIN)) == 1  # no second activation e-mail


def test_a_paper_family_gets_its_account_when_an_email_is_given(
    db, agent, portal, smtp_sink, client
):
    with db.session() as s:
        family = accounts.open_account(s, agent, form(""), TODAY)
        family_id, code = family.id, family.code
    report = run_round(db, client)
    assert report.ok and report.push.by_topic == {}
    assert portal.staff("GET", f"/staff/families/{code}").status_code == 404
    with db.session() as s:
        version = s.get(Family, family_id).version
        update_family(s, agent, family_id, FamilyChanges(login_email=LOGIN), version)
    report = run_round(db, client)
    assert report.ok, report.error
    assert report.push.by_topic == {"account.upsert": 1, "account.send_activation": 1}
    [mail] = smtp_sink.to(LOGIN)
    assert "création de votre compte" in mail.subject
    held = portal.staff("GET", f"/staff/families/{code}").json()
    assert held["account"]["state"] == "awaiting_activation"
