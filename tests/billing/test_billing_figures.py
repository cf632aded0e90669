"""Invoices computed by hand: ALSH July with cancellations and rank pricing,
a périscolaire month from attendance, a multi-accueil month by the hour."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from backoffice.models import (
    Invoice,
    InvoiceLine,
    InvoiceState,
    OutboxItem,
)
from backoffice.services.billing import (
    AnomalyKind,
    BillingError,
    billed_hours,
    issue_run,
    preview_run,
)
from backoffice.services.billing.runs import due_date_for

pytestmark = pytest.mark.postgres


def assert_portal_accepts(body: dict) -> None:
    """The body passes the portal's own schema of ``PUT /staff/invoices/{number}``."""
    schemas = pytest.importorskip("portal.billing.schemas")
    schemas.InvoicePush.model_validate(body)


D = Decimal
JULY = (date(2026, 7, 1), date(2026, 7, 31))
MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def lines_of(session, number):
    invoice = session.scalar(select(Invoice).where(Invoice.number == number))
    return invoice, list(
        session.scalars(
            select(InvoiceLine)
            .where(InvoiceLine.invoice_id == invoice.id)
            .order_by(InvoiceLine.position)
        )
    )


def test_alsh_july_two_children_cancellations_and_rank(db, world):
    with db.session() as s:
        preview = preview_run(s, "ALSH", *JULY, as_of=date(2026, 6, 25))
    assert [f.code for f in preview.families] == ["F00042"]
    # Léa (rank 1, QF 750 → 601–900): 5 × 11.20 before 15 July, 2 × 11.50 after = 79.00
    # Tom (rank 2): 3 × 10.08 + late cancellation 10 July 10.08 + 17 July 10.35 = 50.67
    # Not billed: 9 July (cancelled in time), 16 July (late but justified), 20 July (request).
    assert preview.families[0].total == D("129.67")
    assert preview.families[0].lines == 12
    kinds = [a.kind for a in preview.anomalies]
    assert kinds == [AnomalyKind.PENDING_BOOKING]

    with db.session() as s:
        report = issue_run(s, "ALSH", *JULY, issue_date=date(2026, 6, 25))
    assert (report.invoices, report.lines, report.total) == (1, 12, D("129.67"))
    assert report.first_number == report.last_number == "ALSH-2026-00001"
    with db.session() as s:
        invoice, lines = lines_of(s, "ALSH-2026-00001")
        assert invoice.total == D("129.67") == sum(line.amount for line in lines)
        assert invoice.state is InvoiceState.ISSUED
        assert invoice.billing_name == "Mme Claire Martin"
        assert invoice.billing_address == "3 rue du Loir\n72800 Le Lude"
        # Billed before the holidays: due the day before the period starts.
        assert invoice.due_date == date(2026, 6, 30)
        got = [(line.child_id, line.day.day, line.unit_price) for line in lines]
        lea, tom = world.children["lea"], world.children["tom"]
        assert got == [
            (lea, 6, D("11.20")),
            (lea, 7, D("11.20")),
            (lea, 8, D("11.20")),
            (lea, 9, D("11.20")),
            (lea, 10, D("11.20")),
            (lea, 16, D("11.50")),
            (lea, 17, D("11.50")),
            (tom, 6, D("10.08")),
            (tom, 7, D("10.08")),
            (tom, 8, D("10.08")),
            (tom, 10, D("10.08")),
            (tom, 17, D("10.35")),
        ]
        assert {line.qf_bracket for line in lines} == {"QF 601–900"}
        assert [line.position for line in lines] == list(range(1, 13))
        assert sum(line.amount for line in lines if line.child_id == lea) == D("79.00")
        assert sum(line.amount for line in lines if line.child_id == tom) == D("50.67")
        late = [line for line in lines if line.child_id == tom and line.day.day == 10]
        assert "annulation tardive" in late[0].label and "2e enfant" in late[0].label
        # One outbox item for the portal, with the snapshot.
        items = list(s.scalars(select(OutboxItem).where(OutboxItem.topic == "invoice.publish")))
        assert len(items) == 1
        payload = items[0].payload
        assert (payload["number"], payload["family_code"]) == ("ALSH-2026-00001", "F00042")
        body = payload["body"]
        assert body["total_cents"] == 12967 and body["state"] == "issued"
        assert body["payable_online"] is True and body["qf_bracket"] == "QF 601–900"
        assert [c["child_name"] for c in body["children"]] == ["Léa Martin", "Tom Martin"]
        assert [len(c["lines"]) for c in body["children"]] == [7, 5]
        cents = [li["amount_cents"] for c in body["children"] for li in c["lines"]]
        assert sum(cents) == 12967
        assert_portal_accepts(body)

    # A second run of the same period bills nothing more: no booking twice.
    with db.session() as s:
        again = issue_run(s, "ALSH", *JULY, issue_date=date(2026, 6, 26))
    assert again.invoices == 0
    with db.session() as s:
        assert s.scalar(select(func.count(Invoice.id))) == 1


