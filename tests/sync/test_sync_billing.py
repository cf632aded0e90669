"""Invoices, PDFs, catalogue and payment windows out; online payment results in.

Against the real portal on loopback with its simulated payment provider
(``payment_provider="simulated"``): the parent sees the invoice and downloads the
very PDF the back-office rendered, pays it online during a payment window, and
the next round records the payment in the back-office.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from portal_testkit import HTTP_TIMEOUT, PASSWORD, make_settings, serve, set_now
from sqlalchemy import select
from sync_helpers import make_client

from backoffice.demo.catalogue import demo_catalogue_toml
from backoffice.models import (
    Family,
    Invoice,
    InvoiceState,
    OutboxItem,
    OutboxState,
    Payment,
    PaymentAllocation,
    PaymentState,
    PaymentWindow,
    QuarantinedChange,
    Regie,
)
from backoffice.services.billing import family_balance, issue_credit_note, issue_run
from backoffice.services.billing.invoice_pdfs import credit_note_ids_of_invoices, render_run
from backoffice.services.catalogue.import_export import apply_catalogue, parse_catalogue
from backoffice.services.common import outbox
from backoffice.services.families.accounts import account_payload
from backoffice.sync import retry_failed, run_round
from backoffice.sync.catalogue_push import catalogue_body
from portal import feed
from portal.models import PaymentWindow as PortalWindow

_WORLD = Path(__file__).resolve().parent.parent / "billing" / "billing_world.py"
if "billing_world" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("billing_world", _WORLD)
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["billing_world"] = _module
    _spec.loader.exec_module(_module)
from billing_world import build  # noqa: E402

pytestmark = pytest.mark.postgres
LOGIN = "claire.martin@example.org"
JULY = (date(2026, 7, 1), date(2026, 7, 31))
AUGUST = (date(2026, 8, 1), date(2026, 8, 31))
D = Decimal


@pytest.fixture
def paying_portal(tmp_path, smtp_sink):
    """The portal with the simulated payment provider, served for real."""
    settings = make_settings(
        f"sqlite:///{tmp_path / 'portal.sqlite3'}", smtp_sink.port, payment_provider="simulated"
    )
    running, stop = serve(settings)
    yield running
    stop()


@pytest.fixture
def client(paying_portal):
    with make_client(paying_portal) as c:
        yield c


@pytest.fixture
def billed(db, tmp_path):
    """The billing world; the Martin family gets a portal account; ALSH pays online from
    25 June to 5 July 2026; July's ALSH invoice issued and its PDF rendered."""
    import backoffice.services.billing  # noqa: F401  (installs the guards)

    with db.session() as s:
        world = build(s)
        martin = s.get(Family, world.families["martin"])
        martin.login_email = LOGIN
        martin.guardians[0].email = LOGIN
        martin.guardians[0].mobile_phone = "0611223344"
        s.flush()
        outbox.enqueue(s, "account.upsert", account_payload(martin), martin.id)
        outbox.enqueue(s, "account.send_activation", {"family_code": martin.code}, martin.id)
        regie = s.get(Regie, world.regies["ALSH"])
        regie.payment_windows.append(
            PaymentWindow(
                label="Vacances d'été", opens_on=date(2026, 6, 25), closes_on=date(2026, 7, 5)
            )
        )
        # The world is built by hand, not by a catalogue import: queue what an import does.
        outbox.enqueue(s, "catalogue.publish", {"source": "test"})
        outbox.enqueue(s, "payment_windows.publish", {"source": "test"})
    with db.session() as s:
        run = issue_run(s, "ALSH", *JULY, issue_date=date(2026, 6, 25))
        run_id = run.run_id
    rendered = render_run(db, run_id, out_dir=tmp_path / "pdf")
    assert rendered.queued == 1 and not rendered.errors
    return world, rendered.files[0]


