"""``backoffice-cli registrations add|remove`` (issue #15 item 1), through the CLI's
parser and entry point, on the world of ``test_registrations_desk``."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select
from test_planning import MONDAY, TODAY
from test_registrations_desk import actor, world  # noqa: F401 - fixtures

from backoffice.cli import app as cli
from backoffice.models import (
    Booking,
    BookingState,
    Registration,
    RegistrationState,
    Role,
    StaffUser,
)
from backoffice.services.bookings.planning import book_days

pytestmark = pytest.mark.postgres


@pytest.fixture
def run(db, actor, monkeypatch, capsys):  # noqa: F811
    monkeypatch.setenv("BACKOFFICE_USER", "mhuet")

    def call(*argv):
        code = cli.main(["--database-url", db.url, *map(str, argv)])
        out, err = capsys.readouterr()
        return code, out, err

    return call


def test_add_and_remove(db, world, actor, run):  # noqa: F811
    zoe, noe = world.children["Zoé"], world.children["Noé"]
    today = ("--today", TODAY.isoformat())
    code, out, err = run(
        "registrations", "add", zoe, "--activity", "ALSH-LUDE", "--year", *today, "--json"
    )
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["registered"] == ["Vacances d'hiver 2027"]
    assert data["already"] == ["Vacances de Noël 2026"] and data["pushed"] is True

    code, out, err = run(
        "registrations", "add", noe, "--activity", "ALSH-LUDE", "--period", "HIVER-2027", *today
    )
    assert (code, out) == (1, "")
    assert err.startswith(
        "Erreur : Inscription impossible : le dossier de Noé DURAND est incomplet."
    )
    code, _, err = run("registrations", "add", zoe, "--activity", "NOPE", "--year")
    assert code == 1 and "Activité « NOPE » inconnue. Activités : ALSH-LUDE, APS-LUDE" in err
    code, _, err = run("registrations", "add", zoe, "--activity", "ALSH-LUDE")
    assert (code, err) == (
        1,
        "Erreur : Indiquez la période (--period CODE) ou toute l'année (--year).\n",
    )

    with db.session() as s:
        book_days(s, actor, zoe, world.matin, [MONDAY, date(2026, 12, 1)], TODAY)
    remove = ("registrations", "remove", zoe, "--activity", "APS-LUDE", "--period", "2026-2027")
    code, _, err = run(*remove, *today)  # the days are past their notice by now
    assert code == 1 and "--billed" in err and "--not-billed" in err
    with db.session() as s:
        assert s.scalars(select(Booking.state)).all() == [BookingState.ACCEPTED] * 2

    code, out, err = run(*remove, *today, "--not-billed", "--reason", "Déménagement", "--json")
    assert (code, err) == (0, ""), err
    data = json.loads(out)
    assert (data["cancelled"], data["billed"]) == (2, 0)
    assert [d["date"] for d in data["days"]] == ["2026-11-30", "2026-12-01"]
    with db.session() as s:
        reg = s.get_one(Registration, data["registration_id"])
        assert reg.state is RegistrationState.CANCELLED and "Déménagement" in reg.reason
        assert set(s.scalars(select(Booking.state))) == {BookingState.CANCELLED}
    code, _, err = run(*remove, *today, "--not-billed")
    assert (code, err) == (1, "Erreur : Cet enfant est déjà désinscrit de cette période.\n")


def test_role_is_checked(db, world, run, monkeypatch):  # noqa: F811
    with db.session() as s:
        s.add(StaffUser(login="compta", full_name="Régis Seur", role=Role.ACCOUNTANT))
    monkeypatch.setenv("BACKOFFICE_USER", "compta")
    code, _, err = run("registrations", "add", world.children["Zoé"], "--activity", "ALSH-LUDE",
                       "--year")  # fmt: skip
    assert code == 1 and "Votre rôle ne permet pas d'inscrire" in err
