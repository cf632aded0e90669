"""Issue #17, the catalogue's second pass: consents asked and documents required by an
activity (screen, TOML, registration), archiving régies/sites/periods instead of
deleting them, and a period typed across two school years refused."""

from __future__ import annotations

from datetime import date, time

import pytest
from catalogue_world import EXAMPLE_TEXT, activity_id, book_children, load_example, staff
from sqlalchemy import select
from test_planning import build_world, make_actor
from test_registrations_desk import TODAY, WINTER, _paper_only, _winter, add_winter_and_complete_zoe

from backoffice.models import (
    Activity,
    AuditEvent,
    ConsentAnswer,
    ConsentDefinition,
    Period,
    PeriodKind,
    Regie,
    Role,
    Site,
)
from backoffice.services.bookings.registrations import (
    RegistrationError,
    register_child,
    registration_choices,
)
from backoffice.services.catalogue.export import export_catalogue
from backoffice.services.catalogue.import_export import (
    CatalogueError,
    apply_catalogue,
    parse_catalogue,
)
from backoffice.services.catalogue_edit import activities, periods, regies, sites, units
from backoffice.services.catalogue_edit.archive import archive_period, archive_regie, archive_site
from backoffice.services.catalogue_edit.common import CatalogueRefused
from backoffice.services.common.actors import PermissionDenied
from backoffice.sync.catalogue_push import catalogue_body, payment_windows_body

pytestmark = pytest.mark.postgres
TOUSSAINT_MONDAY = date(2026, 10, 19)


@pytest.fixture
def world(db):
    load_example(db)
    return db, staff(db, "directrice", Role.DIRECTOR)


def refused(call) -> list[str]:
    with pytest.raises(CatalogueRefused) as caught:
        call()
    return caught.value.reasons


def _input(activity: Activity, **changes) -> activities.ActivityInput:
    values = dict(
        code=activity.code,
        name=activity.name,
        kind=activity.kind,
        regie_id=activity.regie_id,
        site_id=activity.site_id,
        rank_pricing=activity.rank_pricing,
    )
    values.update(changes)
    return activities.ActivityInput(**values)


# -- consents and documents -------------------------------------------------------------


def test_the_example_file_gives_the_alsh_its_consents_and_documents(world):
    db, _ = world
    with db.session() as s:
        alsh = s.get_one(Activity, activity_id(s, "ALSH-MAYET"))
        assert [c.code for c in alsh.consents] == ["droit-image", "baignade"]
        assert alsh.required_documents == ["Attestation d'assurance extrascolaire"]
        lude = s.get_one(Activity, activity_id(s, "PERI-LUDE"))
        assert lude.consents == [] and lude.required_documents == []
        text = export_catalogue(s)
    assert 'autorisations = [\n    "droit-image",\n    "baignade",\n]' in text or (
        'autorisations = ["droit-image", "baignade"]' in text
    )
    assert "pieces_a_fournir" in text
    # What was exported imports again without any change.
    with db.session() as s:
        report = apply_catalogue(s, parse_catalogue(text, "export.toml"))
    assert not report.changed, report.summary()


def test_consents_and_documents_saved_from_the_screen(world):
    db, director = world
    with db.session() as s:
        activity = s.get_one(Activity, activity_id(s, "PERI-LUDE"))
        rentrer = s.scalars(
            select(ConsentDefinition).where(ConsentDefinition.code == "rentrer-seul")
        ).one()
        data = _input(
            activity,
            consent_ids=[rentrer.id],
            required_documents=[
                "  Attestation   d'assurance ",
                "",
                "Certificat médical",
                "attestation d'assurance",
            ],
        )
        activities.save_activity(s, director, data, activity.id, activity.version)
    with db.session() as s:
        activity = s.get_one(Activity, activity_id(s, "PERI-LUDE"))
        assert [c.code for c in activity.consents] == ["rentrer-seul"]
        assert activity.required_documents == ["Attestation d'assurance", "Certificat médical"]
        audit = s.scalars(
            select(AuditEvent).where(
                AuditEvent.entity == "activity", AuditEvent.field == "consents"
            )
        ).one()
        assert (audit.old_value, audit.new_value, audit.actor) == (
            None,
            "rentrer-seul",
            "directrice",
        )
        # A caller that does not show them (None) leaves them as they are.
        activities.save_activity(s, director, _input(activity, name="Périscolaire du Lude"),
                                 activity.id, activity.version)  # fmt: skip
        assert [c.code for c in activity.consents] == ["rentrer-seul"]
        assert activity.required_documents == ["Attestation d'assurance", "Certificat médical"]
        assert refused(
            lambda: activities.save_activity(
                s, director, _input(activity, required_documents=["x" * 121]), activity.id
            )
        ) == [f"Pièce « {'x' * 40}… » : libellé trop long (121 caractères, 120 au plus)."]


