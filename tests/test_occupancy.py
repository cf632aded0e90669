"""Occupancy of a site on a day (booked / capacity, waiting list) and the children
expected with their alerts — health alerts only for the roles allowed medical data."""

from __future__ import annotations

from datetime import date

import pytest
from test_planning import MONDAY, TODAY, build_world, make_actor

from backoffice.models import Booking, BookingState, Role
from backoffice.services.bookings.occupancy import (
    activities_of_site,
    expected_children,
    occupancy,
    sites,
)
from backoffice.services.bookings.planning import book_days


@pytest.fixture
def world(db):
    return build_world(db)


@pytest.mark.postgres
def test_occupancy_counts_booked_capacity_and_waiting(db, world):
    agent = make_actor(db)
    kids = world.children
    with db.session() as s:
        for name in ("Zoé", "Noé", "Lina"):  # 2 places: Lina waits
            book_days(s, agent, kids[name], world.matin, [MONDAY], TODAY)
        book_days(s, agent, kids["Zoé"], world.soir, [MONDAY], TODAY)
        s.add(Booking(child_id=kids["Noé"], unit_id=world.soir, day=MONDAY,
                      state=BookingState.REQUESTED))  # fmt: skip
    with db.session() as s:
        assert [c.name for c in sites(s)] == ["Pôle enfance du Lude"]
        assert [c.name for c in activities_of_site(s, world.site)] == [
            "Accueil de loisirs du Lude",
            "Multi-accueil Les Lutins",
            "Périscolaire du Lude",
        ]
        rows = occupancy(s, world.site, MONDAY)
    summary = [(r.activity_name, r.unit_name, r.booked, r.capacity, r.waiting, r.requested)
               for r in rows]  # fmt: skip
    # No ALSH on 30/11 (its period is the Christmas holidays).
    assert summary == [
        ("Multi-accueil Les Lutins", "Accueil à l'heure", 0, None, 0, 0),
        ("Périscolaire du Lude", "Matin", 2, 2, 1, 0),
        ("Périscolaire du Lude", "Soir", 1, 30, 0, 1),
    ]
    assert rows[1].rate_text == "2 / 2" and rows[1].free == 0
    assert rows[0].rate_text == "0 (sans limite)"
    with db.session() as s:
        wednesday = occupancy(s, world.site, date(2026, 12, 2), world.aps)
        christmas = occupancy(s, world.site, date(2026, 12, 25))
    assert wednesday == []  # the périscolaire does not run on Wednesdays
    assert {r.closed for r in christmas} == {"Jour férié (Noël)"}


@pytest.mark.postgres
def test_expected_children_alerts_follow_the_role(db, world):
    agent = make_actor(db)
    director = make_actor(db, Role.DIRECTOR, "direction")
    kids = world.children
    with db.session() as s:
        for name in ("Noé", "Zoé", "Lina"):
            book_days(s, agent, kids[name], world.matin, [MONDAY], TODAY)
    with db.session() as s:
        seen_by_agent = expected_children(s, agent, world.site, MONDAY)
        seen_by_director = expected_children(s, director, world.site, MONDAY, world.aps)
        only_soir = expected_children(s, director, world.site, MONDAY, unit_id=world.soir)
    # Lina is on the waiting list: not expected.
    assert [(r.unit_name, r.child_name, r.age) for r in seen_by_agent] == [
        ("Matin", "DURAND Noé", "8 ans"),
        ("Matin", "MARTIN Zoé", "9 ans"),
    ]
    assert [r.alerts for r in seen_by_agent] == [(), ()]
    zoe = seen_by_director[1]
    assert zoe.alerts == ("PAI : protocole asthme", "Allergie alimentaire : arachide")
    assert zoe.school_class == "CM1" and zoe.family_code == "F00001"
    # Noé's file lacks what every file needs; Zoé's lacks only her vaccines.
    noe = seen_by_director[0]
    assert "Fiche sanitaire" in noe.missing
    assert "Personne à contacter en cas d'urgence" in noe.missing
    assert all(m.startswith("Vaccins obligatoires") for m in zoe.missing)
    assert only_soir == []


def test_health_alerts_say_each_thing_once():
    from backoffice.models import Child, MedicalRecord
    from backoffice.services.bookings.occupancy import health_alerts

    def alerts(**record) -> tuple[str, ...]:
        fields = {"pai_detail": "", "allergy_detail": "", **record}  # unsaved: no defaults
        return health_alerts(Child(medical_record=MedicalRecord(**fields)))

    assert alerts(has_pai=True, pai_detail="protocole asthme") == ("PAI : protocole asthme",)
    assert alerts(has_pai=True, pai_detail="PAI gluten : trousse d'urgence") == (
        "PAI gluten : trousse d'urgence",
    )
    assert alerts(allergy_food=True, allergy_detail="arachide") == (
        "Allergie alimentaire : arachide",
    )
    assert alerts(allergy_food=True, allergy_detail="Allergie alimentaire : gluten") == (
        "Allergie alimentaire : gluten",
    )
    assert alerts(allergy_asthma=True, allergy_detail="Asthme (ventoline)") == (
        "Asthme (ventoline)",
    )
    assert alerts(allergy_other=True) == ("Autre allergie",)  # the flag's own words
