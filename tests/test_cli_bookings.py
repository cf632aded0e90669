"""``backoffice-cli bookings apply-week``: the semaine type without the window (issue #15
item 7), through the CLI's parser and entry point, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select
from test_planning import TODAY, _desk_items, build_world, make_actor

from backoffice.cli import app as cli
from backoffice.models import Booking, BookingState, Role, StaffUser

pytestmark = pytest.mark.postgres


@pytest.fixture
def world(db):
    world = build_world(db)
    make_actor(db)  # mhuet, agent
    with db.session() as s:
        s.add(StaffUser(login="regisseur", full_name="Régis Seur", role=Role.ACCOUNTANT))
    return world


@pytest.fixture
def run(db, monkeypatch, capsys):
    monkeypatch.setenv("BACKOFFICE_USER", "mhuet")

    def call(*argv):
        code = cli.main(["--database-url", db.url, *map(str, argv), "--today", TODAY.isoformat()])
        out, err = capsys.readouterr()
        return code, out, err

    return call


def _zoe_days(db, unit_id) -> dict[date, BookingState]:
    with db.session() as s:
        rows = s.execute(select(Booking.day, Booking.state).where(Booking.unit_id == unit_id)).all()
    return dict(rows)


WEEK = ["--week", "MATIN=lun,mar,jeu,ven", "--week", "soir=lundi,jeudi"]


def test_preview_then_apply_then_again(db, world, run):
    zoe = world.children["Zoé"]
    args = ["bookings", "apply-week", zoe, "--activity", "APS-LUDE", *WEEK]
    args += ["--from", "30/11/2026", "--to", "13/12/2026"]

    code, out, err = run(*args, "--preview")
    assert (code, err) == (0, "")
    assert "lundi 30/11/2026 — Matin : Sera réservé" in out
    assert "Du 30/11/2026 au 13/12/2026 : 12 jour(s) à réserver." in out
    assert "Aperçu seulement : rien n'est enregistré" in out
    assert _zoe_days(db, world.matin) == {}

    code, out, err = run(*args)
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == (
        "Semaine type appliquée du 30/11/2026 au 13/12/2026 : 12 jour(s) réservé(s)."
    )
    assert len(_zoe_days(db, world.matin)) == 8 and len(_zoe_days(db, world.soir)) == 4
    assert len(_desk_items(db)) == 2

    code, out, err = run(*args, "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["saved"] is True and data["booked"] == [] and data["waiting_list"] == []
    assert data["counts"] == {"already": 12}
    assert data["days"][0] == {
        "date": "2026-11-30",
        "unit": "Matin",
        "outcome": "already",
        "label": "Déjà réservé",
        "reason": "Déjà réservé.",
        "places_left": 1,
    }
    assert len(_desk_items(db)) == 2  # nothing more told to the portal


def test_json_preview_of_the_christmas_holidays(db, world, run):
    zoe = world.children["Zoé"]
    code, out, err = run(
        "bookings", "apply-week", zoe, "--activity", "Accueil de loisirs du Lude",
        "--week", "JOURNEE=1,2,3,4,5", "--from", "2026-12-21", "--preview", "--json",
    )  # fmt: skip
    assert (code, err) == (0, "")
    data = json.loads(out)
    # --to defaults to the end of the child's registration (the ALSH period: 01/01/2027).
    assert (data["from"], data["to"], data["saved"]) == ("2026-12-21", "2027-01-01", False)
    assert data["counts"] == {"book": 7, "closed": 3}
    assert _zoe_days(db, world.journee) == {}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--activity", "GARDERIE", "--week", "MATIN=lun"], "Activité « GARDERIE » inconnue"),
        (["--activity", "APS-LUDE", "--week", "MIDI=lun"], "Unité « MIDI » inconnue"),
        (["--activity", "APS-LUDE", "--week", "MATIN=lun,samedo"], "« samedo » n'est pas un jour"),
        (["--activity", "APS-LUDE", "--week", "MATIN"], "écrivez UNITÉ=JOURS"),
        (
            ["--activity", "APS-LUDE", "--week", "MATIN=lun", "--from", "31/02/2027"],
            "« 31/02/2027 » n'est pas une date valide (date de début)",
        ),
        (
            ["--activity", "APS-LUDE", "--week", "MATIN=lun", "--to", "01/11/2026"],
            "La date de fin (01/11/2026) est avant la date de début (27/11/2026).",
        ),
    ],
)
def test_french_errors_exit_1_and_save_nothing(db, world, run, argv, message):
    code, out, err = run("bookings", "apply-week", world.children["Zoé"], *argv)
    assert code == 1 and out == ""
    assert err.startswith("Erreur : ") and message in err
    assert _zoe_days(db, world.matin) == {}


def test_not_registered_and_wrong_role(db, world, run, monkeypatch):
    code, _out, err = run(
        "bookings", "apply-week", world.children["Jules"], "--activity", "APS-LUDE",
        "--week", "MATIN=lun",
    )  # fmt: skip
    assert code == 1 and "inscrivez-le d'abord" in err
    monkeypatch.setenv("BACKOFFICE_USER", "regisseur")
    code, _out, err = run(
        "bookings", "apply-week", world.children["Zoé"], "--activity", "APS-LUDE",
        "--week", "MATIN=lun", "--to", "31/12/2026",
    )  # fmt: skip
    assert code == 1 and "Votre rôle ne permet pas" in err
    assert _zoe_days(db, world.matin) == {}


def test_usage_error_in_french(run, world):
    with pytest.raises(SystemExit) as exc:
        run("bookings", "apply-week", world.children["Zoé"])
    assert exc.value.code == 2
