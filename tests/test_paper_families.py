"""Issue #15 items 2 and 3: paper-only families (no e-mail, no portal account, the
account created later when an address is given), adding a child to a family, a child
who left (kept in history, refused while bookings ahead exist)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from test_planning import MONDAY, TODAY, build_world, make_actor

from backoffice.errors import UserError
from backoffice.models import (
    AccountState,
    Booking,
    BookingState,
    Child,
    Family,
    OutboxItem,
    Role,
    Sex,
)
from backoffice.services.bookings.planning import book_days
from backoffice.services.child_file.completeness import missing_for_family
from backoffice.services.common.actors import PermissionDenied
from backoffice.services.common.validation import FieldErrors
from backoffice.services.families import accounts, children
from backoffice.services.families.accounts import AccountForm, ChildForm, GuardianForm
from backoffice.services.families.edit import FamilyChanges, update_family


def paper_form(**changes) -> AccountForm:
    form = AccountForm(
        family_name="Chevallier",
        address_line1="La Grange Neuve",
        postcode="72800",
        commune="Le Lude",
        phone="0243940099",
        login_email="",
        allowance_number="7654321",
        guardians=[GuardianForm(last_name="Chevallier", first_name="Odile", is_payer=True)],
        children=[ChildForm(first_name="Tom", sex=Sex.MALE, birth_date=date(2019, 2, 11))],
    )
    for key, value in changes.items():
        setattr(form, key, value)
    return form


def _topics(db, family_id) -> list[str]:
    with db.session() as s:
        return list(
            s.scalars(
                select(OutboxItem.topic)
                .where(OutboxItem.family_id == family_id)
                .order_by(OutboxItem.id)
            )
        )


@pytest.fixture
def agent(db):
    return make_actor(db)


@pytest.mark.postgres
def test_a_family_without_email_is_paper_only_then_gets_its_portal_account(db, agent):
    with db.session() as s:
        family = accounts.open_account(s, agent, paper_form(), TODAY)
        fid = family.id
        assert family.account_state is AccountState.FORM_RECEIVED
        assert family.login_email == "" and accounts.is_paper_only(family)
        # Not an incomplete file: a paper family needs no portal e-mail.
        assert "Adresse e-mail (identifiant du portail)" not in missing_for_family(family)
    assert _topics(db, fid) == []  # nothing for the portal: no account is created

    # An e-mail given later (the family edit dialog) creates the account and sends the link.
    with db.session() as s:
        version = s.get(Family, fid).version
        update_family(s, agent, fid, FamilyChanges(login_email="odile.c@example.org"), version)
    with db.session() as s:
        family = s.get(Family, fid)
        assert family.account_state is AccountState.AWAITING_ACTIVATION
        assert family.login_email == "odile.c@example.org" and family.pending_login_email is None
        assert family.billing_email == "odile.c@example.org"
        assert not accounts.is_paper_only(family)
    assert _topics(db, fid) == ["account.upsert", "account.send_activation"]
    with db.session() as s:
        upsert = s.scalar(select(OutboxItem).where(OutboxItem.topic == "account.upsert"))
        assert upsert.payload["login_email"] == "odile.c@example.org"


def test_an_empty_email_keeps_a_paper_family_paper_but_a_portal_family_needs_one(db, agent):
    with db.session() as s:
        paper = accounts.open_account(s, agent, paper_form(), TODAY).id
        online = accounts.open_account(
            s,
            agent,
            paper_form(
                family_name="Durand",
                login_email="durand@example.org",
                guardians=[GuardianForm(last_name="Durand", first_name="Ali", is_payer=True)],
                children=[ChildForm(first_name="Eva", sex=Sex.FEMALE, birth_date=date(2020, 1, 2))],
            ),
            TODAY,
        ).id
    with db.session() as s:
        v = s.get(Family, paper).version
        update_family(s, agent, paper, FamilyChanges(login_email="", phone="0243940098"), v)
    with db.session() as s:
        assert s.get(Family, paper).account_state is AccountState.FORM_RECEIVED
    assert _topics(db, paper) == []
    with db.session() as s, pytest.raises(FieldErrors) as caught:
        v = s.get(Family, online).version
        update_family(s, agent, online, FamilyChanges(login_email=""), v)
    assert "login_email" in caught.value.errors


def test_an_email_already_used_is_refused_for_a_paper_family(db, agent):
    with db.session() as s:
        accounts.open_account(
            s,
            agent,
            paper_form(
                family_name="Durand",
                login_email="durand@example.org",
                guardians=[GuardianForm(last_name="Durand", first_name="Ali", is_payer=True)],
                children=[ChildForm(first_name="Eva", sex=Sex.FEMALE, birth_date=date(2020, 1, 2))],
            ),
            TODAY,
        )
        paper = accounts.open_account(s, agent, paper_form(), TODAY).id
    with db.session() as s, pytest.raises(FieldErrors) as caught:
        v = s.get(Family, paper).version
        update_family(s, agent, paper, FamilyChanges(login_email="DURAND@example.org"), v)
    assert "déjà l'identifiant du portail" in caught.value.errors["login_email"]


@pytest.mark.postgres
def test_add_a_child_checked_as_the_opening_with_duplicates(db, agent):
    with db.session() as s:
        fid = accounts.open_account(s, agent, paper_form(), TODAY).id
    with db.session() as s, pytest.raises(FieldErrors) as caught:
        children.add_child(
            s, agent, fid, ChildForm(first_name="", birth_date=date(2030, 1, 1)), TODAY
        )
    errors = caught.value.errors
    assert "Prénom de l'enfant 1" in errors["children[0].first_name"]
    assert "children[0].sex" in errors and "children[0].birth_date" in errors

    newborn = ChildForm(first_name="léa", sex=Sex.FEMALE, birth_date=date(2026, 10, 2))
    with db.session() as s:
        child = children.add_child(s, agent, fid, newborn, TODAY)
        assert (child.last_name, child.first_name) == ("Chevallier", "léa")
        assert "lea" in s.get(Family, fid).search_text
    assert _topics(db, fid) == []  # paper-only: the portal has nothing to update

    again = ChildForm(first_name="Léa", sex=Sex.FEMALE, birth_date=date(2026, 10, 2))
    with db.session() as s, pytest.raises(UserError, match="semble déjà enregistré"):
        children.add_child(s, agent, fid, again, TODAY)
    with db.session() as s:
        children.add_child(s, agent, fid, again, TODAY, allow_duplicate=True)
        assert len(s.get(Family, fid).children) == 3

    accountant = make_actor(db, Role.ACCOUNTANT, "regis")
    with db.session() as s, pytest.raises(PermissionDenied):
        children.add_child(s, accountant, fid, ChildForm(first_name="Max", sex=Sex.MALE,
                                                         birth_date=date(2021, 3, 3)), TODAY)  # fmt: skip


def test_adding_a_child_to_a_portal_family_updates_its_account(db, agent):
    with db.session() as s:
        fid = accounts.open_account(s, agent, paper_form(login_email="c@example.org"), TODAY).id
    with db.session() as s:
        children.add_child(
            s,
            agent,
            fid,
            ChildForm(first_name="Max", sex=Sex.MALE, birth_date=date(2021, 3, 3)),
            TODAY,
        )
    assert _topics(db, fid) == ["account.upsert", "account.send_activation", "account.upsert"]
    with db.session() as s:
        last = s.scalars(select(OutboxItem).order_by(OutboxItem.id.desc())).first()
        assert [c["first_name"] for c in last.payload["children"]] == ["Tom", "Max"]


@pytest.mark.postgres
def test_a_child_who_left_needs_no_bookings_ahead_or_has_them_cancelled(db, agent):
    world = build_world(db)
    zoe = world.children["Zoé"]
    with db.session() as s:
        book_days(s, agent, zoe, world.matin, [MONDAY, date(2026, 12, 1)], TODAY)
    with db.session() as s, pytest.raises(UserError, match="2 réservation\\(s\\) à venir"):
        children.mark_child_left(s, agent, zoe, TODAY)
    with db.session() as s:
        assert s.get(Child, zoe).left_on is None
        result = children.mark_child_left(s, agent, zoe, TODAY, cancel_bookings=True, billed=False)
        assert result.cancelled == 2
    with db.session() as s:
        child = s.get(Child, zoe)
        assert child.left_on == TODAY  # kept, with its history
        states = s.scalars(select(Booking.state).where(Booking.child_id == zoe))
        assert set(states) == {BookingState.CANCELLED}
        family = child.family
        assert zoe not in [c.id for c in children.current_children(family.children)]
        assert zoe in [c.id for c in family.children]
    with db.session() as s, pytest.raises(UserError, match="a déjà quitté"):
        children.mark_child_left(s, agent, zoe, TODAY)
    with db.session() as s:  # not among the current children: card, list, planning search
        from backoffice.services.bookings.week import find_children
        from backoffice.services.families.queries import get_family_detail, search_families

        fid = s.get(Child, zoe).family_id
        assert zoe not in [c.id for c in get_family_detail(s, fid, TODAY).children]
        assert "Zoé" not in next(r.children for r in search_families(s, "") if r.id == fid)
        assert zoe not in [c.child_id for c in find_children(s, "Martin", TODAY)]
    # A child without bookings ahead leaves at once.
    with db.session() as s:
        children.mark_child_left(s, agent, world.children["Noé"], TODAY)
        assert s.get(Child, world.children["Noé"]).left_on == TODAY


def test_the_csv_import_still_needs_the_portal_email(db, agent, tmp_path):
    """The import opens portal accounts: a row without e-mail is refused, as before the
    e-mail became optional at the desk (paper-only families are opened at the desk)."""
    from test_families_csv import _family_rows, _import, _write

    from backoffice.services.families.csv_import import CsvImportError

    rows = _family_rows(1)
    rows[0]["E-mail (identifiant du portail)"] = ""
    with pytest.raises(CsvImportError) as caught:
        _import(db, agent, _write(tmp_path / "f.csv", rows))
    assert caught.value.errors == [
        (2, "Le champ « E-mail (identifiant du portail) » est obligatoire.")
    ]
