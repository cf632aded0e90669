# Long module: PayFiP's secure flow end to end (portal and fake PayFiP served for real) and the adapter's cases, one subject.
"""PayFiP's secure flow (issue #14, item 1), against the portal and the fake PayFiP, both
served for real on loopback: the operation is created server to server
(``creerPaiementSecurise`` → ``idOp``), the browser goes to the payment page with the
``idOp``, PayFiP notifies the ``idOp`` and the portal reads the result back
(``recupererDetailPaiementSecurise``), trusting nothing else."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from portal_testkit import (
    HTTP_TIMEOUT,
    PAYFIP_NUMCLI,
    activate,
    changes,
    enable_payments,
    family_body,
    free_port,
    invoice_body,
    new_key,
    payfip_provider,
    push_invoice,
    push_windows,
    set_now,
)

from portal.payfip import IN_PROGRESS, UNKNOWN_OPERATION, Detail, PayfipClient, PayfipError
from portal.providers import (
    PAYFIP_RESULTS,
    Expected,
    NotificationError,
    Operation,
    PayfipProvider,
    ResultMismatch,
    notification_idop,
    payfip_object,
)

NOTIFY = "/payments/payfip/notification"


@pytest.fixture
def billed(portal, smtp_sink, payfip_fake):
    """Family F1 with two ALSH invoices (37,50 € and 18,00 €) and one APS invoice (42,00 €);
    the ALSH window open; the portal pays through the fake PayFiP."""
    login = "f1@example.fr"
    r = portal.staff("PUT", "/staff/families/F1", new_key(), json=family_body(login))
    assert r.status_code == 201
    token = activate(portal, smtp_sink, login)
    push_invoice(portal, "ALSH-2026-0001", invoice_body("F1", cents=(2500, 1250)))
    push_invoice(portal, "ALSH-2026-0002", invoice_body("F1", cents=(1800,)))
    push_invoice(portal, "APS-2026-0001", invoice_body("F1", "APS", (4200,)))
    push_windows(portal, ("ALSH", "2026-12-01", "2026-12-18"))
    enable_payments(portal, payfip_provider(payfip_fake))
    set_now(portal, "2026-12-05 10:00")
    return token


def _start(portal, token, *numbers) -> tuple[dict, str]:
    """The parent starts a payment; returns the answer and PayFiP's idOp."""
    r = portal.parent("POST", "/me/payments", token, json={"invoices": list(numbers)})
    assert r.status_code == 201, r.text
    started = r.json()
    url = urlsplit(started["redirect_url"])
    [idop] = parse_qs(url.query)["idop"]
    return started, idop


def _state(portal, token, ref="PAY-000001") -> str:
    return portal.parent("GET", f"/me/payments/{ref}", token).json()["state"]


def _invoice(portal, token, number="ALSH-2026-0002") -> tuple[str, int]:
    inv = portal.parent("GET", f"/me/invoices/{number}", token).json()
    return inv["state"], inv["balance_cents"]


def _payments_in_feed(portal) -> list[dict]:
    return [c for c in changes(portal) if c["kind"] == "payment.updated"]


def _warnings(caplog) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name.startswith("portal")
    ]


def test_genuine_payment_validated_with_the_result_read_from_payfip(
    portal, smtp_sink, billed, payfip_fake
):
    token = billed
    started, idop = _start(portal, token, "ALSH-2026-0001", "ALSH-2026-0002")
    # The browser goes to PayFiP's page with the idOp only; the operation's fields went
    # server to server.
    assert started["redirect_url"] == f"{payfip_fake.page_url}?idop={idop}"
    op = payfip_fake.operation(idop)
    assert op.request == {
        "exer": "2026",
        "mel": "f1@example.fr",
        "montant": "5550",
        "numcli": PAYFIP_NUMCLI,
        "objet": "Factures ALSH-2026-0001 ALSH-2026-0002",
        "refdet": op.request["refdet"],
        "saisie": "T",
        "urlnotif": portal.base + NOTIFY,
        "urlredirect": "https://portail.example.fr/paiement/retour?paiement=PAY-000001",
    }
    assert re.fullmatch(r"PF0000000001[A-Z0-9]{8}", op.request["refdet"])
    with portal.db.read() as session:
        from portal.models import Payment

        assert session.get_one(Payment, 1).operation_id == idop
    assert _state(portal, token) == "pending"
    # The parent's page at PayFiP, then the card payment: PayFiP notifies the idOp.
    page = requests.get(started["redirect_url"], timeout=HTTP_TIMEOUT)
    assert page.status_code == 200 and "55,50 €" in page.text
    done = requests.post(
        payfip_fake.page_url, data={"idop": idop, "resultrans": "P"}, timeout=HTTP_TIMEOUT
    )
    assert done.status_code == 200 and "Payer par carte bancaire" in done.text
    assert op.notifications == [200]
    r = portal.parent("GET", "/me/payments/PAY-000001", token).json()
    assert (r["state"], r["result"]) == ("validated", "paid_card")
    assert _invoice(portal, token) == ("paid", 0)
    assert smtp_sink.last_to("f1@example.fr").subject == (
        "Portail Famille : paiement PAY-000001 validé"
    )
    [entry] = _payments_in_feed(portal)
    data = entry["data"]
    assert (data["provider"], data["state"], data["provider_code"]) == ("payfip", "validated", "P")
    assert data["authorisation"] == op.numauto and re.fullmatch(r"\d{6}", op.numauto)
    assert (data["refdet"], data["amount_cents"], data["exer"]) == (
        op.request["refdet"],
        5550,
        2026,
    )
    # PayFiP notifies again (by POST or GET): read again, nothing changes.
    assert payfip_fake.notify(idop) == 200
    r = requests.get(portal.url(NOTIFY), params={"idOp": idop}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "payment": "PAY-000001",
        "state": "validated",
        "result": "paid_card",
        "changed": False,
        "late": False,
    }
    assert len(_payments_in_feed(portal)) == 1


