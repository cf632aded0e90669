"""Guide §7.3: online payment of ALSH invoices during a payment window, through the
simulated provider (its pages for the parent who owns the operation); results
idempotent, expiry after 15 minutes, results in the change feed. PayFiP's secure
flow: ``test_portal_payfip.py``."""

from __future__ import annotations

import re

import pytest
import requests
from portal_testkit import (
    HTTP_TIMEOUT,
    activate,
    changes,
    enable_payments,
    family_body,
    invoice_body,
    new_key,
    push_invoice,
    push_windows,
    set_now,
)


@pytest.fixture
def billed(portal, smtp_sink):
    """Family F1 with two ALSH invoices and one APS invoice; ALSH window open in December."""
    login = "f1@example.fr"
    r = portal.staff("PUT", "/staff/families/F1", new_key(), json=family_body(login))
    assert r.status_code == 201
    token = activate(portal, smtp_sink, login)
    push_invoice(portal, "ALSH-2026-0001", invoice_body("F1", cents=(2500, 1250)))
    push_invoice(portal, "ALSH-2026-0002", invoice_body("F1", cents=(1800,)))
    push_invoice(portal, "APS-2026-0001", invoice_body("F1", "APS", (4200,)))
    push_windows(portal, ("ALSH", "2026-12-01", "2026-12-18"))
    enable_payments(portal)
    set_now(portal, "2026-12-05 10:00")
    return token


def _pay(portal, token, *numbers):
    return portal.parent("POST", "/me/payments", token, json={"invoices": list(numbers)})


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _choose(token: str, redirect_url: str, code: str) -> requests.Response:
    """The parent's choice on the simulated provider's page (with the parent's session)."""
    return requests.post(
        redirect_url, data={"resultrans": code}, headers=_auth(token), timeout=HTTP_TIMEOUT
    )


def _notify(portal, token: str, **params: str) -> requests.Response:
    """The simulated provider's answer (a bank retrying, a late answer)."""
    return requests.post(
        portal.url("/payments/simulated/notification"),
        data=params,
        headers=_auth(token),
        timeout=HTTP_TIMEOUT,
    )


def _payments_in_feed(portal) -> list[dict]:
    return [c for c in changes(portal) if c["kind"] == "payment.updated"]


