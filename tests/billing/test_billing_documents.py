"""Credit notes, immutability of issued documents, closed periods."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest
from sqlalchemy import select

from backoffice.models import Booking, CreditNote, Invoice, InvoiceState, OutboxItem, Tariff
from backoffice.services.billing import (
    BillingError,
    close_period,
    family_balance,
    issue_credit_note,
    issue_run,
    parse_line_spec,
    record_payment,
)
from backoffice.services.billing.guards import ImmutableDocument, PeriodClosed

pytestmark = pytest.mark.postgres
D = Decimal
JULY = (date(2026, 7, 1), date(2026, 7, 31))
MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def issue_july(db):
    with db.session() as s:
        return issue_run(s, "ALSH", *JULY, issue_date=date(2026, 6, 25))


def test_credit_note_cancels_invoice_and_balance_follows(db, world):
    issue_july(db)
    with db.session() as s:
        assert family_balance(s, "F00042", "ALSH").balance == D("129.67")
        note = issue_credit_note(
            s, "ALSH-2026-00001", "Séjour annulé par le service", issue_date=date(2026, 7, 1)
        )
        assert note.number == "AV-ALSH-2026-00001"
        assert note.total == D("129.67") and len(note.lines) == 12
    with db.session() as s:
        invoice = s.scalar(select(Invoice).where(Invoice.number == "ALSH-2026-00001"))
        assert invoice.state is InvoiceState.CANCELLED
        assert invoice.total == D("129.67")  # the invoice itself never changes
        balance = family_balance(s, "F00042", "ALSH")
        assert (balance.balance, balance.regies[0].credited) == (D("0.00"), D("129.67"))
        last = s.scalars(select(OutboxItem).order_by(OutboxItem.id.desc())).first()
        body = last.payload["body"]
        assert body["state"] == "cancelled" and body["credit_note"] == "AV-ALSH-2026-00001"
        assert body["total_cents"] == 12967 and body["settlements"] == []
        pytest.importorskip("portal.billing.schemas").InvoicePush.model_validate(body)
        with pytest.raises(BillingError, match="déjà entièrement annulée"):
            issue_credit_note(s, "ALSH-2026-00001", "encore")
    # The cancelled bookings are not billed again by a later run.
    with db.session() as s:
        assert issue_run(s, "ALSH", *JULY, issue_date=date(2026, 7, 2)).invoices == 0


def test_partial_credit_note_then_payment(db, world):
    issue_july(db)
    with db.session() as s:
        note = issue_credit_note(
            s,
            "ALSH-2026-00001",
            "Erreur de tarif",
            lines=parse_line_spec("2, 12:3.00"),
            issue_date=date(2026, 7, 1),
        )
        assert note.total == D("14.20")  # line 2 (11.20) + 3.00 of line 12
        with pytest.raises(BillingError, match="ne peut être créditée que de 7,35"):
            issue_credit_note(s, "ALSH-2026-00001", "trop", lines={12: D("8.00")})
        with pytest.raises(BillingError, match="pas de ligne 13"):
            issue_credit_note(s, "ALSH-2026-00001", "?", lines={13: None})
    with db.session() as s:
        # 129.67 − 14.20 = 115.47 due; the family pays 120.00: 4.53 of credit.
        report = record_payment(
            s,
            "F00042",
            "ALSH",
            "cheque",
            "120.00",
            bank="CIC",
            number="0012345",
            received_on=date(2026, 7, 2),
        )
        assert [(a.number, a.amount) for a in report.allocations] == [
            ("ALSH-2026-00001", D("115.47"))
        ]
        assert report.credit == D("4.53")
    with db.session() as s:
        invoice = s.scalar(select(Invoice).where(Invoice.number == "ALSH-2026-00001"))
        assert invoice.state is InvoiceState.PAID
        assert family_balance(s, "F00042", "ALSH").balance == D("-4.53")
        body = s.scalars(select(OutboxItem).order_by(OutboxItem.id.desc())).first().payload["body"]
        assert body["state"] == "paid"
        assert [(x["mode"], x["amount_cents"]) for x in body["settlements"]] == [
            ("cheque", 11547),
            ("autre", 1420),
        ]
        assert body["total_cents"] == sum(x["amount_cents"] for x in body["settlements"])
        pytest.importorskip("portal.billing.schemas").InvoicePush.model_validate(body)


def test_credit_note_numbers_and_reason_required(db, world):
    issue_july(db)
    with db.session() as s:
        with pytest.raises(BillingError, match="motif"):
            issue_credit_note(s, "ALSH-2026-00001", "  ")
        with pytest.raises(BillingError, match="Facture inconnue"):
            issue_credit_note(s, "ALSH-2026-99999", "x")
        a = issue_credit_note(
            s, "ALSH-2026-00001", "a", lines={1: None}, issue_date=date(2026, 7, 1)
        )
        b = issue_credit_note(
            s, "ALSH-2026-00001", "b", lines={2: None}, issue_date=date(2026, 7, 1)
        )
        assert (a.number, b.number) == ("AV-ALSH-2026-00001", "AV-ALSH-2026-00002")


def test_issued_documents_never_edited_nor_deleted(db, world):
    issue_july(db)
    with db.session() as s:
        issue_credit_note(s, "ALSH-2026-00001", "x", lines={1: None})
    for change in (
        lambda inv, s: setattr(inv, "total", D("1.00")),
        lambda inv, s: setattr(inv, "billing_name", "Autre"),
        lambda inv, s: setattr(inv.lines[0], "amount", D("0.00")),
        lambda inv, s: s.delete(inv),
        lambda inv, s: s.delete(inv.lines[0]),
        lambda inv, s: s.delete(s.scalar(select(CreditNote))),
        lambda inv, s: setattr(s.scalar(select(CreditNote)), "total", D("0.01")),
    ):
        with pytest.raises(ImmutableDocument, match="jamais"):
            with db.session() as s:
                invoice = s.scalar(select(Invoice))
                change(invoice, s)
                s.flush()
    with db.session() as s:  # its state (payment status) may change
        s.scalar(select(Invoice)).state = InvoiceState.PAID


def test_closed_period_freezes_bookings_tariffs_and_runs(db, world):
    with db.session() as s:
        issue_run(s, "PERI", *MARCH, issue_date=date(2026, 4, 2))
    with pytest.raises(BillingError, match="pas encore facturées"):
        with db.session() as s:
            # Tom's 9 March now present but not invoiced → closing refused.
            s.get(
                Booking,
                s.scalar(
                    select(Booking.id).where(
                        Booking.unit_id == world.units["matin"], Booking.day == date(2026, 3, 9)
                    )
                ),
            ).attendance = "present"
            s.flush()
            close_period(s, "PERI", *MARCH)
    with db.session() as s:
        report = close_period(s, "PERI", *MARCH, force=False)
        assert report.unbilled_lines == 0
    with db.session() as s:
        booking = s.scalar(
            select(Booking).where(
                Booking.unit_id == world.units["matin"], Booking.day == date(2026, 3, 9)
            )
        )
        booking.attendance = "present"
        with pytest.raises(PeriodClosed, match="clôturée"):
            s.flush()
        s.rollback()
    with pytest.raises(PeriodClosed, match="clôturée"):
        with db.session() as s:
            issue_run(s, "PERI", date(2026, 3, 15), date(2026, 4, 15), issue_date=date(2026, 4, 20))
    with pytest.raises(PeriodClosed, match="tarif"):
        with db.session() as s:
            s.add(
                Tariff(
                    unit_id=world.units["soir"],
                    valid_from=date(2026, 3, 20),
                    qf_min=0,
                    price=D("1.00"),
                )
            )
    with db.session() as s:  # after the closed period: fine
        s.add(
            Tariff(
                unit_id=world.units["soir"], valid_from=date(2026, 4, 1), qf_min=0, price=D("1.00")
            )
        )
        # Bookings of other régies and of later days are not frozen.
        s.add(
            Booking(
                child_id=world.children["lea"],
                unit_id=world.units["soir"],
                day=date(2026, 4, 2),
                state="accepted",
            )
        )
        jade = s.scalar(
            select(Booking).where(
                Booking.unit_id == world.units["heure"], Booking.day == date(2026, 3, 6)
            )
        )
        jade.arrival_time, jade.departure_time = time(8), time(12)
