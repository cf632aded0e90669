"""The tariff screen's services on the hand-made world (SQLite and PostgreSQL):
a new price from a date prices the days from that date only, an issued invoice
keeps its price, every input error in French, used tariffs never change."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from backoffice.models import AuditEvent, Invoice, InvoiceLine, Role, Tariff
from backoffice.services.billing import BillingError, close_period, issue_run, preview_run
from backoffice.services.billing.tariff_edit import (
    TariffErrors,
    TariffInput,
    delete_future_tariffs,
    list_units,
    set_tariffs,
    tariff_grid,
)
from backoffice.services.common.actors import Actor, PermissionDenied, bind

pytestmark = pytest.mark.postgres

D = Decimal
ACCOUNTANT = Actor(None, "rdubois", Role.ACCOUNTANT, "René Dubois")
DIRECTOR = Actor(None, "adurand", Role.DIRECTOR, "Anne Durand")
AGENT = Actor(None, "mhuet", Role.AGENT, "Mélanie Huet")
JULY = (date(2026, 7, 1), date(2026, 7, 31))
MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def three(prices, rank=None) -> list[TariffInput]:
    """The world's brackets ≤ 600 / 601–900 / ≥ 901 with prices typed « 12,50 »."""
    return [
        TariffInput(low, high, rank, price)
        for (low, high), price in zip(((0, 600), (601, 900), (901, "")), prices, strict=True)
    ]


def change(db, unit_id, valid_from, rows, actor=ACCOUNTANT, today=date(2026, 3, 1)):
    with db.session() as s:
        bind(s, actor)
        return set_tariffs(s, actor, unit_id, valid_from, rows, today=today)


def errors_of(db, unit_id, valid_from, rows, **kwargs) -> list[str]:
    with pytest.raises(TariffErrors) as caught:
        change(db, unit_id, valid_from, rows, **kwargs)
    return caught.value.errors


def test_units_and_grid_in_force_and_planned(db, world):
    with db.session() as s:
        units = list_units(s)
        assert [u.label for u in units] == [
            "ALSH › Accueil de loisirs › Journée",
            "MAC › Multi-accueil › Heure d'accueil",
            "PERI › Périscolaire › Accueil du matin",
            "PERI › Périscolaire › Accueil du soir",
        ]
        assert [u.rank_pricing for u in units] == [True, False, False, False]
        assert units[1].per_hour
        before = tariff_grid(s, world.units["journee"], date(2026, 7, 1))
        after = tariff_grid(s, world.units["journee"], date(2026, 7, 20))
    assert len(before.current) == 9
    assert before.future_dates == [date(2026, 7, 15)]
    assert [(r.bracket, r.child_rank, r.price) for r in before.current[:3]] == [
        ("QF ≤ 600", 1, D("8.50")),
        ("QF 601–900", 1, D("11.20")),
        ("QF ≥ 901", 1, D("14.60")),
    ]
    # From 15 July the middle bracket of ranks 1 and 2 changed. The newest row wins, so
    # the rank-2 row also prices the 3rd child there (what billing does): the old
    # rank-3 row of that bracket is no longer in force, those of the other brackets are.
    middle = {r.child_rank: (r.price, r.valid_from) for r in after.current if r.qf_min == 601}
    assert middle == {1: (D("11.50"), date(2026, 7, 15)), 2: (D("10.35"), date(2026, 7, 15))}
    assert [r.price for r in after.current if r.child_rank == 3] == [D("6.80"), D("11.68")]
    spans = {(r.qf_min, r.child_rank): (r.rank_from, r.rank_to) for r in after.current}
    assert spans[(601, 2)] == (2, None)  # 2nd child and the following ones
    assert spans[(0, 2)] == (2, 2) and spans[(0, 3)] == (3, None)
    assert [(r.rank_from, r.rank_to) for r in before.future] == [(1, 1), (2, None)]
    assert after.future == [] and all(r.uses == 0 for r in after.current)


def test_a_new_price_applies_from_its_date_only(db, world):
    evening = world.units["soir"]
    report = change(db, evening, date(2026, 3, 10), three(("1,70", "2,20", "2.60 €")))
    assert (report.created, report.replaced, report.invoiced_after) == (3, 0, 0)
    assert "à partir du 10/03/2026" in report.summary()
    with db.session() as s:
        totals = {
            f.code: f.total for f in preview_run(s, "PERI", *MARCH, as_of=date(2026, 4, 2)).families
        }
        grid = tariff_grid(s, evening, date(2026, 3, 9))
    # Léa (QF 750) evenings: 2, 3, 5, 6, 9 March at 2.05; 10, 12 (absent), 16, 17 at 2.20;
    # Tom's 4 mornings 4 × 1.45 unchanged. Noé (no QF, top bracket) on 2 March: 2.50.
    assert totals == {"F00042": D("10.25") + D("8.80") + D("5.80"), "F00044": D("2.50")}
    assert [r.price for r in grid.current] == [D("1.60"), D("2.05"), D("2.50")]
    assert [r.price for r in grid.future] == [D("1.70"), D("2.20"), D("2.60")]
    assert [r.qf_max for r in grid.future] == [600, 900, None]