def test_the_file_refuses_an_unknown_consent_and_a_too_long_document(world):
    db, _ = world
    text = EXAMPLE_TEXT.replace('["droit-image", "baignade"]', '["droit-image", "piscine"]')
    with db.session() as s, pytest.raises(CatalogueError) as caught:
        apply_catalogue(s, parse_catalogue(text, "x.toml"))
    assert "autorisation « piscine » inconnue" in str(caught.value)
    text = EXAMPLE_TEXT.replace(
        '["Attestation d\'assurance extrascolaire"]', '["' + "y" * 130 + '"]'
    )
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(text, "x.toml")
    assert "trop long (130 caractères, 120 au plus)" in str(caught.value)
    assert "pieces_a_fournir" in str(caught.value)


def test_a_consent_the_activity_asks_is_needed_to_register(db):
    world = build_world(db)
    add_winter_and_complete_zoe(db, world)
    actor = make_actor(db)
    director = staff(db, "direction", Role.DIRECTOR)
    zoe = world.children["Zoé"]
    _paper_only(db, world.families["F00001"])
    with db.session() as s:
        optional = ConsentDefinition(code="sortie-velo", label="Sortie à vélo", mandatory=False)
        s.add(optional)
        s.flush()
        alsh = s.get_one(Activity, world.alsh)
        activities.save_activity(
            s, director, _input(alsh, consent_ids=[optional.id]), alsh.id, alsh.version
        )
        consent_id = optional.id
    with db.session() as s, pytest.raises(RegistrationError) as caught:
        register_child(s, actor, zoe, world.alsh, [_winter(s, world)], TODAY)
    assert "Autorisation : Sortie à vélo" in str(caught.value)
    with db.session() as s:
        s.add(ConsentAnswer(child_id=zoe, consent_id=consent_id, granted=False))
    with db.session() as s:
        result = register_child(s, actor, zoe, world.alsh, [_winter(s, world)], TODAY)
    assert result.registered == ["Vacances d'hiver 2027"]


# -- archive instead of delete ----------------------------------------------------------


def test_a_period_in_use_is_archived_and_leaves_the_portal(world):
    db, director = world
    book_children(db, "ALSH-MAYET", "journee", TOUSSAINT_MONDAY, [("Léa", date(2019, 3, 1))])
    with db.session() as s:
        period = s.scalars(select(Period).where(Period.code == "toussaint-2026")).one()
        assert (
            "archivez-la plutôt"
            in refused(lambda: periods.delete_period(s, director, period.id, period.version))[0]
        )
        archive_period(s, director, period.id, period.version, date(2026, 9, 1))
        assert period.archived_on == date(2026, 9, 1)
        body = catalogue_body(s)
        alsh = next(a for a in body["activities"] if a["code"] == "ALSH-MAYET")
        assert "toussaint-2026" not in [p["code"] for p in alsh["periods"]]
        assert alsh["periods"], "the other periods stay on the portal"
        archive_period(s, director, period.id, period.version, date(2026, 9, 2), archived=False)
        alsh = next(a for a in catalogue_body(s)["activities"] if a["code"] == "ALSH-MAYET")
        assert "toussaint-2026" in [p["code"] for p in alsh["periods"]]
        exported = export_catalogue(s)
    assert "archivee_le" not in exported


def test_regie_and_site_archived_once_their_activities_are(world):
    db, director = world
    with db.session() as s:
        regie = s.scalars(select(Regie).where(Regie.code == "ALSH")).one()
        site = s.scalars(select(Site).where(Site.code == "CL-MAYET")).one()
        assert refused(
            lambda: archive_regie(s, director, regie.id, regie.version, date(2027, 8, 1))
        ) == [
            "La régie « ALSH » porte encore des activités proposées (Accueil de loisirs Mayet) : "
            "archivez-les d'abord ou rattachez-les à une autre régie."
        ]
        assert refused(lambda: archive_site(s, director, site.id, site.version, date(2027, 8, 1)))[
            0
        ].startswith("Le site « Centre de loisirs de Mayet » accueille encore")
        alsh = s.get_one(Activity, activity_id(s, "ALSH-MAYET"))
        activities.archive_activity(s, director, alsh.id, alsh.version)
        archive_regie(s, director, regie.id, regie.version, date(2027, 8, 1))
        archive_site(s, director, site.id, site.version, date(2027, 8, 1))
        assert "ALSH" not in [r.code for r in regies.list_regies(s, with_archived=False)]
        assert regies.list_regies(s)[-1].code == "ALSH"  # archived rows listed last
        assert "CL-MAYET" not in [x.code for x in sites.list_sites(s, with_archived=False)]
        assert "ALSH" not in {w["regie"] for w in payment_windows_body(s)["windows"]}
        text = export_catalogue(s)
    assert "archivee_le = 2027-08-01" in text and "archive_le = 2027-08-01" in text
    # The file says so too: exported, imported again, nothing changes.
    with db.session() as s:
        assert not apply_catalogue(s, parse_catalogue(text, "x.toml")).changed