def _activate(portal, smtp_sink) -> str:
    token = smtp_sink.last_to(LOGIN).token
    r = portal.post(
        "/auth/activate",
        json={"token": token, "password": PASSWORD, "password_confirmation": PASSWORD},
    )
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def _pay(portal, token: str, number: str, result: str) -> dict:
    """The parent pays ``number`` online; the simulated bank answers ``result`` (P, R…)."""
    r = portal.parent("POST", "/me/payments", token, json={"invoices": [number]})
    assert r.status_code == 201, r.text
    started = r.json()
    done = requests.post(
        started["redirect_url"],
        data={"resultrans": result},
        headers={"Authorization": f"Bearer {token}"},  # the simulated page: the parent's
        timeout=HTTP_TIMEOUT,
    )
    assert done.status_code == 200, done.text
    return started["payment"]


def _invoice(db, number: str) -> Invoice:
    with db.session() as s:
        return s.scalar(select(Invoice).where(Invoice.number == number))


def test_round_publishes_catalogue_invoice_and_pdf_then_records_the_online_payment(
    db, billed, paying_portal, smtp_sink, client
):
    portal = paying_portal
    _world, pdf = billed
    number = pdf.number
    assert number == "ALSH-2026-00001"

    first = run_round(db, client)

    assert first.ok, first.error
    assert first.push.failed == 0, first.push.failures
    assert first.push.by_topic == {
        "account.upsert": 1,
        "account.send_activation": 1,
        "catalogue.publish": 1,
        "payment_windows.publish": 1,
        "invoice.publish": 1,
        "invoice.pdf": 1,
    }
    assert first.pending == 0
    # The catalogue, as the back-office holds it.
    held = portal.staff("GET", "/staff/catalogue").json()["catalogue"]
    activities = {a["code"]: a for a in held["activities"]}
    assert set(activities) == {"ALSH-LUDE", "PERI-LUDE", "MA-LUDE"}
    alsh = activities["ALSH-LUDE"]
    assert [(p["code"], p["start"], p["end"]) for p in alsh["periods"]] == [
        ("ete-2026", "2026-07-06", "2026-08-28")
    ]
    assert [(u["code"], u["start_time"][:5], u["end_time"][:5]) for u in alsh["units"]] == [
        ("journee", "09:00", "17:00")
    ]
    assert alsh["site"] == "Pôle intercommunal du Lude" and alsh["kind"] == "alsh"
    # The parent sees the invoice and downloads the very PDF the back-office rendered.
    token = _activate(portal, smtp_sink)
    listing = portal.parent("GET", "/me/invoices", token).json()
    [regie] = listing["regies"]
    [invoice] = regie["invoices"]
    assert (invoice["number"], invoice["state"], invoice["balance_cents"]) == (
        number,
        "issued",
        12967,
    )
    r = portal.parent("GET", f"/me/invoices/{number}/pdf", token)
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/pdf"
    assert r.content == pdf.path.read_bytes()
    assert r.headers["X-Content-SHA256"] == hashlib.sha256(r.content).hexdigest() == pdf.sha256

    # During the payment window, the parent pays online; the bank validates.
    set_now(portal, "2026-07-01 10:00")
    payment = _pay(portal, token, number, "P")

    second = run_round(db, client)

    assert second.ok, second.error
    assert second.pull.by_kind == {"account.activated": 1, "payment.updated": 1}
    assert second.pull.applied == 2 and second.pull.quarantined == 0
    # Billing re-queued the invoice once: the portal shows the settlement.
    assert second.push.by_topic == {"invoice.publish": 1} and second.pending == 0
    with db.session() as s:
        recorded = s.scalar(select(Payment).where(Payment.portal_ref == payment["ref"]))
        assert (recorded.state, recorded.amount) == (PaymentState.VALIDATED, D("129.67"))
        assert recorded.received_on == date(2026, 7, 1)
        allocations = s.scalars(
            select(PaymentAllocation).where(PaymentAllocation.payment_id == recorded.id)
        ).all()
        assert [(a.amount, a.invoice_id) for a in allocations] == [
            (D("129.67"), _invoice(db, number).id)
        ]
        assert family_balance(s, "F00042", "ALSH").balance == 0
    assert _invoice(db, number).state is InvoiceState.PAID
    staff_view = portal.staff("GET", f"/staff/invoices/{number}").json()
    assert (staff_view["state"], staff_view["balance_cents"]) == ("paid", 0)
    # One settlement, the online payment, not counted twice (balance 0, not −129.67).
    assert [(s["mode"], s["amount_cents"]) for s in staff_view["settlements"]] == [
        ("en_ligne", 12967)
    ]
    with db.session() as s:
        sent = s.scalars(
            select(OutboxItem)
            .where(OutboxItem.topic == "invoice.publish")
            .order_by(OutboxItem.id.desc())
        ).first()
        [settlement] = sent.payload["body"]["settlements"]
        assert settlement["portal_payment_ref"] == payment["ref"]
    parent_view = portal.parent("GET", f"/me/invoices/{number}", token).json()
    assert (parent_view["state"], parent_view["balance_cents"]) == ("paid", 0)

    third = run_round(db, client)
    assert third.ok and third.moved == 0, third.summary()
    with db.session() as s:
        assert (
            s.scalar(select(OutboxItem).where(OutboxItem.state != OutboxState.ACKNOWLEDGED)) is None
        )
        assert s.scalars(select(QuarantinedChange)).all() == []