def test_simulated_payment_of_two_invoices_validated(portal, smtp_sink, billed):
    token = billed
    r = _pay(portal, token, "ALSH-2026-0001", "ALSH-2026-0002")
    assert r.status_code == 201, r.text
    started = r.json()
    payment = started["payment"]
    assert (payment["ref"], payment["state"], payment["amount_cents"]) == (
        "PAY-000001",
        "pending",
        5550,
    )
    assert payment["state_label"] == "Règlement en attente de validation par la banque"
    assert payment["invoices"] == [
        {"number": "ALSH-2026-0001", "amount_cents": 3750},
        {"number": "ALSH-2026-0002", "amount_cents": 1800},
    ]
    assert started["expires_at"].startswith("2026-12-05T09:15:00")  # 15 minutes, in UTC
    match = re.fullmatch(
        re.escape(portal.base) + r"/payments/simulated/([A-Z0-9]{20})", started["redirect_url"]
    )
    assert match, started["redirect_url"]
    refdet = match.group(1)
    # While the bank has not answered: pending, and no second payment of these invoices.
    inv = portal.parent("GET", "/me/invoices/ALSH-2026-0001", token).json()
    assert (inv["payment_pending"], inv["payable_now"]) == (True, False)
    again = _pay(portal, token, "ALSH-2026-0001")
    assert (
        again.status_code == 409 and "attend déjà la réponse de la banque" in again.json()["detail"]
    )
    # The simulated provider's page: amount, and the choices.
    page = requests.get(started["redirect_url"], headers=_auth(token), timeout=HTTP_TIMEOUT)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "55,50 €" in page.text and "Payer par carte bancaire" in page.text
    done = _choose(token, started["redirect_url"], "P")
    assert done.status_code == 200
    assert "Payé par carte bancaire" in done.text
    assert "https://portail.example.fr/paiement/retour?paiement=PAY-000001" in done.text
    # Validated; the invoices are paid; a receipt went out; the feed says it once.
    r = portal.parent("GET", "/me/payments/PAY-000001", token).json()
    assert (r["state"], r["result"], r["result_label"]) == (
        "validated",
        "paid_card",
        "Payé par carte bancaire",
    )
    listing = portal.parent("GET", "/me/invoices", token).json()
    alsh = listing["regies"][0]
    assert [(i["state"], i["balance_cents"]) for i in alsh["invoices"]] == [("paid", 0)] * 2
    assert alsh["balance_cents"] == 0 and listing["balance_cents"] == 4200
    receipt = smtp_sink.last_to("f1@example.fr")
    assert receipt.subject == "Portail Famille : paiement PAY-000001 validé"
    assert "55,50 €" in receipt.body and "ALSH-2026-0001, ALSH-2026-0002" in receipt.body
    [entry] = _payments_in_feed(portal)
    assert entry["family_ref"] == "F1" and entry["child_ref"] is None
    data = entry["data"]
    assert data == {
        "payment": "PAY-000001",
        "regie": "ALSH",
        "provider": "simulated",
        "refdet": refdet,
        "exer": 2026,
        "amount_cents": 5550,
        "invoices": [
            {"number": "ALSH-2026-0001", "amount_cents": 3750},
            {"number": "ALSH-2026-0002", "amount_cents": 1800},
        ],
        "state": "validated",
        "previous_state": "pending",
        "provider_result": "paid_card",
        "provider_code": "P",
        "authorisation": "SIMU",
        "created_at": "2026-12-05T09:00:00+00:00",
        "finished_at": "2026-12-05T09:00:00+00:00",
        "late": False,
    }
    # The same notification again (the provider retries): nothing changes.
    params = {"refdet": refdet, "resultrans": "P", "montant": "5550"}
    r = _notify(portal, token, **params)
    assert r.status_code == 200 and r.json()["changed"] is False
    # A contradicting late message cannot undo a validated payment.
    r = _notify(portal, token, **(params | {"resultrans": "R"}))
    assert r.json() == {
        "payment": "PAY-000001",
        "state": "validated",
        "result": "paid_card",
        "changed": False,
        "late": False,
    }
    assert len(_payments_in_feed(portal)) == 1
    assert len(smtp_sink.to("f1@example.fr")) == 2  # activation + one receipt
    # The page of a finished operation says so.
    assert (
        "Cette opération est terminée"
        in requests.get(started["redirect_url"], headers=_auth(token), timeout=HTTP_TIMEOUT).text
    )
    # The back-office records it: the invoice says so, the balance does not count it twice.
    body = invoice_body("F1", cents=(1800,)) | {
        "state": "paid",
        "settlements": [
            {
                "ref": "REG-2026-0100",
                "date": "2026-12-05",
                "mode": "en_ligne",
                "amount_cents": 1800,
                "portal_payment_ref": "PAY-000001",
            }
        ],
    }
    push_invoice(portal, "ALSH-2026-0002", body)
    inv = portal.parent("GET", "/me/invoices/ALSH-2026-0002", token).json()
    assert (inv["paid_cents"], inv["balance_cents"], inv["state"]) == (1800, 0, "paid")
    payments = portal.parent("GET", "/me/payments", token).json()
    assert [p["ref"] for p in payments] == ["PAY-000001"]
    staff_view = portal.staff("GET", "/staff/families/F1/payments").json()
    assert staff_view == payments


def test_simulated_refusal_then_new_payment(portal, smtp_sink, billed):
    token = billed
    started = _pay(portal, token, "ALSH-2026-0002").json()
    page = _choose(token, started["redirect_url"], "R")
    assert "Paiement par carte refusé" in page.text
    r = portal.parent("GET", "/me/payments", token).json()
    assert [(p["ref"], p["state"], p["state_label"], p["result"]) for p in r] == [
        ("PAY-000001", "refused", "Règlement refusé par la banque", "card_refused")
    ]
    inv = portal.parent("GET", "/me/invoices/ALSH-2026-0002", token).json()
    assert (inv["state"], inv["balance_cents"], inv["payable_now"]) == ("issued", 1800, True)
    assert "non abouti" in smtp_sink.last_to("f1@example.fr").subject
    [entry] = _payments_in_feed(portal)
    assert (entry["data"]["state"], entry["data"]["provider_result"]) == (
        "refused",
        "card_refused",
    )
    # A new attempt, paid by direct debit this time.
    second = _pay(portal, token, "ALSH-2026-0002").json()
    assert second["payment"]["ref"] == "PAY-000002"
    assert second["redirect_url"] != started["redirect_url"]  # a new refdet
    _choose(token, second["redirect_url"], "V")
    r = portal.parent("GET", "/me/payments/PAY-000002", token).json()
    assert (r["state"], r["result"]) == ("validated", "paid_direct_debit")
    for code, label in [("Z", "Prélèvement refusé"), ("A", "Paiement abandonné")]:
        started = _pay(portal, token, "ALSH-2026-0001").json()
        assert label in _choose(token, started["redirect_url"], code).text
    states = [(p["ref"], p["state"], p["result"]) for p in _feed_states(portal)]
    assert states == [
        ("PAY-000001", "refused", "card_refused"),
        ("PAY-000002", "validated", "paid_direct_debit"),
        ("PAY-000003", "refused", "direct_debit_refused"),
        ("PAY-000004", "refused", "abandoned"),
    ]


