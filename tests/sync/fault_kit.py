# Long module: the fault tests' proxy and world, kept together because they track one expected state.
"""Helpers of the fault tests: a TCP proxy that cuts connections, and a small world of
agents (back-office services, between rounds) and parents (the portal's HTTP API,
in a background thread, at any time) whose expected end state is tracked as they act.

Agents and parents edit disjoint fields (agents: family name and guardian first name;
parents: address, phones, e-mails, child information): with the fault-free order of
events unknowable, the expected end value of each field is the last value written
by its only author; both databases must hold exactly that.
"""

from __future__ import annotations

import random
import re
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from portal_testkit import CONTACT, MEDICAL, PASSWORD, catalogue_body, new_key, set_now
from sqlalchemy import func, select
from sync_helpers import TODAY, form

from backoffice.models import (
    AccountState,
    Family,
    OutboxItem,
    OutboxState,
    PortalRequest,
    QuarantinedChange,
    SyncConflict,
    SyncCursor,
)
from backoffice.services.families import accounts
from backoffice.services.families.edit import FamilyChanges, update_family
from backoffice.services.families.guardians import GuardianChanges, update_guardian
from backoffice.sync.pull import CURSOR

REQUEST_FEED_KINDS = {
    "registration.submitted",
    "booking.submitted",
    "child.emergency_contacts.updated",
    "child.authorised_pickups.updated",
}
PARENT_FAMILY_FIELDS = (
    "address_line1",
    "address_line2",
    "postcode",
    "commune",
    "phone",
    "billing_email",
)
DECEMBER = [f"2026-12-{d:02d}" for d in (1, 2, 3, 4, 7, 8, 10, 11, 14, 15, 16, 17, 18)]


# --- the proxy -----------------------------------------------------------------------------


class FaultProxy:
    """``127.0.0.1:port`` → the portal; each connection gets one cut, at a random point:

    - ``request``: after ``n`` bytes from the client (the request never reaches the
      portal whole);
    - ``drop``: the ``k``-th block of the portal's answer is not forwarded (the portal
      did the work; the client never hears of it);
    - ``response``: after ``n`` bytes of the answers (cut in the middle of one).

    Offsets are drawn from ranges wider than a small round's traffic, so that some
    rounds pass whole. ``enabled = False`` forwards new connections untouched.
    """

    MODES = ("request", "drop", "response")

    def __init__(self, target_port: int, seed: int):
        self.target_port = target_port
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.enabled = True
        self.cuts: Counter[str] = Counter()
        self.accepted = 0  # connections accepted so far
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._closed = False
        self._sockets: set[socket.socket] = set()
        threading.Thread(target=self._accept, name="fault-proxy", daemon=True).start()

    def close(self) -> None:
        self._closed = True
        self.listener.close()
        with self.lock:
            for sock in list(self._sockets):
                _kill(sock)

    def _plan(self) -> tuple[str, int]:
        with self.lock:
            if not self.enabled:
                return "none", 0
            mode = self.rng.choice(self.MODES)
            if mode == "request":
                return mode, self.rng.randrange(0, 2500)
            if mode == "drop":
                return mode, self.rng.randrange(1, 8)
            return mode, self.rng.randrange(0, 5000)

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
        except OSError:
            _kill(client)
            return
        with self.lock:
            self._sockets |= {client, upstream}
        mode, limit = self._plan()
        cut = threading.Event()

        def kill_both(why: str) -> None:
            if not cut.is_set():
                cut.set()
                if why:
                    with self.lock:
                        self.cuts[why] += 1
            _kill(client)
            _kill(upstream)

        def pump(src, dst, budget: int | None, drop_at: int | None, why: str) -> None:
            blocks = 0
            try:
                while True:
                    data = src.recv(65536)
                    if not data:
                        break
                    blocks += 1
                    if drop_at is not None and blocks == drop_at:
                        kill_both(why)
                        return
                    if budget is not None and len(data) >= budget:
                        if budget:
                            dst.sendall(data[:budget])
                        kill_both(why)
                        return
                    if budget is not None:
                        budget -= len(data)
                    dst.sendall(data)
            except OSError:
                pass
            kill_both("")

        up = threading.Thread(
            target=pump,
            args=(client, upstream, limit if mode == "request" else None, None, "request"),
            daemon=True,
        )
        up.start()
        pump(
            upstream,
            client,
            limit if mode == "response" else None,
            limit if mode == "drop" else None,
            mode,
        )
        up.join(timeout=5)
        with self.lock:
            self._sockets -= {client, upstream}