def test_refused_payment_records_nothing_paid_then_a_late_bank_answer_counts(
    db, billed, paying_portal, smtp_sink, client
):
    portal = paying_portal
    _world, pdf = billed
    number = pdf.number
    assert run_round(db, client).ok
    token = _activate(portal, smtp_sink)
    set_now(portal, "2026-07-02 09:00")
    refused = _pay(portal, token, number, "R")

    report = run_round(db, client)

    assert report.ok and report.pull.by_kind == {"account.activated": 1, "payment.updated": 1}
    assert report.push.by_topic == {}  # nothing paid: nothing to tell the portal
    with db.session() as s:
        payment = s.scalar(select(Payment).where(Payment.portal_ref == refused["ref"]))
        assert (payment.state, payment.amount) == (PaymentState.REFUSED, D("129.67"))
        assert family_balance(s, "F00042", "ALSH").balance == D("129.67")
    assert _invoice(db, number).state is InvoiceState.ISSUED
    assert run_round(db, client).moved == 0

    # A second try: the portal closes it as expired after 15 minutes; the bank's
    # answer (paid) arrives afterwards: the money was taken, the payment counts.
    r = portal.parent("POST", "/me/payments", token, json={"invoices": [number]})
    assert r.status_code == 201, r.text
    started = r.json()
    set_now(portal, "2026-07-02 09:20")
    assert portal.parent("GET", "/me/payments", token).json()[0]["result"] == "expired"
    expired = run_round(db, client)
    assert expired.ok and expired.pull.applied == 1
    with db.session() as s:
        late = s.scalar(select(Payment).where(Payment.portal_ref == started["payment"]["ref"]))
        assert late.state is PaymentState.REFUSED
    refdet = started["redirect_url"].rsplit("/", 1)[1]
    notify = portal.url("/payments/simulated/notification")
    r = requests.post(
        notify,
        data={"refdet": refdet, "resultrans": "P", "montant": "12967"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=HTTP_TIMEOUT,
    )
    assert r.json()["late"] is True and r.json()["state"] == "validated"

    counted = run_round(db, client)

    assert counted.ok and counted.pull.applied == 1 and counted.pull.quarantined == 0
    assert counted.push.by_topic == {"invoice.publish": 1}
    with db.session() as s:
        late = s.scalar(select(Payment).where(Payment.portal_ref == started["payment"]["ref"]))
        assert late.state is PaymentState.VALIDATED
        assert family_balance(s, "F00042", "ALSH").balance == 0
    assert portal.staff("GET", f"/staff/invoices/{number}").json()["state"] == "paid"
    assert run_round(db, client).moved == 0


def test_pdf_changed_or_missing_fails_with_a_french_reason(
    db, billed, paying_portal, smtp_sink, client
):
    portal = paying_portal
    _world, pdf = billed
    original = pdf.path.read_bytes()
    pdf.path.write_bytes(original + b"% retouche\n")

    report = run_round(db, client)

    assert report.ok and report.push.failed == 1
    assert (
        report.push.by_topic["invoice.publish"] == 1 and "invoice.pdf" not in report.push.by_topic
    )
    [failure] = report.push.failures
    assert failure.startswith(
        "invoice.pdf (ALSH-2026-00001) : Le PDF de la facture ALSH-2026-00001"
    )
    assert "a changé depuis sa mise en file" in failure
    assert portal.staff("GET", f"/staff/invoices/{pdf.number}").json()["has_pdf"] is False
    # The file gone: same, with its own reason.
    with db.session() as s:
        item = s.scalar(select(OutboxItem).where(OutboxItem.topic == "invoice.pdf"))
        assert item.state is OutboxState.FAILED
        retry_failed(s, item.id)
    pdf.path.unlink()
    report = run_round(db, client)
    assert report.push.failed == 1 and "introuvable ou illisible" in report.push.failures[0]
    # The agent puts the right file back and the item in the queue again: it goes.
    pdf.path.write_bytes(original)
    with db.session() as s:
        item = s.scalar(select(OutboxItem).where(OutboxItem.topic == "invoice.pdf"))
        retry_failed(s, item.id)
    report = run_round(db, client)
    assert report.push.by_topic == {"invoice.pdf": 1} and report.push.failed == 0
    assert portal.staff("GET", f"/staff/invoices/{pdf.number}").json()["has_pdf"] is True
    token = _activate(portal, smtp_sink)
    r = portal.parent("GET", f"/me/invoices/{pdf.number}/pdf", token)
    assert r.content == original and r.headers["X-Content-SHA256"] == pdf.sha256
    assert run_round(db, client).pull.by_kind == {"account.activated": 1}
    assert run_round(db, client).moved == 0


def test_credit_note_pdf_and_accountless_family_are_not_sent(db, billed, paying_portal, client):
    portal = paying_portal
    world, pdf = billed
    assert run_round(db, client).ok
    with db.session() as s:
        note = issue_credit_note(s, pdf.number, "Séjour annulé", issue_date=date(2026, 7, 1))
        note_id = note.id
    with db.session() as s:
        ids = credit_note_ids_of_invoices(s, [_invoice(db, pdf.number).id])
    assert ids == [note_id]
    rendered = render_run(db, invoice_ids=[], credit_note_ids=ids, out_dir=pdf.path.parent)
    assert rendered.queued == 1
    with db.session() as s:
        # An invoice of the Roux family, who have no portal account.
        outbox.enqueue(
            s,
            "invoice.publish",
            {"number": "ALSH-2026-09999", "family_code": "F00044", "body": {}},
            world.families["roux"],
        )

    report = run_round(db, client)

    assert report.ok and report.push.failed == 0, report.push.failures
    # The credit note cancels the invoice on the portal; its PDF has no place there.
    assert report.push.by_topic == {"invoice.publish": 1} and report.push.skipped == 2
    assert portal.staff("GET", f"/staff/invoices/{pdf.number}").json()["state"] == "cancelled"
    with db.session() as s:
        notes = {
            i.topic + " " + i.payload["number"]: i.last_error
            for i in s.scalars(select(OutboxItem).where(OutboxItem.last_error != ""))
        }
    assert "PDF d'avoir non envoyé" in notes["invoice.pdf AV-ALSH-2026-00001"]
    assert "n'a pas de compte sur le portail" in notes["invoice.publish ALSH-2026-09999"]
    assert "Sans envoi : 2 élément(s)" in report.summary()
    assert run_round(db, client).moved == 0


def test_malformed_or_unknown_payment_results_are_quarantined(
    db, billed, paying_portal, smtp_sink, client
):
    portal = paying_portal
    _world, pdf = billed
    assert run_round(db, client).ok
    good = {
        "payment": "PAY-000009",
        "regie": "ALSH",
        "provider": "simulated",
        "refdet": "PF0000000009ABCDEFGH",
        "exer": 2026,
        "amount_cents": 12967,
        "invoices": [{"number": pdf.number, "amount_cents": 12967}],
        "state": "validated",
        "previous_state": "pending",
        "provider_result": "paid_card",
        "provider_code": "P",
        "authorisation": "998877",
        "created_at": "2026-07-01T08:00:00+00:00",
        "finished_at": "2026-07-01T22:30:00+00:00",
        "late": False,
    }
    with portal.db.session() as ps:
        feed.append(
            ps,
            "F00042",
            "payment.updated",
            {**good, "payment": "PAY-000007", "invoices": [{"number": "ALSH-2026-04242"}]},
        )
        feed.append(ps, "F00042", "payment.updated", {**good, "state": "pending"})
        feed.append(ps, "F00042", "payment.updated", {**good, "amount_cents": "beaucoup"})
        feed.append(ps, "F00042", "payment.updated", good)
        feed.append(ps, "F00042", "payment.updated", good)  # the same result again
        feed.append(ps, "F00042", "payment.updated", {**good, "amount_cents": 100})

    report = run_round(db, client)

    assert report.ok
    assert (report.pull.quarantined, report.pull.applied, report.pull.unchanged) == (4, 1, 1)
    with db.session() as s:
        reasons = [
            q.reason
            for q in s.scalars(select(QuarantinedChange).order_by(QuarantinedChange.feed_position))
        ]
        payments = s.scalars(select(Payment).where(Payment.portal_ref.is_not(None))).all()
        assert [(p.portal_ref, p.state) for p in payments] == [
            ("PAY-000009", PaymentState.VALIDATED)
        ]
        # Finished at 00:30 in Paris on 2 July.
        assert payments[0].received_on == date(2026, 7, 2)
        assert "simulated réf. PF0000000009ABCDEFGH" in payments[0].reference
    assert "ALSH-2026-04242" in reasons[0]
    assert reasons[1] == "Paiement PAY-000009 : résultat inconnu (« pending »)."
    assert reasons[2] == "Paiement PAY-000009 : montant illisible (« amount_cents »)."
    assert "montant différent de celui déjà reçu" in reasons[3]
    assert run_round(db, client).moved == 0


def test_catalogue_import_queues_catalogue_and_windows_for_the_portal(db, paying_portal, client):
    portal = paying_portal
    text = demo_catalogue_toml(date(2026, 11, 27))
    with db.session() as s:
        apply_catalogue(s, parse_catalogue(text, "démo"))
    with db.session() as s:
        assert [i.topic for i in s.scalars(select(OutboxItem))] == [
            "catalogue.publish",
            "payment_windows.publish",
        ]
        expected = catalogue_body(s)

    report = run_round(db, client)

    assert report.ok and report.push.failed == 0, report.push.failures
    assert report.push.by_topic == {"catalogue.publish": 1, "payment_windows.publish": 1}
    held = portal.staff("GET", "/staff/catalogue").json()["catalogue"]
    assert [a["code"] for a in held["activities"]] == [a["code"] for a in expected["activities"]]
    assert len(held["closures"]) == len(expected["closures"]) > 0
    assert sum(len(a["capacities"]) for a in held["activities"]) == sum(
        len(a["capacities"]) for a in expected["activities"]
    )
    with portal.db.session() as ps:
        windows = ps.scalars(select(PortalWindow).order_by(PortalWindow.start)).all()
        assert [(w.regie_code, w.start.isoformat()) for w in windows][:2] == [
            ("ALSH", "2026-09-26"),
            ("ALSH", "2026-11-28"),
        ]
    # The same file again changes nothing: nothing queued, nothing sent.
    with db.session() as s:
        assert not apply_catalogue(s, parse_catalogue(text, "démo")).changed
    assert run_round(db, client).moved == 0
    # Two imports that change something before a round: one call, the latest catalogue.
    for places in ("47", "46"):
        changed = text.replace("places = 48", f"places = {places}", 1)
        with db.session() as s:
            assert apply_catalogue(s, parse_catalogue(changed, "démo")).changed
    report = run_round(db, client)
    assert report.push.by_topic == {"catalogue.publish": 1} and report.push.skipped == 1
    held = portal.staff("GET", "/staff/catalogue").json()["catalogue"]
    assert 46 in [c["places"] for a in held["activities"] for c in a["capacities"]]
    assert run_round(db, client).moved == 0
