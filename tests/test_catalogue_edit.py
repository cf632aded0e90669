"""The year's catalogue edited from « Paramètres »: each check with its French message,
the same checks refusing the catalogue TOML import, the portal told after each save."""

from __future__ import annotations

from datetime import date, time

import pytest
from catalogue_world import (
    EXAMPLE_TEXT,
    activity_id,
    book_children,
    close_period,
    invoice_day,
    load_example,
    staff,
    unit_id,
)
from sqlalchemy import func, select

from backoffice.models import (
    Activity,
    AuditEvent,
    Capacity,
    OutboxItem,
    Period,
    PeriodKind,
    Role,
    WhenFull,
)
from backoffice.services.catalogue.import_export import (
    CatalogueError,
    apply_catalogue,
    parse_catalogue,
)
from backoffice.services.catalogue_edit import activities, duplicate, periods, regies, rules
from backoffice.services.catalogue_edit.common import CatalogueRefused
from backoffice.services.catalogue_edit.payment_windows import save_window
from backoffice.services.common.actors import PermissionDenied

pytestmark = pytest.mark.postgres

TOUSSAINT_MONDAY = date(2026, 10, 19)
THREE_SMALL = [("Léa", date(2022, 3, 1)), ("Noé", date(2021, 6, 2)), ("Inès", date(2022, 1, 9))]


@pytest.fixture
def world(db):
    load_example(db)
    return db, staff(db, "directrice", Role.DIRECTOR)


def outbox(db, topic: str = "catalogue.publish") -> int:
    with db.session() as s:
        return s.scalar(select(func.count(OutboxItem.id)).where(OutboxItem.topic == topic))


def refused(call) -> list[str]:
    with pytest.raises(CatalogueRefused) as caught:
        call()
    return caught.value.reasons


def test_only_direction_and_admin_edit_the_catalogue(world):
    db, _ = world
    agent = staff(db, "accueil", Role.AGENT)
    with db.session() as s, pytest.raises(PermissionDenied) as caught:
        rules.save_rule(s, agent, activity_id(s, "ALSH-MAYET"), rules.RuleInput())
    assert str(caught.value) == (
        "Seuls la direction et l'administrateur peuvent modifier les règles de réservation "
        "(Paramètres › catalogue de l'année)."
    )


def test_a_rule_saved_is_audited_and_queued_for_the_portal(world):
    db, director = world
    before = outbox(db)
    with db.session() as s:
        aid = activity_id(s, "ALSH-MAYET")
        rule = rules.save_rule(
            s,
            director,
            aid,
            rules.RuleInput(3, time(18, 0), 2, time(12, 0), True, True, True, WhenFull.REQUEST),
        )
        assert (
            rules.notice_text(rule.booking_notice_days, rule.booking_notice_time) == "J-3 à 18:00"
        )
    assert outbox(db) == before + 1
    with db.session() as s:
        fields = set(
            s.scalars(select(AuditEvent.field).where(AuditEvent.entity == "processing_rule"))
        )
        actors = set(
            s.scalars(select(AuditEvent.actor).where(AuditEvent.entity == "processing_rule"))
        )
    assert {"booking_notice_days", "booking_notice_time", "auto_accept", "when_full"} <= fields
    assert actors == {"directrice"}


def test_a_stale_screen_is_refused(world):
    db, director = world
    with db.session() as s:
        aid = activity_id(s, "ALSH-MAYET")
        rule_version = s.get(Activity, aid).rule.version
    with db.session() as s:
        rules.save_rule(s, director, aid, rules.RuleInput(booking_notice_days=4))
    with db.session() as s:
        reasons = refused(
            lambda: rules.save_rule(
                s, director, aid, rules.RuleInput(booking_notice_days=5), rule_version
            )
        )
    assert reasons == [
        "La règle de « Accueil de loisirs Mayet » a été modifié(e) par quelqu'un d'autre "
        "entre-temps : rechargez la page puis refaites votre modification."
    ]


