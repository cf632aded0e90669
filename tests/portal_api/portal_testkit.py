# Long module: the one kit every portal and sync test starts from (SMTP sink, served portal, parents, clock).
"""Helpers and fixtures of the portal tests: a real SMTP sink and the portal served by uvicorn.

Everything is real: the portal listens on a loopback port in a background
thread and is called over HTTP with ``requests``; its e-mails go through
smtplib to an aiosmtpd server whose messages the tests read.
"""

from __future__ import annotations

import email
import email.policy
import re
import socket
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests
import uvicorn
from aiosmtpd.controller import Controller

from portal.app import create_app
from portal.security import token_hash
from portal.settings import Settings

# Generous limits: on a busy machine the portal is slow, which is not what a test checks.
# Every wait ends as soon as what it waits for happens.
HTTP_TIMEOUT = 60  # seconds, for every HTTP call of the tests (connect and read)
START_TIMEOUT = 60  # seconds for the portal to listen, and as long to stop

STAFF_TOKEN = "jeton-de-test-du-back-office-0123456789abcdef"
PASSWORD = "Soleil-d-ete-2026"
LINK_RE = re.compile(r"https?://\S+#jeton=([A-Za-z0-9_\-]+)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    to: list[str]
    subject: str
    body: str

    @property
    def token(self) -> str:
        match = LINK_RE.search(self.body)
        assert match, f"pas de lien dans le courriel : {self.body!r}"
        return match.group(1)

    @property
    def link(self) -> str:
        return LINK_RE.search(self.body).group(0)


@dataclass
class SmtpSink:
    port: int
    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        received = Received(
            to=list(envelope.rcpt_tos),
            subject=str(msg["Subject"]),
            body=msg.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n"),
        )
        with self.lock:
            self.messages.append(received)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [m for m in self.messages if address in m.to]

    def last_to(self, address: str) -> Received:
        found = self.to(address)
        assert found, f"aucun courriel reçu par {address}"
        return found[-1]


@pytest.fixture
def smtp_sink():
    sink = SmtpSink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    yield sink
    controller.stop()


@dataclass
class Portal:
    base: str
    settings: Settings
    app: object

    def url(self, path: str) -> str:
        return self.base + path

    def staff(self, method: str, path: str, key: str | None = None, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {STAFF_TOKEN}", **kwargs.pop("headers", {})}
        if key is not None:
            headers["Idempotency-Key"] = key
        return requests.request(
            method, self.url(path), headers=headers, timeout=HTTP_TIMEOUT, **kwargs
        )

    def parent(self, method: str, path: str, token: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"}
        return requests.request(
            method, self.url(path), headers=headers, timeout=HTTP_TIMEOUT, **kwargs
        )

    def post(self, path: str, **kwargs) -> requests.Response:
        return requests.post(self.url(path), timeout=HTTP_TIMEOUT, **kwargs)

    @property
    def db(self):
        return self.app.state.services.db


class _Server(uvicorn.Server):
    """uvicorn's server, which says when its start-up is over (``done``), listening or not."""

    def __init__(self, config: uvicorn.Config):
        super().__init__(config)
        self.done = threading.Event()

    async def startup(self, sockets=None) -> None:
        try:
            await super().startup(sockets)
        finally:
            self.done.set()

    def run(self, sockets=None) -> None:
        try:
            super().run(sockets)
        finally:
            self.done.set()  # start-up failed before it began: no waiting in vain


def serve(settings: Settings):
    """Start the portal with uvicorn in a thread; returns (Portal, stop) once it answers."""
    app = create_app(settings)
    port = free_port()
    # As ``portal serve``: X-Forwarded-For is the app's business (PORTAL_TRUSTED_PROXIES).
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", proxy_headers=False
    )
    server = _Server(config)
    thread = threading.Thread(target=server.run, name="portal-uvicorn", daemon=True)
    thread.start()
    if not server.done.wait(START_TIMEOUT) or not server.started:
        server.should_exit = True
        raise RuntimeError(f"le portail n'a pas démarré (attendu {START_TIMEOUT} s au plus)")
    base = f"http://127.0.0.1:{port}"
    answer = requests.get(base + "/health", timeout=HTTP_TIMEOUT)
    if answer.status_code != 200:
        server.should_exit = True
        raise RuntimeError(f"le portail démarré ne répond pas : {answer.text}")

    def stop():
        server.should_exit = True
        thread.join(timeout=START_TIMEOUT)

    return Portal(base=base, settings=settings, app=app), stop


def make_settings(database_url: str, smtp_port: int, **overrides) -> Settings:
    values = dict(
        database_url=database_url,
        public_base_url="https://portail.example.fr",
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_sender="Portail Famille <portail@example.fr>",
        staff_token_hash=token_hash(STAFF_TOKEN),
        api_docs=True,  # the contract tests read /openapi.json as served
    )
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def portal(tmp_path, smtp_sink):
    """The portal on a fresh SQLite file, served for real."""
    running, stop = serve(make_settings(f"sqlite:///{tmp_path / 'portal.sqlite3'}", smtp_sink.port))
    yield running
    stop()


def family_body(login_email: str, **overrides) -> dict:
    body = {
        "name": "MARTIN",
        "login_email": login_email,
        "address_line1": "3 rue des Tilleuls",
        "postcode": "72800",
        "commune": "Le Lude",
        "phone": "0243000000",
        "guardians": [
            {
                "rank": 1,
                "civility": "Mme",
                "last_name": "MARTIN",
                "first_name": "Claire",
                "relationship_label": "mère",
                "is_payer": True,
                "mobile_phone": "0611223344",
                "email": login_email,
            }
        ],
        "children": [
            {
                "ref": "C101",
                "information": {
                    "last_name": "MARTIN",
                    "first_name": "Léa",
                    "sex": "F",
                    "birth_date": "2018-04-02",
                    "school": "École du Lude",
                    "school_class": "CE2",
                },
            }
        ],
    }
    body.update(overrides)
    return body


def new_key() -> str:
    return f"test-{uuid.uuid4().hex}"


@pytest.fixture
def make_family(portal):
    """Create a family through the staff API; returns its login e-mail."""

    def create(ref: str = "F00042", login: str = "claire.martin@example.fr", **overrides) -> str:
        r = portal.staff(
            "PUT", f"/staff/families/{ref}", new_key(), json=family_body(login, **overrides)
        )
        assert r.status_code == 201, r.text
        return login

    return create


@pytest.fixture
def active_parent(portal, smtp_sink, make_family):
    """An activated family account; returns (login, bearer token)."""
    login = make_family()
    token = smtp_sink.last_to(login).token
    r = portal.post(
        "/auth/activate",
        json={"token": token, "password": PASSWORD, "password_confirmation": PASSWORD},
    )
    assert r.status_code == 200, r.text
    return login, r.json()["access_token"]


# --- §6: catalogue, complete child files, the injectable clock ---------------------------------

PARIS = ZoneInfo("Europe/Paris")
ALL_VACCINES = [
    "diphterie",
    "tetanos",
    "poliomyelite",
    "coqueluche",
    "hib",
    "hepatite_b",
    "pneumocoque",
    "meningocoque_c",
    "rougeole",
    "oreillons",
    "rubeole",
]
CONTACT = {
    "last_name": "DUPONT",
    "first_name": "Jeanne",
    "relationship_label": "grand-mère",
    "phone1": "0243112233",
}
MEDICAL = {
    "vaccinations": [{"vaccine": v, "done": True, "last_date": "2019-05-01"} for v in ALL_VACCINES],
    "doctor_name": "Dr Morel",
    "doctor_phone": "0243999999",
}


def set_now(portal: Portal, when: str) -> None:
    """Portal's clock at ``when`` (« 2026-12-01 11:59 », Paris time): no sleeping, no wall clock."""
    moment = datetime.strptime(when, "%Y-%m-%d %H:%M").replace(tzinfo=PARIS)
    portal.app.state.services.clock = lambda: moment


def complete_child(ref: str, first_name: str, birth_date: str = "2018-04-02") -> dict:
    """A child whose file has every mandatory item (registration possible)."""
    return {
        "ref": ref,
        "information": {
            "last_name": "MARTIN",
            "first_name": first_name,
            "sex": "F",
            "birth_date": birth_date,
            "school": "École du Lude",
            "school_class": "CE2",
        },
        "medical": MEDICAL,
        "emergency_contacts": [CONTACT],
        "authorised_pickups": [CONTACT],
        "consents": [],
    }


def notice(days: int, at: str, weekends: bool = True, holidays: bool = True) -> dict:
    return {"days": days, "time": at, "skip_weekends": weekends, "skip_public_holidays": holidays}


def catalogue_body(**rules) -> dict:
    """ALSH du Lude, December 2026: day and morning units, age groups, a closure, capacities.

    Rules: booking « J-2 à 12:00 » and cancellation « J-1 à 10:00 », weekends and
    public holidays not counted; auto-accept; full → waiting list.
    """
    alsh_rules = {
        "booking_notice": notice(2, "12:00"),
        "cancellation_notice": notice(1, "10:00"),
        "auto_accept": True,
        "when_full": "waiting_list",
    } | rules
    return {
        "activities": [
            {
                "code": "ALSH-LUDE",
                "name": "Accueil de loisirs du Lude",
                "kind": "alsh",
                "site": "Le Lude",
                "age_groups": [
                    {"code": "MAT", "label": "3-5 ans", "min_age": 3, "max_age": 5},
                    {"code": "ELEM", "label": "6-11 ans", "min_age": 6, "max_age": 11},
                ],
                "periods": [
                    {
                        "code": "DEC-2026",
                        "label": "Décembre 2026",
                        "start": "2026-11-30",
                        "end": "2026-12-31",
                        "booking_opens": "2026-11-01",
                        "booking_closes": "2026-12-30",
                    }
                ],
                "units": [
                    {
                        "code": "JOURNEE",
                        "name": "Journée",
                        "start_time": "08:30",
                        "end_time": "17:30",
                        "weekdays": [1, 2, 3, 4, 5],
                    },
                    {
                        "code": "MATIN",
                        "name": "Accueil du matin",
                        "start_time": "07:30",
                        "end_time": "08:30",
                        "weekdays": [1, 2, 4, 5],
                    },
                ],
                "capacities": [
                    {"unit": "JOURNEE", "start": "2026-11-30", "end": "2026-12-31", "places": 20}
                ],
                "rules": alsh_rules,
            },
            {
                "code": "MERCREDI",
                "name": "Mercredis récréatifs",
                "kind": "mercredi",
                "site": "Mayet",
                "periods": [
                    {
                        "code": "T1-2027",
                        "label": "1er trimestre 2027",
                        "start": "2027-01-04",
                        "end": "2027-03-31",
                        "booking_opens": "2026-11-15",
                        "booking_closes": "2027-03-25",
                    }
                ],
                "units": [
                    {
                        "code": "APREM",
                        "name": "Après-midi",
                        "start_time": "13:30",
                        "end_time": "17:30",
                        "weekdays": [3],
                    }
                ],
                "capacities": [
                    {"unit": "APREM", "start": "2027-01-04", "end": "2027-03-31", "places": 1}
                ],
                "rules": {
                    "booking_notice": notice(7, "18:00", weekends=False, holidays=False),
                    "when_full": "request",
                },
            },
        ],
        "closures": [
            {"start": "2026-12-31", "end": "2026-12-31", "label": "Fermeture de fin d'année"},
            {
                "activity": "ALSH-LUDE",
                "start": "2026-12-09",
                "end": "2026-12-09",
                "label": "Formation de l'équipe",
            },
        ],
    }


def push_catalogue(portal: Portal, body: dict | None = None) -> None:
    r = portal.staff("PUT", "/staff/catalogue", new_key(), json=body or catalogue_body())
    assert r.status_code == 200, r.text


def activate(portal: Portal, smtp_sink: SmtpSink, login: str) -> str:
    """Activate the account whose activation e-mail ``login`` received; returns a bearer."""
    token = smtp_sink.last_to(login).token
    r = portal.post(
        "/auth/activate",
        json={"token": token, "password": PASSWORD, "password_confirmation": PASSWORD},
    )
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def booking_family(
    portal: Portal, smtp_sink: SmtpSink, children: list[dict], ref: str = "F00200"
) -> str:
    """A family with complete children files, activated; returns the parent's bearer."""
    login = f"{ref.lower()}@example.fr"
    body = family_body(login, children=children)
    r = portal.staff("PUT", f"/staff/families/{ref}", new_key(), json=body)
    assert r.status_code == 201, r.text
    return activate(portal, smtp_sink, login)


def register(portal: Portal, token: str, child: str, activity="ALSH-LUDE", period="DEC-2026"):
    r = portal.parent(
        "POST",
        "/me/registrations",
        token,
        json={"child_ref": child, "activity": activity, "period": period},
    )
    assert r.status_code in (200, 201), r.text
    return r.json()["ref"]


def draft(portal: Portal, token: str, reg: str, *changes: dict) -> dict:
    r = portal.parent(
        "POST", f"/me/registrations/{reg}/draft", token, json={"changes": list(changes)}
    )
    assert r.status_code == 200, r.text
    return r.json()


def validate(portal: Portal, token: str, reg: str) -> dict:
    r = portal.parent("POST", f"/me/registrations/{reg}/draft/validate", token)
    assert r.status_code == 201, r.text
    return r.json()


def book(portal: Portal, token: str, reg: str, *days: str, unit: str = "JOURNEE") -> dict:
    """Tick these days and validate; returns the summary."""
    draft(portal, token, reg, {"action": "book", "unit": unit, "dates": list(days)})
    return validate(portal, token, reg)


def cell(planning: dict, day: str, unit: str = "JOURNEE") -> dict:
    [found] = [
        c for d in planning["days"] if d["date"] == day for c in d["cells"] if c["unit"] == unit
    ]
    return found


def planning(portal: Portal, token: str, reg: str, week: str) -> dict:
    r = portal.parent("GET", f"/me/registrations/{reg}/planning?week={week}", token)
    assert r.status_code == 200, r.text
    return r.json()


def changes(portal: Portal, after: int = 0) -> list[dict]:
    r = portal.staff("GET", f"/staff/changes?after={after}&limit=1000")
    assert r.status_code == 200, r.text
    return r.json()["changes"]


# --- §7: invoices, payment windows, online payment ---------------------------------------------

REGIES = {
    "ALSH": "Régie ALSH enfance",
    "APS": "Régie périscolaire TAP mercredi péricentre",
    "JEUNESSE": "Régie Jeunesse",
    "MULTI": "Régie Multi-accueil",
}


def invoice_body(family_ref: str, regie: str = "ALSH", cents: tuple[int, ...] = (2500,), **kw):
    """An invoice of ``regie`` for child C101: one line per amount in ``cents``."""
    lines = [
        {
            "label": f"Journée ALSH {i + 1}",
            "start": "2026-12-21",
            "end": "2026-12-21",
            "quantity": 1,
            "unit_price_cents": amount,
            "amount_cents": amount,
        }
        for i, amount in enumerate(cents)
    ]
    body = {
        "regie": regie,
        "regie_label": REGIES[regie],
        "family_ref": family_ref,
        "issue_date": "2026-12-01",
        "period_start": "2026-12-21",
        "period_end": "2026-12-31",
        "due_date": "2026-12-18",
        "total_cents": sum(cents),
        "children": [{"child_ref": "C101", "child_name": "Léa MARTIN", "lines": lines}],
        "qf_bracket": "QF 601-900",
        "payment_instructions": "Payable en ligne pendant la période de paiement, ou à la régie.",
        "payable_online": regie == "ALSH",
    }
    body.update(kw)
    return body


def push_invoice(portal: Portal, number: str, body: dict, key: str | None = None):
    r = portal.staff("PUT", f"/staff/invoices/{number}", key or new_key(), json=body)
    assert r.status_code in (200, 201), r.text
    return r


def push_windows(portal: Portal, *windows: tuple[str, str, str]) -> None:
    body = {
        "windows": [{"regie": g, "start": s, "end": e, "label": "Vacances"} for g, s, e in windows]
    }
    r = portal.staff("PUT", "/staff/payment-windows", new_key(), json=body)
    assert r.status_code == 200, r.text


def sample_pdf(text: str = "Facture") -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n% " + text.encode() + b"\ntrailer<<>>\n%%EOF\n"
    )


def enable_payments(portal: Portal, provider=None) -> None:
    """Online payment through ``provider`` (the simulated one by default)."""
    from portal.providers import SimulatedProvider

    portal.app.state.services.provider = provider or SimulatedProvider()


# --- PayFiP: the fake web service (portal/payfip_fake.py), served for real ------------------

PAYFIP_NUMCLI = "012345"


@pytest.fixture
def payfip_fake():
    """The fake PayFiP on its own loopback port (SOAP web service and payment page)."""
    from portal.payfip_fake import FakePayfip

    fake = FakePayfip(numcli=PAYFIP_NUMCLI).start()
    yield fake
    fake.stop()


def payfip_provider(fake, **overrides):
    """The portal's PayFiP provider, pointed at ``fake``."""
    from portal.providers import PayfipProvider

    values = dict(
        numcli=PAYFIP_NUMCLI,
        saisie="T",
        url=fake.page_url,
        ws_url=fake.ws_url,
        timeout=HTTP_TIMEOUT,
    )
    values.update(overrides)
    return PayfipProvider(**values)