def _kill(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


# --- the world: what agents and parents did, hence what both sides must hold ---------------


@dataclass
class Expected:
    """One family's expected end state."""

    family_id: int
    code: str
    login: str
    child_id: int
    fields: dict[str, str] = field(default_factory=dict)  # family fields
    guardian: dict[str, str] = field(default_factory=dict)  # guardian rank 1
    child: dict[str, str] = field(default_factory=dict)  # child information
    disabled: bool = False
    token: str | None = None  # parent's session on the portal
    activated: bool = False
    registration: str | None = None
    booked: set[str] = field(default_factory=set)


def _norm(key: str, value: str | None) -> str:
    return digits(value) if "phone" in key else (value or "")


def digits(value: str | None) -> str:
    return re.sub(r"\D", "", value or "")


class World:
    """Agents open accounts, rename, disable (between rounds); parents activate and edit
    through the portal's HTTP API (in their own thread, at any moment)."""

    def __init__(self, db, agent, portal, smtp_sink, seed: int, max_families: int = 10):
        self.db, self.agent, self.portal, self.smtp = db, agent, portal, smtp_sink
        self.rng = random.Random(seed)
        self.parent_rng = random.Random(seed + 1)
        self.max_families = max_families
        self.families: list[Expected] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.parent_ops: Counter[str] = Counter()
        self.agent_ops: Counter[str] = Counter()
        self.errors: list[str] = []
        set_now(portal, "2026-11-27 09:00")
        r = portal.staff("PUT", "/staff/catalogue", new_key(), json=catalogue_body())
        assert r.status_code == 200, r.text

    # -- agents (main thread) ------------------------------------------------------------

    def agent_step(self) -> None:
        roll = self.rng.random()
        live = [f for f in self.families if not f.disabled]
        if len(self.families) < self.max_families and (roll < 0.3 or not live):
            self._open()
        elif roll < 0.65:
            self._rename(self.rng.choice(live))
        elif roll < 0.95:
            self._guardian_first_name(self.rng.choice(live))
        elif len(live) > 3:
            self._disable(self.rng.choice(live))

    def _open(self) -> None:
        n = len(self.families) + 1
        login = f"parent{n}@example.org"
        with self.db.session() as s:
            family = accounts.open_account(
                s, self.agent, form(login, family_name=f"Famille{n}", first_name=f"Enf{n}"), TODAY
            )
            expected = Expected(family.id, family.code, login, family.children[0].id)
            expected.fields = {
                "name": family.name,
                "address_line1": family.address_line1,
                "address_line2": family.address_line2,
                "postcode": family.postcode,
                "commune": family.commune,
                "phone": family.phone,
                "billing_email": family.billing_email,
            }
            g = family.guardians[0]
            expected.guardian = {"first_name": g.first_name, "mobile_phone": g.mobile_phone}
            c = family.children[0]
            expected.child = {"school": c.school, "school_class": c.school_class}
        with self.lock:
            self.families.append(expected)
        self.agent_ops["open"] += 1

    def _rename(self, f: Expected) -> None:
        name = f"FAMILLE{f.family_id}-{self.rng.randrange(10**4)}"
        with self.db.session() as s:
            version = s.get(Family, f.family_id).version
            family = update_family(s, self.agent, f.family_id, FamilyChanges(name=name), version)
            new = family.name
        with self.lock:
            f.fields["name"] = new
        self.agent_ops["rename"] += 1

    def _guardian_first_name(self, f: Expected) -> None:
        first = self.rng.choice(["Alex", "Camille", "Dominique", "Sacha", "Claude"])
        with self.db.session() as s:
            g = s.get(Family, f.family_id).guardians[0]
            update_guardian(s, self.agent, g.id, GuardianChanges(first_name=first), g.version)
            new = g.first_name
        with self.lock:
            f.guardian["first_name"] = new
        self.agent_ops["guardian"] += 1

    def _disable(self, f: Expected) -> None:
        with self.db.session() as s:
            accounts.disable_account(s, self.agent, f.family_id, "test")
        with self.lock:
            f.disabled = True
        self.agent_ops["disable"] += 1

    # -- parents (their own thread) -------------------------------------------------------------

    def start_parents(self) -> threading.Thread:
        thread = threading.Thread(target=self._parents, name="parents", daemon=True)
        thread.start()
        return thread

    def _parents(self) -> None:
        try:
            while not self.stop.is_set():
                self.parent_step()
                time.sleep(self.parent_rng.uniform(0.0, 0.02))
        except Exception as exc:  # noqa: BLE001 - reported by the test
            self.errors.append(repr(exc))
            raise

    def parent_step(self) -> None:
        rng = self.parent_rng
        with self.lock:
            families = list(self.families)
        if not families:
            return
        f = rng.choice(families)
        if f.token is None:
            self._activate(f)
            return
        roll = rng.random()
        if roll < 0.3:
            self._edit_family(f, "phone", f"02{rng.randrange(43, 44)}{rng.randrange(10**6):06d}")
        elif roll < 0.4:
            self._edit_family(f, "address_line2", f"Bâtiment {rng.choice('ABCDEFGH')}")
        elif roll < 0.5:
            self._edit_family(f, "billing_email", f"facture{rng.randrange(100)}@example.org")
        elif roll < 0.6:
            self._edit_family(f, "guardians.1.mobile_phone", f"061{rng.randrange(10**7):07d}")
        elif roll < 0.75:
            self._edit_child(f, rng.choice(["CP", "CE1", "CE2", "CM1", "CM2"]))
        elif roll < 0.8:
            self._pickups(f, rng.choice(["DUPONT", "MARTIN", "BERNARD"]))
        else:
            self._book(f, rng.choice(DECEMBER))

    def _ok(self, f: Expected, response, op: str) -> bool:
        if response.status_code == 401:  # disabled by an agent, pushed meanwhile
            return False
        assert response.status_code in (200, 201), (op, response.status_code, response.text)
        self.parent_ops[op] += 1
        return True

    def _activate(self, f: Expected) -> None:
        mails = self.smtp.to(f.login)
        if not mails:
            return
        r = self.portal.post(
            "/auth/activate",
            json={
                "token": mails[-1].token,
                "password": PASSWORD,
                "password_confirmation": PASSWORD,
            },
        )
        if r.status_code == 200:
            f.token = r.json()["access_token"]
            f.activated = True
            self.parent_ops["activate"] += 1

    def _edit_family(self, f: Expected, key: str, value: str) -> None:
        # The parent's form holds what this parent last wrote (not a fresh GET, which
        # may show a value the portal has been told meanwhile and would write it back).
        current = self.portal.parent("GET", "/me/family", f.token)
        if current.status_code == 401:
            return
        shown = current.json()
        [guardian] = [
            {k: g[k] for k in ("rank", "mobile_phone", "home_phone", "work_phone", "email")}
            for g in shown["guardians"]
        ]
        displayed = guardian["mobile_phone"] if key.startswith("guardians.") else shown[key]
        if _norm(key, displayed) == _norm(key, value):
            # Setting what the portal shows records nothing: the parent does something else.
            return
        with self.lock:
            update = {k: f.fields[k] for k in PARENT_FAMILY_FIELDS}
            guardian["mobile_phone"] = f.guardian["mobile_phone"]
        if key.startswith("guardians."):
            guardian["mobile_phone"] = value
        else:
            update[key] = value
        update["guardians"] = [guardian]
        r = self.portal.parent("PUT", "/me/family", f.token, json=update)
        if self._ok(f, r, "family"):
            with self.lock:
                if key.startswith("guardians."):
                    f.guardian["mobile_phone"] = value
                else:
                    f.fields[key] = value

    def _edit_child(self, f: Expected, school_class: str) -> None:
        ref = str(f.child_id)
        r = self.portal.parent("GET", f"/me/children/{ref}", f.token)
        if r.status_code == 401:
            return
        info = dict(r.json()["information"])
        if info["school_class"] == school_class:
            return  # nothing would be recorded
        with self.lock:
            info["school"] = f.child["school"]
        info["school_class"] = school_class
        r = self.portal.parent("PUT", f"/me/children/{ref}/information", f.token, json=info)
        if self._ok(f, r, "child"):
            with self.lock:
                f.child["school_class"] = school_class

    def _pickups(self, f: Expected, name: str) -> None:
        person = {**CONTACT, "last_name": name}
        r = self.portal.parent(
            "PUT",
            f"/me/children/{f.child_id}/authorised-pickups",
            f.token,
            json={"persons": [person]},
        )
        self._ok(f, r, "pickups")

    def _book(self, f: Expected, day: str) -> None:
        ref = str(f.child_id)
        if f.registration is None:
            for block, body in (
                ("medical", MEDICAL),
                ("emergency-contacts", {"persons": [CONTACT]}),
                ("authorised-pickups", {"persons": [CONTACT]}),
            ):
                r = self.portal.parent("PUT", f"/me/children/{ref}/{block}", f.token, json=body)
                if not self._ok(f, r, block):
                    return
            r = self.portal.parent(
                "POST",
                "/me/registrations",
                f.token,
                json={"child_ref": ref, "activity": "ALSH-LUDE", "period": "DEC-2026"},
            )
            if not self._ok(f, r, "registration"):
                return
            f.registration = r.json()["ref"]
        action = "unbook" if day in f.booked else "book"
        r = self.portal.parent(
            "POST",
            f"/me/registrations/{f.registration}/draft",
            f.token,
            json={"changes": [{"action": action, "unit": "JOURNEE", "dates": [day]}]},
        )
        if not self._ok(f, r, "draft"):
            return
        r = self.portal.parent(
            "POST", f"/me/registrations/{f.registration}/draft/validate", f.token
        )
        if r.status_code == 401:
            return
        assert r.status_code in (201, 422), r.text  # 422: nothing to validate
        if r.status_code == 201:
            self.parent_ops[action] += 1
            (f.booked.discard if action == "unbook" else f.booked.add)(day)


# --- the invariants ----------------------------------------------------------------------


def assert_converged(world: World) -> dict:
    """Both sides hold exactly what the agents and parents did: nothing lost, nothing
    doubled. Returns a few figures for the report."""
    db, portal, smtp = world.db, world.portal, world.smtp
    feed = _whole_feed(portal)
    with db.session() as s:
        states = Counter(s.scalars(select(OutboxItem.state)).all())
        assert states[OutboxState.PENDING] == 0, states
        assert states[OutboxState.FAILED] == 0, [
            (i.topic, i.last_error)
            for i in s.scalars(select(OutboxItem).where(OutboxItem.state == OutboxState.FAILED))
        ]
        assert s.get(SyncCursor, CURSOR).position == (feed[-1]["seq"] if feed else 0)
        assert s.scalar(select(func.count(SyncConflict.id))) == 0
        quarantined = [(q.feed_position, q.reason) for q in s.scalars(select(QuarantinedChange))]
        assert quarantined == [], quarantined
        assert s.scalar(select(func.count(Family.id))) == len(world.families)
        requests = {
            (r.payload["feed_seq"], r.payload["feed_kind"], r.family_id)
            for r in s.scalars(select(PortalRequest))
        }
        request_count = s.scalar(select(func.count(PortalRequest.id)))
        families = {f.id: f for f in s.scalars(select(Family))}
        by_code = {f.code: f for f in families.values()}
        for e in world.families:
            bo = families[e.family_id]
            g, child = bo.guardians[0], next(c for c in bo.children if c.id == e.child_id)
            for key, value in e.fields.items():
                _same(key, getattr(bo, key), value, f"back-office {e.code}")
            assert g.first_name == e.guardian["first_name"], e.code
            if digits(g.mobile_phone) != digits(e.guardian["mobile_phone"]):
                from backoffice.models import AuditEvent

                hist = [
                    c
                    for c in feed
                    if c["family_ref"] == e.code and "guardians.1.mobile_phone" in str(c["data"])
                ]
                aud = s.execute(
                    select(
                        AuditEvent.id,
                        AuditEvent.actor,
                        AuditEvent.field,
                        AuditEvent.old_value,
                        AuditEvent.new_value,
                    ).where(AuditEvent.entity == "guardian", AuditEvent.entity_id == g.id)
                ).all()
                raise AssertionError(
                    f"{e.code} {g.mobile_phone} {e.guardian}\nFEED {hist}\nAUDIT {aud}"
                )
            for key, value in e.child.items():
                assert getattr(child, key) == value, (e.code, key)
            want = (
                AccountState.DISABLED
                if e.disabled
                else AccountState.ACTIVE
                if e.activated
                else AccountState.AWAITING_ACTIVATION
            )
            assert bo.account_state is want, (e.code, bo.account_state, want)

            held = portal.staff("GET", f"/staff/families/{e.code}").json()
            pf, pg = held["family"], held["family"]["guardians"][0]
            for key, value in e.fields.items():
                _same(key, pf[key], value, f"portail {e.code}")
            assert pg["first_name"] == e.guardian["first_name"], e.code
            _same("mobile_phone", pg["mobile_phone"], e.guardian["mobile_phone"], e.code)
            [pc] = [c for c in held["children"] if c["ref"] == str(e.child_id)]
            for key, value in e.child.items():
                assert pc["information"][key] == value, (e.code, key)
            state = "disabled" if e.disabled else "active" if e.activated else "awaiting_activation"
            assert held["account"]["state"] == state, e.code
            # One account, one activation e-mail: no push was done twice.
            assert len(smtp.to(e.login)) == 1, (e.login, [m.subject for m in smtp.to(e.login)])
    expected_requests = {
        (c["seq"], c["kind"], by_code[c["family_ref"]].id)
        for c in feed
        if c["kind"] in REQUEST_FEED_KINDS
    }
    assert request_count == len(requests) == len(expected_requests)
    assert requests == expected_requests
    return {"feed": len(feed), "requests": request_count, "outbox": sum(states.values())}


def _same(key: str, got, want, where: str) -> None:
    if "phone" in key:
        assert digits(got) == digits(want), (where, key, got, want)
    else:
        assert got == want, (where, key, got, want)


def _whole_feed(portal) -> list[dict]:
    out, after = [], 0
    while True:
        r = portal.staff("GET", f"/staff/changes?after={after}&limit=1000")
        assert r.status_code == 200, r.text
        body = r.json()
        out += body["changes"]
        after = body["last_seq"]
        if not body["has_more"]:
            return out
