# Long module: one test per rule of the catalogue file, French messages quoted in full.
"""Catalogue file: validation (French errors with lines), import, export, round-trip."""

from __future__ import annotations

import re
from datetime import date, time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from backoffice.cli import app as cli
from backoffice.errors import UserError
from backoffice.models import (
    Activity,
    BillingUnit,
    Capacity,
    Closure,
    ConsentDefinition,
    Family,
    Invoice,
    InvoiceLine,
    Regie,
    Setting,
    Settlement,
    Tariff,
    Unit,
)
from backoffice.services.catalogue.import_export import (
    CatalogueError,
    apply_catalogue,
    export_catalogue,
    export_catalogue_file,
    import_catalogue_file,
    parse_catalogue,
)
from backoffice.services.database import open_database

pytestmark = pytest.mark.postgres

EXAMPLE = Path(__file__).resolve().parent.parent / "resources" / "catalogue-exemple.toml"
EXAMPLE_TEXT = EXAMPLE.read_text(encoding="utf-8")


def line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    """1-based line of the n-th line containing ``fragment``."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if fragment in line]
    assert len(hits) >= occurrence, f"{fragment!r} not found {occurrence} time(s)"
    return hits[occurrence - 1]


def replace_once(text: str, old: str, new: str, occurrence: int = 1) -> str:
    parts = text.split(old)
    assert len(parts) > occurrence, f"{old!r} not found {occurrence} time(s)"
    return old.join(parts[:occurrence]) + new + old.join(parts[occurrence:])


def import_text(db, text: str, source: str = "test.toml"):
    with db.session() as session:
        return apply_catalogue(session, parse_catalogue(text, source))


def tariff(
    session, activity: str, unit: str, valid_from: date, qf_min: int, rank: int | None = None
) -> Tariff:
    return session.scalars(
        select(Tariff)
        .join(Unit)
        .join(Activity)
        .where(
            Activity.code == activity,
            Unit.code == unit,
            Tariff.valid_from == valid_from,
            Tariff.qf_min == qf_min,
            Tariff.child_rank.is_(None) if rank is None else Tariff.child_rank == rank,
        )
    ).one()


def counts(db) -> dict[str, int]:
    with db.session() as s:
        return {
            model.__name__: s.scalar(select(func.count()).select_from(model))
            for model in (
                Regie,
                Activity,
                Unit,
                Tariff,
                Capacity,
                Closure,
                ConsentDefinition,
                Setting,
            )
        }


# --- import of the example file ------------------------------------------------


def test_example_file_imports_with_exact_values(db):
    with db.session() as session:
        report = import_catalogue_file(session, EXAMPLE)
    assert report.counts["regie"].created == 2
    assert report.counts["activity"].created == 2
    assert report.counts["tariff"].created == 15
    assert report.counts["closure"].created == 5  # 2 periscolaire + 3 global
    assert report.changed
    with db.session() as s:
        alsh = s.scalars(select(Regie).where(Regie.code == "ALSH")).one()
        assert alsh.settlement is Settlement.DESK_AND_ONLINE
        assert [(w.opens_on, w.closes_on) for w in alsh.payment_windows] == [
            (date(2026, 9, 26), date(2026, 10, 16)),
            (date(2027, 1, 30), date(2027, 2, 19)),
        ]
        assert tariff(s, "PERI-LUDE", "matin", date(2026, 9, 1), 601).price == Decimal("1.45")
        assert tariff(s, "PERI-LUDE", "matin", date(2026, 9, 1), 601).qf_max == 900
        assert tariff(s, "ALSH-MAYET", "journee", date(2026, 9, 1), 901, rank=2).price == (
            Decimal("13.14")
        )
        peri = s.scalars(select(Activity).where(Activity.code == "PERI-LUDE")).one()
        assert peri.rule.booking_notice_days == 2
        assert peri.rule.booking_notice_time == time(12, 0)
        assert peri.rule.skip_weekends and peri.rule.auto_accept
        matin, soir = peri.units
        assert (matin.code, matin.weekdays, matin.position) == ("matin", "1,2,4,5", 0)
        assert soir.weekdays == "1,2,4,5" and soir.billing_unit is BillingUnit.EACH
        assert matin.start_time == time(7, 15)
        assert [(g.code, g.min_age_months, g.max_age_months) for g in peri.age_groups] == [
            ("maternelle", 36, 71),
            ("elementaire", 72, 143),
        ]
        mayet = s.scalars(select(Activity).where(Activity.code == "ALSH-MAYET")).one()
        assert mayet.rule.booking_notice_days == 7 and not mayet.rule.skip_weekends
        caps = sorted((c.start_date, c.age_group.code, c.places) for c in mayet.units[0].capacities)
        assert caps[0] == (date(2026, 10, 17), "3-5", 12)
        assert mayet.site.insee_code == "72191"
        settings = dict(s.execute(select(Setting.key, Setting.value)).all())
        assert settings["collectivity.siret"] == "20007311200019"
        assert settings["collectivity.address"].splitlines()[-1] == "72800 Le Lude"
        assert "collectivity.logo" not in settings
        consent = s.scalars(
            select(ConsentDefinition).where(ConsentDefinition.code == "rentrer-seul")
        ).one()
        assert (consent.min_age_years, consent.asks_detail, consent.mandatory) == (11, True, False)
        global_closures = s.scalars(select(Closure).where(Closure.activity_id.is_(None))).all()
        assert {c.start_date for c in global_closures} == {
            date(2026, 11, 11),
            date(2026, 12, 25),
            date(2027, 1, 1),
        }


def test_reimport_is_idempotent(db):
    import_text(db, EXAMPLE_TEXT)
    with db.session() as s:
        versions = [a.version for a in s.scalars(select(Activity).order_by(Activity.code))]
    before = counts(db)
    report = import_text(db, EXAMPLE_TEXT)
    assert not report.changed
    assert report.counts["tariff"].unchanged == 15
    assert all(c.created == c.updated == c.deleted == 0 for c in report.counts.values())
    assert "Aucun changement" in report.summary()
    assert report.absent == []
    assert counts(db) == before
    with db.session() as s:
        assert [a.version for a in s.scalars(select(Activity).order_by(Activity.code))] == versions


def test_export_then_import_round_trips(db, tmp_path):
    import_text(db, EXAMPLE_TEXT)
    with db.session() as s:
        first = export_catalogue(s)
    # Same database: nothing to change, same text again.
    assert not import_text(db, first, "export.toml").changed
    with db.session() as s:
        assert export_catalogue(s) == first
    # Fresh database: the export rebuilds the same catalogue.
    other = open_database(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    try:
        report = import_text(other, first)
        assert report.counts["tariff"].created == 15
        with other.session() as s:
            assert export_catalogue(s) == first
    finally:
        other.dispose()
    assert 'prix = "13.14"' in first and 'delai_reservation = "J-7 à 12:00"' in first
    assert first.index('code = "ALSH"') < first.index('code = "PERI"')  # sorted by code


def test_export_file_and_cli(db, tmp_path, capsys):
    import_text(db, EXAMPLE_TEXT)
    target = tmp_path / "export.toml"
    with db.session() as s:
        export_catalogue_file(s, target)
        assert target.read_text(encoding="utf-8") == export_catalogue(s)
    url = db.url
    assert cli.main(["--database-url", url, "catalogue", "export", str(tmp_path / "b.toml")]) == 0
    assert (tmp_path / "b.toml").read_text(encoding="utf-8") == target.read_text(encoding="utf-8")
    assert cli.main(["--database-url", url, "catalogue", "import", str(target)]) == 0
    assert "Aucun changement" in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text(EXAMPLE_TEXT.replace('regie = "ALSH"', 'regie = "ALHS"'), encoding="utf-8")
    assert cli.main(["--database-url", url, "catalogue", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "régie « ALHS » inconnue" in err
    expected_line = line_of(bad.read_text(encoding="utf-8"), 'regie = "ALHS"')
    assert f"ligne {expected_line}, " in err


def test_updates_by_code_and_reports_absent_objects(db):
    import_text(db, EXAMPLE_TEXT)
    text = EXAMPLE_TEXT.replace('nom = "Régie ALSH enfance"', 'nom = "Régie ALSH"')
    text = text.replace(
        '    { debut = 2027-02-20, fin = 2027-03-07, places = 12, groupe_age = "3-5" },\n', ""
    )
    # Drop the whole ALSH activity: it must stay in the database, reported as absent.
    start = text.index('[[activite]]\ncode = "ALSH-MAYET"')
    end = text.index("# --- Fermetures de toute")
    text = text[:start] + text[end:]
    text = text.replace(
        '{ depuis = 2026-09-01, qf_max = 600, prix = "1.10" }',
        '{ depuis = 2026-09-01, qf_max = 600, prix = "1.15" }',
    )
    report = import_text(db, text)
    assert report.counts["regie"].updated == 1
    assert report.counts["tariff"].updated == 1
    assert report.counts["capacity"].deleted == 0  # the ALSH unit is absent, not emptied
    assert "activité « ALSH-MAYET »" in report.absent
    assert "Absents du fichier" in report.summary()
    assert report.as_dict()["counts"]["regie"]["updated"] == 1
    with db.session() as s:
        assert s.scalars(select(Regie.name).where(Regie.code == "ALSH")).one() == "Régie ALSH"
        assert tariff(s, "PERI-LUDE", "matin", date(2026, 9, 1), 0).price == Decimal("1.15")
        assert s.scalar(select(func.count()).select_from(Activity)) == 2
        mayet = s.scalars(select(Activity).where(Activity.code == "ALSH-MAYET")).one()
        assert len(mayet.units[0].capacities) == 4


def test_lists_follow_the_file_within_a_parent(db):
    import_text(db, EXAMPLE_TEXT)
    text = EXAMPLE_TEXT.replace(
        '    { debut = 2027-02-20, fin = 2027-03-07, places = 12, groupe_age = "3-5" },\n', ""
    )
    text = text.replace(
        '    { debut = 2026-12-19, fin = 2027-01-03, libelle = "Vacances de Noël 2026-2027" },\n',
        "",
    )
    text = text.replace(
        '{ debut = 2026-11-11, fin = 2026-11-11, libelle = "Armistice" }',
        '{ debut = 2026-11-11, fin = 2026-11-11, libelle = "Armistice 1918" }',
    )
    report = import_text(db, text)
    assert report.counts["capacity"].deleted == 1
    assert report.counts["closure"].deleted == 1
    assert report.counts["closure"].updated == 1
    with db.session() as s:
        labels = set(s.scalars(select(Closure.label)))
        assert "Armistice 1918" in labels and "Vacances de Noël 2026-2027" not in labels
        assert s.scalar(select(func.count()).select_from(Capacity)) == 5


# --- atomicity and protected tariffs ---------------------------------------------


def _invoice_line_on(db, activity: str, unit: str, qf_min: int) -> None:
    with db.session() as s:
        t = tariff(s, activity, unit, date(2026, 9, 1), qf_min)
        family = Family(code="F00001", name="MARTIN")
        regie = s.scalars(select(Regie).where(Regie.code == "PERI")).one()
        s.add(family)
        s.flush()
        invoice = Invoice(
            number="PERI-2026-00001",
            regie=regie,
            year=2026,
            seq=1,
            family_id=family.id,
            issue_date=date(2026, 10, 1),
            due_date=date(2026, 10, 31),
            period_start=date(2026, 9, 1),
            period_end=date(2026, 9, 30),
            total=Decimal("1.45"),
            billing_name="MARTIN",
            billing_address="72800 Le Lude",
        )
        invoice.lines.append(
            InvoiceLine(
                unit_id=t.unit_id,
                tariff_id=t.id,
                label="Matin",
                quantity=Decimal(1),
                unit_price=t.price,
                amount=t.price,
            )
        )
        s.add(invoice)


def test_price_of_a_tariff_used_by_an_invoice_cannot_change(db):
    import_text(db, EXAMPLE_TEXT)
    _invoice_line_on(db, "PERI-LUDE", "matin", 601)
    old = '{ depuis = 2026-09-01, qf_min = 601, qf_max = 900, prix = "1.45" }'
    text = EXAMPLE_TEXT.replace(old, old.replace("1.45", "1.50"))
    text = text.replace('nom = "Régie ALSH enfance"', 'nom = "Régie ALSH modifiée"')
    before = counts(db)
    with pytest.raises(CatalogueError) as caught:
        import_text(db, text)
    message = str(caught.value)
    assert "utilisé par 1 ligne(s) de facture" in message
    assert "nouveau tarif" in message
    expected_line = line_of(text, 'prix = "1.50"')
    assert f"ligne {expected_line}, " in message
    assert isinstance(caught.value, UserError)
    # Nothing at all was applied, not even the valid change.
    assert counts(db) == before
    with db.session() as s:
        assert s.scalars(select(Regie.name).where(Regie.code == "ALSH")).one() == (
            "Régie ALSH enfance"
        )
        assert tariff(s, "PERI-LUDE", "matin", date(2026, 9, 1), 601).price == Decimal("1.45")


def test_used_tariff_left_out_is_kept_and_new_prices_come_as_new_rows(db):
    import_text(db, EXAMPLE_TEXT)
    _invoice_line_on(db, "PERI-LUDE", "matin", 601)
    old = '    { depuis = 2026-09-01, qf_min = 601, qf_max = 900, prix = "1.45" },\n'
    unused = '    { depuis = 2026-09-01, qf_min = 901, prix = "1.80" },\n'
    new = '    { depuis = 2027-01-01, qf_min = 601, qf_max = 900, prix = "1.50" },\n'
    text = replace_once(EXAMPLE_TEXT, old, new)
    text = replace_once(text, unused, "")
    report = import_text(db, text)
    assert report.counts["tariff"].created == 1
    assert report.counts["tariff"].deleted == 1  # the unused one only
    assert len(report.kept) == 1 and "utilisé par 1 ligne(s) de facture" in report.kept[0]
    assert "Conservé" in report.summary()
    with db.session() as s:
        assert tariff(s, "PERI-LUDE", "matin", date(2026, 9, 1), 601).price == Decimal("1.45")
        assert tariff(s, "PERI-LUDE", "matin", date(2027, 1, 1), 601).price == Decimal("1.50")
        with pytest.raises(Exception, match="No row"):
            tariff(s, "PERI-LUDE", "matin", date(2026, 9, 1), 901)


def test_a_file_with_one_error_changes_nothing(db, tmp_path):
    import_text(db, EXAMPLE_TEXT)
    before = counts(db)
    text = EXAMPLE_TEXT.replace('nom = "Régie ALSH enfance"', 'nom = "Autre nom"')
    text = text.replace('prix = "2.50"', 'prix = "2.505"')
    path = tmp_path / "one-error.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError, match="plus de 2 décimales"):
        with db.session() as s:
            import_catalogue_file(s, path)
    assert counts(db) == before
    with db.session() as s:
        assert s.scalars(select(Regie.name).where(Regie.code == "ALSH")).one() == (
            "Régie ALSH enfance"
        )


def test_prefix_taken_by_a_regie_absent_from_the_file_is_refused(db):
    import_text(db, EXAMPLE_TEXT)
    text = EXAMPLE_TEXT.replace('code = "PERI"', 'code = "APS"').replace(
        'regie = "PERI"', 'regie = "APS"'
    )
    with pytest.raises(CatalogueError, match="« PERI » est déjà celui de la régie « PERI »"):
        import_text(db, text)


# --- validation errors: French, with key path and line -----------------------------


def case(id, old, new, expected, line, *, occurrence=1, line_occurrence=1, count=1):
    """A mutation of the example file and the error it must produce, at the line of ``line``."""
    return pytest.param(old, new, occurrence, expected, line, line_occurrence, count, id=id)


ERROR_CASES = [
    case(
        "unknown-regie",
        'regie = "ALSH"',
        'regie = "ALHS"',
        "activite « ALSH-MAYET » › regie : régie « ALHS » inconnue",
        'regie = "ALHS"',
    ),
    case(
        "unknown-site",
        'etablissement = "EC-LUDE"',
        'etablissement = "EC-LUD"',
        "établissement « EC-LUD » inconnu",
        'etablissement = "EC-LUD"',
    ),
    case(
        "end-before-start",
        "fin = 2026-11-01\n",
        "fin = 2026-10-01\n",
        "periode « toussaint-2026 » › fin : « fin » (01/10/2026) précède « debut » (17/10/2026)",
        "fin = 2026-10-01",
    ),
    case(
        "booking-window",
        "reservation_fin = 2026-10-25",
        "reservation_fin = 2026-09-01",
        "« reservation_fin » (01/09/2026) précède « reservation_debut »",
        "reservation_fin = 2026-09-01",
    ),
    case(
        "price-decimals-inline",
        'prix = "1.45"',
        'prix = "1.455"',
        "unite « matin » › tarifs n°2 › prix : prix « 1.455 » avec plus de 2 décimales",
        'prix = "1.455"',
    ),
    case(
        "price-decimals-number",
        'prix = "1.45"',
        "prix = 1.455",
        "prix « 1.455 » avec plus de 2 décimales",
        "prix = 1.455",
    ),
    case(
        "price-decimals-table",
        'prix = "13.14"',
        'prix = "13.145"',
        "unite « journee » › tarifs n°6 › prix : prix « 13.145 »",
        'prix = "13.145"',
    ),
    case(
        "price-negative",
        'prix = "1.80"',
        'prix = "-1.80"',
        "nombre positif attendu",
        'prix = "-1.80"',
    ),
    case(
        "bad-notice",
        '"J-7 à 12:00"',
        '"J7 midi"',
        "regle › delai_reservation : délai « J7 midi » illisible",
        '"J7 midi"',
    ),
    case(
        "bad-notice-time",
        '"J-2 à 12:00"',
        '"J-2 à 25:00"',
        "heure « J-2 à 25:00 » impossible",
        '"J-2 à 25:00"',
        occurrence=2,
    ),
    case(
        "duplicate-activity",
        'code = "ALSH-MAYET"',
        'code = "PERI-LUDE"',
        "code d'activité « PERI-LUDE » en double",
        'code = "PERI-LUDE"',
        line_occurrence=2,
    ),
    case(
        "duplicate-unit",
        'code = "soir"',
        'code = "matin"',
        "unité « matin » en double",
        'code = "matin"',
        line_occurrence=2,
    ),
    case(
        "duplicate-prefix",
        'prefixe_facture = "ALSH"',
        'prefixe_facture = "PERI"',
        "préfixe de facture « PERI » en double",
        'prefixe_facture = "PERI"',
        line_occurrence=2,
    ),
    case(
        "unknown-key",
        "exclure_week_ends = false",
        "exclure_weekends = false",
        "regle › exclure_weekends : clé inconnue « exclure_weekends » (vouliez-vous écrire "
        "« exclure_week_ends » ?",
        "exclure_weekends",
    ),
    case(
        "unknown-key-in-inline-table",
        '{ depuis = 2026-09-01, qf_min = 901, prix = "1.80" }',
        '{ depuis = 2026-09-01, qf_min = 901, prx = "1.80" }',
        "clé inconnue « prx »",
        "prx =",
        count=2,
    ),
    case(
        "unknown-top-level",
        "[calendrier]",
        "[calendrier]\n[calendier]",
        "clé inconnue « calendier »",
        "[calendier]",
    ),
    case(
        "missing-key",
        'base_facturation = "presences"',
        "",
        "activite « PERI-LUDE » : la clé « base_facturation » manque",
        "[[activite]]",
    ),
    case(
        "bad-enum",
        'reglement = "tresor_public"',
        'reglement = "tresor"',
        "valeur « tresor » inconnue",
        'reglement = "tresor"',
    ),
    case(
        "bad-weekday",
        'jours = "lun, mar, jeu, ven"',
        'jours = "lun, mardi, jeu, vne"',
        "jour « vne » inconnu",
        "vne",
    ),
    case(
        "time-order",
        'heure_fin = "08:35"',
        'heure_fin = "07:00"',
        "l'heure de fin doit suivre l'heure de début",
        'heure_fin = "07:00"',
    ),
    case(
        "age-group-unknown",
        'groupe_age = "3-5" },',
        'groupe_age = "3-6" },',
        "groupe d'âge « 3-6 » inconnu dans cette activité",
        'groupe_age = "3-6"',
    ),
    case(
        "rank-without-rank-pricing",
        '{ depuis = 2026-09-01, qf_min = 901, prix = "1.80" }',
        '{ depuis = 2026-09-01, qf_min = 901, rang = 2, prix = "1.80" }',
        "« tarif_par_rang = true »",
        "rang = 2",
    ),
    case(
        "overlapping-brackets",
        'qf_min = 601, qf_max = 900, prix = "1.45"',
        'qf_min = 500, qf_max = 900, prix = "1.45"',
        "la tranche QF 500… chevauche la tranche 0–600",
        "qf_min = 500",
    ),
    case(
        "insee-mismatch",
        'code_insee = "72191"',
        'code_insee = "72176"',
        "le code INSEE « 72176 » ne correspond pas au code postal 72360",
        'code_insee = "72176"',
        line_occurrence=2,
    ),
    case(
        "bad-siret",
        'siret = "200 073 112 00019"',
        'siret = "200 073 112 00018"',
        "clé de contrôle incorrecte",
        "siret =",
    ),
    case(
        "bad-date",
        "debut = 2027-02-20\n",
        'debut = "20/02/2027"\n',
        "date AAAA-MM-JJ attendue",
        'debut = "20/02/2027"',
    ),
    case(
        "bad-integer",
        "places = 48 }",
        'places = "48" }',
        "un nombre entier est attendu",
        'places = "48"',
    ),
    case(
        "bad-code",
        'code = "journee"',
        'code = "journée"',
        "code « journée » invalide",
        'code = "journée"',
    ),
    case(
        "syntax",
        'nom = "Accueil du soir"',
        'nom = "Accueil du soir',
        "syntaxe TOML incorrecte",
        'nom = "Accueil du soir',
    ),
    case(
        "syntax-duplicate-key",
        'prefixe_avoir = "AV-PERI"',
        'prefixe_avoir = "AV-PERI"\nprefixe_avoir = "AV-X"',
        "clé en double",
        'prefixe_avoir = "AV-X"',
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "occurrence", "expected", "line", "line_occurrence", "count"), ERROR_CASES
)
def test_each_error_is_named_in_french_with_its_line(
    old, new, occurrence, expected, line, line_occurrence, count
):
    text = replace_once(EXAMPLE_TEXT, old, new, occurrence)
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(text, "exemple.toml")
    message = str(caught.value)
    plural = "erreur" if count == 1 else "erreurs"
    assert message.startswith(f"Le catalogue « exemple.toml » contient {count} {plural} ;"), message
    assert expected in message, message
    expected_line = line_of(text, line, line_occurrence)
    assert caught.value.issues[0].line == expected_line, message
    assert f"ligne {expected_line}, " in message


def test_a_typo_in_a_key_is_reported_with_a_suggestion():
    text = EXAMPLE_TEXT.replace("tarif_par_rang = true", "tarif_par_rnag = true")
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(text)
    first = caught.value.issues[0]
    assert first.line == line_of(text, "tarif_par_rnag")
    assert "vouliez-vous écrire « tarif_par_rang » ?" in first.message
    # Without rank pricing the ranked tariffs are refused too: nothing is silently ignored.
    assert any("tarif par rang" in issue.message for issue in caught.value.issues[1:])


def test_all_errors_are_collected_in_line_order():
    text = EXAMPLE_TEXT.replace('prix = "14.60"', 'prix = "14.605"')
    text = text.replace('regie = "PERI"', 'regie = "PER"')
    text = text.replace('"J-7 à 12:00"', '"J-7"')
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(text)
    issues = caught.value.issues
    assert len(issues) == 4  # one bad régie, two bad notices, one bad price
    assert [i.line for i in issues] == sorted(i.line for i in issues)
    assert "contient 4 erreurs" in str(caught.value)
    assert all(re.match(r"ligne \d+, ", str(i)) for i in issues)


def test_accepted_variants():
    text = (
        EXAMPLE_TEXT.replace('prix = "1.45"', "prix = 1.45")
        .replace('prix = "1.10"', 'prix = "1,10"')
        .replace('heure_debut = "07:15"', 'heure_debut = "7h15"')
    )
    doc = parse_catalogue(text)
    matin = doc.activities[0].units[0]
    assert [t.price for t in matin.tariffs] == [Decimal("1.10"), Decimal("1.45"), Decimal("1.80")]
    assert all(isinstance(t.price, Decimal) for t in matin.tariffs)
    assert matin.start_time == time(7, 15)
    assert doc.activities[0].units[1].weekdays == "1,2,4,5"  # written as a list
    assert doc.activities[0].rule.booking_notice == (2, time(12, 0))


def test_unreadable_files_give_french_errors(tmp_path):
    from backoffice.services.catalogue.import_export import read_catalogue_file

    with pytest.raises(CatalogueError, match="fichier introuvable"):
        read_catalogue_file(tmp_path / "absent.toml")
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes('[[regie]]\nnom = "Régie"\n'.encode("latin-1"))
    with pytest.raises(CatalogueError, match="pas en UTF-8"):
        read_catalogue_file(latin1)
    with pytest.raises(CatalogueError, match="est un dossier"):
        read_catalogue_file(tmp_path)
