"""Two agents in two real processes on one PostgreSQL database (issue 18, « Done when »):

- accepting the same 10 requests for a day with 5 places left ends with exactly 5
  accepted and 5 on the waiting list — 20 days in a row, both agents let loose on
  each day at the same moment (one in request order, the other in reverse);
- numbers taken by two writers at once, on two régies and on the same one, are
  unique and gap-free (every third transaction rolled back gives its number again).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from backoffice.models import (
    Activity,
    ActivityKind,
    BillingBasis,
    Booking,
    BookingState,
    Capacity,
    Child,
    Family,
    Period,
    PeriodKind,
    PortalRequest,
    ProcessingRule,
    Regie,
    Registration,
    RegistrationState,
    RequestBooking,
    RequestKind,
    Role,
    Settlement,
    Sex,
    Site,
    Source,
    StaffUser,
    Unit,
    WhenFull,
)

pytestmark = pytest.mark.postgres
WORKER = Path(__file__).with_name("worker.py")
ROUNDS, REQUESTS, PLACES = 20, 10, 5
T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def _regie(code: str) -> Regie:
    return Regie(code=code, name=f"Régie {code}", invoice_prefix=code,
                 credit_note_prefix=f"AV-{code}", settlement=Settlement.DESK_AND_ONLINE)  # fmt: skip


def _world(db) -> tuple[int, list[date], list[list[int]]]:
    """One unit of 5 places, 10 registered children, and for each of 20 weekdays of
    December the 10 children's pending requests; (unit id, days, request ids per day)."""
    days = [d for d in (date(2026, 12, 1) + timedelta(n) for n in range(31)) if d.weekday() < 5]
    days = days[:ROUNDS]
    with db.session() as s:
        s.add_all([StaffUser(login="agent1", full_name="Agent Un", role=Role.AGENT),
                   StaffUser(login="agent2", full_name="Agent Deux", role=Role.AGENT)])  # fmt: skip
        activity = Activity(
            code="ALSH", name="Accueil de loisirs", kind=ActivityKind.ALSH, regie=_regie("ALSH"),
            site=Site(code="LUDE", name="Le Lude"), billing_basis=BillingBasis.BOOKINGS,
        )  # fmt: skip
        activity.rule = ProcessingRule(auto_accept=False, when_full=WhenFull.WAITING_LIST)
        period = Period(code="DEC", name="Décembre 2026", kind=PeriodKind.HOLIDAYS,
                        start_date=date(2026, 11, 30), end_date=date(2026, 12, 31))  # fmt: skip
        unit = Unit(code="JOURNEE", name="Journée", position=1, weekdays="1,2,3,4,5")
        unit.capacities = [Capacity(start_date=date(2026, 11, 30), end_date=date(2026, 12, 31),
                                    places=PLACES)]  # fmt: skip
        activity.periods, activity.units = [period], [unit]
        s.add(activity)
        registrations = []
        for n in range(REQUESTS):
            child = Child(
                family=Family(code=f"F{n:05d}", name=f"Famille {n}"),
                last_name=f"FAMILLE{n}", first_name=f"Enfant{n}", sex=Sex.FEMALE,
                birth_date=date(2018, 5, 3),
            )  # fmt: skip
            s.add(child)
            s.flush()
            registration = Registration(child_id=child.id, activity_id=activity.id,
                                        period_id=period.id, state=RegistrationState.ACCEPTED)  # fmt: skip
            s.add(registration)
            registrations.append((child, registration))
        s.flush()
        per_day = []
        for r, day in enumerate(days):
            ids = []
            for n, (child, registration) in enumerate(registrations):
                received = T0 + timedelta(minutes=r * REQUESTS + n)
                request = PortalRequest(
                    portal_ref=f"R-{r}-{n}", kind=RequestKind.BOOKING, family_id=child.family_id,
                    child_id=child.id, activity_id=activity.id, period_id=period.id,
                    received_at=received,
                    payload={"days": [day.isoformat()], "child_id": child.id},
                )  # fmt: skip
                booking = Booking(child_id=child.id, unit_id=unit.id, day=day,
                                  state=BookingState.REQUESTED, registration_id=registration.id,
                                  source=Source.PORTAL, requested_at=received)  # fmt: skip
                request.bookings.append(RequestBooking(booking=booking))
                s.add(request)
                s.flush()
                ids.append(request.id)
            per_day.append(ids)
        return unit.id, days, per_day


