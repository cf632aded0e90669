# Long module: the desk planning tested around one catalogue world (week, booking on the family's behalf, bulk selections, what the portal is told).
"""The desk's planning: a child's week (same states as the parents'), booking and
un-booking on the family's behalf within capacity, bulk selections, and what the
portal is told (outbox ``booking.desk``).

``build_world`` is the small catalogue the occupancy, attendance and GUI tests
share: the périscolaire of the Lude (matin 2 places, soir), the ALSH of
December (journée, 1 place, « complet » refuses), a multi-accueil by the hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

import pytest
from sqlalchemy import select

from backoffice.models import (
    Activity,
    ActivityKind,
    AgeGroup,
    BillingBasis,
    BillingUnit,
    Booking,
    BookingState,
    Capacity,
    Child,
    ChildContact,
    Closure,
    Family,
    MedicalRecord,
    OutboxItem,
    Period,
    PeriodKind,
    Person,
    ProcessingRule,
    Regie,
    Registration,
    RegistrationState,
    Role,
    Settlement,
    Sex,
    Site,
    Source,
    StaffUser,
    Unit,
    WhenFull,
)
from backoffice.services.bookings.desk_push import DESK_TOPIC
from backoffice.services.bookings.planning import (
    PlanningError,
    book_days,
    find_children,
    period_days,
    period_of,
    unbook_days,
    week_days,
    week_planning,
)
from backoffice.services.common.actors import current_actor
from backoffice.services.families.queries import refresh_search_text

TODAY = date(2026, 11, 27)  # a Friday
MONDAY = date(2026, 11, 30)  # week 49


@dataclass
class World:
    site: int
    aps: int
    alsh: int
    creche: int
    matin: int
    soir: int
    journee: int
    heure: int
    children: dict[str, int]
    families: dict[str, int]


def _regie(code, name, settlement):
    return Regie(
        code=code,
        name=name,
        invoice_prefix=code,
        credit_note_prefix=f"AV-{code}",
        settlement=settlement,
    )


def _child(family, first, birth, **kw):
    child = Child(
        last_name=family.name,
        first_name=first,
        sex=Sex.FEMALE,
        birth_date=birth,
        school="École Jean Moulin",
        school_class=kw.pop("school_class", "CE2"),
    )
    family.children.append(child)
    return child


def build_world(db) -> World:
    with db.session() as s:
        site = Site(code="LUDE", name="Pôle enfance du Lude", commune="Le Lude")
        peri = _regie("APS", "Régie périscolaire TAP mercredi péricentre", Settlement.TRESOR_PUBLIC)
        alsh_regie = _regie("ALSH", "Régie ALSH enfance", Settlement.DESK_AND_ONLINE)
        ma_regie = _regie("MA", "Régie Multi-accueil", Settlement.TRESOR_PUBLIC)
        aps = Activity(
            code="APS-LUDE",
            name="Périscolaire du Lude",
            kind=ActivityKind.PERISCOLAIRE,
            regie=peri,
            site=site,
            billing_basis=BillingBasis.ATTENDANCE,
        )
        aps.periods = [
            Period(
                code="2026-2027",
                name="Année scolaire 2026-2027",
                kind=PeriodKind.SCHOOL_YEAR,
                start_date=date(2026, 9, 1),
                end_date=date(2027, 7, 3),
            )
        ]
        matin = Unit(code="MATIN", name="Matin", position=1, weekdays="1,2,4,5",
                     start_time=time(7, 30), end_time=time(8, 30))  # fmt: skip
        soir = Unit(code="SOIR", name="Soir", position=2, weekdays="1,2,4,5",
                    start_time=time(16, 30), end_time=time(18, 30))  # fmt: skip
        matin.capacities = [
            Capacity(start_date=date(2026, 9, 1), end_date=date(2027, 7, 3), places=2)
        ]
        soir.capacities = [
            Capacity(start_date=date(2026, 9, 1), end_date=date(2027, 7, 3), places=30)
        ]
        aps.units = [matin, soir]
        aps.rule = ProcessingRule(when_full=WhenFull.WAITING_LIST)
        alsh = Activity(
            code="ALSH-LUDE",
            name="Accueil de loisirs du Lude",
            kind=ActivityKind.ALSH,
            regie=alsh_regie,
            site=site,
            billing_basis=BillingBasis.BOOKINGS,
        )
        alsh.age_groups = [
            AgeGroup(code="MAT", name="3-5 ans", min_age_months=36, max_age_months=71),
            AgeGroup(code="ELEM", name="6-11 ans", min_age_months=72, max_age_months=143),
        ]
        alsh.periods = [
            Period(
                code="NOEL-2026",
                name="Vacances de Noël 2026",
                kind=PeriodKind.HOLIDAYS,
                start_date=date(2026, 12, 21),
                end_date=date(2027, 1, 1),
            )
        ]
        journee = Unit(code="JOURNEE", name="Journée", position=1, weekdays="1,2,3,4,5",
                       start_time=time(8, 30), end_time=time(17, 30))  # fmt: skip
        journee.capacities = [
            Capacity(start_date=date(2026, 12, 21), end_date=date(2027, 1, 1), places=1)
        ]
        alsh.units = [journee]
        alsh.rule = ProcessingRule(when_full=WhenFull.REQUEST)
        creche = Activity(
            code="MA-LUDE",
            name="Multi-accueil Les Lutins",
            kind=ActivityKind.MULTI_ACCUEIL,
            regie=ma_regie,
            site=site,
            billing_basis=BillingBasis.HOURS,
        )
        creche.periods = [
            Period(
                code="MA-2026-2027",
                name="Année 2026-2027",
                kind=PeriodKind.OTHER,
                start_date=date(2026, 9, 1),
                end_date=date(2027, 8, 31),
            )
        ]
        heure = Unit(code="HEURE", name="Accueil à l'heure", position=1, weekdays="1,2,3,4,5",
                     start_time=time(8, 0), end_time=time(18, 0), billing_unit=BillingUnit.HOUR)  # fmt: skip
        creche.units = [heure]
        s.add_all([aps, alsh, creche])
        s.add(Closure(activity_id=None, start_date=date(2026, 12, 31), end_date=date(2026, 12, 31),
                      label="Inventaire de fin d'année"))  # fmt: skip

        families, children = {}, {}
        for code, name in (("F00001", "MARTIN"), ("F00002", "DURAND"), ("F00003", "PETIT")):
            # Portal families (their desk bookings are told to the portal).
            families[code] = Family(code=code, name=name, commune="Le Lude", postcode="72800",
                                    address_line1="3 rue des Tilleuls",
                                    login_email=f"{name.lower()}@example.org")  # fmt: skip
            s.add(families[code])
        zoe = _child(families["F00001"], "Zoé", date(2017, 3, 2), school_class="CM1")
        zoe.medical_record = MedicalRecord(
            doctor_name="Dr Leroy",
            doctor_phone="02 43 94 11 11",
            has_pai=True,
            pai_detail="protocole asthme",
            allergy_food=True,
            allergy_detail="arachide",
        )
        granny = Person(
            last_name="BERTIN",
            first_name="Odette",
            relationship_label="grand-mère",
            phone1="0243941234",
        )
        families["F00001"].persons.append(granny)
        zoe.contacts.append(
            ChildContact(person=granny, emergency_contact=True, authorised_pickup=True)
        )
        noe = _child(families["F00002"], "Noé", date(2018, 9, 9))
        lina = _child(families["F00003"], "Lina", date(2019, 1, 5), school_class="GS")
        bebe = _child(families["F00003"], "Jules", date(2025, 4, 1), school_class="")
        for family in families.values():
            refresh_search_text(family)
        s.flush()
        elem = alsh.age_groups[1]
        for child in (zoe, noe, lina):
            s.add(Registration(child_id=child.id, activity_id=aps.id, period_id=aps.periods[0].id,
                               state=RegistrationState.ACCEPTED))  # fmt: skip
        for child in (zoe, noe):
            s.add(Registration(child_id=child.id, activity_id=alsh.id, period_id=alsh.periods[0].id,
                               age_group_id=elem.id, state=RegistrationState.ACCEPTED))  # fmt: skip
        s.add(Registration(child_id=lina.id, activity_id=alsh.id, period_id=alsh.periods[0].id,
                           state=RegistrationState.REQUESTED))  # fmt: skip
        s.add(Registration(child_id=bebe.id, activity_id=creche.id, period_id=creche.periods[0].id,
                           state=RegistrationState.ACCEPTED))  # fmt: skip
        s.flush()
        children = {c.first_name: c.id for c in (zoe, noe, lina, bebe)}
        return World(
            site=site.id,
            aps=aps.id,
            alsh=alsh.id,
            creche=creche.id,
            matin=matin.id,
            soir=soir.id,
            journee=journee.id,
            heure=heure.id,
            children=children,
            families={k: f.id for k, f in families.items()},
        )


def make_actor(db, role=Role.AGENT, login="mhuet"):
    with db.session() as s:
        s.add(StaffUser(login=login, full_name="Mélanie Huet", role=role))
    with db.session() as s:
        return current_actor(s, login)


@pytest.fixture
def world(db):
    return build_world(db)


@pytest.fixture
def actor(db):
    return make_actor(db)


def _states(db, unit_id) -> dict[tuple[str, date], BookingState]:
    with db.session() as s:
        rows = s.execute(
            select(Child.first_name, Booking.day, Booking.state)
            .join(Child, Child.id == Booking.child_id)
            .where(Booking.unit_id == unit_id)
        )
        return {(n, d): st for n, d, st in rows}


def _desk_items(db) -> list[dict]:
    with db.session() as s:
        return [
            i.payload
            for i in s.scalars(
                select(OutboxItem).where(OutboxItem.topic == DESK_TOPIC).order_by(OutboxItem.id)
            )
        ]


def test_week_view_shows_states_closures_and_places(db, world):
    zoe = world.children["Zoé"]
    with db.session() as s:
        week = week_planning(s, zoe, date(2026, 12, 2), TODAY)
    assert week.monday == MONDAY
    assert week.label == "semaine 49 — du 30/11 au 06/12/2026"
    # Périscolaire matin and soir (the ALSH period does not meet this week).
    assert [(r.activity_name, r.unit_name, r.times) for r in week.rows] == [
        ("Périscolaire du Lude", "Matin", "07:30–08:30"),
        ("Périscolaire du Lude", "Soir", "16:30–18:30"),
    ]
    matin = week.rows[0].cells
    assert [c.state for c in matin] == [
        "open",
        "open",
        "closed",
        "open",
        "open",
        "closed",
        "closed",
    ]
    assert matin[2].reason == "Pas d'accueil le mercredi (Matin)."
    assert (matin[0].can_book, matin[0].can_unbook, matin[0].places_left) == (True, False, 2)
    assert matin[0].label == "Ouvert à la réservation"

    with db.session() as s:
        past = week_planning(s, zoe, TODAY, TODAY)
        christmas = week_planning(s, zoe, date(2026, 12, 25), TODAY)
    assert [c.state for c in past.rows[0].cells[:5]] == [
        "closed",
        "closed",
        "closed",
        "closed",
        "open",
    ]
    assert past.rows[0].cells[0].reason == "Date passée."
    # Christmas week: périscolaire (holidays are still in its period here) and the ALSH.
    alsh = [r for r in christmas.rows if r.unit_name == "Journée"][0]
    assert alsh.cells[4].state == "closed" and "jour férié (Noël)" in alsh.cells[4].reason
    assert alsh.cells[0].places_left == 1


@pytest.mark.postgres
def test_book_and_unbook_at_the_desk_tell_the_portal(db, world, actor):
    zoe, matin = world.children["Zoé"], world.matin
    with db.session() as s:
        result = book_days(
            s, actor, zoe, matin, [MONDAY, date(2026, 12, 1), date(2026, 12, 2)], TODAY
        )
    assert result.booked == [MONDAY, date(2026, 12, 1)]
    assert result.skipped == [(date(2026, 12, 2), "Pas d'accueil le mercredi (Matin).")]
    assert "2 jour(s) réservé(s)" in result.summary()
    with db.session() as s:
        booking = s.scalar(select(Booking).where(Booking.day == MONDAY))
        assert (booking.state, booking.source, booking.decided_by_id) == (
            BookingState.ACCEPTED,
            Source.DESK,
            actor.staff_id,
        )
        reg = s.get(Registration, booking.registration_id)
        assert reg.child_id == zoe and reg.activity_id == world.aps
        week = week_planning(s, zoe, MONDAY, TODAY)
    assert [c.state for c in week.rows[0].cells[:2]] == ["booked", "booked"]
    assert week.rows[0].cells[0].can_unbook and week.rows[0].cells[0].places_left == 1
    [item] = _desk_items(db)
    assert item["family_code"] == "F00001"
    assert [(b["unit"], b["date"], b["state"]) for b in item["bookings"]] == [
        ("MATIN", "2026-11-30", "accepted"),
        ("MATIN", "2026-12-01", "accepted"),
    ]
    assert item["bookings"][0] | {"registration_ref": "x"} == {
        "child_ref": str(zoe),
        "family_ref": "F00001",
        "registration_ref": "x",
        "activity": "APS-LUDE",
        "period": "2026-2027",
        "unit": "MATIN",
        "date": "2026-11-30",
        "state": "accepted",
    }

    # Booking the same day again changes nothing and tells nothing.
    with db.session() as s:
        again = book_days(s, actor, zoe, matin, [MONDAY], TODAY)
    assert again.changed == 0 and again.skipped == [(MONDAY, "Déjà réservé.")]
    assert len(_desk_items(db)) == 1

    with db.session() as s:
        cancelled = unbook_days(s, actor, zoe, matin, [MONDAY, date(2026, 12, 3)], TODAY)
    assert cancelled.cancelled == [MONDAY]
    assert cancelled.skipped == [(date(2026, 12, 3), "Aucune réservation ce jour.")]
    assert _states(db, matin)[("Zoé", MONDAY)] is BookingState.CANCELLED
    assert [(b["date"], b["state"]) for b in _desk_items(db)[-1]["bookings"]] == [
        ("2026-11-30", "cancelled")
    ]
    # A cancelled day can be booked again (same row).
    with db.session() as s:
        assert book_days(s, actor, zoe, matin, [MONDAY], TODAY).booked == [MONDAY]
    assert _states(db, matin)[("Zoé", MONDAY)] is BookingState.ACCEPTED


@pytest.mark.postgres
def test_full_day_waiting_list_then_freed_place(db, world, actor):
    matin = world.matin
    kids = world.children
    with db.session() as s:
        book_days(s, actor, kids["Zoé"], matin, [MONDAY], TODAY)
        book_days(s, actor, kids["Noé"], matin, [MONDAY], TODAY)
    with db.session() as s:
        week = week_planning(s, kids["Lina"], MONDAY, TODAY)
        assert week.rows[0].cells[0].state == "full"
        assert week.rows[0].cells[0].reason == "Complet : une réservation ira en liste d'attente."
        third = book_days(s, actor, kids["Lina"], matin, [MONDAY], TODAY)
    assert third.waiting == [MONDAY] and third.booked == []
    assert _states(db, matin)[("Lina", MONDAY)] is BookingState.WAITING_LIST
    assert _desk_items(db)[-1]["bookings"][0]["state"] == "waiting_list"

    # Noé's place freed: Lina, first on the waiting list, gets it; the portal is told both.
    with db.session() as s:
        freed = unbook_days(s, actor, kids["Noé"], matin, [MONDAY], TODAY)
    assert freed.cancelled == [MONDAY] and freed.freed_accepted == 1
    states = _states(db, matin)
    assert states[("Lina", MONDAY)] is BookingState.ACCEPTED
    assert states[("Noé", MONDAY)] is BookingState.CANCELLED
    told = {(b["child_ref"], b["state"]) for item in _desk_items(db)[-2:] for b in item["bookings"]}
    assert (str(kids["Noé"]), "cancelled") in told and (str(kids["Lina"]), "accepted") in told
    lina = [b for item in _desk_items(db) for b in item["bookings"] if b["state"] == "accepted"]
    assert [b["child_ref"] for b in lina].count(str(kids["Lina"])) == 1  # told once


def test_full_alsh_refuses_when_the_rule_says_request(db, world, actor):
    monday = date(2026, 12, 21)
    with db.session() as s:
        book_days(s, actor, world.children["Zoé"], world.journee, [monday], TODAY)
        second = book_days(s, actor, world.children["Noé"], world.journee, [monday], TODAY)
    assert second.changed == 0
    assert second.skipped == [(monday, "Complet : plus de réservation possible.")]
    assert ("Noé", monday) not in _states(db, world.journee)  # no row left behind


def test_registration_needed_and_bulk_selections(db, world, actor):
    with db.session() as s:
        refused = book_days(
            s, actor, world.children["Lina"], world.journee, [date(2026, 12, 22)], TODAY
        )
        assert refused.skipped == [
            (date(2026, 12, 22), "Inscription non acceptée : réservation impossible.")
        ]
        outside = book_days(s, actor, world.children["Zoé"], world.journee, [MONDAY], TODAY)
        assert outside.skipped == [(MONDAY, "Hors des périodes d'inscription de l'enfant.")]
        period = period_of(s, world.children["Zoé"], world.journee, date(2026, 12, 28))
        assert period.code == "NOEL-2026"
        with pytest.raises(PlanningError, match="n'est inscrit"):
            period_of(s, world.children["Zoé"], world.journee, date(2027, 2, 1))
        # Every Monday and Thursday of the holidays: 21, 24, 28 and 31 (closed: inventory).
        days = period_days(period, [1, 4])
        assert days == [
            date(2026, 12, 21),
            date(2026, 12, 24),
            date(2026, 12, 28),
            date(2026, 12, 31),
        ]
        bulk = book_days(
            s, actor, world.children["Zoé"], world.journee, days, TODAY, explicit=False
        )
        assert bulk.booked == days[:3]
        assert bulk.skipped == [(date(2026, 12, 31), "Fermé : Inventaire de fin d'année.")]
        # The days shown (week 49) on the morning unit: Wednesday and the weekend pass silently.
        shown = book_days(s, actor, world.children["Noé"], world.matin, week_days(MONDAY), TODAY,
                          explicit=False)  # fmt: skip
        assert len(shown.booked) == 4 and shown.skipped == []
        with pytest.raises(PlanningError, match="Aucun jour"):
            book_days(s, actor, world.children["Noé"], world.matin, [], TODAY)


def test_the_desk_books_cells_of_several_units_and_whole_periods(db, world, actor):
    """What the planning page runs: the chosen cells, unit by unit, as one result; the
    « Réservation groupée » over the week shown or the whole period."""
    from backoffice.services.bookings.planning import book_bulk, book_cells

    zoe = world.children["Zoé"]
    with db.session() as s:
        both = book_cells(s, actor, zoe, {world.matin: [MONDAY], world.soir: [MONDAY]}, TODAY)
    assert (both.booked, both.skipped) == ([MONDAY, MONDAY], [])
    assert _states(db, world.soir)[("Zoé", MONDAY)] is BookingState.ACCEPTED
    with db.session() as s:
        undone = book_cells(s, actor, zoe, {world.soir: [MONDAY]}, TODAY, book=False)
    assert undone.cancelled == [MONDAY] and undone.summary() == "1 jour(s) annulé(s)."

    with db.session() as s:  # every Monday and Thursday of the Christmas holidays
        holidays = book_bulk(
            s, actor, zoe, world.journee, book=True, weekdays=(1, 4), whole_period=True,
            monday=date(2026, 12, 21), today=TODAY,
        )  # fmt: skip
    assert holidays.booked == [date(2026, 12, 21), date(2026, 12, 24), date(2026, 12, 28)]
    assert holidays.skipped == [(date(2026, 12, 31), "Fermé : Inventaire de fin d'année.")]
    with db.session() as s:  # the week shown only: Wednesday and the weekend pass silently
        week = book_bulk(
            s, actor, world.children["Noé"], world.matin, book=True, weekdays=None,
            whole_period=False, monday=MONDAY, today=TODAY,
        )  # fmt: skip
    assert len(week.booked) == 4 and week.skipped == []
    with db.session() as s, pytest.raises(PlanningError, match="n'est inscrit"):
        book_bulk(
            s, actor, zoe, world.journee, book=False, weekdays=None, whole_period=True,
            monday=date(2027, 2, 1), today=TODAY,
        )  # fmt: skip


def test_find_children_by_family_or_child(db, world):
    with db.session() as s:
        found = find_children(s, "petit", TODAY)
        assert [c.label for c in found] == [
            "Jules PETIT (1 an) — famille PETIT F00003",
            "Lina PETIT (7 ans) — famille PETIT F00003",
        ]
        assert [c.child_id for c in find_children(s, "zoé", TODAY)] == [world.children["Zoé"]]
        assert find_children(s, "  ", TODAY) == []
