"""``backoffice-cli families add-child|child-left`` and ``paper invoices|letter``: JSON
output, French errors, non-zero exit (issue #15 items 2 and 3)."""

from __future__ import annotations

import json

import pytest
from test_paper_families import paper_form
from test_planning import MONDAY, TODAY, build_world, make_actor

from backoffice.cli import app as cli
from backoffice.models import Child, Role
from backoffice.services.bookings.planning import book_days
from backoffice.services.families import accounts


@pytest.fixture
def run(db, monkeypatch, capsys):
    monkeypatch.setenv("BACKOFFICE_USER", "mhuet")

    def call(*argv):
        code = cli.main(["--database-url", db.url, *map(str, argv)])
        out, err = capsys.readouterr()
        return code, out, err

    return call


@pytest.fixture
def paper_family(db):
    agent = make_actor(db)
    with db.session() as s:
        return accounts.open_account(s, agent, paper_form(), TODAY).code


def test_add_child_json_then_duplicate_and_bad_input_in_french(db, paper_family, run):
    args = ["families", "add-child", paper_family, "--first-name", "Léa", "--sex", "F",
            "--birth-date", "2026-10-02", "--today", TODAY.isoformat()]  # fmt: skip
    code, out, err = run(*args, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["family"] == paper_family and data["name"] == "Léa Chevallier"
    with db.session() as s:
        assert s.get(Child, data["id"]).family.code == paper_family

    code, out, err = run(*args)
    assert code == 1 and out == ""
    assert err.startswith("Erreur : Cet enfant semble déjà enregistré")
    code, out, err = run(*args, "--duplicate-ok")
    assert code == 0 and "Enfant ajouté à la famille" in out

    code, out, err = run("families", "add-child", paper_family, "--first-name", "Max",
                         "--sex", "M", "--birth-date", "2031-01-01", "--today", TODAY.isoformat())  # fmt: skip
    assert code == 1 and "Date de naissance de l'enfant 1" in err
    code, out, err = run("families", "add-child", paper_family, "--first-name", "Max",
                         "--sex", "M", "--birth-date", "01/02/2020")  # fmt: skip
    assert code == 1 and "attendu AAAA-MM-JJ" in err
    code, out, err = run("families", "add-child", "F99999", "--first-name", "Max",
                         "--sex", "M", "--birth-date", "2020-01-02")  # fmt: skip
    assert code == 1 and "Aucune famille ne correspond à « F99999 »" in err
    with pytest.raises(SystemExit) as usage:
        run("families", "add-child", paper_family, "--first-name", "Max", "--sex", "X",
            "--birth-date", "2020-01-02")  # fmt: skip
    assert usage.value.code == 2


def test_child_left_refused_with_bookings_ahead_then_cancelled(db, run):
    world = build_world(db)
    agent = make_actor(db)
    zoe = world.children["Zoé"]
    with db.session() as s:
        book_days(s, agent, zoe, world.matin, [MONDAY], TODAY)
    code, out, err = run("families", "child-left", zoe, "--today", TODAY.isoformat())
    assert code == 1 and "1 réservation(s) à venir (dès le 30/11/2026)" in err
    code, out, err = run("families", "child-left", zoe, "--today", TODAY.isoformat(),
                         "--cancel-bookings", "--json")  # fmt: skip
    assert code == 0, err
    assert json.loads(out) == {"id": zoe, "name": "Zoé MARTIN", "left_on": "2026-11-27",
                               "cancelled_bookings": 1}  # fmt: skip


def test_paper_invoices_and_letter_errors(db, paper_family, run, monkeypatch, tmp_path):
    code, out, err = run("paper", "invoices", "--output", tmp_path / "f.pdf")
    assert code == 1 and "Votre rôle ne permet pas d'imprimer les factures" in err
    make_actor(db, Role.ACCOUNTANT, "regis")
    monkeypatch.setenv("BACKOFFICE_USER", "regis")
    code, out, err = run("paper", "invoices", "--output", tmp_path / "f.pdf", "--json")
    assert code == 1 and out == ""
    assert (
        err
        == "Erreur : Aucune facture à imprimer : aucune famille sans portail n'a de facture à payer.\n"
    )
    code, out, err = run("paper", "letter", "999", "--output", tmp_path / "l.pdf")
    assert code == 1 and "décider des demandes" in err
    monkeypatch.setenv("BACKOFFICE_USER", "mhuet")
    code, out, err = run("paper", "letter", "999", "--output", tmp_path / "l.pdf")
    assert code == 1 and err == "Erreur : Aucune demande n'a l'identifiant 999.\n"
    assert not (tmp_path / "l.pdf").exists()