def _start(*args: str) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, str(WORKER), *args],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    return process


def _stop(process: subprocess.Popen) -> None:
    for pipe in (process.stdin, process.stdout):
        if pipe is not None:
            pipe.close()
    assert process.wait(30) == 0


def _states(db, unit: int, day: date) -> dict[BookingState, int]:
    with db.session() as s:
        rows = s.execute(
            select(Booking.state, func.count(Booking.id))
            .where(Booking.unit_id == unit, Booking.day == day)
            .group_by(Booking.state)
        ).all()
    return dict(rows)  # type: ignore[arg-type]


def test_two_processes_accepting_the_same_requests_fill_exactly_the_places(db, db_url, backend):
    if backend == "sqlite":
        pytest.skip("PostgreSQL : deux processus, deux connexions, verrous de ligne")
    unit, days, per_day = _world(db)
    started = time.perf_counter()
    workers = [
        _start("accept", db_url, "agent1", "asc"),
        _start("accept", db_url, "agent2", "desc"),
    ]
    try:
        for day, ids in zip(days, per_day, strict=True):
            line = "go " + " ".join(map(str, ids)) + "\n"
            for worker in workers:  # both let loose at the same moment
                assert worker.stdin is not None
                worker.stdin.write(line)
                worker.stdin.flush()
            outcomes = []
            for worker in workers:
                assert worker.stdout is not None
                answer = worker.stdout.readline()
                assert answer.startswith("done "), answer
                outcomes.append(json.loads(answer[5:]))
            assert _states(db, unit, day) == {
                BookingState.ACCEPTED: PLACES,
                BookingState.WAITING_LIST: REQUESTS - PLACES,
            }, (day, outcomes)
    finally:
        for worker in workers:
            _stop(worker)
    assert time.perf_counter() - started < 60


def test_two_processes_taking_invoice_numbers_give_unique_gapless_numbers(db, db_url, backend):
    if backend == "sqlite":
        pytest.skip("PostgreSQL : deux processus, deux connexions, verrous de ligne")
    with db.session() as s:
        regies = [_regie("ALSH"), _regie("PERI")]
        s.add_all(regies)
        s.flush()
        a, b = regies[0].id, regies[1].id
    # Worker 1 on both régies, worker 2 on the first only: same régie and two régies at once.
    workers = [_start("numbers", db_url, f"{a},{b}", "30"), _start("numbers", db_url, f"{a}", "30")]
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    results = []
    for worker in workers:
        assert worker.stdout is not None
        results.append({int(k): v for k, v in json.loads(worker.stdout.readline()).items()})
        _stop(worker)
    on_a = results[0][a] + results[1][a]
    assert sorted(on_a) == list(range(1, 61))  # 30 + 30 committed, none twice, none missing
    assert results[0][b] == list(range(1, 31))


def test_two_concurrent_invoice_runs_on_two_regies_and_on_the_same_one(db, db_url, backend):
    if backend == "sqlite":
        pytest.skip("PostgreSQL : deux processus, deux connexions, verrous de ligne")
    from backoffice.demo.billing import REGISSEUR
    from backoffice.demo.load import load_demo
    from backoffice.models import Invoice

    load_demo(db, families=30, seed=1, today=date(2026, 11, 20))
    # Both régies bill these three half-months; each agent takes some, at the same time.
    first = [
        "PERI:2026-10-01:2026-10-15",
        "MAC:2026-10-01:2026-10-15",
        "PERI:2026-11-01:2026-11-15",
    ]
    second = [
        "MAC:2026-10-16:2026-10-31",
        "PERI:2026-10-16:2026-10-31",
        "MAC:2026-11-01:2026-11-15",
    ]
    workers = [
        _start("runs", db_url, REGISSEUR, *first),
        _start("runs", db_url, REGISSEUR, *second),
    ]
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    issued = 0
    for worker in workers:
        assert worker.stdout is not None
        reports = json.loads(worker.stdout.readline())
        assert all(count > 0 for _code, count in reports), reports
        issued += sum(count for _code, count in reports)
        _stop(worker)
    with db.session() as s:
        numbers = s.scalars(select(Invoice.number)).all()
    assert len(numbers) == issued
    for prefix in ("PERI", "MAC"):
        mine = sorted(int(n.rsplit("-", 1)[1]) for n in numbers if n.startswith(f"{prefix}-2026-"))
        assert mine == list(range(1, len(mine) + 1)), (prefix, mine)  # unique and gap-free