@pytest.mark.allow_log_warnings
def test_forged_notification_leaves_the_invoice_unpaid_and_is_logged(
    portal, smtp_sink, billed, payfip_fake, caplog
):
    token = billed
    _started, idop = _start(portal, token, "ALSH-2026-0002")
    refdet = payfip_fake.operation(idop).request["refdet"]
    # The forgery: a result in the notification's own fields, no authentication.
    forged = {"refdet": refdet, "resultrans": "P", "montant": "1800", "numauto": "FAKE"}
    r = requests.post(portal.url(NOTIFY), data=forged, timeout=HTTP_TIMEOUT)
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == "Notification PayFiP sans identifiant d'opération (idOp)."
    r = requests.get(portal.url(NOTIFY), params=forged, timeout=HTTP_TIMEOUT)
    assert r.status_code == 422
    # The same with the genuine idOp, while the parent has not paid: PayFiP has no result,
    # the fields sent are ignored.
    r = requests.post(portal.url(NOTIFY), data=forged | {"idOp": idop}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 409, r.text
    assert r.json()["detail"] == "PayFiP n'a pas encore de résultat pour cette opération."
    # An idOp PayFiP never gave.
    r = requests.post(portal.url(NOTIFY), data={"idOp": "0" * 32}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 404 and r.json()["detail"] == "Opération de paiement inconnue."
    assert _state(portal, token) == "pending"
    assert _invoice(portal, token) == ("issued", 1800)
    assert _payments_in_feed(portal) == []
    # The parent abandons at PayFiP; a forged « paid » arriving then is read back: abandoned.
    payfip_fake.choose(idop, "A")
    r = requests.post(portal.url(NOTIFY), data=forged | {"idOp": idop}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200 and r.json()["result"] == "abandoned"
    assert _invoice(portal, token) == ("issued", 1800)
    [entry] = _payments_in_feed(portal)
    assert (entry["data"]["state"], entry["data"]["authorisation"]) == ("refused", "")
    # Logged, without the parent's e-mail, the amount or the operation's references.
    logged = _warnings(caplog)
    assert (
        logged[:2]
        == [
            "Notification PayFiP refusée : Notification PayFiP sans identifiant d'opération "
            "(idOp). (4 champ(s) reçu(s), ignoré(s))"
        ]
        * 2
    )
    assert "Notification PayFiP de PAY-000001 : PayFiP n'a pas encore de résultat" in logged
    assert "Notification PayFiP refusée : opération inconnue du portail" in logged
    text = " ".join(logged)
    for secret in ("f1@example.fr", refdet, idop, "1800", "FAKE"):
        assert secret not in text


@pytest.mark.allow_log_warnings
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("montant", "100"),
        ("numcli", "999999"),
        ("exer", "2025"),
        ("refdet", "PF0000000001OTHER123"),
    ],
)
def test_result_not_matching_the_operation_is_refused(
    portal, smtp_sink, billed, payfip_fake, caplog, field, value
):
    token = billed
    _started, idop = _start(portal, token, "ALSH-2026-0002")
    payfip_fake.tamper(idop, **{field: value})
    payfip_fake.choose(idop, "P")
    assert payfip_fake.operation(idop).notifications == [422]
    r = requests.post(portal.url(NOTIFY), data={"idOp": idop}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 422
    assert r.json()["detail"] == (
        f"Le résultat PayFiP ne correspond pas à l'opération enregistrée ({field}) : "
        "le paiement n'est pas pris en compte."
    )
    assert _state(portal, token) == "pending"
    assert _invoice(portal, token) == ("issued", 1800)
    assert _payments_in_feed(portal) == []
    assert (
        f"Résultat PayFiP de PAY-000001 refusé : {field} différent(s) de l'opération "
        "enregistrée" in _warnings(caplog)
    )


@pytest.mark.allow_log_warnings
def test_payfip_unreachable_at_the_start_leaves_nothing_pending(portal, billed, payfip_fake):
    token = billed
    enable_payments(portal, payfip_provider(payfip_fake, ws_url=f"http://127.0.0.1:{free_port()}/"))
    r = portal.parent("POST", "/me/payments", token, json={"invoices": ["ALSH-2026-0002"]})
    assert r.status_code == 502, r.text
    assert r.json()["detail"].startswith(
        "Le service de paiement PayFiP n'a pas pu créer le paiement : réessayez dans quelques "
        "minutes."
    )
    assert portal.parent("GET", "/me/payments", token).json() == []
    assert portal.parent("GET", "/me/invoices/ALSH-2026-0002", token).json()["payable_now"]
    # PayFiP refuses the operation (another client number): said, nothing pending either.
    enable_payments(portal, payfip_provider(payfip_fake, numcli="999999"))
    r = portal.parent("POST", "/me/payments", token, json={"invoices": ["ALSH-2026-0002"]})
    assert r.status_code == 502 and "Numéro client (numcli) inconnu" in r.json()["detail"]
    assert portal.parent("GET", "/me/payments", token).json() == []
    # PayFiP back: the payment starts.
    enable_payments(portal, payfip_provider(payfip_fake))
    _start(portal, token, "ALSH-2026-0002")
    # Below PayFiP's 1,00 €: refused before any call, nothing pending either.
    push_invoice(portal, "ALSH-2026-0003", invoice_body("F1", cents=(50,)))
    r = portal.parent("POST", "/me/payments", token, json={"invoices": ["ALSH-2026-0003"]})
    assert r.status_code == 409 and "montant hors des bornes PayFiP" in r.json()["detail"]
    assert [p["ref"] for p in portal.parent("GET", "/me/payments", token).json()] == ["PAY-000001"]


@pytest.mark.allow_log_warnings
def test_notifications_only_from_allowed_addresses(portal, billed, payfip_fake):
    _started, idop = _start(portal, billed, "ALSH-2026-0002")
    services = portal.app.state.services
    services.settings = services.settings.model_copy(update={"payfip_notify_ips": "10.1.2.3"})
    payfip_fake.choose(idop, "V")
    assert payfip_fake.operation(idop).notifications == [403]
    r = requests.post(portal.url(NOTIFY), data={"idOp": idop}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 403 and "origine non autorisée" in r.json()["detail"]
    assert _state(portal, billed) == "pending"
    services.settings = services.settings.model_copy(update={"payfip_notify_ips": "127.0.0.1"})
    assert payfip_fake.notify(idop) == 200
    assert _state(portal, billed) == "validated"


def test_simulated_pages_do_not_exist_with_payfip(portal, billed, payfip_fake):
    _started, idop = _start(portal, billed, "ALSH-2026-0001")
    refdet = payfip_fake.operation(idop).request["refdet"]
    r = portal.parent("GET", f"/payments/simulated/{refdet}", billed)
    assert r.status_code == 404
    assert r.json()["detail"] == "Le paiement simulé n'est pas activé sur ce portail."


# --- The web service client against the fake ---------------------------------------------------


@pytest.mark.allow_log_warnings  # the fake's notification goes nowhere: it says so
def test_client_speaks_the_fake_service(payfip_fake):
    client = PayfipClient(payfip_fake.ws_url, timeout=HTTP_TIMEOUT)
    arg0 = PayfipProvider(numcli=PAYFIP_NUMCLI).parameters(OPERATION)
    idop = client.create(arg0)
    with pytest.raises(PayfipError) as caught:
        client.detail(idop)
    assert caught.value.code == IN_PROGRESS
    with pytest.raises(PayfipError) as caught:
        client.detail("unknown0")
    assert caught.value.code == UNKNOWN_OPERATION
    payfip_fake.choose(idop, "R")  # the notification goes nowhere: nothing listens there
    detail = client.detail(idop)
    assert detail.fields | {"dattrans": "", "heurtrans": ""} == {
        "dattrans": "",
        "exer": "2026",
        "heurtrans": "",
        "idOp": idop,
        "mel": "f1@example.fr",
        "montant": "5550",
        "numauto": "",
        "numcli": PAYFIP_NUMCLI,
        "objet": "Factures ALSH-2026-0001 ALSH-2026-0002 Lea Noel",
        "refdet": "PF0000000042ABCDEFGH",
        "resultrans": "R",
        "saisie": "T",
    }
    assert re.fullmatch(r"\d{8}", detail.get("dattrans"))
    with pytest.raises(PayfipError, match="montant"):
        client.create(arg0 | {"montant": "55,50"})
    # Not a SOAP answer: a French error, no crash.
    with pytest.raises(PayfipError, match="illisible"):
        PayfipClient(payfip_fake.page_url, timeout=HTTP_TIMEOUT).create(arg0)


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<Envelope><Body><creerPaiementSecuriseResponse><return><idOp>&lol2;</idOp></return>
</creerPaiementSecuriseResponse></Body></Envelope>"""


@pytest.mark.parametrize(
    "answer",
    [
        BOMB,  # entities: refused by defusedxml, never expanded
        b"<Envelope><Body>" + b"<x/>" * 40_000 + b"</Body></Envelope>",  # past 64 KiB
        b"<Envelope><Body><autreChoseResponse/></Body></Envelope>",
    ],
    ids=["entites", "trop-long", "autre-reponse"],
)
def test_client_refuses_unsafe_or_odd_answers(answer):
    """A server that answers anything: the client says so in French, nothing expanded."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = PayfipClient(f"http://127.0.0.1:{server.server_port}/", timeout=HTTP_TIMEOUT)
        with pytest.raises(PayfipError, match="Réponse du service PayFiP"):
            client.create({"numcli": PAYFIP_NUMCLI})
    finally:
        server.shutdown()
        server.server_close()


def test_payfip_fake_command(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "portal.cli", "payfip-fake", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        first = process.stdout.readline()
        assert first.startswith(f"PayFiP factice sur http://127.0.0.1:{port}"), first
        lines = [process.stdout.readline().strip() for _ in range(3)]
        assert f"PORTAL_PAYFIP_WS_URL=http://127.0.0.1:{port}/tpa/services/securite" in lines
        ws_url = f"http://127.0.0.1:{port}/tpa/services/securite"
        arg0 = PayfipProvider(numcli=PAYFIP_NUMCLI).parameters(OPERATION)
        assert re.fullmatch(r"[0-9a-f]{32}", PayfipClient(ws_url, HTTP_TIMEOUT).create(arg0))
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stdout.close()


# --- The adapter ----------------------------------------------------------------------------

OPERATION = Operation(
    refdet="PF0000000042ABCDEFGH",
    exer=2026,
    amount_cents=5550,
    email="f1@example.fr",
    object="Factures ALSH-2026-0001 ALSH-2026-0002 (Léa, Noël)",
    notify_url="https://api.portail.example.fr/payments/payfip/notification",
    return_url="https://portail.example.fr/paiement/retour?paiement=PAY-000042",
    page_url="unused",
)
EXPECTED = Expected(idop="ab12", refdet="PF0000000042ABCDEFGH", exer=2026, amount_cents=5550)


def _detail(**fields: str) -> Detail:
    values = {
        "idOp": "ab12",
        "numcli": "012345",
        "exer": "2026",
        "refdet": "PF0000000042ABCDEFGH",
        "montant": "5550",
        "resultrans": "P",
        "numauto": "A1B2C3",
        "saisie": "T",
    }
    return Detail(values | fields)


@pytest.mark.parametrize("saisie", ["T", "X", "W"])
def test_payfip_operation_parameters(saisie):
    provider = PayfipProvider(numcli="012345", saisie=saisie)
    assert provider.parameters(OPERATION) == {
        "numcli": "012345",
        "exer": "2026",
        "refdet": "PF0000000042ABCDEFGH",
        "objet": "Factures ALSH-2026-0001 ALSH-2026-0002 Lea Noel",
        "montant": "5550",
        "mel": "f1@example.fr",
        "urlnotif": "https://api.portail.example.fr/payments/payfip/notification",
        "urlredirect": "https://portail.example.fr/paiement/retour?paiement=PAY-000042",
        "saisie": saisie,
    }
    assert (provider.url, provider.ws_url) == (
        "https://www.payfip.gouv.fr/tpa/paiementws.web",
        "https://www.payfip.gouv.fr/tpa/services/securite",
    )


def test_payfip_refuses_bad_operations():
    good = PayfipProvider(numcli="012345")
    for provider, op in [
        (PayfipProvider(numcli="12345"), OPERATION),  # numcli: 6 digits
        (good, replace(OPERATION, refdet="A" * 31)),  # refdet ≤ 30
        (good, replace(OPERATION, refdet="PF-0001")),  # alphanumerics only
        (good, replace(OPERATION, amount_cents=99)),  # at least 1 €
        (PayfipProvider(numcli="012345", saisie="M"), OPERATION),
    ]:
        with pytest.raises(ValueError):
            provider.parameters(op)
    assert payfip_object("é" * 150) == "e" * 100


@pytest.mark.parametrize(
    ("code", "result"),
    [
        ("P", "paid_card"),
        ("V", "paid_direct_debit"),
        ("R", "card_refused"),
        ("Z", "direct_debit_refused"),
        ("A", "abandoned"),
        ("p", "paid_card"),
    ],
)
def test_payfip_result_codes(code, result):
    outcome = PayfipProvider(numcli="012345").outcome(_detail(resultrans=code), EXPECTED)
    assert (outcome.result, outcome.code, outcome.amount_cents) == (result, code.upper(), 5550)
    assert (outcome.refdet, outcome.authorisation) == ("PF0000000042ABCDEFGH", "A1B2C3")
    assert set(PAYFIP_RESULTS) == {"P", "V", "R", "Z", "A"}


@pytest.mark.parametrize(
    ("fields", "wrong"),
    [
        ({"montant": "5551"}, ["montant"]),
        ({"montant": ""}, ["montant"]),
        ({"numcli": "999999"}, ["numcli"]),
        ({"exer": "2027"}, ["exer"]),
        ({"refdet": "PF0000000043ABCDEFGH"}, ["refdet"]),
        ({"idOp": "cd34"}, ["idOp"]),
        ({"saisie": "W"}, ["saisie"]),
        ({"montant": "1", "exer": "2027"}, ["exer", "montant"]),
    ],
)
def test_payfip_result_must_match_the_operation(fields, wrong):
    with pytest.raises(ResultMismatch) as caught:
        PayfipProvider(numcli="012345").outcome(_detail(**fields), EXPECTED)
    assert caught.value.fields == wrong


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"refdet": "X1", "resultrans": "P", "montant": "4200"}, "sans identifiant"),
        ({"idOp": ""}, "sans identifiant"),
        ({"idOp": "a b"}, "invalide"),
        ({"idop": "x" * 65}, "invalide"),
    ],
)
def test_payfip_notification_needs_an_idop(params, message):
    with pytest.raises(NotificationError, match=message):
        notification_idop(params)
    assert notification_idop({"idop": "ab12", "resultrans": "P"}) == "ab12"


