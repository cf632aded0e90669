"""A fake PayFiP for tests and the demo: the « paiement sécurisé » web service (SOAP over
HTTP, ``PaiementSecuriseService``) and the payment page, on its own loopback server.

* ``POST /tpa/services/securite``: ``creerPaiementSecurise`` (→ ``idOp``) and
  ``recupererDetailPaiementSecurise`` (→ the result; fault ``P5`` while the parent has
  not chosen, ``P1`` for an unknown ``idOp``), as PayFiP answers them;
* ``GET /tpa/paiementws.web?idop=…``: the page where a test or a demo parent chooses
  the outcome (P, V, R, Z, A); the choice (``POST``) notifies ``urlnotif`` server to
  server with the ``idOp`` only, as PayFiP does, then offers the way back
  (``urlredirect``).

Start it with ``portal payfip-fake --port N`` and point the portal at it with
``PORTAL_PAYFIP_WS_URL`` and ``PORTAL_PAYFIP_URL`` (the command prints both). Tests
start it in a thread (:class:`FakePayfip`) and may :meth:`FakePayfip.tamper` a result
to check that the portal refuses it. No money, no card: nothing here is real.
"""

from __future__ import annotations

import html
import logging
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit
from xml.etree.ElementTree import Element, SubElement, tostring
from zoneinfo import ZoneInfo

import requests

from portal.payfip import (
    CREATE_FIELDS,
    DETAIL_FIELDS,
    IN_PROGRESS,
    MAX_ANSWER_BYTES,
    SERVICE_NS,
    SOAP_ENV,
    UNKNOWN_OPERATION,
    body_call,
    children,
    local,
    parse_xml,
)

log = logging.getLogger(__name__)

WS_PATH = "/tpa/services/securite"
PAGE_PATH = "/tpa/paiementws.web"
NOTIFY_TIMEOUT = 60  # seconds: the portal may be slow on a busy machine
PARIS = ZoneInfo("Europe/Paris")
CHOICES = [
    ("P", "Payer par carte bancaire"),
    ("V", "Payer par prélèvement unique"),
    ("R", "Carte refusée"),
    ("Z", "Prélèvement refusé"),
    ("A", "Abandonner le paiement"),
]
LABELS = dict(CHOICES)
CHECKS = {
    "numcli": re.compile(r"^\d{6}$"),
    "exer": re.compile(r"^\d{4}$"),
    "refdet": re.compile(r"^[A-Za-z0-9]{1,30}$"),
    "montant": re.compile(r"^\d{3,8}$"),  # 1,00 € to 99 999,99 €, in cents
    "saisie": re.compile(r"^[TXW]$"),
    "mel": re.compile(r"^[^@\s]{1,64}@[^@\s]{1,200}$"),
    "objet": re.compile(r"^[A-Za-z0-9 \-]{0,100}$"),
    "urlnotif": re.compile(r"^https?://\S+$"),
    "urlredirect": re.compile(r"^https?://\S+$"),
}


@dataclass
class FakeOperation:
    """One operation created with ``creerPaiementSecurise``, and its result once chosen."""

    idop: str
    request: dict[str, str]
    resultrans: str = ""
    numauto: str = ""
    dattrans: str = ""
    heurtrans: str = ""
    notifications: list[int] = field(default_factory=list)  # HTTP status of each

    def detail(self) -> dict[str, str]:
        fields = {
            "idOp": self.idop,
            "numcli": self.request["numcli"],
            "exer": self.request["exer"],
            "refdet": self.request["refdet"],
            "objet": self.request.get("objet", ""),
            "montant": self.request["montant"],
            "mel": self.request["mel"],
            "saisie": self.request["saisie"],
            "resultrans": self.resultrans,
            "numauto": self.numauto,
            "dattrans": self.dattrans,
            "heurtrans": self.heurtrans,
        }
        return {name: fields[name] for name in DETAIL_FIELDS}


def _envelope() -> tuple[Element, Element]:
    env = Element(f"{{{SOAP_ENV}}}Envelope")
    return env, SubElement(env, f"{{{SOAP_ENV}}}Body")


def soap_answer(operation: str, values: dict[str, str]) -> bytes:
    env, body = _envelope()
    answer = SubElement(body, f"{{{SERVICE_NS}}}{operation}Response")
    returned = SubElement(answer, "return")
    for name, value in values.items():
        SubElement(returned, name).text = value
    return tostring(env, encoding="utf-8", xml_declaration=True)