def test_overlapping_periods_are_refused_on_screen_and_in_the_file(world):
    db, director = world
    data = periods.PeriodInput(
        "noel-2026",
        "Vacances de Noël 2026",
        PeriodKind.HOLIDAYS,
        date(2026, 10, 30),
        date(2027, 1, 3),
    )
    message = (
        "Période « noel-2026 » (du 30/10/2026 au 03/01/2027) : elle chevauche la période "
        "« toussaint-2026 » (du 17/10/2026 au 01/11/2026) de la même activité (vacances) ; "
        "décalez l'une des deux."
    )
    with db.session() as s:
        assert refused(
            lambda: periods.save_period(s, director, activity_id(s, "ALSH-MAYET"), data)
        ) == [message]
    text = EXAMPLE_TEXT.replace(
        '[[activite.periode]]\ncode = "hiver-2027"',
        '[[activite.periode]]\ncode = "noel-2026"\nnom = "Noël"\ntype = "vacances"\n'
        "debut = 2026-10-30\nfin = 2027-01-03\n\n"
        '[[activite.periode]]\ncode = "hiver-2027"',
    )
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(text, "exemple.toml")
    assert message in str(caught.value)


def test_a_period_created_with_its_closures_reaches_the_outbox(world):
    db, director = world
    before = outbox(db)
    with db.session() as s:
        aid = activity_id(s, "ALSH-MAYET")
        period = periods.save_period(
            s,
            director,
            aid,
            periods.PeriodInput(
                "noel-2026",
                "Vacances de Noël 2026",
                PeriodKind.HOLIDAYS,
                date(2026, 12, 19),
                date(2027, 1, 3),
                date(2026, 11, 14),
                date(2026, 12, 12),
            ),
        )
        periods.save_closure(s, director, aid, date(2026, 12, 25), date(2026, 12, 25), "Noël")
        assert period.booking_closes_on == date(2026, 12, 12)
    assert outbox(db) == before + 2
    suggested = periods.suggested_closures(date(2027, 5, 1), date(2027, 5, 31))
    assert [(s.start, s.label) for s in suggested] == [
        (date(2027, 5, 6), "Férié : Ascension"),
        (date(2027, 5, 7), "Pont : Ascension"),
        (date(2027, 5, 17), "Férié : Lundi de Pentecôte"),
    ]


def test_a_capacity_below_accepted_bookings_names_the_children(world):
    db, director = world
    book_children(db, "ALSH-MAYET", "journee", TOUSSAINT_MONDAY, THREE_SMALL)
    with db.session() as s:
        uid = unit_id(s, "ALSH-MAYET", "journee")
        reasons = refused(
            lambda: activities.save_capacity(
                s, director, uid, date(2026, 10, 17), date(2026, 11, 1), 2
            )
        )
    assert reasons == [
        "Capacité de « Journée (repas compris) » le 19/10/2026 : 3 enfants déjà acceptés pour 2 "
        "places demandées (Inès BERNARD, Léa BERNARD, Noé BERNARD). Annulez "
        "d'abord des réservations ou gardez au moins 3 places."
    ]
    with db.session() as s:  # 3 places: accepted
        activities.save_capacity(s, director, uid, date(2026, 10, 17), date(2026, 11, 1), 3)


def test_a_capacity_per_age_group_counts_only_that_group(world):
    db, director = world
    book_children(db, "ALSH-MAYET", "journee", TOUSSAINT_MONDAY, THREE_SMALL)
    with db.session() as s:
        uid = unit_id(s, "ALSH-MAYET", "journee")
        caps = s.scalars(select(Capacity).where(Capacity.unit_id == uid)).all()
        small = next(c for c in caps if c.age_group and c.age_group.code == "3-5")
        big = next(c for c in caps if c.age_group and c.age_group.code == "6-12")
        activities.save_capacity(
            s, director, uid, big.start_date, big.end_date, 0, big.age_group_id, big.id
        )
        reasons = refused(
            lambda: activities.save_capacity(
                s, director, uid, small.start_date, small.end_date, 1, small.age_group_id, small.id
            )
        )
    assert reasons[0].startswith("Capacité de « Journée (repas compris) » (3–5 ans) le 19/10/2026")


