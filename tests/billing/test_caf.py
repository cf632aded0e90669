"""CAF figures: totals equal what the attendance rows give, hand-checked values, the
CSV (French Excel) and XLSX exports, the role check. SQLite and PostgreSQL (``db``)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from backoffice.models import (
    Activity,
    ActivityKind,
    Attendance,
    Booking,
    BookingState,
    Child,
    InvoiceLine,
    Role,
    Unit,
)
from backoffice.services.billing import issue_run
from backoffice.services.common.actors import Actor, PermissionDenied
from backoffice.services.reports.caf import UNDER_6, caf_figures
from backoffice.services.reports.caf_export import caf_csv_bytes, caf_xlsx_bytes

D = Decimal
REGISSEUR = Actor(None, "regie", Role.ACCOUNTANT, "Régie")
YEAR = (date(2026, 1, 1), date(2026, 12, 31))


def minutes(t0, t1) -> int:
    return (datetime.combine(date.min, t1) - datetime.combine(date.min, t0)).seconds // 60


def age(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def expected(session):
    """The same figures, the slow way: a Python loop over every booking."""
    mac = defaultdict(lambda: [0, 0])
    days, hours = set(), defaultdict(int)
    for b, unit, kind, birth in session.execute(
        select(Booking, Unit, Activity.kind, Child.birth_date)
        .join(Unit, Unit.id == Booking.unit_id)
        .join(Activity, Activity.id == Unit.activity_id)
        .join(Child, Child.id == Booking.child_id)
    ):
        span = minutes(unit.start_time, unit.end_time)
        if kind is ActivityKind.MULTI_ACCUEIL:
            key = (b.child_id, f"{b.day:%Y-%m}")
            if b.state in (BookingState.ACCEPTED, BookingState.CANCEL_REQUESTED):
                mac[key][0] += span
            if b.attendance is Attendance.PRESENT and b.arrival_time and b.departure_time:
                mac[key][1] += minutes(b.arrival_time, b.departure_time)
        elif kind in (ActivityKind.ALSH, ActivityKind.PERISCOLAIRE):
            if b.attendance is Attendance.PRESENT:
                young = age(birth, b.day) < 6
                days.add((b.child_id, b.day, young))
                hours[young] += span
    return mac, days, hours


@pytest.mark.postgres
def test_totals_match_the_attendance_rows(db, world):
    with db.session() as s:
        issue_run(s, "MAC", date(2026, 3, 1), date(2026, 3, 31), issue_date=date(2026, 4, 2))
    with db.session() as s:
        figures = caf_figures(s, REGISSEUR, *YEAR)
        mac, days, hours = expected(s)
        billed = s.scalar(
            select(InvoiceLine.quantity).where(InvoiceLine.unit_id == world.units["heure"])
            .limit(1)
        )  # fmt: skip
        billed_total = sum(
            s.scalars(
                select(InvoiceLine.quantity).where(InvoiceLine.unit_id == world.units["heure"])
            ),
            D("0"),
        )
    assert billed is not None and billed_total > 0
    booked, attended, billed_sum = figures.mac_totals()
    assert booked == (D(sum(v[0] for v in mac.values())) / 60).quantize(D("0.01"))
    assert attended == (D(sum(v[1] for v in mac.values())) / 60).quantize(D("0.01"))
    assert billed_sum == billed_total
    # Jade, March: 8:05–17:20, 8:00–17:01, 7:30–12:10 present with times = 1,376 min.
    jade = next(r for r in figures.mac if r.child_id == world.children["jade"])
    assert (jade.month, jade.hours_attended) == ("2026-03", D("22.93"))
    assert jade.hours_booked == D(6 * 11)  # six bookings of the 07:30–18:30 unit
    child_days, child_hours = figures.alsh_totals()
    assert child_days == len(days) and child_days > 0
    assert child_hours == (D(sum(hours.values())) / 60).quantize(D("0.01"))
    young_days = sum(r.child_days for r in figures.alsh if r.age_class == UNDER_6)
    assert young_days == sum(1 for d in days if d[2])


def test_exports_open_in_french_excel(db, world):
    with db.session() as s:
        figures = caf_figures(s, REGISSEUR, *YEAR)
    data = caf_csv_bytes(figures)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[1] == ["Mois", "Enfant", "Famille", "Heures réservées", "Heures réalisées",
                       "Heures facturées"]  # fmt: skip
    jade = next(r for r in rows if r[1:2] == ["PETIT Jade"])
    assert jade[0] == "2026-03" and jade[4] == "22,93"
    assert any(r[:1] == ["Total"] for r in rows)
    book = load_workbook(io.BytesIO(caf_xlsx_bytes(figures)))
    assert book.sheetnames == ["Multi-accueil", "ALSH et périscolaire"]
    sheet = book["Multi-accueil"]
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert ["2026-03", "PETIT Jade"] in [v[:2] for v in values]
    assert sum(v[4] for v in values) == pytest.approx(float(figures.mac_totals()[1]))


def test_caf_figures_need_the_regisseur(db, world):
    with db.session() as s:
        with pytest.raises(PermissionDenied):
            caf_figures(s, Actor(None, "accueil", Role.AGENT, "Accueil"), *YEAR)