def test_archiving_needs_the_catalogue_permission(world):
    db, _ = world
    agent = staff(db, "accueil", Role.AGENT)
    with db.session() as s:
        period = s.scalars(select(Period).where(Period.code == "toussaint-2026")).one()
        with pytest.raises(PermissionDenied) as caught:
            archive_period(s, agent, period.id, period.version, date(2026, 9, 1))
    assert "archiver une période" in str(caught.value)


def test_an_archived_period_is_not_offered_at_the_desk(db):
    world = build_world(db)
    add_winter_and_complete_zoe(db, world)
    actor = make_actor(db)
    director = staff(db, "direction", Role.DIRECTOR)
    zoe = world.children["Zoé"]
    with db.session() as s:
        winter = s.get_one(Period, _winter(s, world))
        archive_period(s, director, winter.id, winter.version, TODAY)
    with db.session() as s:
        [alsh] = [c for c in registration_choices(s, actor, zoe, TODAY) if c.id == world.alsh]
        assert "Vacances d'hiver 2027" not in [p.label for p in alsh.periods]
        with pytest.raises(RegistrationError):
            register_child(s, actor, zoe, world.alsh, [_winter(s, world)], TODAY)
    assert WINTER.year == 2027


# -- a period within one school year ----------------------------------------------------


def test_a_period_across_two_school_years_is_refused_on_screen_and_in_the_file(world):
    db, director = world
    expected = (
        "Période « annee-2026 » (du 01/09/2026 au 30/09/2027) : elle s'étend sur deux années "
        "scolaires (2026-2027, qui finit le 02/07/2027, et 2027-2028, rentrée le 01/09/2027) ; "
        "vérifiez l'année des dates ou faites une période par année scolaire."
    )
    with db.session() as s:
        aid = activity_id(s, "ALSH-MAYET")
        year = periods.PeriodInput(
            "annee-2026", "Année 2026-2027", PeriodKind.SCHOOL_YEAR, date(2026, 9, 1),
            date(2027, 9, 30),
        )  # fmt: skip
        assert refused(lambda: periods.save_period(s, director, aid, year)) == [expected]
        # A summer ALSH up to the rentrée is what summers are: accepted.
        summer = periods.PeriodInput(
            "ete-2027", "Été 2027", PeriodKind.HOLIDAYS, date(2027, 7, 5), date(2027, 9, 1)
        )
        assert periods.save_period(s, director, aid, summer).code == "ete-2027"
    text = EXAMPLE_TEXT.replace(
        "fin = 2026-11-01\nreservation_debut", "fin = 2027-11-01\nreservation_debut", 1
    )
    assert text != EXAMPLE_TEXT
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(text, "x.toml")
    assert "deux années scolaires" in str(caught.value)


# -- units ------------------------------------------------------------------------------


def test_a_unit_saved_from_the_screen_reaches_the_portal_push(world):
    db, director = world
    with db.session() as s:
        aid = activity_id(s, "PERI-LUDE")
        data = units.UnitInput("gouter", "Goûter", time(16, 30), time(16, 0), [1, 2, 4, 5, 9])
        assert refused(lambda: units.save_unit(s, director, aid, data)) == [
            "L'unité finit à 16:00, pas après son début (16:30)."
        ]
        data.end_time = time(17, 0)
        unit = units.save_unit(s, director, aid, data)
        assert (unit.weekdays, unit.position) == ("1,2,4,5", 2)  # after matin, soir
        lude = next(a for a in catalogue_body(s)["activities"] if a["code"] == "PERI-LUDE")
        assert {
            "code": "gouter",
            "name": "Goûter",
            "start_time": "16:30",
            "end_time": "17:00",
            "weekdays": [1, 2, 4, 5],
        } in lude["units"]
        same_code = units.UnitInput("gouter", "Autre", time(8), time(9), [])
        assert refused(lambda: units.save_unit(s, director, aid, same_code)) == [
            "Le code « gouter » est déjà celui d'une autre unité de l'activité.",
            "Cochez au moins un jour de la semaine.",
        ]