def test_the_file_is_refused_for_the_same_capacity(world):
    db, _ = world
    book_children(db, "ALSH-MAYET", "journee", TOUSSAINT_MONDAY, THREE_SMALL)
    text = EXAMPLE_TEXT.replace(
        '{ debut = 2026-10-17, fin = 2026-11-01, places = 12, groupe_age = "3-5" }',
        '{ debut = 2026-10-17, fin = 2026-11-01, places = 2, groupe_age = "3-5" }',
    )
    with db.session() as s, pytest.raises(CatalogueError) as caught:
        apply_catalogue(s, parse_catalogue(text, "exemple.toml"))
    assert (
        "Capacité de « Journée (repas compris) » (3–5 ans) le 19/10/2026 : 3 enfants déjà acceptés "
        "pour 2 places demandées (Inès BERNARD, Léa BERNARD, Noé BERNARD)."
    ) in str(caught.value)


def test_the_file_is_refused_for_a_gap_between_brackets():
    text = EXAMPLE_TEXT.replace(
        "qf_min = 601\nqf_max = 900\nrang = 1", "qf_min = 701\nqf_max = 900\nrang = 1"
    )
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(text, "exemple.toml")
    assert (
        "tarif du 01/09/2026, rang 1 : trou entre les tranches 0–600 et 701… : les QF de 601 à "
        "700 n'ont pas de prix"
    ) in str(caught.value)


def test_shortening_a_period_over_invoiced_days_or_a_closed_period_is_refused(world):
    db, director = world
    invoice_day(db, "ALSH-MAYET", "journee", TOUSSAINT_MONDAY, "ALSH")
    close_period(db, "ALSH", date(2026, 10, 1), date(2026, 10, 18))
    with db.session() as s:
        period = s.scalars(select(Period).where(Period.code == "toussaint-2026")).one()
        data = periods.PeriodInput(
            period.code, period.name, period.kind, date(2026, 10, 20), period.end_date
        )
        reasons = refused(
            lambda: periods.save_period(
                s, director, period.activity_id, data, period.id, period.version
            )
        )
    assert reasons == [
        "Retirer du 17/10/2026 au 19/10/2026 de la période « toussaint-2026 » touche la période "
        "de facturation clôturée du 01/10/2026 au 18/10/2026 : elle ne peut plus changer ; une "
        "nouvelle version doit commencer après le 18/10/2026.",
        "Retirer du 17/10/2026 au 19/10/2026 de la période « toussaint-2026 » touche 1 jour(s) "
        "déjà facturé(s) (jusqu'au 19/10/2026) : une nouvelle version doit commencer après le "
        "19/10/2026.",
    ]


def test_deleting_what_bookings_use_is_refused_archiving_is_offered(world):
    db, director = world
    book_children(db, "ALSH-MAYET", "journee", TOUSSAINT_MONDAY, THREE_SMALL[:1])
    with db.session() as s:
        period = s.scalars(select(Period).where(Period.code == "toussaint-2026")).one()
        assert refused(lambda: periods.delete_period(s, director, period.id, period.version)) == [
            "La période « Vacances de la Toussaint 2026 » est utilisé(e) par 1 réservation(s) : "
            "suppression refusée ; archivez-la plutôt (elle quitte le portail, ses réservations restent)."
        ]
        activity = period.activity
        assert refused(
            lambda: activities.delete_activity(s, director, activity.id, activity.version)
        ) == [
            "L'activité « Accueil de loisirs Mayet » est utilisé(e) par 1 réservation(s) : "
            "suppression refusée ; archivez-la plutôt."
        ]
    before = outbox(db)
    with db.session() as s:
        activity = s.get(Activity, activity.id)
        activities.archive_activity(s, director, activity.id, activity.version)
        assert activity.active is False
    assert outbox(db) == before + 1


