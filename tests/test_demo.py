"""Demo data: counts, determinism, search, incomplete files, calendar and ages, CLI."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from backoffice.demo.load import load_demo
from backoffice.errors import UserError
from backoffice.models import (
    Activity,
    ActivityKind,
    AgeGroup,
    Attendance,
    Base,
    Booking,
    BookingState,
    Capacity,
    Child,
    Closure,
    Family,
    Guardian,
    Period,
    PortalRequest,
    Registration,
    RequestBooking,
    RequestKind,
    Role,
    StaffUser,
    Unit,
)
from backoffice.services.database import open_database
from backoffice.services.families.queries import get_family_detail, search_families, search_text_for

TODAY = date(2026, 11, 27)
MORNING = datetime(2026, 11, 27, 8, 0, tzinfo=ZoneInfo("Europe/Paris"))
MOBILE = re.compile(r"^0[67]( \d\d){4}$")
LANDLINE = re.compile(r"^02 43( \d\d){3}$")
RESERVED = ("@example.org", "@example.net", "@example.com")


@pytest.fixture
def demo(db):
    report = load_demo(db, families=40, seed=7, today=TODAY)
    return db, report


def _months(birth: date, day: date) -> int:
    months = (day.year - birth.year) * 12 + day.month - birth.month
    return months - 1 if day.day < birth.day else months


@pytest.mark.postgres
def test_counts_and_report(demo):
    db, report = demo
    with db.session() as session:
        families = session.scalars(select(Family).order_by(Family.id)).all()
        assert [f.code for f in families] == [f"F{n:05d}" for n in range(1, 41)]
        for family in families:
            assert 1 <= len(family.guardians) <= 2
            assert sum(g.is_payer for g in family.guardians) == 1
            assert 1 <= len(family.children) <= 4
            assert family.postcode and family.insee_code.startswith("72")
            assert family.login_email.endswith(RESERVED)
            assert MOBILE.match(family.phone) or LANDLINE.match(family.phone)
            assert family.created_at <= MORNING
            assert len(family.quotients) <= 2
        for guardian in session.scalars(select(Guardian)):
            assert guardian.email.endswith(RESERVED)
            assert not guardian.mobile_phone or MOBILE.match(guardian.mobile_phone)
        roles = Counter(session.scalars(select(StaffUser.role)))
        assert roles == {Role.ADMIN: 1, Role.AGENT: 2, Role.DIRECTOR: 1, Role.ACCOUNTANT: 1}
        for table, expected in report.rows.items():
            actual = session.scalar(select(func.count()).select_from(Base.metadata.tables[table]))
            assert actual == expected, table
        kinds = set(session.scalars(select(Activity.kind).join(Registration)))
        assert kinds == set(ActivityKind)  # every kind of activity has children
    assert report.rows["booking"] > 500
    assert report.rows["portal_request"] >= 3
    summary = report.summary()
    assert "40 familles" in summary and "réservations" in summary
    assert report.as_dict()["rows"]["family"] == 40


# Bookkeeping that is unique per write by design, not demo data.
NOT_DETERMINISTIC = {"outbox_item": {"idempotency_key", "created_at"}}


def _dump(db) -> dict[str, list[tuple]]:
    with db.engine.connect() as conn:
        return {
            table.name: [
                tuple(row)
                for row in conn.execute(
                    table.select()
                    .with_only_columns(
                        *(
                            c
                            for c in table.columns
                            if c.name not in NOT_DETERMINISTIC.get(table.name, ())
                        )
                    )
                    .order_by(*table.primary_key)
                )
            ]
            for table in Base.metadata.sorted_tables
        }


def test_same_seed_same_data(tmp_path):
    dumps = []
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        db = open_database(f"sqlite:///{tmp_path / name}.sqlite3")
        try:
            load_demo(db, families=25, seed=seed, today=TODAY)
            dumps.append(_dump(db))
        finally:
            db.dispose()
    assert dumps[0]["booking"] and dumps[0]["family"]
    assert dumps[0] == dumps[1]
    assert dumps[0]["family"] != dumps[2]["family"]


@pytest.mark.postgres
def test_every_family_found_by_a_child_first_name(demo):
    db, _ = demo
    with db.session() as session:
        for family in session.scalars(select(Family)):
            assert family.search_text == search_text_for(family)
            for child in family.children:
                hits = search_families(session, child.first_name, limit=None)
                assert family.id in {row.id for row in hits}, child.first_name


@pytest.mark.postgres
def test_some_files_incomplete_but_a_minority(demo):
    db, _ = demo
    with db.session() as session:
        ids = session.scalars(select(Family.id)).all()
        children = [
            child
            for family_id in ids
            for child in get_family_detail(session, family_id, today=TODAY).children
        ]
    incomplete = [c for c in children if c.missing]
    assert 0 < len(incomplete) < 0.35 * len(children)
    reasons = {reason.split(" :")[0] for c in incomplete for reason in c.missing}
    assert len(reasons) >= 2


@pytest.mark.postgres
def test_bookings_on_open_days_unit_weekdays_and_matching_ages(demo):
    db, _ = demo
    with db.session() as session:
        closures = session.scalars(select(Closure)).all()
        rows = session.execute(
            select(Booking, Unit, Registration, Period, Child)
            .join(Unit, Booking.unit_id == Unit.id)
            .join(Registration, Booking.registration_id == Registration.id)
            .join(Period, Registration.period_id == Period.id)
            .join(Child, Booking.child_id == Child.id)
        ).all()
        groups = {g.id: g for g in session.scalars(select(AgeGroup))}
        kinds = dict(session.execute(select(Activity.id, Activity.kind)).all())
        assert rows
        for booking, unit, registration, period, _child in rows:
            assert unit.activity_id == registration.activity_id
            assert period.start_date <= booking.day <= period.end_date
            assert booking.day.isoweekday() in unit.weekday_set
            for closure in closures:
                if closure.activity_id in (None, unit.activity_id):
                    assert not closure.start_date <= booking.day <= closure.end_date, closure.label
            if booking.attendance is not None:
                assert booking.day < TODAY and booking.state is BookingState.ACCEPTED
            if kinds[unit.activity_id] is ActivityKind.MULTI_ACCUEIL and (
                booking.attendance is Attendance.PRESENT
            ):
                assert booking.arrival_time < booking.departure_time
        for registration, child, period in session.execute(
            select(Registration, Child, Period)
            .join(Child, Registration.child_id == Child.id)
            .join(Period, Registration.period_id == Period.id)
        ):
            if registration.age_group_id is None:
                continue
            group = groups[registration.age_group_id]
            reference = min(max(TODAY, period.start_date), period.end_date)
            assert group.activity_id == registration.activity_id
            assert (
                group.min_age_months <= _months(child.birth_date, reference) <= group.max_age_months
            )
            kind = kinds[registration.activity_id]
            if kind is ActivityKind.MULTI_ACCUEIL:
                assert child.school == ""
            if kind is ActivityKind.PERISCOLAIRE:
                assert child.school_class in (
                    "TPS",
                    "PS",
                    "MS",
                    "GS",
                    "CP",
                    "CE1",
                    "CE2",
                    "CM1",
                    "CM2",
                )
        # Accepted bookings never exceed a unit's capacity on a day.
        taken = Counter(
            session.execute(
                select(Booking.unit_id, Booking.day).where(Booking.state == BookingState.ACCEPTED)
            )
        )
        for cap in session.scalars(select(Capacity).where(Capacity.age_group_id.is_(None))):
            for (unit_id, day), count in taken.items():
                if unit_id == cap.unit_id and cap.start_date <= day <= cap.end_date:
                    assert count <= cap.places


@pytest.mark.postgres
def test_pending_requests_point_at_matching_bookings(demo):
    db, _ = demo
    with db.session() as session:
        requests = session.scalars(select(PortalRequest)).all()
        assert len({r.portal_ref for r in requests}) == len(requests)
        for request in requests:
            assert request.received_at <= MORNING
            assert request.family.account_state.value == "active"
            states = {link.booking.state for link in request.bookings}
            if request.kind is RequestKind.BOOKING:
                assert states == {BookingState.REQUESTED}
            elif request.kind is RequestKind.CANCELLATION:
                assert states == {BookingState.CANCEL_REQUESTED}
            else:
                assert not states
            if request.kind is RequestKind.LOGIN_EMAIL_CHANGE:
                assert request.family.pending_login_email == request.payload["new"]
        assert session.scalar(select(func.count(RequestBooking.id))) >= 1


@pytest.mark.postgres
def test_refuses_a_database_with_families(demo):
    db, _ = demo
    with pytest.raises(UserError, match="déjà"):
        load_demo(db, families=5, seed=1, today=TODAY)
    # Nothing half-loaded: the refused load left the counts as they were.
    with db.session() as session:
        assert session.scalar(select(func.count(Family.id))) == 40


@pytest.mark.parametrize("today", [date(2027, 1, 4), date(2027, 7, 20), date(2027, 9, 2)])
def test_loads_on_any_day_of_the_year(sqlite_db, today):
    report = load_demo(sqlite_db, families=15, seed=2, today=today)
    assert report.rows["family"] == 15 and report.rows["child"] >= 15


def test_progress_is_reported_per_chunk(sqlite_db):
    calls = []
    load_demo(
        sqlite_db, families=230, seed=5, today=TODAY, progress=lambda d, t: calls.append((d, t))
    )
    assert calls[0] == (0, 230) and calls[-1] == (230, 230)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls) and len(calls) >= 3


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "backoffice.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_demo_then_families_list(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    loaded = _cli("--database-url", url, "demo", "--families", "200", "--seed", "1")
    assert loaded.returncode == 0, loaded.stderr
    assert "200 familles" in loaded.stdout
    listed = _cli("--database-url", url, "families", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    families = json.loads(listed.stdout)
    assert len(families) == 200
    first_child = families[0]["children"].split(", ")[0]
    found = _cli("--database-url", url, "families", "list", "--search", first_child, "--json")
    assert families[0]["code"] in {f["code"] for f in json.loads(found.stdout)}
    again = _cli("--database-url", url, "demo", "--families", "10")
    assert again.returncode == 1
    assert "Erreur" in again.stderr and "déjà" in again.stderr


@pytest.mark.postgres
def test_rows_added_after_the_demo_get_fresh_ids(demo):
    db, _ = demo
    with db.session() as session:
        family = Family(code="F99999", name="Nouvelle", search_text="f99999 nouvelle")
        family.children.append(
            Child(first_name="Zoé", last_name="Nouvelle", sex="F", birth_date=date(2020, 5, 4))
        )
        session.add(family)
        session.flush()
        assert family.id > 40


def _billing_dump(db) -> tuple:
    from backoffice.models import Invoice, Payment

    with db.session() as s:
        invoices = s.execute(select(Invoice.number, Invoice.total).order_by(Invoice.number)).all()
        payments = s.execute(
            select(Payment.mode, Payment.amount, Payment.received_on).order_by(Payment.id)
        ).all()
    return invoices, payments


@pytest.mark.postgres
def test_demo_billing_last_month_invoiced_and_partly_paid(db):
    from backoffice.models import (
        Invoice,
        InvoiceState,
        OutboxItem,
        Payment,
        PaymentMode,
        Regie,
    )
    from backoffice.services.billing import family_balance

    report = load_demo(db, families=60, seed=3, today=TODAY, billing=True)
    b = report.billing
    assert b is not None and b.invoices > 0 and b.payments > 0 and b.sent_to_tresor > 0
    assert b.deposit_slips >= 1  # early cheques deposited, later ones waiting
    assert "Facturation du mois dernier" in report.summary()
    with db.session() as s:
        numbers: dict[str, list[int]] = {}
        for regie, seq, start in s.execute(
            select(Regie.code, Invoice.seq, Invoice.period_start).join(
                Regie, Regie.id == Invoice.regie_id
            )
        ):
            numbers.setdefault(regie, []).append(seq)
            assert start == date(2026, 10, 1)  # October, the month before « today »
        assert all(sorted(seqs) == list(range(1, len(seqs) + 1)) for seqs in numbers.values())
        states = Counter(s.scalars(select(Invoice.state)))
        assert states[InvoiceState.SENT_TO_TRESOR] == b.sent_to_tresor
        desk = select(func.count(Payment.id)).where(Payment.mode != PaymentMode.TRESOR_PUBLIC)
        assert s.scalar(desk) == b.payments
        # Invoiced before the portal existed: nothing of it waits to be sent.
        assert not s.scalar(
            select(func.count(OutboxItem.id)).where(OutboxItem.topic.like("invoice.%"))
        )
        paid_family, paid = s.execute(
            select(Payment.family_id, Payment.amount)
            .where(Payment.mode != PaymentMode.TRESOR_PUBLIC)
            .order_by(Payment.id)
            .limit(1)
        ).one()
        balance = family_balance(s, str(paid_family))
        assert any(r.paid + r.credit >= paid for r in balance.regies)


def test_demo_billing_is_deterministic(tmp_path):
    dumps = []
    for name in ("a", "b"):
        db = open_database(f"sqlite:///{tmp_path / name}.sqlite3")
        try:
            load_demo(db, families=30, seed=5, today=TODAY, billing=True)
            dumps.append(_billing_dump(db))
        finally:
            db.dispose()
    assert dumps[0][0] and dumps[0][1]
    assert dumps[0] == dumps[1]


@pytest.mark.parametrize("today", [date(2026, 12, 1), date(2026, 12, 6), date(2026, 12, 28)])
def test_demo_billing_has_desk_payments_whatever_the_day(tmp_path, today):
    """November has no holidays, so ALSH had nothing to bill for it: the demo bills its
    next month with bookings instead, and the desk still has payments and a slip."""
    from backoffice.models import Invoice, Regie, Settlement

    db = open_database(f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    try:
        b = load_demo(db, families=80, seed=4, today=today, billing=True).billing
        assert b is not None and b.payments > 0 and b.deposit_slips >= 1 and b.sent_to_tresor > 0
        with db.session() as s:
            billed = dict(
                s.execute(
                    select(Regie.settlement, func.count(Invoice.id))
                    .join(Invoice, Invoice.regie_id == Regie.id)
                    .group_by(Regie.settlement)
                ).all()
            )
            assert billed.get(Settlement.TRESOR_PUBLIC, 0) > 0
            assert sum(n for k, n in billed.items() if k is not Settlement.TRESOR_PUBLIC) > 0
            # Every régie has a month on screen — jeunesse too, which has no Christmas
            # holidays: it shows its Toussaint (it had none when loaded in December).
            per_regie = dict(
                s.execute(
                    select(Regie.code, func.count(Invoice.id))
                    .outerjoin(Invoice, Invoice.regie_id == Regie.id)
                    .group_by(Regie.code)
                ).all()
            )
            assert per_regie and all(n > 0 for n in per_regie.values()), per_regie
            assert s.scalar(select(func.max(Invoice.issue_date))) <= today
    finally:
        db.dispose()
