"""« Semaine type » at the desk: the preview says what each chosen day becomes (booked,
waiting list, full, closed, already booked, outside the registration), applying books
exactly that through the desk's rule and tells the portal, and applying twice books
nothing more. On SQLite and PostgreSQL, over ``build_world`` of the planning tests."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import select
from test_planning import TODAY, _desk_items, build_world, make_actor

from backoffice.models import Booking, BookingState, Role
from backoffice.services.bookings.planning import PlanningError, book_days
from backoffice.services.bookings.regular_week import (
    apply_regular_week,
    preview_regular_week,
    registered_activities,
)
from backoffice.services.common.actors import PermissionDenied

FIRST, LAST = date(2026, 11, 30), date(2026, 12, 31)
PERI_WEEK = (1, 2, 4, 5)


@pytest.fixture
def world(db):
    return build_world(db)


@pytest.fixture
def actor(db):
    return make_actor(db)


def _bookings(db, child_id, unit_id) -> dict[date, BookingState]:
    with db.session() as s:
        rows = s.execute(
            select(Booking.day, Booking.state).where(
                Booking.child_id == child_id, Booking.unit_id == unit_id
            )
        )
        return dict(rows.all())


def _preview(db, actor, child, activity, pattern, first=FIRST, last=LAST):
    with db.session() as s:
        return preview_regular_week(s, actor, child, activity, pattern, first, last, TODAY)


def _apply(db, actor, child, activity, pattern, first=FIRST, last=LAST):
    with db.session() as s:
        return apply_regular_week(s, actor, child, activity, pattern, first, last, TODAY)


@pytest.mark.postgres
def test_periscolaire_month_preview_then_apply_then_again(db, world, actor):
    zoe, noe, lina = (world.children[n] for n in ("Zoé", "Noé", "Lina"))
    with db.session() as s:  # the morning's 2 places taken on 7 and 8 December
        for other in (noe, lina):
            book_days(s, actor, other, world.matin, [date(2026, 12, 7), date(2026, 12, 8)], TODAY)
        book_days(s, actor, zoe, world.soir, [date(2026, 12, 1)], TODAY)  # already booked
    outbox_before = len(_desk_items(db))
    pattern = {world.matin: (1, 2, 3, 4, 5), world.soir: PERI_WEEK}  # Wednesday: no morning

    preview = _preview(db, actor, zoe, world.aps, pattern)
    by_day = {(line.unit_id, line.day): line for line in preview.lines}
    # 19 Mondays/Tuesdays/Thursdays/Fridays × 2 units, plus 5 Wednesdays for the morning.
    assert len(preview.lines) == 43
    assert preview.counts == Counter(book=31, closed=9, waiting=2, already=1)
    assert by_day[(world.matin, date(2026, 12, 7))].outcome == "waiting"
    assert by_day[(world.matin, date(2026, 12, 7))].places_left == 0
    assert by_day[(world.soir, date(2026, 12, 1))].reason == "Déjà réservé."
    christmas = by_day[(world.soir, date(2026, 12, 25))]
    assert (christmas.outcome, christmas.reason) == ("closed", "Fermé : jour férié (Noël).")
    inventory = by_day[(world.matin, date(2026, 12, 31))]
    assert inventory.reason == "Fermé : Inventaire de fin d'année."
    assert by_day[(world.matin, date(2026, 12, 2))].reason == "Pas d'accueil le mercredi (Matin)."
    assert preview.to_book == 33
    assert preview.summary() == (
        "Du 30/11/2026 au 31/12/2026 : 31 jour(s) à réserver, 2 en liste d'attente "
        "(complet), 1 déjà réservé(s), 9 fermé(s)."
    )
    # The preview wrote nothing.
    assert _bookings(db, zoe, world.matin) == {}

    result = _apply(db, actor, zoe, world.aps, pattern)
    assert (len(result.booked), len(result.waiting), len(result.cancelled)) == (31, 2, 0)
    assert sorted(result.waiting) == [date(2026, 12, 7), date(2026, 12, 8)]
    # What was saved is what the preview said, day by day.
    planned = preview.days_by_unit()
    matin, soir = _bookings(db, zoe, world.matin), _bookings(db, zoe, world.soir)
    assert sorted(matin) == sorted(planned[world.matin])
    assert sorted(soir) == sorted(planned[world.soir] + [date(2026, 12, 1)])
    assert matin[date(2026, 12, 7)] is BookingState.WAITING_LIST
    assert matin[date(2026, 12, 10)] is BookingState.ACCEPTED
    assert date(2026, 12, 25) not in soir and date(2026, 12, 31) not in matin
    # The portal is told, as for any desk booking: booking.desk items (one per unit).
    items = _desk_items(db)[outbox_before:]
    assert len(items) == 2 and {i["family_code"] for i in items} == {"F00001"}
    told = [d for i in items for d in i["bookings"]]
    assert len(told) == 33
    assert {d["state"] for d in told} == {"accepted", "waiting_list"}

    # Idempotent: the same semaine type again books nothing, tells the portal nothing.
    again = _apply(db, actor, zoe, world.aps, pattern)
    assert again.changed == 0
    assert len(_desk_items(db)) == outbox_before + 2
    assert _bookings(db, zoe, world.matin) == matin
    after = _preview(db, actor, zoe, world.aps, pattern)
    assert after.counts == Counter(already=34, closed=9)


@pytest.mark.postgres
def test_full_day_refused_when_the_rule_says_request(db, world, actor):
    zoe, noe = world.children["Zoé"], world.children["Noé"]
    first, last = date(2026, 12, 21), date(2027, 1, 1)
    with db.session() as s:  # the ALSH's one place taken on 22 December
        book_days(s, actor, noe, world.journee, [date(2026, 12, 22)], TODAY)
    pattern = {world.journee: (1, 2, 3, 4, 5)}
    preview = _preview(db, actor, zoe, world.alsh, pattern, first, last)
    outcome = {line.day: line.outcome for line in preview.lines}
    assert outcome == {
        date(2026, 12, 21): "book",
        date(2026, 12, 22): "full",
        date(2026, 12, 23): "book",
        date(2026, 12, 24): "book",
        date(2026, 12, 25): "closed",  # Noël
        date(2026, 12, 28): "book",
        date(2026, 12, 29): "book",
        date(2026, 12, 30): "book",
        date(2026, 12, 31): "closed",  # inventaire
        date(2027, 1, 1): "closed",  # Jour de l'an
    }
    full = next(line for line in preview.lines if line.outcome == "full")
    assert full.reason == "Complet : plus de réservation possible."
    result = _apply(db, actor, zoe, world.alsh, pattern, first, last)
    assert len(result.booked) == 6 and result.waiting == []
    assert (date(2026, 12, 22), "Complet : plus de réservation possible.") in result.skipped
    assert date(2026, 12, 22) not in _bookings(db, zoe, world.journee)


def test_past_days_and_days_outside_the_registration(db, world, actor):
    zoe = world.children["Zoé"]
    # From Monday 23 November (past until Friday 27 = today) to after the ALSH period.
    pattern = {world.journee: (1,)}
    preview = _preview(db, actor, zoe, world.alsh, pattern, date(2026, 12, 14), date(2027, 1, 11))
    assert [(line.day, line.outcome) for line in preview.lines] == [
        (date(2026, 12, 14), "outside"),
        (date(2026, 12, 21), "book"),
        (date(2026, 12, 28), "book"),
        (date(2027, 1, 4), "outside"),
        (date(2027, 1, 11), "outside"),
    ]
    past = _preview(db, actor, zoe, world.aps, {world.matin: (1,)}, date(2026, 11, 23), FIRST)
    assert [(line.outcome, line.reason) for line in past.lines] == [
        ("closed", "Date passée."),
        ("book", ""),
    ]
    result = _apply(db, actor, zoe, world.aps, {world.matin: (1,)}, date(2026, 11, 23), FIRST)
    assert result.booked == [FIRST]
    assert date(2026, 11, 23) not in _bookings(db, zoe, world.matin)


def test_french_refusals_change_nothing(db, world, actor):
    zoe, jules = world.children["Zoé"], world.children["Jules"]
    with pytest.raises(PlanningError, match="date de fin .* est avant la date de début"):
        _preview(db, actor, zoe, world.aps, {world.matin: PERI_WEEK}, LAST, FIRST)
    with pytest.raises(PlanningError, match="Période trop longue"):
        _apply(db, actor, zoe, world.aps, {world.matin: PERI_WEEK}, FIRST, date(2028, 3, 1))
    with pytest.raises(PlanningError, match="Aucun jour choisi"):
        _apply(db, actor, zoe, world.aps, {world.matin: ()})
    with pytest.raises(PlanningError, match="n'est pas une unité de « Périscolaire du Lude »"):
        _apply(db, actor, zoe, world.aps, {world.journee: PERI_WEEK})
    with pytest.raises(PlanningError, match="inscrivez l'enfant d'abord"):
        _apply(db, actor, jules, world.aps, {world.matin: PERI_WEEK})
    accountant = make_actor(db, Role.ACCOUNTANT, "regisseur")
    with pytest.raises(PermissionDenied, match="Votre rôle ne permet pas"):
        _apply(db, accountant, zoe, world.aps, {world.matin: PERI_WEEK})
    assert _bookings(db, zoe, world.matin) == {}
    assert _desk_items(db) == []


def test_registered_activities_offer_units_and_span(db, world):
    with db.session() as s:
        choices = registered_activities(s, world.children["Zoé"], TODAY)
    assert [(c.name, c.first, c.last) for c in choices] == [
        ("Périscolaire du Lude", TODAY, date(2027, 7, 3)),
        ("Accueil de loisirs du Lude", date(2026, 12, 21), date(2027, 1, 1)),
    ]
    assert [(name, sorted(days)) for _i, name, days in choices[0].units] == [
        ("Matin", [1, 2, 4, 5]),
        ("Soir", [1, 2, 4, 5]),
    ]
