"""Staff accounts: services, passwords, the CLI, and migration 0007 of older accounts."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from sqlalchemy import select, text

from backoffice import storage
from backoffice.cli.app import main as cli
from backoffice.models import AuditAction, AuditEvent, Role, StaffUser
from backoffice.services.common.actors import PermissionDenied, current_actor
from backoffice.services.database import open_database
from backoffice.services.staff.accounts import (
    StaffError,
    create_first_admin,
    create_staff,
    list_staff,
    reset_password,
    set_active,
    set_roles,
)
from backoffice.services.staff.passwords import WRONG_LOGIN, authenticate

pytestmark = pytest.mark.postgres  # the `db` tests run on SQLite and PostgreSQL


@pytest.fixture
def admin(db):
    with db.session() as s:
        return create_first_admin(s, "chef", "Claire Chef", "motdepasse-1")


def test_first_admin_then_staff_created_disabled_and_never_deleted(db, admin):
    with db.session() as s, pytest.raises(PermissionDenied, match="existe déjà"):
        create_first_admin(s, "autre", "Autre", "motdepasse-2")
    with db.session() as s:
        create_staff(s, admin, "mhuet", "Mélanie Huet", Role.AGENT, password="bonjour-123")
        create_staff(s, admin, "ldir", "Laure Direction", Role.DIRECTOR)
    with db.session() as s, pytest.raises(StaffError, match="déjà utilisé"):
        create_staff(s, admin, "MHUET", "Homonyme", Role.AGENT)
    with db.session() as s:
        rows = {r.login: r for r in list_staff(s, admin)}
    assert rows["mhuet"].role_label == "Accueil" and not rows["mhuet"].medical_access
    assert rows["ldir"].medical_access  # direction: the medical right by default
    assert rows["chef"].has_password and not rows["ldir"].has_password

    director = _actor(db, "ldir")
    with db.session() as s, pytest.raises(PermissionDenied, match="Seul un administrateur"):
        create_staff(s, director, "pirate", "Pirate", Role.ADMIN)
    with db.session() as s:
        set_active(s, director, "mhuet", False)
    with db.session() as s:
        assert s.scalar(select(StaffUser).where(StaffUser.login == "mhuet")).active is False
        with pytest.raises(PermissionDenied, match="désactivé"):
            current_actor(s, "mhuet")
    with db.session() as s, pytest.raises(PermissionDenied, match="désactivé"):
        authenticate(s, "mhuet", "bonjour-123")
    # The last active administrator stays.
    with db.session() as s, pytest.raises(StaffError, match="au moins un administrateur"):
        set_roles(s, admin, "chef", role=Role.AGENT)
    with db.session() as s, pytest.raises(StaffError, match="propre compte"):
        set_active(s, admin, "chef", False)
    with db.session() as s:
        changes = s.scalars(
            select(AuditEvent.field)
            .where(AuditEvent.entity == "staff_user")
            .order_by(AuditEvent.id)
        ).all()
    assert changes == ["role", "role", "role", "active"]


def test_an_accueil_user_cannot_manage_staff_and_the_attempt_is_recorded(db, admin):
    with db.session() as s:
        create_staff(s, admin, "mhuet", "Mélanie Huet", Role.AGENT)
    agent = _actor(db, "mhuet")
    with db.session() as s, pytest.raises(PermissionDenied, match="Votre rôle ne permet pas"):
        set_roles(s, agent, "mhuet", role=Role.ADMIN)
    with db.session() as s:
        refused = s.scalars(
            select(AuditEvent).where(AuditEvent.action == AuditAction.REFUSED)
        ).one()
    assert (refused.actor, refused.field) == ("mhuet", "staff")


def test_passwords_are_argon2_and_a_wrong_one_says_nothing_about_the_login(db, admin):
    with db.session() as s:
        stored = s.scalar(select(StaffUser.password_hash).where(StaffUser.login == "chef"))
        assert stored.startswith("$argon2id$")
        assert authenticate(s, "Chef", "motdepasse-1").login == "chef"
    for login, password in (("chef", "mauvais-mot"), ("inconnu", "motdepasse-1")):
        with db.session() as s, pytest.raises(PermissionDenied) as caught:
            authenticate(s, login, password)
        assert str(caught.value) == WRONG_LOGIN == "Identifiant ou mot de passe incorrect."
    with db.session() as s, pytest.raises(StaffError, match="au moins 8 caractères"):
        reset_password(s, admin, "chef", "court")
    with db.session() as s:
        reset_password(s, admin, "chef", "nouveau-secret")
    with db.session() as s:
        assert authenticate(s, "chef", "nouveau-secret").role is Role.ADMIN


def _actor(db, login):
    with db.session() as s:
        return current_actor(s, login)


def test_cli_staff_add_roles_disable_list(sqlite_db, monkeypatch, capsys):
    url = sqlite_db.url
    monkeypatch.setenv("BACKOFFICE_USER", "chef")  # first login of an empty list: admin
    monkeypatch.setattr("sys.stdin", io.StringIO("bonjour-123\n"))
    assert cli(["--database-url", url, "staff", "add", "mhuet", "--name", "Mélanie Huet",
                "--role", "accueil", "--password-stdin"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "Compte ajouté : mhuet (Accueil)." in out
    assert cli(["--database-url", url, "staff", "roles", "mhuet", "--role", "regisseur"]) == 0
    assert cli(["--database-url", url, "staff", "roles", "mhuet", "--medical"]) == 0
    assert "Régisseur ; droit médical" in capsys.readouterr().out
    assert cli(["--database-url", url, "staff", "disable", "mhuet"]) == 0
    assert "Compte désactivé : mhuet." in capsys.readouterr().out
    assert cli(["--database-url", url, "staff", "list"]) == 0
    listing = capsys.readouterr().out
    assert "désactivé" in listing and "2 compte(s)." in listing
    assert cli(["--database-url", url, "staff", "roles", "mhuet", "--role", "chef"]) == 1
    assert "Rôle « chef » inconnu" in capsys.readouterr().err
    # An accueil user cannot: French message, exit 1.
    with sqlite_db.session() as s:
        create_staff(s, _actor(sqlite_db, "chef"), "lea", "Léa Accueil", Role.AGENT)
    monkeypatch.setenv("BACKOFFICE_USER", "lea")
    assert cli(["--database-url", url, "staff", "list"]) == 1
    assert "Votre rôle ne permet pas de consulter la liste du personnel" in capsys.readouterr().err
    with sqlite_db.session() as s:  # the password given on stdin works (once re-enabled)
        set_active(s, _actor(sqlite_db, "chef"), "mhuet", True)
    with sqlite_db.session() as s:
        assert authenticate(s, "mhuet", "bonjour-123").login == "mhuet"


def test_migration_0009_keeps_the_medical_right_and_the_regies(tmp_path):
    url = f"sqlite:///{tmp_path / 'ancienne.sqlite3'}"
    engine = storage.make_engine(url)
    storage.upgrade(engine, "0008")
    now = datetime(2026, 1, 5, 9, 0)
    with engine.begin() as conn:
        for login, role in (("a", "admin"), ("d", "director"), ("g", "agent"), ("r", "accountant")):
            conn.execute(
                text(
                    "INSERT INTO staff_user (login, full_name, role, active, created_at, version)"
                    " VALUES (:l, :l, :r, 1, :now, 1)"
                ),
                {"l": login, "r": role, "now": now},
            )
        for code in ("PERI", "CRECHE"):
            conn.execute(
                text(
                    "INSERT INTO regie (code, name, invoice_prefix, credit_note_prefix, settlement,"
                    " payment_instructions, payment_due_days, version)"
                    " VALUES (:c, :c, :c, :p, 'desk', '', 30, 1)"
                ),
                {"c": code, "p": "A" + code},
            )
        # Rows pointing at staff and régies, as every real base has: the migrations must
        # not rebuild those tables (SQLite's foreign keys refuse dropping them).
        conn.execute(
            text(
                "INSERT INTO closed_period (regie_id, start_date, end_date, closed_at,"
                " closed_by_id) SELECT regie.id, '2025-12-01', '2025-12-31', :now, staff_user.id"
                " FROM regie, staff_user WHERE regie.code = 'PERI' AND staff_user.login = 'r'"
            ),
            {"now": now},
        )
    engine.dispose()
    db = open_database(url)
    with db.session() as s:
        flags = dict(s.execute(select(StaffUser.login, StaffUser.medical_access)).all())
        assert flags == {"a": True, "d": True, "g": False, "r": False}
        regis = current_actor(s, "r")
        assert len(regis.regie_ids or ()) == 2  # kept every régie they billed
        assert current_actor(s, "d").sees_medical_data
    db.dispose()
