"""Edits of versioned rows written in batches: the same rows, versions and audit trail
as the ORM's flush, and a row changed meanwhile refused as the ORM refuses it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, func, select, text, update
from sqlalchemy.orm.exc import StaleDataError

from backoffice.models import AllowanceScheme, AuditEvent, Child, Family, Role, Sex, StaffUser
from backoffice.services.common.actors import bind, current_actor
from backoffice.services.common.batch_update import flush_updates
from backoffice.services.families import accounts
from backoffice.services.families.accounts import AccountForm, ChildForm, GuardianForm

pytestmark = pytest.mark.postgres
TODAY = date(2026, 11, 27)


@pytest.fixture
def agent(db):
    with db.session() as s:
        s.add(StaffUser(login="mhuet", full_name="Mélanie Huet", role=Role.AGENT))
    with db.session() as s:
        return current_actor(s, "mhuet")


def _open(db, agent, name: str) -> int:
    form = AccountForm(
        family_name=name,
        address_line1="12 rue du Mail",
        postcode="72800",
        commune="Le Lude",
        login_email=f"{name.lower()}@example.org",
        allowance_scheme=AllowanceScheme.CAF,
        allowance_number="1234567",
        quotient=712,
        quotient_from=date(2026, 1, 1),
        guardians=[
            GuardianForm(
                last_name=name, first_name="Sophie", is_payer=True, mobile_phone="06 12 34 56 78"
            )
        ],
        children=[ChildForm(first_name="Lou", sex=Sex.FEMALE, birth_date=date(2018, 5, 3))],
    )
    with db.session() as s:
        return accounts.open_account(s, agent, form, TODAY).id


def _edit(db, agent, family_id: int, batched: bool) -> tuple[list[tuple], tuple]:
    """Change the family's phone and the child's school; the audit rows it wrote."""
    with db.session() as s:
        bind(s, agent)
        family = s.get_one(Family, family_id)
        child = family.children[0]
        child_id = child.id
        family.phone, child.school = "02 43 77 88 99", "École du Lude"
        if batched:
            assert flush_updates(s, (Family, Child)) == 2
            assert not s.dirty  # nothing left for the ORM's flush
    with db.session() as s:
        rows = s.execute(
            select(
                AuditEvent.actor,
                AuditEvent.action,
                AuditEvent.entity,
                AuditEvent.family_id,
                AuditEvent.child_id,
                AuditEvent.field,
                AuditEvent.old_value,
                AuditEvent.new_value,
            )
            .where(AuditEvent.family_id == family_id, AuditEvent.field.in_(["phone", "school"]))
            .order_by(AuditEvent.field)
        ).all()
        family = s.get_one(Family, family_id)
        state = (family.phone, family.version, family.children[0].school)
        state += (family.children[0].version, family.updated_at is not None)
    # The rows name this family and its child (ids differ between the two families).
    owners = [(r.family_id == family_id, r.child_id in (None, child_id)) for r in rows]
    return [(*r[:3], *r[5:]) for r in rows] + owners, state


def test_batched_edits_write_what_the_orm_flush_writes(db, agent):
    by_orm = _edit(db, agent, _open(db, agent, "Lemoine"), batched=False)
    by_batch = _edit(db, agent, _open(db, agent, "Martin"), batched=True)
    assert by_batch == by_orm
    audit_rows, (phone, version, school, child_version, stamped) = by_batch
    assert [row[3] for row in audit_rows[:2]] == ["phone", "school"]
    assert audit_rows[2:] == [(True, True), (True, True)]
    assert phone == "02 43 77 88 99" and school == "École du Lude" and stamped
    assert version == 2 and child_version == 2


def test_a_row_changed_meanwhile_is_refused(db, agent):
    family_id = _open(db, agent, "Lemoine")
    with db.session() as s:
        family = s.get_one(Family, family_id)  # the agent opens the family…
    # … another agent saves it meanwhile…
    with db.engine.begin() as other:
        other.execute(update(Family).where(Family.id == family_id).values(version=5))
    # … and the first agent's edit is written on the version it opened.
    with pytest.raises(StaleDataError), db.session() as s:
        s.add(family)
        family.phone = "02 43 77 88 99"
        flush_updates(s, (Family,))
    with db.session() as s:
        assert s.get_one(Family, family_id).phone != "02 43 77 88 99"


def test_unchanged_values_write_nothing(db, agent):
    family_id = _open(db, agent, "Lemoine")
    with db.session() as s:
        family = s.get_one(Family, family_id)
        family.name = family.name  # set, not changed
        assert flush_updates(s, (Family,)) == 0
    with db.session() as s:
        assert s.get_one(Family, family_id).version == 1


def test_many_edits_are_one_statement_per_table_on_postgresql(db, agent):
    ids = [_open(db, agent, f"Famille{i}") for i in range(6)]
    seen: list[tuple[str, bool]] = []

    def record(_conn, _cursor, statement, _parameters, _context, executemany):
        seen.append((statement.split()[0].upper(), executemany))

    with db.session() as s:
        bind(s, agent)
        families = s.scalars(select(Family).where(Family.id.in_(ids))).all()
        with s.no_autoflush:  # as the sync's page: loaded first, then edited
            for n, family in enumerate(families):
                family.phone = f"02 43 77 88 {n:02d}"
                family.children[0].school = f"École {n}"
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert flush_updates(s, (Family, Child)) == 12
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
    # Family, child, audit trail: three statements; on PostgreSQL each carries its rows
    # as arrays (no executemany), elsewhere as executemany.
    arrays = db.engine.dialect.name == "postgresql"
    assert seen == [("UPDATE", not arrays), ("UPDATE", not arrays), ("INSERT", not arrays)]
    with db.session() as s:
        phones = s.scalars(select(Family.phone).where(Family.id.in_(ids))).all()
        assert sorted(phones) == [f"02 43 77 88 {n:02d}" for n in range(6)]
        assert (
            s.scalar(
                select(func.count(AuditEvent.id)).where(
                    AuditEvent.family_id.in_(ids), AuditEvent.field.in_(["phone", "school"])
                )
            )
            == 12
        )


def test_one_stale_row_among_many_refuses_them_all(db, agent):
    ids = [_open(db, agent, f"Famille{i}") for i in range(4)]
    with db.session() as s:
        families = s.scalars(select(Family).where(Family.id.in_(ids))).all()
    with db.engine.begin() as other:
        other.execute(update(Family).where(Family.id == ids[2]).values(version=7))
    with pytest.raises(StaleDataError, match="1 ligne"), db.session() as s:
        for family in families:
            s.add(family)
            family.phone = "02 43 00 00 00"
        flush_updates(s, (Family,))
    with db.session() as s:
        assert "02 43 00 00 00" not in s.scalars(select(Family.phone)).all()


def test_family_pages_keep_room_for_their_edits_on_postgresql(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("fill factor: PostgreSQL only")
    with db.engine.connect() as conn:
        options = dict(
            conn.execute(
                text(
                    "SELECT relname, reloptions FROM pg_class WHERE relname IN "
                    "('family', 'child', 'guardian') AND relnamespace = "
                    "to_regnamespace(current_schema())::oid"
                )
            ).all()
        )
    assert options == {t: ["fillfactor=80"] for t in ("family", "child", "guardian")}
