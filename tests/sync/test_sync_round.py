"""Sync rounds against the real portal on loopback: push, pull, conflicts, quarantine."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sync_helpers import Parent, family, open_account

from backoffice.models import (
    AccountState,
    AuditAction,
    AuditEvent,
    OutboxItem,
    OutboxState,
    PortalRequest,
    QuarantinedChange,
    RequestKind,
    SyncConflict,
)
from backoffice.services.families.edit import FamilyChanges, update_family
from backoffice.sync import resolve_conflict, run_round
from backoffice.sync.pull import CURSOR
from portal import feed

pytestmark = pytest.mark.postgres
LOGIN = "sophie.lemoine@example.org"


def _portal_family(portal, code: str) -> dict:
    r = portal.staff("GET", f"/staff/families/{code}")
    assert r.status_code == 200, r.text
    return r.json()


def _opened_and_activated(db, agent, portal, smtp_sink, client):
    family_id, code = open_account(db, agent, LOGIN)
    assert run_round(db, client).ok
    return family_id, code, Parent(portal, smtp_sink, LOGIN)


def test_account_opened_at_the_desk_reaches_the_parent(db, agent, portal, smtp_sink, client):
    family_id, code = open_account(db, agent, LOGIN)

    report = run_round(db, client)

    assert report.ok, report.error
    assert (report.push.acknowledged, report.push.failed, report.pending) == (2, 0, 0)
    assert report.push.by_topic == {"account.upsert": 1, "account.send_activation": 1}
    mails = smtp_sink.to(LOGIN)
    assert len(mails) == 1 and "création de votre compte" in mails[0].subject
    held = _portal_family(portal, code)
    assert held["account"]["state"] == "awaiting_activation"
    assert held["family"]["phone"] == "02 43 94 00 12"
    child = family(db, family_id).children[0]
    assert [c["ref"] for c in held["children"]] == [str(child.id)]
    assert held["children"][0]["information"]["school"] == "École Jean Moulin"
    assert "Envoyé au portail : 2 élément(s) accepté(s)" in report.summary()

    again = run_round(db, client)
    assert again.ok and again.moved == 0
    assert len(smtp_sink.to(LOGIN)) == 1


def test_parent_activation_and_edits_are_pulled(db, agent, portal, smtp_sink, client):
    family_id, code, parent = _opened_and_activated(db, agent, portal, smtp_sink, client)
    parent.edit_family(phone="0243112233", address_line2="Bâtiment B")
    child_id = family(db, family_id).children[0].id
    parent.edit_child(
        str(child_id),
        "information",
        {
            "last_name": "Lemoine",
            "first_name": "Lou",
            "sex": "F",
            "birth_date": "2018-05-03",
            "school": "École Jean Moulin",
            "school_class": "CM1",
        },
    )

    report = run_round(db, client)

    assert report.ok, report.error
    assert report.pull.by_kind == {
        "account.activated": 1,
        "family.updated": 1,
        "child.information.updated": 1,
    }
    assert (report.pull.applied, report.pull.conflicts, report.pull.quarantined) == (3, 0, 0)
    f = family(db, family_id)
    assert f.account_state is AccountState.ACTIVE and f.activated_at is not None
    assert (f.phone, f.address_line2) == ("02 43 11 22 33", "Bâtiment B")
    assert f.children[0].school_class == "CM1"
    with db.session() as s:
        events = s.execute(
            select(AuditEvent.actor, AuditEvent.field, AuditEvent.new_value).where(
                AuditEvent.family_id == family_id, AuditEvent.action == AuditAction.UPDATE
            )
        ).all()
    assert ("portail", "phone", "02 43 11 22 33") in events
    assert ("portail", "school_class", "CM1") in events
    assert ("portail", "account_state", "active") in events

    again = run_round(db, client)
    assert again.ok and again.moved == 0, again.summary()


def test_login_email_change_confirmed_on_the_portal(db, agent, portal, smtp_sink, client):
    family_id, _code, parent = _opened_and_activated(db, agent, portal, smtp_sink, client)
    new = "sophie.l@example.net"
    r = portal.parent(
        "POST",
        "/me/login-email",
        parent.token,
        json={"new_email": new, "password": "Soleil-d-ete-2026"},
    )
    assert r.status_code == 202, r.text
    run_round(db, client)
    assert family(db, family_id).pending_login_email == new
    r = portal.post("/auth/email-change/confirm", json={"token": smtp_sink.last_to(new).token})
    assert r.status_code == 200, r.text

    assert run_round(db, client).ok
    f = family(db, family_id)
    assert (f.login_email, f.pending_login_email) == (new, None)


@pytest.mark.parametrize("keep", ["agent", "portal"])
def test_agent_and_parent_change_the_same_field(db, agent, portal, smtp_sink, client, keep):
    family_id, code, parent = _opened_and_activated(db, agent, portal, smtp_sink, client)
    with db.session() as s:
        version = family(db, family_id).version
        update_family(s, agent, family_id, FamilyChanges(phone="0243111111"), version)
    parent.edit_family(phone="0243222222", address_line2="Le Haut Bourg")

    report = run_round(db, client)

    assert report.ok and report.pull.conflicts == 1 and report.open_conflicts == 1
    with db.session() as s:
        conflict = s.scalars(select(SyncConflict)).one()
        assert (conflict.entity, conflict.field) == ("family", "phone")
        assert (conflict.agent_value, conflict.portal_value) == ("02 43 11 11 11", "02 43 22 22 22")
        conflict_id = conflict.id
    f = family(db, family_id)
    # The other field of the same change is applied; the disputed one waits.
    assert (f.phone, f.address_line2) == ("02 43 11 11 11", "Le Haut Bourg")

    with db.session() as s:
        resolve_conflict(s, agent, conflict_id, keep=keep)
    expected = "02 43 11 11 11" if keep == "agent" else "02 43 22 22 22"
    assert family(db, family_id).phone == expected
    report = run_round(db, client)
    assert report.ok and report.open_conflicts == 0 and report.pending == 0
    assert _portal_family(portal, code)["family"]["phone"] == expected
    with db.session() as s:
        conflict = s.get(SyncConflict, conflict_id)
        assert conflict.resolution == keep and conflict.resolved_by_id == agent.staff_id
    assert run_round(db, client).moved == 0


def test_malformed_changes_are_quarantined_and_later_ones_apply(
    db, agent, portal, smtp_sink, client
):
    family_id, code, parent = _opened_and_activated(db, agent, portal, smtp_sink, client)
    with portal.db.session() as ps:
        feed.append(ps, code, "family.updated", {"before": {}, "after": {"phone": "pas un numéro"}})
        feed.append(
            ps, "F99999", "family.updated", {"before": {}, "after": {"phone": "0243000000"}}
        )
        feed.append(ps, code, "family.teleported", {"where": "Mars"})
        feed.append(
            ps, code, "child.information.updated", {"after": {"sex": "F"}}, child_ref="424242"
        )
        feed.append(ps, code, "family.updated", {"before": {}, "after": "phone"})
    parent.edit_family(phone="0243445566")

    report = run_round(db, client)

    assert report.ok
    assert (report.pull.quarantined, report.pull.applied) == (5, 2)  # + account.activated
    assert family(db, family_id).phone == "02 43 44 55 66"
    with db.session() as s:
        reasons = [
            q.reason
            for q in s.scalars(select(QuarantinedChange).order_by(QuarantinedChange.feed_position))
        ]
    assert (
        reasons[0]
        == "« pas un numéro » n'est pas un numéro de téléphone valide (Téléphone du foyer)."
    )
    assert reasons[1] == "Famille F99999 inconnue du back-office."
    assert "Sorte de changement inconnue : « family.teleported »" in reasons[2]
    assert reasons[3] == "Enfant 424242 inconnu du back-office (famille F00001)."
    assert "« after » doivent être des objets" in reasons[4]
    assert run_round(db, client).moved == 0


def test_contacts_edit_lands_in_the_requests_inbox(db, agent, portal, smtp_sink, client):
    family_id, _code, parent = _opened_and_activated(db, agent, portal, smtp_sink, client)
    child_id = family(db, family_id).children[0].id
    person = {
        "last_name": "Durand",
        "first_name": "Annie",
        "relationship_label": "grand-mère",
        "phone1": "0612121212",
    }
    parent.edit_child(str(child_id), "authorised-pickups", {"persons": [person]})

    report = run_round(db, client)

    assert report.pull.requests == 1
    with db.session() as s:
        request = s.scalars(select(PortalRequest)).one()
        assert (request.kind, request.child_id) == (RequestKind.FILE_CHANGE, child_id)
        assert request.payload["after"][0]["last_name"] == "Durand"
    assert run_round(db, client).moved == 0


def test_crash_in_the_middle_of_a_pull_reapplies_nothing(
    db, agent, portal, smtp_sink, client, monkeypatch
):
    from backoffice.models import SyncCursor
    from backoffice.sync import apply, pull

    family_id, _code, parent = _opened_and_activated(db, agent, portal, smtp_sink, client)
    for i in range(1, 6):
        parent.edit_family(phone=f"024300000{i}")
    # Pages of two: [activation, phone 1] [phone 2, phone 3] [phone 4, phone 5].
    monkeypatch.setattr(pull, "PAGE_SIZE", 2)
    real = apply.HANDLERS["family.updated"]
    calls = {"n": 0}

    def crashing(ctx, change):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("panne simulée au milieu du passage")
        return real(ctx, change)

    monkeypatch.setitem(apply.HANDLERS, "family.updated", crashing)
    with pytest.raises(RuntimeError):
        run_round(db, client)
    monkeypatch.setitem(apply.HANDLERS, "family.updated", real)
    # The first page is in, with the cursor after it; the second left no trace.
    assert family(db, family_id).phone == "02 43 00 00 01"
    with db.session() as s:
        assert s.get(SyncCursor, CURSOR).position == 2

    report = run_round(db, client)

    assert report.ok and report.pull.applied == 4
    assert family(db, family_id).phone == "02 43 00 00 05"
    with db.session() as s:
        steps = s.scalars(
            select(AuditEvent.new_value)
            .where(
                AuditEvent.family_id == family_id,
                AuditEvent.field == "phone",
                AuditEvent.actor == "portail",
            )
            .order_by(AuditEvent.id)
        ).all()
        assert s.get(SyncCursor, CURSOR).position == 6
    # One history line per page (its net change), none repeated.
    assert steps == ["02 43 00 00 01", "02 43 00 00 03", "02 43 00 00 05"]
    assert run_round(db, client).moved == 0


def test_refused_item_is_failed_and_others_go_on(db, agent, portal, smtp_sink, client):
    first_id, _ = open_account(db, agent, LOGIN)
    # An item about a family the portal does not know: refused (404) for good.
    with db.session() as s:
        from backoffice.services.common import outbox

        outbox.enqueue(s, "account.send_password_reset", {"family_code": "F00077"}, 999)
    second_id, _ = open_account(db, agent, "autre@example.org", family_name="Bodin")

    report = run_round(db, client)

    assert report.ok
    assert report.push.acknowledged == 4 and report.push.failed == 1
    with db.session() as s:
        failed = s.scalars(select(OutboxItem).where(OutboxItem.state == OutboxState.FAILED)).one()
        assert failed.last_error.startswith("Refusé par le portail : ")
        assert (
            s.scalar(
                select(func.count())
                .select_from(OutboxItem)
                .where(OutboxItem.state == OutboxState.PENDING)
            )
            == 0
        )
    assert "Refus : account.send_password_reset (F00077)" in report.summary()


def test_requests_from_the_feed_land_in_the_inbox_once(db, agent, portal, smtp_sink, client):
    family_id, code, _parent = _opened_and_activated(db, agent, portal, smtp_sink, client)
    child = str(family(db, family_id).children[0].id)
    with portal.db.session() as ps:
        feed.append(ps, code, "registration.submitted", {"registration": "INS-000001"}, child)
        feed.append(ps, code, "booking.submitted", {"action": "book", "date": "2026-12-02"}, child)
        feed.append(
            ps, code, "booking.submitted", {"action": "cancel", "date": "2026-12-03"}, child
        )

    report = run_round(db, client)

    assert report.pull.requests == 3
    with db.session() as s:
        kinds = s.scalars(select(PortalRequest.kind).order_by(PortalRequest.id)).all()
    assert kinds == [RequestKind.REGISTRATION, RequestKind.BOOKING, RequestKind.CANCELLATION]
    assert run_round(db, client).moved == 0