def soap_fault(code: str, label: str) -> bytes:
    """A fault as PayFiP gives it: ``FonctionnelleErreur`` with code, libellé, descriptif."""
    env, body = _envelope()
    fault = SubElement(body, f"{{{SOAP_ENV}}}Fault")
    SubElement(fault, "faultcode").text = "soap:Server"
    SubElement(
        fault, "faultstring"
    ).text = "fr.gouv.finances.cp.tpa.webservice.exceptions.FonctionnelleErreur"
    error = SubElement(SubElement(fault, "detail"), f"{{{SERVICE_NS}}}FonctionnelleErreur")
    for name, value in [("code", code), ("descriptif", label), ("libelle", label)]:
        SubElement(error, name).text = value
    SubElement(error, "severite").text = "2"
    return tostring(env, encoding="utf-8", xml_declaration=True)


PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>PayFiP (factice)</title>
<style>body{{font-family:sans-serif;max-width:36em;margin:2em auto}}
button{{display:block;margin:.5em 0;padding:.6em 1em;width:100%}}
.fake{{background:#fee;border:1px solid #c00;padding:.5em}}</style></head>
<body><p class="fake">PayFiP <strong>factice</strong> (tests, démo) : aucune somme n'est
prélevée.</p><h1>Paiement de vos services publics locaux</h1>{content}</body></html>"""


class FakePayfip:
    """The fake service on ``host:port`` (0: a free port), served by a thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, numcli: str = "") -> None:
        self.host = host
        self.numcli = numcli  # empty: any 6-digit client number is accepted
        self.operations: dict[str, FakeOperation] = {}
        self.tampered: dict[str, dict[str, str]] = {}
        self.lock = threading.Lock()
        fake = self

        class Handler(_Handler):
            service = fake

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.server.server_port}"

    @property
    def ws_url(self) -> str:
        return self.base_url + WS_PATH

    @property
    def page_url(self) -> str:
        return self.base_url + PAGE_PATH

    def start(self) -> FakePayfip:
        self.thread = threading.Thread(
            target=self.server.serve_forever, name="payfip-fake", daemon=True
        )
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self.thread is not None:
            self.thread.join(timeout=30)

    # --- what the web service does ---------------------------------------------------------

    def create(self, arg0: dict[str, str]) -> str:
        """``creerPaiementSecurise``; ValueError (French) if a field is missing or wrong."""
        for name in CREATE_FIELDS:
            value = arg0.get(name, "")
            if not CHECKS[name].match(value):
                raise ValueError(f"Paramètre {name} absent ou invalide.")
        if self.numcli and arg0["numcli"] != self.numcli:
            raise ValueError("Numéro client (numcli) inconnu.")
        if int(arg0["montant"]) < 100:
            raise ValueError("Montant inférieur à 1,00 €.")
        idop = secrets.token_hex(16)
        with self.lock:
            self.operations[idop] = FakeOperation(idop, {k: arg0[k] for k in CREATE_FIELDS})
        return idop

    def detail(self, idop: str) -> dict[str, str]:
        """``recupererDetailPaiementSecurise``; KeyError (P1) or LookupError (P5)."""
        with self.lock:
            op = self.operations.get(idop)
            if op is None:
                raise KeyError(idop)
            if not op.resultrans:
                raise LookupError(idop)
            return op.detail() | self.tampered.get(idop, {})

    # --- what tests and demo parents do ----------------------------------------------------

    def tamper(self, idop: str, **fields: str) -> None:
        """The web service will answer these values for ``idop`` (a forged or wrong result)."""
        with self.lock:
            self.tampered.setdefault(idop, {}).update(fields)

    def operation(self, idop: str) -> FakeOperation:
        with self.lock:
            return self.operations[idop]

    def choose(
        self, idop: str, code: str, now: datetime | None = None, notify: bool = True
    ) -> FakeOperation:
        """The parent's choice on the page: the result is set once, then ``urlnotif`` is
        told the ``idOp`` (a form POST, as PayFiP does; ``notify=False``: a test sends it)."""
        if code not in LABELS:
            raise ValueError("Choix inconnu.")
        moment = (now or datetime.now(PARIS)).astimezone(PARIS)
        with self.lock:
            op = self.operations[idop]
            if op.resultrans:
                raise ValueError("Cette opération est déjà terminée.")
            op.resultrans = code
            op.numauto = f"{secrets.randbelow(10**6):06d}" if code in ("P", "V") else ""
            op.dattrans = moment.strftime("%d%m%Y")
            op.heurtrans = moment.strftime("%H%M")
        if notify:
            self.notify(idop)
        return op

    def notify(self, idop: str) -> int:
        """Tell the portal (again): POST ``idOp`` to the operation's ``urlnotif``."""
        op = self.operation(idop)
        try:
            status = requests.post(
                op.request["urlnotif"], data={"idOp": idop}, timeout=NOTIFY_TIMEOUT
            ).status_code
        except requests.RequestException as exc:
            log.warning("PayFiP factice : notification impossible (%s)", type(exc).__name__)
            status = 0
        with self.lock:
            op.notifications.append(status)
        return status

    def page(self, idop: str) -> str:
        with self.lock:
            op = self.operations.get(idop)
        if op is None:
            return "<p>Opération inconnue ou expirée.</p>"
        esc = html.escape
        cents = int(op.request["montant"])
        facts = (
            f"<p>{esc(op.request.get('objet', ''))}<br>Référence : {esc(op.request['refdet'])}"
            f"<br>Montant : <strong>{cents // 100},{cents % 100:02d} €</strong></p>"
        )
        back = f'<p><a href="{esc(op.request["urlredirect"])}">Retour au site de la collectivité</a></p>'
        if op.resultrans:
            return facts + f"<p>Opération terminée : {esc(LABELS[op.resultrans])}.</p>" + back
        buttons = "".join(
            f'<button name="resultrans" value="{code}">{esc(label)}</button>'
            for code, label in CHOICES
        )
        hidden = f'<input type="hidden" name="idop" value="{esc(idop)}">'
        return facts + f'<form method="post" action="{PAGE_PATH}">{hidden}{buttons}</form>'