def test_an_issued_invoice_keeps_its_price(db, world):
    with db.session() as s:
        issue_run(s, "ALSH", *JULY, issue_date=date(2026, 6, 25))
    rows = (
        three(("9,00", "12,00", "15,00"), rank=1)
        + three(("8,00", "10,80", "13,50"), rank=2)
        + three(("7,00", "9,50", "12,00"), rank=3)
    )
    report = change(db, world.units["journee"], date(2026, 7, 16), rows, today=date(2026, 6, 26))
    # Léa 16 and 17 July, Tom 17 July were invoiced: they keep 11.50 / 10.35.
    assert report.invoiced_after == 3
    assert "3 prestation(s) déjà facturée(s)" in report.summary()
    with db.session() as s:
        invoice = s.scalar(select(Invoice).where(Invoice.number == "ALSH-2026-00001"))
        assert invoice.total == D("129.67")
        prices = {
            (line.day, line.unit_price)
            for line in s.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id))
        }
        assert (date(2026, 7, 16), D("11.50")) in prices
        assert preview_run(s, "ALSH", *JULY, as_of=date(2026, 7, 1)).families == []
    with db.session() as s:
        august = issue_run(
            s, "ALSH", date(2026, 8, 1), date(2026, 8, 31), issue_date=date(2026, 7, 20)
        )
    assert august.total == D("24.00")  # Léa, rank 1, QF 750: 2 × 12.00 (new price)


def test_every_input_error_in_french_and_nothing_written(db, world):
    evening = world.units["soir"]
    rows = [
        TariffInput("0", "600", "", "1,605"),  # three decimals
        TariffInput("550", "900", "", "2,05"),  # overlaps the first
        TariffInput("950", "", "", "2,50"),  # gap 901–949
    ]
    with db.session() as s:
        count = s.scalar(select(func.count(Tariff.id)))
    assert errors_of(db, evening, date(2026, 4, 1), rows) == [
        "Ligne 1 : prix « 1,605 » avec plus de deux décimales."
    ]
    rows[0] = TariffInput("0", "600", "", "1,60")
    assert errors_of(db, evening, date(2026, 4, 1), rows) == [
        "les tranches se chevauchent (lignes 1 et 2 : 0–600 et 550…).",
        "trou entre les tranches (lignes 2 et 3) : les QF de 901 à 949 n'ont pas de prix.",
    ]
    bad = [
        TariffInput("100", "600", "2", "abc"),
        TariffInput("", "x", "", "-1"),
        TariffInput("", "", "", ""),  # a blank row is ignored
    ]
    assert errors_of(db, evening, date(2026, 4, 1), bad) == [
        "Ligne 1 : cette activité n'a pas de tarif par rang ; laissez le rang vide.",
        "Ligne 1 : prix « abc » invalide (exemple : 12,50).",
        "Ligne 2 : « QF de » manquant (0 pour la première tranche).",
        "Ligne 2 : QF à « x » n'est pas un nombre entier positif.",
        "Ligne 2 : le prix « -1 » ne peut pas être négatif.",
    ]
    closed = [TariffInput("100", "600", "", "1,00"), TariffInput("601", "900", "", "1,00")]
    assert errors_of(db, evening, date(2026, 4, 1), closed) == [
        "la première tranche doit commencer à QF 0 (ligne 1 commence à 100).",
        "la dernière tranche (ligne 2) doit rester ouverte : laissez « QF à » vide.",
    ]
    assert errors_of(db, evening, date(2026, 4, 1), []) == [
        "Saisissez au moins une tranche de tarif."
    ]
    with pytest.raises(TariffErrors, match="Les nouveaux tarifs ne sont pas enregistrés"):
        change(db, evening, date(2026, 4, 1), rows[:1])
    with db.session() as s:
        assert s.scalar(select(func.count(Tariff.id))) == count


def test_rank_rules(db, world):
    day = world.units["journee"]
    errors = errors_of(db, day, date(2026, 9, 1), three(("1", "2", "3"), rank=2))
    assert errors == ["Aucun prix pour le 1er enfant : ajoutez des lignes de rang 1."]
    errors = errors_of(
        db, day, date(2026, 9, 1), three(("1", "2", "3")) + three(("1", "2", "3"), rank=1)
    )
    assert errors == ["Rang 1 et « tous rangs » font double emploi : gardez l'un des deux."]
    errors = errors_of(db, day, date(2026, 9, 1), three(("1", "2", "3"), rank=10))
    assert errors[0] == "Ligne 1 : le rang doit aller de 1 à 9."
    gap = three(("1", "2", "3"), rank=1) + [
        TariffInput(0, 500, 2, "1"),
        TariffInput(700, "", 2, "1"),
    ]
    assert errors_of(db, day, date(2026, 9, 1), gap) == [
        "Rang 2 : trou entre les tranches (lignes 4 et 5) : les QF de 501 à 699 n'ont pas de prix."
    ]