def test_periscolaire_month_from_attendance(db, world):
    with db.session() as s:
        preview = preview_run(s, "PERI", *MARCH, as_of=date(2026, 4, 2))
    totals = {f.code: f.total for f in preview.families}
    # Léa, soir at 2.05: 8 present + 1 unjustified absence = 9 × 2.05 = 18.45
    # Tom, matin at 1.45: 4 present = 5.80 (9 March booked without attendance: not billed)
    # Roux (no QF → top bracket): 1 × 2.50
    assert totals == {"F00042": D("24.25"), "F00044": D("2.50")}
    kinds = sorted((a.family_code, a.kind) for a in preview.anomalies)
    assert kinds == [
        ("F00042", AnomalyKind.NO_ATTENDANCE),
        ("F00044", AnomalyKind.MISSING_QF),
        ("F00044", AnomalyKind.NO_BILLING_ADDRESS),
    ]
    with db.session() as s:
        report = issue_run(s, "PERI", *MARCH, issue_date=date(2026, 4, 2))
    assert report.invoices == 2 and report.total == D("26.75")
    assert (report.first_number, report.last_number) == ("PERI-2026-00001", "PERI-2026-00002")
    with db.session() as s:
        invoice, lines = lines_of(s, "PERI-2026-00001")
        assert invoice.total == D("24.25") and len(lines) == 13
        assert invoice.due_date == date(2026, 5, 2)
        absent = [line for line in lines if line.day == date(2026, 3, 12)]
        assert absent[0].amount == D("2.05") and "absence non justifiée" in absent[0].label
        assert not [line for line in lines if line.day == date(2026, 3, 13)]


def test_multi_accueil_month_by_the_hour(db, world):
    # 2 March 08:05–17:20 = 9 h 15 → 9.25 h × 0.75 = 6.9375 → 6.94
    # 3 March 08:00–17:01 → the started quarter is due → 9.25 h → 6.94
    # 4 March 07:30–12:10 = 4 h 40 → 4.75 h → 3.5625 → 3.56
    # 5 March justified absence: nothing; 6 March present without hours: flagged
    # 9 March unjustified absence: the unit's hours 07:30–18:30 = 11 h → 8.25
    with db.session() as s:
        preview = preview_run(s, "MAC", *MARCH, as_of=date(2026, 4, 2))
        report = issue_run(s, "MAC", *MARCH, issue_date=date(2026, 4, 2))
    assert [a.kind for a in preview.anomalies] == [AnomalyKind.MISSING_HOURS]
    assert report.total == D("25.69")
    with db.session() as s:
        invoice, lines = lines_of(s, "MAC-2026-00001")
        assert [(line.quantity, line.amount) for line in lines] == [
            (D("9.25"), D("6.94")),
            (D("9.25"), D("6.94")),
            (D("4.75"), D("3.56")),
            (D("11.00"), D("8.25")),
        ]
        assert invoice.total == D("25.69")


def test_billed_hours_rounding():
    assert billed_hours(time(8, 0), time(17, 0)) == D("9.00")
    assert billed_hours(time(8, 0), time(17, 1)) == D("9.25")
    assert billed_hours(time(8, 5), time(17, 20)) == D("9.25")
    assert billed_hours(time(8, 0), time(8, 14)) == D("0.25")
    assert billed_hours(time(9, 0), time(8, 0)) == D("0.00")


def test_due_date():
    assert due_date_for(date(2026, 4, 2), date(2026, 3, 1), 30) == date(2026, 5, 2)
    assert due_date_for(date(2026, 6, 25), date(2026, 7, 1), 15) == date(2026, 6, 30)
    assert due_date_for(date(2026, 6, 30), date(2026, 7, 1), 15) == date(2026, 6, 30)


def test_tariff_change_never_reprices_what_is_invoiced(db, world):
    from backoffice.models import Tariff

    with db.session() as s:
        issue_run(s, "ALSH", *JULY, issue_date=date(2026, 6, 25))
    with db.session() as s:
        # A new price from 1 July for the middle bracket, rank 1.
        s.add(
            Tariff(
                unit_id=world.units["journee"],
                valid_from=date(2026, 7, 1),
                qf_min=601,
                qf_max=900,
                child_rank=1,
                price=D("12.00"),
            )
        )
    with db.session() as s:
        invoice, lines = lines_of(s, "ALSH-2026-00001")
        assert invoice.total == D("129.67")
        # August is billed at the new price where it applies (from 15 July: 11.50 is newer).
        report = issue_run(
            s, "ALSH", date(2026, 8, 1), date(2026, 8, 31), issue_date=date(2026, 7, 20)
        )
        assert report.total == D("23.00")


def test_missing_tariff_blocks_the_run(db, world):
    from backoffice.models import Tariff

    with db.session() as s:
        for t in s.scalars(select(Tariff).where(Tariff.unit_id == world.units["soir"])):
            s.delete(t)
    with db.session() as s:
        preview = preview_run(s, "PERI", *MARCH, as_of=date(2026, 4, 2))
        assert preview.blocking
    with pytest.raises(BillingError, match="anomalie\\(s\\) bloquante"):
        with db.session() as s:
            issue_run(s, "PERI", *MARCH, issue_date=date(2026, 4, 2))
    with db.session() as s:
        assert s.scalar(select(func.count(Invoice.id))) == 0