def _feed_states(portal) -> list[dict]:
    return [
        {
            "ref": c["data"]["payment"],
            "state": c["data"]["state"],
            "result": c["data"]["provider_result"],
        }
        for c in _payments_in_feed(portal)
    ]


def test_only_online_payable_invoices_inside_a_window(portal, smtp_sink, billed):
    token = billed
    r = _pay(portal, token, "APS-2026-0001")
    assert r.status_code == 409
    assert r.json()["detail"].startswith(
        "La facture APS-2026-0001 (Régie périscolaire TAP mercredi péricentre) ne se paie pas "
        "en ligne."
    )
    r = _pay(portal, token, "ALSH-2026-0001", "APS-2026-0001")
    assert r.status_code == 422 and "même régie" in r.json()["detail"]
    r = _pay(portal, token, "ALSH-2026-0001", "ALSH-2026-0001")
    assert r.status_code == 422 and "deux fois" in r.json()["detail"]
    r = _pay(portal, token, "ALSH-2099-0001")
    assert r.status_code == 404 and r.json()["detail"] == "Facture introuvable : ALSH-2099-0001."
    # Another family's invoice is as unknown as a missing one.
    other = family_body("f2@example.fr")
    assert portal.staff("PUT", "/staff/families/F2", new_key(), json=other).status_code == 201
    push_invoice(portal, "ALSH-2026-0009", invoice_body("F2"))
    assert _pay(portal, token, "ALSH-2026-0009").status_code == 404
    # Outside the window: refused, with the next window.
    push_windows(portal, ("ALSH", "2026-12-01", "2026-12-18"), ("ALSH", "2027-02-01", "2027-02-12"))
    set_now(portal, "2026-12-19 08:00")
    r = _pay(portal, token, "ALSH-2026-0001")
    assert r.status_code == 409
    assert r.json()["detail"] == (
        "Le paiement en ligne des factures « Régie ALSH enfance » n'est pas ouvert aujourd'hui. "
        "Prochaine période : du 01/02/2027 au 12/02/2027."
    )
    set_now(portal, "2027-02-01 00:00")
    assert _pay(portal, token, "ALSH-2026-0001").status_code == 201
    # A paid or cancelled invoice has nothing to pay.
    body = invoice_body("F1", cents=(1800,)) | {"state": "cancelled", "credit_note": "AV-1"}
    push_invoice(portal, "ALSH-2026-0002", body)
    r = _pay(portal, token, "ALSH-2026-0002")
    assert r.status_code == 409 and "n'a rien à régler (Annulée par un avoir)" in r.json()["detail"]
    # Online payment disabled on the portal.
    portal.app.state.services.provider = None
    r = _pay(portal, token, "ALSH-2026-0001")
    assert r.status_code == 409 and "pas disponible" in r.json()["detail"]
    assert (
        portal.parent("GET", "/me/invoices", token).json()["regies"][0]["online_payment_open"]
        is False
    )


