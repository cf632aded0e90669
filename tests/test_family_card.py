"""The family card's service: the whole story of a family in a bounded number of queries,
on SQLite and PostgreSQL, agreeing with the billing desk's figures."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select

from backoffice.demo.load import load_demo
from backoffice.demo.requests import add_portal_requests
from backoffice.models import (
    Booking,
    BookingState,
    Child,
    Closure,
    Family,
    Invoice,
    InvoiceLine,
    InvoiceState,
    PortalRequest,
    Regie,
    RequestState,
    Role,
    Unit,
)
from backoffice.services.billing.balances import family_balance
from backoffice.services.billing.credit_notes import issue_credit_note
from backoffice.services.billing.payments import record_payment
from backoffice.services.common.actors import PORTAL, Actor, PermissionDenied, current_actor
from backoffice.services.families.card import NEXT_BOOKINGS, family_card
from backoffice.services.families.queries import NotFound

TODAY = date(2026, 11, 27)
AGENT = Actor(1, "agent", Role.AGENT, "Agent")

pytestmark = pytest.mark.postgres


def _months_back(count: int) -> list[tuple[date, date]]:
    months = []
    first = TODAY.replace(day=1)
    for _ in range(count):
        end = first - timedelta(days=1)
        first = end.replace(day=1)
        months.append((first, end))
    return sorted(months)


@pytest.fixture
def world(db):
    """The demo (bookings of the school year, last month billed and partly paid), plus a
    year of monthly ALSH invoices for a family of three children, two of them paid at
    the desk, one cancelled by a credit note."""
    load_demo(db, families=30, seed=7, today=TODAY, billing=True)
    with db.session() as s:
        add_portal_requests(s, 90, seed=5, today=TODAY)
    with db.session() as s:
        families = list(
            s.scalars(
                select(Child.family_id)
                .group_by(Child.family_id)
                .having(func.count(Child.id) >= 3)
                .order_by(Child.family_id)
            )
        )
        big = max(
            families,
            key=lambda f: s.scalar(
                select(func.count(PortalRequest.id)).where(
                    PortalRequest.family_id == f, PortalRequest.state == RequestState.PENDING
                )
            ),
        )
        single = s.scalar(
            select(Child.family_id)
            .group_by(Child.family_id)
            .having(func.count(Child.id) == 1)
            .order_by(Child.family_id)
        )
        family = s.get(Family, big)
        alsh = s.scalar(select(Regie).where(Regie.code == "ALSH"))
        for n, (start, end) in enumerate(_months_back(12), start=1):
            s.add(
                Invoice(
                    number=f"ALSH-TEST-{n:05d}",
                    regie_id=alsh.id,
                    year=start.year,
                    seq=90_000 + n,
                    family_id=big,
                    issue_date=end + timedelta(days=3),
                    due_date=end + timedelta(days=18),
                    period_start=start,
                    period_end=end,
                    total=Decimal("20.00"),
                    billing_name=family.name,
                    billing_address="1 rue du Loir\n72800 Le Lude",
                    lines=[
                        InvoiceLine(
                            position=1,
                            label="Journée",
                            quantity=Decimal("2.00"),
                            unit_price=Decimal("10.00"),
                            amount=Decimal("20.00"),
                        )
                    ],
                )
            )
    with db.session() as s:
        regisseur = current_actor(s, "jfoucault")
        issue_credit_note(s, "ALSH-TEST-00001", "Erreur de facturation", actor=regisseur)
        code = s.get(Family, big).code
        for amount in ("20.00", "20.00"):
            record_payment(
                s, code, "ALSH", "especes", amount, received_on=TODAY, payer_name="X",
                actor=regisseur,
            )  # fmt: skip
    return {"big": big, "single": single}


def _counted(db, family_id):
    statements: list[str] = []

    def listener(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        with db.session() as s:
            card = family_card(s, AGENT, family_id, TODAY)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return card, len(statements)


def test_card_tells_the_whole_story_in_few_queries(db, world):
    card, queries = _counted(db, world["big"])
    small, small_queries = _counted(db, world["single"])
    # No query per child, booking, invoice or payment: the same count for both families.
    assert len(card.children) >= 3 and len(small.children) == 1
    assert queries == small_queries <= 14, (queries, small_queries)
    assert len(card.invoices) >= 12 and len(card.payments) >= 2

    with db.session() as s:
        # Next bookings: from today, not cancelled, in order, the first few per child.
        for child in card.children:
            ahead = s.scalar(
                select(func.count(Booking.id)).where(
                    Booking.child_id == child.id,
                    Booking.day >= TODAY,
                    Booking.state != BookingState.CANCELLED,
                )
            )
            assert child.bookings_ahead == ahead
            assert len(child.next_bookings) == min(ahead, NEXT_BOOKINGS)
            days = [b.day for b in child.next_bookings]
            assert days == sorted(days) and all(d >= TODAY for d in days)
        assert any(c.registrations for c in card.children)
        # Requests pending: all of the family's, and only those.
        pending = s.scalar(
            select(func.count(PortalRequest.id)).where(
                PortalRequest.family_id == world["big"],
                PortalRequest.state == RequestState.PENDING,
            )
        )
        assert len(card.requests) == pending
        # Each request's days are those of its bookings (first and last too).
        for line in card.requests:
            request = s.get(PortalRequest, line.id)
            days = sorted({link.booking.day for link in request.bookings})
            assert line.days == len(days)
            assert (line.first_day, line.last_day) == (
                (days[0], days[-1]) if days else (None, None)
            )
        assert any(line.days for line in card.requests)
        # The balance per régie is the payments desk's.
        code = s.get(Family, world["big"]).code
        desk = family_balance(s, code)
    assert {r.regie: r.balance for r in card.regies} == {r.regie: r.balance for r in desk.regies}
    assert card.balance == desk.balance
    # The credit note cancelled the oldest invoice; invoices come per régie.
    assert any(i.state is InvoiceState.CANCELLED for i in card.invoices)
    regies = [i.regie for i in card.invoices]
    assert regies == sorted(regies)


def test_a_payment_shows_with_the_invoices_it_settled(db, world):
    with db.session() as s:
        card = family_card(s, AGENT, world["big"], TODAY)
    latest = card.payments[0]
    assert latest.received_on == TODAY and latest.amount == Decimal("20.00")
    assert latest.regie == "ALSH" and latest.mode_label == "Espèces"
    # Oldest first: the two payments settled the two oldest invoices still due.
    settled = sorted(n for p in card.payments[:2] for n in p.invoices)
    assert settled == ["ALSH-TEST-00002", "ALSH-TEST-00003"]
    states = {i.number: i.state for i in card.invoices}
    assert states["ALSH-TEST-00001"] is InvoiceState.CANCELLED
    assert states["ALSH-TEST-00002"] is InvoiceState.PAID
    assert states["ALSH-TEST-00004"] is InvoiceState.ISSUED


def test_a_booking_on_a_day_closed_since_shows_closed(db, world):
    with db.session() as s:
        booking = s.scalars(
            select(Booking)
            .join(Child, Child.id == Booking.child_id)
            .where(
                Child.family_id == world["big"],
                Booking.day >= TODAY,
                Booking.state == BookingState.ACCEPTED,
            )
            .order_by(Booking.day)
        ).first()
        assert booking is not None
        activity_id = s.get(Unit, booking.unit_id).activity_id
        s.add(
            Closure(
                activity_id=activity_id,
                start_date=booking.day,
                end_date=booking.day,
                label="Travaux",
            )
        )
        booking_id = booking.id
    with db.session() as s:
        card = family_card(s, AGENT, world["big"], TODAY)
    line = next(b for c in card.children for b in c.next_bookings if b.id == booking_id)
    assert line.state == "closed"
    assert line.state_label == "Fermé (Travaux)"


def test_states_use_the_portal_words(db, world):
    with db.session() as s:
        card = family_card(s, AGENT, world["big"], TODAY)
    labels = {b.state: b.state_label for c in card.children for b in c.next_bookings}
    assert labels.get("booked", "Réservation acceptée") == "Réservation acceptée"
    assert labels.get("requested", "Demande de réservation en attente") == (
        "Demande de réservation en attente"
    )


def test_card_is_refused_to_the_portal_and_unknown_family(db, world):
    with db.session() as s:
        with pytest.raises(PermissionDenied, match="rôle ne permet pas"):
            family_card(s, PORTAL, world["big"], TODAY)
        with pytest.raises(NotFound, match="Aucune famille"):
            family_card(s, AGENT, 999_999, TODAY)
        accountant = Actor(2, "compta", Role.ACCOUNTANT, "Régisseur")
        assert family_card(s, accountant, world["big"], TODAY).code