def test_dates_roles_closed_periods_and_backdating(db, world):
    evening = world.units["soir"]
    rows = three(("1,70", "2,20", "2,60"))
    with pytest.raises(PermissionDenied, match="modifier les tarifs"):
        change(db, evening, date(2026, 4, 1), rows, actor=AGENT)
    # Backdated (before today): the régisseur may, a director may not.
    assert errors_of(db, evening, date(2026, 2, 1), rows, actor=DIRECTOR) == [
        "Date de début dans le passé (01/02/2026) : seuls le régisseur et l'administrateur "
        "peuvent changer un tarif avec effet rétroactif ; choisissez une date à partir du "
        "01/03/2026."
    ]
    assert change(db, evening, date(2026, 4, 1), rows, actor=DIRECTOR).created == 3
    assert change(db, evening, date(2026, 2, 1), rows).created == 3
    with db.session() as s:
        close_period(s, "PERI", *MARCH, force=True)
    assert errors_of(db, evening, date(2026, 3, 20), rows) == [
        "La période du 01/03/2026 au 31/03/2026 est clôturée : les nouveaux tarifs doivent "
        "commencer après le 31/03/2026."
    ]
    with db.session() as s:
        events = list(
            s.scalars(
                select(AuditEvent).where(AuditEvent.entity == "tariff").order_by(AuditEvent.id)
            )
        )
    assert len(events) == 6 and {e.actor for e in events} == {"adurand", "rdubois"}
    assert events[0].new_value == (
        "PERI › Périscolaire › Accueil du soir, QF ≤ 600 : 1,70\u00a0€ à partir du 01/04/2026"
    )


def test_same_day_rows_are_replaced_unless_invoiced(db, world):
    day = world.units["journee"]
    first = three(("9", "12", "15"), rank=1)
    assert change(db, day, date(2026, 9, 1), first).created == 3
    second = three(("9,50", "12,50", "15,50"), rank=1)
    report = change(db, day, date(2026, 9, 1), second)
    assert (report.created, report.replaced) == (3, 3)
    with db.session() as s:
        grid = tariff_grid(s, day, date(2026, 8, 1))
    assert [r.price for r in grid.future] == [D("9.50"), D("12.50"), D("15.50")]

    with db.session() as s:
        issue_run(s, "ALSH", *JULY, issue_date=date(2026, 6, 25))
    # The 15 July rows price invoiced days: same prices kept, a new price refused.
    july15 = [TariffInput(601, 900, 1, "11,50"), TariffInput(601, 900, 2, "10,35")]
    with db.session() as s:
        grid = tariff_grid(s, day, date(2026, 7, 20))
    assert sorted(r.uses for r in grid.current if r.valid_from == date(2026, 7, 15)) == [1, 2]
    errors = errors_of(
        db,
        day,
        date(2026, 7, 15),
        three(("8,50", "11,60", "14,60"), rank=1),
        today=date(2026, 7, 1),
    )
    assert errors == [
        "Le tarif du 15/07/2026 (QF 601–900, rang 1, 11,50\u00a0€) est utilisé par 2 ligne(s) "
        "de facture : il ne peut plus changer ; choisissez une date de début postérieure.",
        "Le tarif du 15/07/2026 (QF 601–900, rang 2, 10,35\u00a0€) est utilisé par 1 ligne(s) "
        "de facture : il ne peut plus changer ; choisissez une date de début postérieure.",
    ]
    full = [TariffInput(0, 600, 1, "8,50"), july15[0], TariffInput(901, "", 1, "14,60")] + [
        TariffInput(0, 600, 2, "7,65"),
        july15[1],
        TariffInput(901, "", 2, "13,14"),
    ]
    report = change(db, day, date(2026, 7, 15), full, today=date(2026, 7, 1))
    assert (report.kept, report.created, report.replaced) == (2, 4, 0)


def test_planned_change_deleted_unless_in_force_or_invoiced(db, world):
    day = world.units["journee"]
    change(db, day, date(2026, 9, 1), three(("9", "12", "15"), rank=1))
    with db.session() as s:
        issue_run(s, "ALSH", *JULY, issue_date=date(2026, 6, 25))

    def delete(valid_from, actor=ACCOUNTANT):
        with db.session() as s:
            bind(s, actor)
            return delete_future_tariffs(s, actor, day, valid_from, today=date(2026, 6, 26))

    # ALSH is invoiced in advance: the 15 July rows are used before they are in force.
    with pytest.raises(BillingError, match="utilisés par 3 ligne\\(s\\) de facture"):
        delete(date(2026, 7, 15))
    with pytest.raises(BillingError, match="déjà en vigueur"):
        delete(date(2025, 9, 1))
    with pytest.raises(PermissionDenied):
        delete(date(2026, 9, 1), actor=AGENT)
    assert delete(date(2026, 9, 1)) == 3
    with pytest.raises(BillingError, match="Aucun tarif"):
        delete(date(2026, 9, 1))
    with db.session() as s:
        assert tariff_grid(s, day, date(2026, 6, 26)).future_dates == [date(2026, 7, 15)]
