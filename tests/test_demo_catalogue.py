"""The demo catalogue of the Communauté de communes Sud Sarthe: real calendars, real communes."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from vacances_scolaires_france import SchoolHolidayDates

from backoffice.demo.catalogue import demo_catalogue_toml, school_years_for
from backoffice.models import (
    Activity,
    ActivityKind,
    BillingBasis,
    BillingUnit,
    Closure,
    ConsentDefinition,
    Period,
    PeriodKind,
    Regie,
    Settlement,
    Site,
    Tariff,
    Unit,
)
from backoffice.services.catalogue.import_export import (
    apply_catalogue,
    export_catalogue,
    parse_catalogue,
)

pytestmark = pytest.mark.postgres

TODAY = date(2026, 11, 27)
POSTCODES = Path(__file__).resolve().parent.parent / "resources" / "codes-postaux.csv"


@pytest.fixture(scope="module")
def demo_text() -> str:
    return demo_catalogue_toml(TODAY)


@pytest.fixture
def demo_db(db, demo_text):
    with db.session() as s:
        apply_catalogue(s, parse_catalogue(demo_text, "démo"))
    return db


def one(session, model, **where):
    return session.scalars(select(model).filter_by(**where)).one()


def test_parses_and_is_deterministic(demo_text):
    doc = parse_catalogue(demo_text)
    assert demo_catalogue_toml(TODAY) == demo_text
    assert demo_catalogue_toml(date(2027, 11, 27)) != demo_text
    assert len(doc.regies) == 4
    assert {a.kind for a in doc.activities} == set(ActivityKind)


def test_four_regies_with_their_settlement(demo_db):
    with demo_db.session() as s:
        regies = {r.code: r for r in s.scalars(select(Regie))}
        assert {code: r.settlement for code, r in regies.items()} == {
            "PERI": Settlement.TRESOR_PUBLIC,
            "ALSH": Settlement.DESK_AND_ONLINE,
            "JEUN": Settlement.DESK,
            "MAC": Settlement.TRESOR_PUBLIC,
        }
        windows = regies["ALSH"].payment_windows
        assert [w.label for w in windows][0] == "Vacances de la Toussaint 2026"
        # Each window closes the day before its holidays start.
        toussaint = one(
            s, Period, code="toussaint-2026", activity_id=one(s, Activity, code="ALSH-LUDE").id
        )
        assert windows[0].closes_on == toussaint.start_date - timedelta(days=1)
        assert not regies["PERI"].payment_windows
        kinds = {a.code: (a.regie.code, a.kind) for a in s.scalars(select(Activity))}
        assert kinds["PERI-LUDE"] == ("PERI", ActivityKind.PERISCOLAIRE)
        assert kinds["ALSH-MAYET"] == ("ALSH", ActivityKind.ALSH)
        assert kinds["JEUN-SUD-SARTHE"] == ("JEUN", ActivityKind.JEUNESSE)
        assert kinds["MA-LUDE"] == ("MAC", ActivityKind.MULTI_ACCUEIL)


def test_sites_insee_codes_match_the_postcode_file(demo_db):
    with POSTCODES.open(encoding="utf-8", newline="") as handle:
        known = {
            (row["code_postal"], row["nom_commune"]): row["code_insee"]
            for row in csv.DictReader(handle, delimiter=";")
        }
    with demo_db.session() as s:
        sites = s.scalars(select(Site)).all()
        assert len(sites) >= 10
        for site in sites:
            assert known[(site.postcode, site.commune)] == site.insee_code, site.code
        communes = {site.commune: site.insee_code for site in sites}
        assert communes["Le Lude"] == "72176"
        assert communes["Aubigné-Racan"] == "72013"
        assert {"Mayet", "Pontvallain", "Vaas", "Luché-Pringé"} <= communes.keys()


def test_holiday_periods_are_zone_b(demo_db):
    calendar = SchoolHolidayDates()
    with demo_db.session() as s:
        alsh = one(s, Activity, code="ALSH-LUDE")
        periods = {p.code: p for p in alsh.periods}
        assert set(periods) == {
            "toussaint-2026",
            "noel-2026",
            "hiver-2027",
            "printemps-2027",
            "ete-2027",
        }
        assert (periods["toussaint-2026"].start_date, periods["toussaint-2026"].end_date) == (
            date(2026, 10, 17),
            date(2026, 11, 1),
        )
        assert (periods["hiver-2027"].start_date, periods["hiver-2027"].end_date) == (
            date(2027, 2, 20),
            date(2027, 3, 7),
        )
        assert periods["ete-2027"].start_date == date(2027, 7, 3)
        for period in periods.values():
            assert period.kind is PeriodKind.HOLIDAYS
            assert period.booking_opens_on < period.start_date
            day = period.start_date
            while day <= period.end_date:
                assert calendar.is_holiday_for_zone(day, "B"), (period.code, day)
                day += timedelta(days=1)
            # The day before and the day after are school days (zone B).
            assert not calendar.is_holiday_for_zone(period.start_date - timedelta(days=1), "B")
        # Smaller centres are closed at Christmas.
        assert "noel-2026" not in {p.code for p in one(s, Activity, code="ALSH-MAYET").periods}
        peri = one(s, Activity, code="PERI-VAAS")
        (year,) = peri.periods
        assert (year.code, year.start_date, year.end_date) == (
            "2026-2027",
            date(2026, 9, 1),
            date(2027, 7, 2),
        )
        closures = s.scalars(select(Closure).where(Closure.activity_id == peri.id)).all()
        assert {(c.start_date, c.end_date) for c in closures} >= {
            (date(2026, 10, 17), date(2026, 11, 1)),
            (date(2026, 12, 19), date(2027, 1, 3)),
            (date(2027, 2, 20), date(2027, 3, 7)),
            (date(2027, 4, 17), date(2027, 5, 2)),
        }


def test_public_holidays_are_global_closures(demo_db):
    with demo_db.session() as s:
        closed = {
            c.start_date: c.label
            for c in s.scalars(select(Closure).where(Closure.activity_id.is_(None)))
        }
    assert closed[date(2026, 11, 11)] == "Armistice"
    assert date(2027, 7, 14) in closed
    assert date(2026, 12, 25) in closed
    assert date(2027, 5, 6) in closed  # Ascension 2027
    assert date(2027, 7, 13) not in closed


def test_units_rules_capacities_and_tariffs(demo_db):
    with demo_db.session() as s:
        peri = one(s, Activity, code="PERI-LUDE")
        assert peri.billing_basis is BillingBasis.ATTENDANCE
        assert [u.code for u in peri.units] == [
            "matin",
            "soir",
            "mercredi-matin",
            "repas",
            "mercredi-apres-midi",
        ]
        assert peri.units[0].weekdays == "1,2,4,5" and peri.units[2].weekdays == "3"
        assert (
            peri.rule.booking_notice_days,
            peri.rule.skip_weekends,
            peri.rule.skip_public_holidays,
        ) == (2, True, True)
        matin = {t.qf_min: t.price for t in peri.units[0].tariffs}
        assert matin == {0: Decimal("1.10"), 601: Decimal("1.45"), 901: Decimal("1.80")}
        assert one(s, Activity, code="PERI-VAAS").units[0].capacities[0].places == 24

        alsh = one(s, Activity, code="ALSH-LUDE")
        assert alsh.rank_pricing and alsh.billing_basis is BillingBasis.BOOKINGS
        assert alsh.rule.booking_notice_days == 7 and alsh.rule.booking_notice_time.hour == 12
        assert [(g.code, g.min_age_months, g.max_age_months) for g in alsh.age_groups] == [
            ("3-5", 36, 71),
            ("6-12", 72, 155),
        ]
        journee = next(u for u in alsh.units if u.code == "journee")
        toussaint = [c for c in journee.capacities if c.start_date == date(2026, 10, 17)]
        assert sum(c.places for c in toussaint) == 40
        first = {(t.child_rank, t.qf_min): t.price for t in journee.tariffs}
        assert [first[(1, 0)], first[(1, 601)], first[(1, 901)]] == [
            Decimal("8.50"),
            Decimal("11.20"),
            Decimal("14.60"),
        ]
        assert first[(2, 0)] == Decimal("7.65") and first[(3, 901)] == Decimal("11.68")

        jeunesse = one(s, Activity, code="JEUN-SUD-SARTHE")
        assert [(g.min_age_months, g.max_age_months) for g in jeunesse.age_groups] == [(132, 215)]
        assert {u.code for u in jeunesse.units} >= {"activite", "sortie"}

        creche = one(s, Activity, code="MA-LUDE")
        assert creche.billing_basis is BillingBasis.HOURS
        (hour,) = creche.units
        assert hour.billing_unit is BillingUnit.HOUR
        assert {c.places for c in hour.capacities} == {20}
        assert sorted(t.price for t in hour.tariffs) == [
            Decimal("0.75"),
            Decimal("1.25"),
            Decimal("1.90"),
        ]


def test_consents_of_the_child_file(demo_db):
    with demo_db.session() as s:
        consents = s.scalars(select(ConsentDefinition).order_by(ConsentDefinition.position)).all()
    assert [c.code for c in consents] == [
        "droit-image",
        "sorties-car",
        "soins-urgence",
        "baignade",
        "maquillage",
        "rentrer-seul",
    ]
    alone = consents[-1]
    assert (alone.min_age_years, alone.asks_detail) == (11, True)
    assert not consents[4].mandatory


def test_summer_today_covers_two_school_years_with_new_prices():
    years = school_years_for(date(2027, 7, 15))
    assert [y.code for y in years] == ["2026-2027", "2027-2028"]
    assert years[1].start == date(2027, 9, 1)
    doc = parse_catalogue(demo_catalogue_toml(date(2027, 7, 15)))
    peri = next(a for a in doc.activities if a.code == "PERI-LUDE")
    assert [p.code for p in peri.periods] == ["2026-2027", "2027-2028"]
    matin = {(t.valid_from, t.qf_min): t.price for t in peri.units[0].tariffs}
    assert matin[(date(2026, 9, 1), 0)] == Decimal("1.10")
    assert matin[(date(2027, 9, 1), 0)] == Decimal("1.13")  # +3 %, rounded to the cent
    assert [y.code for y in school_years_for(date(2027, 9, 1))] == ["2027-2028"]


def test_export_of_the_demo_reimports_unchanged(demo_db):
    with demo_db.session() as s:
        text = export_catalogue(s)
    with demo_db.session() as s:
        report = apply_catalogue(s, parse_catalogue(text))
    assert not report.changed
    with demo_db.session() as s:
        assert s.scalars(
            select(Tariff).join(Unit).join(Activity).where(Activity.code == "MA-LUDE")
        ).all()
