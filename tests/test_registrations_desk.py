"""Registering a child at the desk and unregistering (issue #15 item 1): the portal's
rules (complete file, age groups) with the portal's own sentence, what the portal is
told (only for a family with an account), the bookings ahead cancelled billed or not.

On the small world of ``test_planning`` (Lude périscolaire, ALSH of December).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from test_planning import MONDAY, TODAY, build_world, make_actor

from backoffice.models import (
    AccountState,
    Activity,
    AgeGroup,
    AuditEvent,
    Booking,
    BookingState,
    Child,
    Family,
    OutboxItem,
    Period,
    PeriodKind,
    Registration,
    RegistrationState,
    Role,
    Vaccination,
)
from backoffice.services.bookings.desk_push import DESK_TOPIC
from backoffice.services.bookings.planning import book_days, week_planning
from backoffice.services.bookings.registrations import (
    REGISTRATION_TOPIC,
    RegistrationError,
    register_child,
    registration_choices,
)
from backoffice.services.bookings.unregistration import bookings_ahead, unregister_child
from backoffice.services.child_file.completeness import missing_for_child
from backoffice.services.common.actors import PermissionDenied
from fieldrules.child_file import DTP, incomplete_file_refusal

pytestmark = pytest.mark.postgres
WINTER = date(2027, 2, 15)
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # 11:00 in Paris, Friday


@pytest.fixture
def world(db):
    world = build_world(db)
    add_winter_and_complete_zoe(db, world)
    return world


def add_winter_and_complete_zoe(db, world) -> None:
    """The ALSH's winter holidays (nobody registered); Zoé's file complete."""
    with db.session() as s:
        zoe = s.get_one(Child, world.children["Zoé"])
        for code in DTP:  # Zoé's file is complete; Noé's has no fiche sanitaire
            zoe.vaccinations.append(
                Vaccination(vaccine=code, done=True, last_date=date(2024, 3, 1))
            )
        alsh = s.get_one(Activity, world.alsh)
        alsh.periods.append(
            Period(
                code="HIVER-2027",
                name="Vacances d'hiver 2027",
                kind=PeriodKind.HOLIDAYS,
                start_date=WINTER,
                end_date=date(2027, 2, 26),
            )  # fmt: skip
        )
        for unit in alsh.units:
            unit.capacities[0].end_date = date(2027, 2, 26)


@pytest.fixture
def actor(db):
    return make_actor(db)


def _winter(s, world) -> int:
    return s.scalar(select(Period.id).where(Period.code == "HIVER-2027"))


def _paper_only(db, family_id: int) -> None:
    """A family who never uses the portal: no portal e-mail, so no portal account."""
    with db.session() as s:
        family = s.get_one(Family, family_id)
        family.login_email = ""
        family.account_state = AccountState.FORM_RECEIVED


def _items(db, topic: str) -> list[dict]:
    with db.session() as s:
        return [
            i.payload
            for i in s.scalars(
                select(OutboxItem).where(OutboxItem.topic == topic).order_by(OutboxItem.id)
            )
        ]


def test_incomplete_file_is_refused_with_the_portals_sentence(db, world, actor):
    noe = world.children["Noé"]
    with db.session() as s:
        missing = missing_for_child(s.get_one(Child, noe), [], TODAY)
        with pytest.raises(RegistrationError) as refused:
            register_child(s, actor, noe, world.alsh, [_winter(s, world)], TODAY)
    assert "Fiche sanitaire" in missing
    assert str(refused.value).startswith(incomplete_file_refusal("Noé DURAND", missing))
    assert "Complétez le dossier de l'enfant" in str(refused.value)
    with db.session() as s:
        assert s.scalar(select(Registration).where(Registration.child_id == noe)) is not None
        assert len(s.scalars(select(Registration).where(Registration.child_id == noe)).all()) == 2
    assert _items(db, REGISTRATION_TOPIC) == []


def test_desk_registration_of_a_paper_family_makes_days_bookable_and_sends_nothing(
    db, world, actor
):
    zoe = world.children["Zoé"]
    _paper_only(db, world.families["F00001"])
    with db.session() as s:
        [alsh] = [c for c in registration_choices(s, actor, zoe, TODAY) if c.id == world.alsh]
        assert alsh.age_groups == "3-5 ans, 6-11 ans"
        assert [(p.label, p.registered) for p in alsh.periods] == [
            ("Vacances de Noël 2026", "inscrit"),
            ("Vacances d'hiver 2027", ""),
        ]
        before = week_planning(s, zoe, WINTER, TODAY)
        assert not [r for r in before.rows if r.unit_name == "Journée"]
        result = register_child(s, actor, zoe, world.alsh, [_winter(s, world)], TODAY)
    assert result.registered == ["Vacances d'hiver 2027"] and not result.pushed
    assert "rien n'est envoyé" in result.summary("Zoé", "Accueil de loisirs du Lude")
    with db.session() as s:
        reg = s.get_one(Registration, result.registration_ids[0])
        assert reg.state is RegistrationState.ACCEPTED
        assert s.get_one(AgeGroup, reg.age_group_id).code == "ELEM"
        assert reg.decided_by_id == actor.staff_id
        week = week_planning(s, zoe, WINTER, TODAY)
        [journee] = [r for r in week.rows if r.unit_name == "Journée"]
        assert journee.cells[0].state == "open" and journee.cells[0].can_book
        assert book_days(s, actor, zoe, world.journee, [WINTER], TODAY).booked == [WINTER]
        audit = s.scalars(select(AuditEvent).where(AuditEvent.entity == "registration")).all()
        assert [(a.child_id, a.new_value, a.actor) for a in audit] == [(zoe, "accepted", "mhuet")]
    assert _items(db, REGISTRATION_TOPIC) == []
    # Registering again changes nothing.
    with db.session() as s:
        again = register_child(s, actor, zoe, world.alsh, [_winter(s, world)], TODAY)
    assert again.registered == [] and again.already == ["Vacances d'hiver 2027"]


def test_family_with_a_portal_account_is_told(db, world, actor):
    zoe = world.children["Zoé"]
    with db.session() as s:
        result = register_child(s, actor, zoe, world.alsh, None, TODAY)  # « toute l'année »
    assert result.registered == ["Vacances d'hiver 2027"]
    assert result.already == ["Vacances de Noël 2026"] and result.pushed
    [item] = _items(db, REGISTRATION_TOPIC)
    assert item["registration"] == f"BO-{result.registration_ids[0]}"
    assert item["body"] == {
        "child_ref": str(zoe),
        "family_ref": "F00001",
        "activity": "ALSH-LUDE",
        "period": "HIVER-2027",
        "state": "accepted",
        "answer": "Inscription enregistrée par le service.",
        "age_group": "ELEM",
    }


def test_age_outside_the_groups_is_refused(db, world, actor):
    zoe = world.children["Zoé"]
    with db.session() as s:
        for group in s.get_one(Activity, world.alsh).age_groups:
            group.max_age_months = min(group.max_age_months, 100)
    with db.session() as s, pytest.raises(RegistrationError) as refused:
        register_child(s, actor, zoe, world.alsh, [_winter(s, world)], TODAY)
    assert str(refused.value) == (
        "Inscription impossible : Zoé MARTIN n'a pas l'âge requis pour « Accueil de loisirs "
        "du Lude » (3-5 ans, 6-11 ans) au 15/02/2027."
    )


def test_roles(db, world):
    accountant = make_actor(db, Role.ACCOUNTANT, login="compta")
    with db.session() as s, pytest.raises(PermissionDenied):
        register_child(s, accountant, world.children["Zoé"], world.alsh, None, TODAY)
    with db.session() as s, pytest.raises(PermissionDenied):
        unregister_child(s, accountant, 1, TODAY, bill_late=False)


def test_unregister_cancels_the_days_ahead_billing_only_late_ones(db, world, actor):
    zoe = world.children["Zoé"]
    tuesday = date(2026, 12, 1)
    with db.session() as s:
        book_days(s, actor, zoe, world.matin, [MONDAY, tuesday], TODAY)
        book_days(s, actor, zoe, world.soir, [tuesday], TODAY)
        reg_id = s.scalar(
            select(Registration.id).where(
                Registration.child_id == zoe, Registration.activity_id == world.aps
            )
        )
    with db.session() as s:
        ahead = bookings_ahead(s, actor, reg_id, TODAY, NOW)
    # Monday's notice (J-2 working days at 12:00) ended on Thursday; Tuesday's at noon today.
    assert [(d.day, d.unit, d.late) for d in ahead.days] == [
        (MONDAY, "Matin", True),
        (tuesday, "Matin", False),
        (tuesday, "Soir", False),
    ]
    assert ahead.days[0].label == "lundi 30 novembre 2026 · Matin · réservé — hors délai"
    desk_before = len(_items(db, DESK_TOPIC))
    with db.session() as s:
        result = unregister_child(s, actor, reg_id, TODAY, bill_late=True, now=NOW)
    assert (result.cancelled, result.billed, result.pushed) == (3, 1, True)
    with db.session() as s:
        rows = s.execute(
            select(Booking.day, Booking.unit_id, Booking.state, Booking.cancellation_billed).where(
                Booking.child_id == zoe
            )
        ).all()
        assert sorted(rows) == sorted(
            [
                (MONDAY, world.matin, BookingState.CANCELLED, True),
                (tuesday, world.matin, BookingState.CANCELLED, False),
                (tuesday, world.soir, BookingState.CANCELLED, False),
            ]
        )
        reg = s.get_one(Registration, reg_id)
        assert reg.state is RegistrationState.CANCELLED
        assert reg.reason == "Désinscription enregistrée par le service."
        audit = s.scalars(select(AuditEvent).where(AuditEvent.entity == "registration")).all()
        assert [(a.old_value, a.new_value) for a in audit] == [("accepted", "cancelled")]
        assert bookings_ahead(s, actor, reg_id, TODAY, NOW).days == ()
    assert len(_items(db, DESK_TOPIC)) > desk_before  # the cancelled days go to the portal
    [item] = _items(db, REGISTRATION_TOPIC)
    assert item["body"]["state"] == "refused" and item["registration"] == f"BO-{reg_id}"
    with db.session() as s, pytest.raises(RegistrationError, match="déjà désinscrit"):
        unregister_child(s, actor, reg_id, TODAY, bill_late=False)


def test_unregister_not_billed_when_the_agent_says_so(db, world, actor):
    zoe = world.children["Zoé"]
    _paper_only(db, world.families["F00001"])
    with db.session() as s:
        book_days(s, actor, zoe, world.matin, [MONDAY], TODAY)
        reg_id = s.scalar(
            select(Registration.id).where(
                Registration.child_id == zoe, Registration.activity_id == world.aps
            )
        )
    with db.session() as s:
        result = unregister_child(s, actor, reg_id, TODAY, bill_late=False, now=NOW)
    assert (result.cancelled, result.billed, result.pushed) == (1, 0, False)
    with db.session() as s:
        booking = s.scalar(select(Booking).where(Booking.child_id == zoe))
        assert (booking.state, booking.cancellation_billed) == (BookingState.CANCELLED, False)
    assert _items(db, REGISTRATION_TOPIC) == []
    assert _items(db, DESK_TOPIC) == []  # nothing for a family the portal does not know