def test_regie_checks_and_payment_windows(world):
    db, director = world
    with db.session() as s:
        reasons = refused(
            lambda: regies.save_regie(
                s,
                director,
                regies.RegieInput(
                    "CRECHE", "Crèche", "ALSH", payable_online=True, tresor_public=True
                ),
            )
        )
    assert reasons == [
        "Une régie réglée par le Trésor public (avis des sommes à payer) ne se paie pas en "
        "ligne sur le portail : décochez l'une des deux cases.",
        "Paiement en ligne : le numéro client PayFiP (numcli) compte 6 chiffres.",
        "Le préfixe de facture « ALSH » est déjà celui de la régie « ALSH ».",
        "Le préfixe d'avoir « AV-ALSH » est déjà celui de la régie « ALSH ».",
    ]
    before = outbox(db, "payment_windows.publish")
    with db.session() as s:
        regie = regies.save_regie(
            s,
            director,
            regies.RegieInput(
                "CRECHE", "Crèche", "CRE", payable_online=True, payfip_numcli="012345"
            ),
        )
        assert regies.payfip_numcli(s, regie) == "012345"
        save_window(s, director, regie.id, "Décembre", date(2026, 12, 1), date(2026, 12, 15))
        reasons = refused(
            lambda: save_window(
                s, director, regie.id, "Bis", date(2026, 12, 10), date(2026, 12, 20)
            )
        )
    assert reasons == ["Elle chevauche la fenêtre du 01/12/2026 au 15/12/2026."]
    assert outbox(db, "payment_windows.publish") == before + 2


def test_duplicate_a_year_onto_next_years_zone_b_holidays(world):
    db, director = world
    with db.session() as s:
        aid = activity_id(s, "ALSH-MAYET")
        copies = duplicate.propose_next_year(s, director, aid)
    assert [c.line for c in copies] == [
        "« toussaint-2026 » → « toussaint-2027 » du 23/10/2027 au 07/11/2027 "
        "(Vacances de la Toussaint 2027, zone B, 2 capacité(s))",
        "« hiver-2027 » → « hiver-2028 » du 05/02/2028 au 20/02/2028 "
        "(Vacances d'hiver 2028, zone B, 2 capacité(s))",
    ]
    assert copies[0].data.name == "Vacances de la Toussaint 2027"
    assert copies[0].data.booking_opens_on == date(2026, 9, 5) + (
        date(2027, 10, 23) - date(2026, 10, 17)
    )
    before = outbox(db)
    with db.session() as s:
        assert duplicate.save_next_year(s, director, aid, copies) == 2
    with db.session() as s:
        new = s.scalars(select(Period).where(Period.code == "hiver-2028")).one()
        assert (new.start_date, new.end_date) == (date(2028, 2, 5), date(2028, 2, 20))
        places = sorted(
            (c.start_date, c.end_date, c.places)
            for c in s.scalars(select(Capacity).where(Capacity.start_date >= date(2027, 9, 1)))
        )
    assert places == [
        (date(2027, 10, 23), date(2027, 11, 7), 12),
        (date(2027, 10, 23), date(2027, 11, 7), 20),
        (date(2028, 2, 5), date(2028, 2, 20), 12),
        (date(2028, 2, 5), date(2028, 2, 20), 20),
    ]
    assert outbox(db) > before
    with db.session() as s:  # twice: refused by the same checks (overlap), nothing saved
        with pytest.raises(CatalogueRefused) as caught:
            duplicate.save_next_year(s, director, aid, copies)
        assert "Le code « toussaint-2027 » est déjà celui d'une autre période" in str(caught.value)


def test_age_groups_of_an_activity(world):
    db, director = world
    with db.session() as s:
        aid = activity_id(s, "ALSH-MAYET")
        assert refused(
            lambda: activities.save_age_group(s, director, aid, "ados", "Ados", 18 * 12, 12 * 12)
        ) == ["L'âge maximum est inférieur à l'âge minimum."]
        group = activities.save_age_group(s, director, aid, "ados", "Ados", 13 * 12, 17 * 12 + 11)
        assert [g.code for g in s.get(Activity, aid).age_groups][-1] == "ados"
        assert group.id is not None
        created = s.scalars(
            select(AuditEvent.new_value).where(AuditEvent.entity == "age_group")
        ).all()
    assert created == ["Ados"]