def test_payfip_settings():
    from portal.providers import from_settings
    from portal.settings import Settings, SettingsError

    with pytest.raises(SettingsError, match="PORTAL_PAYFIP_NUMCLI"):
        Settings.from_env({"PORTAL_PAYMENT_PROVIDER": "payfip"})
    with pytest.raises(SettingsError, match="PORTAL_PAYFIP_NUMCLI"):
        Settings.from_env({"PORTAL_PAYMENT_PROVIDER": "payfip", "PORTAL_PAYFIP_NUMCLI": "12a456"})
    with pytest.raises(SettingsError, match="PORTAL_PAYFIP_WS_URL"):
        Settings.from_env({"PORTAL_PAYFIP_WS_URL": "payfip.gouv.fr"})
    settings = Settings.from_env(
        {
            "PORTAL_PAYMENT_PROVIDER": "payfip",
            "PORTAL_PAYFIP_NUMCLI": "012345",
            "PORTAL_PAYFIP_SAISIE": "W",
            "PORTAL_PAYFIP_WS_URL": "http://127.0.0.1:8091/tpa/services/securite",
            "PORTAL_PAYFIP_URL": "http://127.0.0.1:8091/tpa/paiementws.web",
            "PORTAL_PAYFIP_TIMEOUT_SECONDS": "5",
        }
    )
    provider = from_settings(settings)
    assert isinstance(provider, PayfipProvider)
    assert (provider.name, provider.numcli, provider.saisie, provider.timeout) == (
        "payfip",
        "012345",
        "W",
        5.0,
    )
    assert provider.ws_url == "http://127.0.0.1:8091/tpa/services/securite"
    assert provider.url == "http://127.0.0.1:8091/tpa/paiementws.web"
    assert from_settings(Settings.from_env({})) is None
    assert from_settings(Settings.from_env({"PORTAL_PAYMENT_PROVIDER": "simulated"})).name == (
        "simulated"
    )