class _Handler(BaseHTTPRequestHandler):
    service: FakePayfip
    server_version = "PayFiP-factice"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base's name
        log.debug("PayFiP factice : " + format, *args)

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _html(self, status: int, content: str) -> None:
        self._send(status, PAGE.format(content=content).encode(), "text/html; charset=utf-8")

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_ANSWER_BYTES:
            raise ValueError("requête trop volumineuse")
        return self.rfile.read(length)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        url = urlsplit(self.path)
        if url.path != PAGE_PATH:
            self._html(404, "<p>Page introuvable.</p>")
            return
        idop = dict(parse_qsl(url.query)).get("idop", "")
        self._html(200, self.service.page(idop))

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        path = urlsplit(self.path).path
        try:
            body = self._body()
        except ValueError:
            self._html(413, "<p>Requête trop volumineuse.</p>")
            return
        if path == WS_PATH:
            self._soap(body)
        elif path == PAGE_PATH:
            form = dict(parse_qsl(body.decode("utf-8", "replace")))
            idop = form.get("idop", "")
            try:
                self.service.choose(idop, form.get("resultrans", ""))
            except KeyError:
                self._html(404, "<p>Opération inconnue ou expirée.</p>")
                return
            except ValueError as exc:
                self._html(409, f"<p>{html.escape(str(exc))}</p>" + self.service.page(idop))
                return
            self._html(200, self.service.page(idop))
        else:
            self._html(404, "<p>Page introuvable.</p>")

    def _soap(self, body: bytes) -> None:
        def fault(code: str, label: str) -> None:
            self._send(500, soap_fault(code, label), "text/xml; charset=utf-8")

        try:
            call = body_call(parse_xml(body))
        except ValueError as exc:
            fault("XML", f"Requête SOAP illisible ({exc}).")
            return
        arg0 = next((child for child in call if local(child.tag) == "arg0"), None)
        args = children(arg0) if arg0 is not None else {}
        operation = local(call.tag)
        if operation == "creerPaiementSecurise":
            try:
                idop = self.service.create(args)
            except ValueError as exc:
                fault("O1", str(exc))
                return
            answer = soap_answer(operation, {"idOp": idop})
        elif operation == "recupererDetailPaiementSecurise":
            try:
                answer = soap_answer(operation, self.service.detail(args.get("idOp", "")))
            except KeyError:
                fault(UNKNOWN_OPERATION, "Opération inconnue.")
                return
            except LookupError:
                fault(IN_PROGRESS, "Paiement en cours : aucun résultat pour l'instant.")
                return
        else:
            fault("S1", "Opération SOAP inconnue.")
            return
        self._send(200, answer, "text/xml; charset=utf-8")


def serve(host: str, port: int, numcli: str = "") -> None:
    """Serve until interrupted (``portal payfip-fake``)."""
    fake = FakePayfip(host, port, numcli)
    print(f"PayFiP factice sur {fake.base_url} (Ctrl+C pour arrêter). Réglages du portail :")
    print(f"  PORTAL_PAYMENT_PROVIDER=payfip PORTAL_PAYFIP_NUMCLI={numcli or '012345'}")
    print(f"  PORTAL_PAYFIP_WS_URL={fake.ws_url}")
    print(f"  PORTAL_PAYFIP_URL={fake.page_url}", flush=True)
    try:
        fake.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        fake.server.server_close()
