"""The audit viewer: filters, keyset pages, CSV for French Excel, the medical preset."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Integer, String, column, insert, table

from backoffice.models import Role
from backoffice.models.base import UTCDateTime
from backoffice.services.audit_view import (
    MEDICAL_ACCESS,
    AuditFilter,
    audit_page,
    csv_text,
    export_csv,
    iter_events,
)
from backoffice.services.common.actors import Actor, PermissionDenied

ADMIN = Actor(None, "admin", Role.ADMIN)
DIRECTOR = Actor(None, "dir", Role.DIRECTOR)
AGENT = Actor(None, "agent", Role.AGENT)


# ``audit_event`` with its action as plain text, as a newer version writes « refused ».
AS_TEXT = table(
    "audit_event",
    column("at", UTCDateTime()),
    *(column(name, String()) for name in ("actor", "action", "entity", "field")),
    *(column(name, String()) for name in ("old_value", "new_value")),
    *(column(name, Integer()) for name in ("entity_id", "family_id", "child_id")),
)


def _event(at, actor, action, entity="family", entity_id=1, family_id=1, child_id=None,
           field="", old=None, new=None):  # fmt: skip
    return {
        "at": at, "actor": actor, "action": action, "entity": entity, "entity_id": entity_id,
        "family_id": family_id, "child_id": child_id, "field": field, "old_value": old,
        "new_value": new,
    }  # fmt: skip


@pytest.fixture
def journal(sqlite_db):
    rows = [
        _event(
            datetime(2026, 11, 30, 23, 30, tzinfo=UTC),
            "marie",
            "update",
            field="email",
            old="a@x.fr",
            new="b@x.fr",
        ),  # 1 Dec 00:30 in Paris  # fmt: skip
        _event(
            datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
            "paul",
            "view_medical",
            entity="medical_record",
            entity_id=7,
            family_id=2,
            child_id=3,
        ),  # fmt: skip
        _event(
            datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
            "paul",
            "refused",
            entity="invoice",
            entity_id=0,
            family_id=None,
            field="billing.issue",
        ),  # fmt: skip
        _event(
            datetime(2026, 12, 3, 9, 0, tzinfo=UTC),
            "marie",
            "create",
            family_id=2,
            field="nom",
            new="Durand ; « Léa »",
        ),  # fmt: skip
        _event(
            datetime(2026, 12, 4, 9, 0, tzinfo=UTC),
            "marie",
            "view_medical",
            entity="medical_record",
            entity_id=8,
            family_id=1,
            child_id=4,
        ),  # fmt: skip
    ]
    with sqlite_db.engine.begin() as conn:
        conn.execute(insert(AS_TEXT), rows)
    return sqlite_db


def _ids(db, filters, actor=ADMIN):
    with db.session() as session:
        return [row.id for row in iter_events(session, actor, filters, chunk=2)]


def test_filters_by_person_family_dates_and_action(journal):
    assert _ids(journal, AuditFilter()) == [5, 4, 3, 2, 1]
    assert _ids(journal, AuditFilter(login="marie")) == [5, 4, 1]
    assert _ids(journal, AuditFilter(family_id=2)) == [4, 2]
    # 30 Nov 23:30 UTC is 1 Dec in Paris
    assert _ids(journal, AuditFilter(start=date(2026, 12, 1), end=date(2026, 12, 1))) == [2, 1]
    assert _ids(journal, AuditFilter(end=date(2026, 11, 30))) == []
    assert _ids(journal, AuditFilter(action="refused")) == [3]
    assert _ids(journal, AuditFilter(login="marie", action="update", family_id=1)) == [1]


def test_pages_are_read_by_keyset_and_unknown_actions_shown_as_stored(journal):
    with journal.session() as session:
        first = audit_page(session, DIRECTOR, AuditFilter(), limit=2)
        assert [r.id for r in first.rows] == [5, 4] and first.next_before == 4
        second = audit_page(session, DIRECTOR, AuditFilter(), before=first.next_before, limit=2)
        assert [r.id for r in second.rows] == [3, 2] and second.next_before == 2
        last = audit_page(session, DIRECTOR, AuditFilter(), before=2, limit=2)
        assert [r.id for r in last.rows] == [1] and last.next_before is None
        refused = second.rows[0]
        assert refused.action == "refused" and refused.action_label == "Tentative refusée"
        assert refused.at.utcoffset().total_seconds() == 3600  # Paris, winter
    with journal.engine.begin() as conn:
        conn.execute(insert(AS_TEXT).values(**_event(
            datetime(2026, 12, 5, 9, 0, tzinfo=UTC), "système", "purge_future")))  # fmt: skip
    with journal.session() as session:
        newest = audit_page(session, ADMIN, AuditFilter(), limit=1).rows[0]
    assert newest.action_label == "purge_future" and newest.entity_label == "Famille"


def test_medical_preset_lists_the_openings_of_medical_records(journal):
    with journal.session() as session:
        rows = list(iter_events(session, ADMIN, MEDICAL_ACCESS))
    assert [(r.actor, r.child_id, r.entity_label) for r in rows] == [
        ("marie", 4, "Fiche sanitaire"),
        ("paul", 3, "Fiche sanitaire"),
    ]


def test_csv_is_for_french_excel(journal, tmp_path):
    target = tmp_path / "journal.csv"
    with journal.session() as session:
        assert export_csv(session, ADMIN, AuditFilter(login="marie"), target) == 3
        text = csv_text(session, ADMIN, AuditFilter(login="marie"))
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0].startswith("N°;Date et heure;Agent;Action;Objet")
    assert lines[1].startswith("5;04/12/2026 10:00:00;marie;Fiche sanitaire ouverte;")
    assert lines[2] == '4;03/12/2026 10:00:00;marie;Création;Famille;1;2;;nom;;"Durand ; « Léa »"'
    assert lines[3].endswith(";email;a@x.fr;b@x.fr")
    assert text == raw.decode("utf-8-sig")


def test_an_agent_may_not_read_the_journal(journal, tmp_path):
    with journal.session() as session:
        with pytest.raises(PermissionDenied, match="réservé aux administrateurs"):
            audit_page(session, AGENT, AuditFilter())
        with pytest.raises(PermissionDenied):
            export_csv(session, AGENT, MEDICAL_ACCESS, tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()
    # Each refusal is itself in the journal, for the administrator to read.
    with journal.session() as session:
        refused = audit_page(session, ADMIN, AuditFilter(action="refused", login=AGENT.login)).rows
    assert {row.field for row in refused} == {"audit"}, refused
    assert [row.new_value for row in refused] == ["consulter le journal des modifications"] * 2
