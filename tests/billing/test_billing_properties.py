"""Property test: random tariffs and bookings; lines add up, nothing drifts, no gap."""

from __future__ import annotations

import itertools
from datetime import date, time
from decimal import ROUND_HALF_UP, Decimal

import pytest
from billing_world import build
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from backoffice.models import (
    Activity,
    Attendance,
    BillingBasis,
    BillingUnit,
    Booking,
    BookingState,
    Invoice,
    InvoiceLine,
    Regie,
    Site,
    Tariff,
    Unit,
)
from backoffice.services.billing import issue_run, preview_run

ISSUE = date(2031, 1, 15)
counter = itertools.count(1)

prices = st.integers(min_value=1, max_value=9999).map(lambda c: Decimal(c).scaleb(-2))
tariff_rows = st.lists(
    st.tuples(
        st.integers(0, 20),  # valid_from: day offset in the month
        st.sampled_from([(0, 600), (601, 900), (901, None), (0, None)]),
        st.sampled_from([None, 1, 2, 3]),
        prices,
    ),
    min_size=1,
    max_size=8,
)
times = st.tuples(st.integers(6 * 60, 12 * 60), st.integers(10, 11 * 60))
booking_rows = st.lists(
    st.tuples(
        st.sampled_from(["lea", "tom", "jade", "noe"]),
        st.integers(1, 28),
        st.sampled_from(list(BookingState)),
        st.sampled_from([None, *Attendance]),
        st.booleans(),
        st.one_of(st.none(), times),
    ),
    max_size=25,
    unique_by=lambda row: (row[0], row[1]),
)


@pytest.fixture
def world_db(sqlite_db):
    import backoffice.services.billing  # noqa: F401

    with sqlite_db.session() as s:
        w = build(s)
    return sqlite_db, w


def cents(value: Decimal) -> int:
    return int(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).scaleb(2))


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    basis=st.sampled_from(list(BillingBasis)),
    hourly=st.booleans(),
    rank_pricing=st.booleans(),
    tariffs=tariff_rows,
    bookings=booking_rows,
)
def test_lines_add_up_and_numbers_have_no_gap(
    world_db, basis, hourly, rank_pricing, tariffs, bookings
):
    db, w = world_db
    n = next(counter)
    year, month = 2031 + n // 12, n % 12 + 1
    with db.session() as s:
        regie = s.scalar(select(Regie).where(Regie.code == "ALSH"))
        site = s.scalar(select(Site))
        activity = Activity(
            code=f"P{n}",
            name=f"Propriété {n}",
            kind="alsh",
            regie=regie,
            site=site,
            billing_basis=basis,
            rank_pricing=rank_pricing,
        )
        unit = Unit(
            activity=activity,
            code="u",
            name="Unité",
            start_time=time(7, 30),
            end_time=time(18, 30),
            billing_unit=BillingUnit.HOUR if hourly else BillingUnit.EACH,
        )
        for offset, (low, high), rank, price in tariffs:
            unit.tariffs.append(
                Tariff(
                    valid_from=date(year, month, 1 + offset),
                    qf_min=low,
                    qf_max=high,
                    child_rank=rank,
                    price=price,
                )
            )
        s.add(activity)
        s.flush()
        for child, day, state, attendance, billed, span in bookings:
            arrival = departure = None
            if span:
                start, length = span
                arrival = time(start // 60, start % 60)
                end = min(start + length, 23 * 60 + 59)
                departure = time(end // 60, end % 60)
            s.add(
                Booking(
                    child_id=w.children[child],
                    unit_id=unit.id,
                    day=date(year, month, day),
                    state=state,
                    attendance=attendance,
                    cancellation_billed=billed,
                    arrival_time=arrival,
                    departure_time=departure,
                )
            )
    start, end = date(year, month, 1), date(year, month, 28)
    with db.session() as s:
        preview = preview_run(s, "ALSH", start, end, as_of=ISSUE)
    with db.session() as s:
        if preview.blocking:
            with pytest.raises(Exception, match="bloquante"):
                issue_run(s, "ALSH", start, end, issue_date=ISSUE)
            return
        report = issue_run(s, "ALSH", start, end, issue_date=ISSUE)
    assert report.total == preview.total
    assert report.invoices == len(preview.families)
    with db.session() as s:
        invoices = s.scalars(select(Invoice).where(Invoice.run_id == report.run_id)).all()
        run_total = 0
        for invoice in invoices:
            lines = s.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)).all()
            assert lines
            for line in lines:
                assert cents(line.amount) == cents(line.quantity * line.unit_price)
                assert line.amount > 0
            assert cents(invoice.total) == sum(cents(line.amount) for line in lines)
            run_total += cents(invoice.total)
        assert run_total == cents(report.total)
        seqs = sorted(
            s.scalars(
                select(Invoice.seq).where(
                    Invoice.regie_id == w.regies["ALSH"], Invoice.year == ISSUE.year
                )
            )
        )
        assert seqs == list(range(1, len(seqs) + 1))
        numbers = s.scalars(select(Invoice.number).where(Invoice.year == ISSUE.year)).all()
        assert len(set(numbers)) == len(numbers)
        # Never twice: each booking has at most one line.
        booking_ids = s.scalars(
            select(InvoiceLine.booking_id).where(InvoiceLine.booking_id.is_not(None))
        ).all()
        assert len(booking_ids) == len(set(booking_ids))