def test_expiry_after_15_minutes_and_late_notification(portal, smtp_sink, billed):
    token = billed
    started = _pay(portal, token, "ALSH-2026-0002").json()
    refdet = started["redirect_url"].rsplit("/", 1)[1]
    set_now(portal, "2026-12-05 10:14")
    assert portal.parent("GET", "/me/payments/PAY-000001", token).json()["state"] == "pending"
    set_now(portal, "2026-12-05 10:15")
    r = portal.parent("GET", "/me/payments", token).json()
    assert [(p["state"], p["result"]) for p in r] == [("refused", "expired")]
    assert r[0]["result_label"] == "Paiement non terminé dans le délai (15 minutes)"
    [expired] = _payments_in_feed(portal)
    assert (expired["data"]["state"], expired["data"]["provider_result"]) == ("refused", "expired")
    assert expired["data"]["provider_code"] is None and expired["data"]["late"] is False
    # The invoice can be paid again.
    assert portal.parent("GET", "/me/invoices/ALSH-2026-0002", token).json()["payable_now"]
    # The bank's answer arrives late: the money was taken, the payment counts.
    params = {"refdet": refdet, "resultrans": "P", "montant": "1800"}
    r = _notify(portal, token, **params)
    assert r.json() == {
        "payment": "PAY-000001",
        "state": "validated",
        "result": "paid_card",
        "changed": True,
        "late": True,
    }
    r = _notify(portal, token, **params)
    assert r.json()["changed"] is False
    late = _payments_in_feed(portal)[1:]
    assert [(c["data"]["previous_state"], c["data"]["state"], c["data"]["late"]) for c in late] == [
        ("refused", "validated", True)
    ]
    # A pending payment whose answer arrives after its 15 minutes, before anyone noticed.
    started = _pay(portal, token, "ALSH-2026-0001").json()
    set_now(portal, "2026-12-05 11:00")
    refdet = started["redirect_url"].rsplit("/", 1)[1]
    r = _notify(portal, token, refdet=refdet, resultrans="A")
    assert r.json()["late"] is True and r.json()["state"] == "refused"
    # Unknown operation, wrong amount, unknown code: refused, nothing recorded.
    r = _notify(portal, token, refdet="NOPE1234", resultrans="P")
    assert r.status_code == 404 and r.json()["detail"] == "Opération de paiement inconnue."
    r = _notify(portal, token, refdet=refdet, resultrans="Q")
    assert r.status_code == 422 and r.json()["detail"] == "Code résultat inconnu : « Q »."


@pytest.mark.allow_log_warnings
def test_notification_with_another_amount_is_refused(portal, billed):
    started = _pay(portal, billed, "ALSH-2026-0002").json()
    refdet = started["redirect_url"].rsplit("/", 1)[1]
    r = _notify(portal, billed, refdet=refdet, resultrans="P", montant="1")
    assert r.status_code == 422 and "montant" in r.json()["detail"]
    assert portal.parent("GET", "/me/payments/PAY-000001", billed).json()["state"] == "pending"


@pytest.mark.allow_log_warnings
def test_simulated_pages_only_for_the_family_that_pays(portal, smtp_sink, billed):
    """The simulated provider's pages show the parent's e-mail and amount and record a
    result: they need the session of the family that owns the operation."""
    started = _pay(portal, billed, "ALSH-2026-0002").json()
    page_url = started["redirect_url"]
    refdet = page_url.rsplit("/", 1)[1]
    other = family_body("f2@example.fr")
    assert portal.staff("PUT", "/staff/families/F2", new_key(), json=other).status_code == 201
    intruder = activate(portal, smtp_sink, "f2@example.fr")
    # Anonymous: 401, in French, nothing shown.
    for answer in [
        requests.get(page_url, timeout=HTTP_TIMEOUT),
        requests.post(page_url, data={"resultrans": "P"}, timeout=HTTP_TIMEOUT),
        requests.post(
            portal.url("/payments/simulated/notification"),
            data={"refdet": refdet, "resultrans": "P"},
            timeout=HTTP_TIMEOUT,
        ),
    ]:
        assert answer.status_code == 401, answer.text
        assert answer.json()["detail"] == "Authentification requise."
        assert "f1@example.fr" not in answer.text and "18,00" not in answer.text
    # Another family: the operation does not exist for it.
    for answer in [
        requests.get(page_url, headers=_auth(intruder), timeout=HTTP_TIMEOUT),
        _choose(intruder, page_url, "P"),
        _notify(portal, intruder, refdet=refdet, resultrans="P"),
    ]:
        assert answer.status_code == 404, answer.text
        assert answer.json()["detail"] == "Opération de paiement inconnue."
        assert "f1@example.fr" not in answer.text
    assert portal.parent("GET", "/me/payments/PAY-000001", billed).json()["state"] == "pending"
    assert _payments_in_feed(portal) == []
    # The family that pays sees its page.
    page = requests.get(page_url, headers=_auth(billed), timeout=HTTP_TIMEOUT)
    assert page.status_code == 200 and "18,00 €" in page.text and "f1@example.fr" in page.text
