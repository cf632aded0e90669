"""``backoffice-cli requests list|accept|refuse|undo``: the desk without its window
(issue #14, item 6), through the CLI's parser and entry point."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlalchemy import select
from test_decisions import MONDAY, TUESDAY, add_request, build_world, make_agent, request_of

from backoffice.cli import app as cli
from backoffice.models import (
    AuditAction,
    AuditEvent,
    BookingState,
    OutboxItem,
    RequestKind,
    RequestState,
    Role,
    StaffUser,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def the_world(db):
    """Four children, one place a day, the waiting list when full."""
    return build_world(db, places=1)


@pytest.fixture
def world(db, the_world):
    """Two portal requests for Monday, a desk request for Tuesday (their ids)."""
    world = the_world
    make_agent(db, "mhuet", "Mélanie Huet")
    with db.session() as s:
        s.add(StaffUser(login="regisseur", full_name="Régis Seur", role=Role.ACCOUNTANT))
    first = add_request(db, world, 0, RequestKind.BOOKING, [MONDAY], portal_id=101)
    second = add_request(db, world, 1, RequestKind.BOOKING, [MONDAY], portal_id=201)
    local = add_request(db, world, 2, RequestKind.BOOKING, [TUESDAY])
    return first, second, local


@pytest.fixture
def run(db, monkeypatch, capsys):
    monkeypatch.setenv("BACKOFFICE_USER", "mhuet")

    def call(*argv):
        code = cli.main(["--database-url", db.url, *map(str, argv)])
        out, err = capsys.readouterr()
        return code, out, err

    return call


def test_list_accept_refuse_undo(db, world, run):
    first, second, local = world
    code, out, err = run("requests", "list", "--json")
    assert (code, err) == (0, "")
    listed = json.loads(out)
    assert [r["id"] for r in listed] == [first, second, local]  # oldest first
    assert {r["kind"] for r in listed} == {"booking"}
    assert listed[0]["family"] == "F00001" and listed[0]["first_day"] == "2026-12-07"
    code, out, _ = run("requests", "list", "--kind", "reservation", "--limit", "1")
    assert code == 0 and "F00001" in out and "1 demande(s) en attente." in out
    assert run("requests", "list", "--kind", "annulation")[1] == "Aucune demande en attente.\n"

    # Accepting both Monday requests: one place — the second waits, as at the desk.
    code, out, err = run("requests", "accept", first, second, "--answer", "À lundi !", "--json")
    assert (code, err) == (0, ""), err
    result = json.loads(out)
    assert result["message"] == "Demandes : 1 acceptée, 1 en liste d'attente (complet)."
    states = {r["id"]: (r["state"], r["answer"]) for r in result["requests"]}
    assert states[first] == ("accepted", "À lundi !")
    assert states[second][0] == "pending" and states[second][1].startswith("Liste d'attente")
    assert request_of(db, second)[1] == {MONDAY: BookingState.WAITING_LIST}
    with db.session() as s:
        items = s.scalars(select(OutboxItem).where(OutboxItem.topic == "booking.decisions"))
        told = [(d["booking_id"], d["state"]) for i in items for d in i.payload["decisions"]]
        assert sorted(told) == [(101, "accepted"), (201, "waiting_list")]

    # Refusing by the desk's reason n° 2; the decision is recorded as the agent's.
    code, out, err = run("requests", "refuse", local, "--reason", "2")
    assert (code, err) == (0, "")
    assert "Demande : 1 refusée." in out and f"{local} : refusée — Dossier incomplet" in out
    assert request_of(db, local) == (
        RequestState.REFUSED,
        {TUESDAY: BookingState.REFUSED},
        "Dossier incomplet",
    )
    with db.session() as s:
        audit = s.scalars(
            select(AuditEvent).where(
                AuditEvent.entity == "portal_request",
                AuditEvent.entity_id == local,
                AuditEvent.action == AuditAction.DECIDE,
            )
        ).all()
        assert [e.actor for e in audit] == ["mhuet"]

    # Undone before the sync: pending again.
    code, out, err = run("requests", "undo", local, "--json")
    assert (code, err) == (0, "")
    assert json.loads(out)["requests"] == [
        {"id": local, "ref": request_ref(db, local), "kind": "booking", "state": "pending",
         "answer": ""}
    ]  # fmt: skip
    assert request_of(db, local)[:2] == (RequestState.PENDING, {TUESDAY: BookingState.REQUESTED})
    code, out, _ = run("requests", "list", "--json")
    assert [r["id"] for r in json.loads(out)] == [second, local]


def request_ref(db, request_id: int) -> str:
    from backoffice.models import PortalRequest

    with db.session() as s:
        return s.get(PortalRequest, request_id).portal_ref


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("refuse", "{local}", "--reason", "   "), "Indiquez le motif du refus"),
        (("refuse", "{local}", "--reason", "42"), "Motif n° 42 inconnu : choisissez de 1 à 8"),
        (("accept", "9999"), "Demande 9999 introuvable"),
        (("undo", "{local}"), "pas de décision à annuler"),
    ],
)
def test_errors_are_french_exit_1_and_change_nothing(db, world, run, argv, message):
    _first, _second, local = world
    code, out, err = run("requests", *(a.format(local=local) for a in argv))
    assert code == 1 and out == ""
    assert err.startswith("Erreur : ") and message in err, err
    assert request_of(db, local)[:2] == (RequestState.PENDING, {TUESDAY: BookingState.REQUESTED})


def test_a_request_decided_twice_and_a_role_without_requests_are_refused(
    db, world, run, monkeypatch
):
    first, _second, _local = world
    assert run("requests", "accept", first)[0] == 0
    code, _, err = run("requests", "refuse", first, "--reason", "Complet")
    assert code == 1 and "a déjà été traitée" in err
    monkeypatch.setenv("BACKOFFICE_USER", "regisseur")  # a régisseur: billing only
    code, _, err = run("requests", "undo", first)
    assert code == 1 and "Votre rôle ne permet pas de décider des demandes" in err
    assert request_of(db, first)[0] is RequestState.ACCEPTED
    code, _, err = run("requests", "list")
    assert code == 0  # reading the queue is allowed


def test_usage_errors_in_french_with_status_2(db):
    done = subprocess.run(
        [sys.executable, "-m", "backoffice.cli", "--database-url", db.url, "requests", "accept"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "Erreur : arguments obligatoires manquants : N°" in done.stderr
    wrong = subprocess.run(
        [sys.executable, "-m", "backoffice.cli", "requests", "refuse", "abc", "--reason", "x"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert wrong.returncode == 2 and "valeur invalide (int) : 'abc'" in wrong.stderr


def test_a_late_cancellation_needs_billed_or_not(db, the_world, world, run):
    from backoffice.models import ProcessingRule

    with db.session() as s:  # cancellations 20 days ahead: the one asked on 27/11 is late
        s.scalar(select(ProcessingRule)).cancel_notice_days = 20
    late = add_request(db, the_world, 3, RequestKind.CANCELLATION, [MONDAY], portal_id=31)
    code, out, err = run("requests", "accept", late)
    assert code == 1 and out == ""
    assert f"Annulation(s) demandée(s) après le délai : {late}" in err and "--billed" in err
    assert request_of(db, late)[0] is RequestState.PENDING
    code, out, err = run("requests", "accept", late, "--not-billed", "--json")
    assert (code, err) == (0, "")
    [decided] = json.loads(out)["requests"]
    assert decided["state"] == "accepted"
    assert decided["answer"] == "Annulation acceptée : cette journée ne sera pas facturée."
    with db.session() as s:
        [item] = s.scalars(select(OutboxItem).where(OutboxItem.topic == "booking.decisions"))
        [day] = item.payload["decisions"]
        assert (day["state"], day["billed"]) == ("cancelled", False)
