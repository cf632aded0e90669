"""Roles and permissions: every service checks them, a refusal is French and audited,
a régisseur is limited to their régies, the fiche sanitaire to the medical right."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from datetime import date

import pytest
from sqlalchemy import select

import backoffice.services.billing as billing_pkg
from backoffice.cli.app import main as cli
from backoffice.models import (
    AuditAction,
    AuditEvent,
    Child,
    Family,
    Regie,
    Role,
    Settlement,
    Sex,
    StaffUser,
)
from backoffice.services.billing.runs import issue_run
from backoffice.services.child_file.editing import load_child_file
from backoffice.services.child_file.medical import MedicalForm, save_medical_record
from backoffice.services.common.actors import Actor, PermissionDenied, current_actor
from backoffice.services.common.permissions import Permission, has
from backoffice.services.families.personal_data_export import export_personal_data
from backoffice.services.staff.accounts import create_staff

TODAY = date(2026, 11, 27)
pytestmark = pytest.mark.postgres  # the `db` tests run on SQLite and PostgreSQL
ADMIN = Actor(None, "chef", Role.ADMIN, "Chef")


@pytest.fixture
def world(db) -> dict:
    with db.session() as s:
        s.add(StaffUser(login="chef", full_name="Chef", role=Role.ADMIN))
        s.flush()
        admin = current_actor(s, "chef")
        create_staff(s, admin, "mhuet", "Mélanie Huet", Role.AGENT)
        create_staff(s, admin, "nomed", "Noé Direction", Role.DIRECTOR, medical_access=False)
        peri = Regie(
            code="PERI", name="Périscolaire", invoice_prefix="FP", credit_note_prefix="AP",
            settlement=Settlement.DESK,
        )  # fmt: skip
        creche = Regie(
            code="CRECHE", name="Multi-accueil", invoice_prefix="FC", credit_note_prefix="AC",
            settlement=Settlement.DESK,
        )  # fmt: skip
        family = Family(code="F00001", name="MARTIN", postcode="72800", commune="Le Lude")
        tom = Child(last_name="MARTIN", first_name="Tom", sex=Sex.MALE, birth_date=date(2018, 2, 3))
        family.children.append(tom)
        s.add_all([peri, creche, family])
        s.flush()
        create_staff(s, admin, "regis", "Régis Seur", Role.ACCOUNTANT, regies=["PERI"])
        return {"peri": peri.id, "creche": creche.id, "family": family.id, "tom": tom.id}


def _actor(db, login: str) -> Actor:
    with db.session() as s:
        return current_actor(s, login)


def _refusals(db) -> list[tuple[str, str, str]]:
    with db.session() as s:
        rows = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == AuditAction.REFUSED)
            .order_by(AuditEvent.id)
        )
        return [(e.actor, e.field, e.new_value or "") for e in rows]


def test_an_accueil_user_calling_billing_gets_a_french_refusal_kept_in_the_audit(db, world):
    agent = _actor(db, "mhuet")
    with pytest.raises(PermissionDenied) as caught:
        with db.session() as s:  # the caller's transaction rolls back…
            issue_run(s, "PERI", date(2026, 10, 1), date(2026, 10, 31), actor=agent)
    assert str(caught.value) == (
        "Votre rôle ne permet pas d'émettre des factures : il faut être régisseur, à la "
        "direction ou administrateur."
    )
    # …the refusal stays recorded, with who, which permission and what was attempted.
    assert _refusals(db) == [("mhuet", "billing", "émettre des factures")]


def _billing_functions():
    """Every public billing service function taking an ``actor``."""
    found = []
    for info in pkgutil.iter_modules(billing_pkg.__path__, "backoffice.services.billing."):
        module = importlib.import_module(info.name)
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module.__name__ or name.startswith("_"):
                continue
            params = inspect.signature(fn).parameters
            if "actor" in params and name not in {"require_billing_role", "can_backdate"}:
                found.append(fn)
    return found


def test_every_billing_function_refuses_an_accueil_user(db, world):
    agent = _actor(db, "mhuet")
    functions = _billing_functions()
    assert len(functions) >= 12  # runs, credit notes, payments, slips, Trésor, tariffs…
    for fn in functions:
        args, kwargs = [], {}
        for p in inspect.signature(fn).parameters.values():
            value = {"session": None, "db": db, "actor": agent}.get(p.name, "X")
            if p.name == "session":
                continue  # given below, inside a session
            if p.kind is p.KEYWORD_ONLY:
                if p.name == "actor":
                    kwargs["actor"] = agent
                elif p.default is p.empty:
                    kwargs[p.name] = value
            elif p.default is p.empty or p.name == "actor":
                args.append((p.name, value))
        with db.session() as s:
            positional = [s if n == "session" else v for n, v in args]
            if "session" in inspect.signature(fn).parameters:
                positional.insert(0, s)
            with pytest.raises(PermissionDenied, match="Votre rôle ne permet pas"):
                fn(*positional, **kwargs)
    refused = _refusals(db)
    # Every refusal of a function given the database is recorded (a pure rendering
    # function, e.g. the attestations' PDF from data already read, has nowhere to).
    given_the_database = [
        fn for fn in functions if {"session", "db"} & set(inspect.signature(fn).parameters)
    ]
    assert len(refused) == len(given_the_database)
    assert {who for who, _, _ in refused} == {"mhuet"}


def test_a_regisseur_bills_only_the_regies_assigned_to_them(db, world):
    regis = _actor(db, "regis")
    assert regis.regie_ids == frozenset({world["peri"]})
    assert has(regis, Permission.BILLING, world["peri"])
    assert not has(regis, Permission.BILLING, world["creche"])
    with (
        db.session() as s,
        pytest.raises(PermissionDenied, match="régies qui vous sont attribuées"),
    ):
        issue_run(s, "CRECHE", date(2026, 10, 1), date(2026, 10, 31), actor=regis)
    with db.session() as s:  # their own régie: allowed (nothing to bill, no error)
        report = issue_run(s, "PERI", date(2026, 10, 1), date(2026, 10, 31), actor=regis)
    assert report is not None
    assert _refusals(db) == [("regis", "billing", "émettre des factures")]
    # A régisseur does not decide the families' requests nor edit their files.
    assert not has(regis, Permission.REQUESTS_DECIDE)
    assert not has(regis, Permission.FAMILIES_EDIT)


def test_without_the_medical_right_no_service_gives_the_fiche_sanitaire(db, world):
    for login in ("mhuet", "nomed"):  # accueil, and a direction without the right
        actor = _actor(db, login)
        assert not actor.sees_medical_data
        with db.session() as s:
            assert load_child_file(s, actor, world["tom"], TODAY).medical is None
        with db.session() as s, pytest.raises(PermissionDenied, match="droit médical"):
            save_medical_record(s, actor, world["tom"], MedicalForm(), None, TODAY)
        with db.session() as s, pytest.raises(PermissionDenied, match="fiches sanitaires"):
            export_personal_data(s, actor, world["family"])
    with db.session() as s:
        opened = s.scalars(
            select(AuditEvent).where(AuditEvent.action == AuditAction.VIEW_MEDICAL)
        ).all()
    assert opened == []  # nothing was opened
    assert [(who, perm) for who, perm, _ in _refusals(db)] == [
        ("mhuet", "medical"), ("mhuet", "medical"), ("nomed", "medical"), ("nomed", "medical"),
    ]  # fmt: skip
    # The medical right, given separately, opens it (and the opening is recorded).
    admin = _actor(db, "chef")
    from backoffice.services.staff.accounts import set_roles

    with db.session() as s:
        set_roles(s, admin, "mhuet", medical_access=True)
    with db.session() as s:
        assert load_child_file(s, _actor(db, "mhuet"), world["tom"], TODAY).medical is not None


def test_without_the_medical_right_the_cli_refuses_the_personal_data_export(
    db, world, monkeypatch, capsys, tmp_path
):
    monkeypatch.setenv("BACKOFFICE_USER", "mhuet")
    code = cli(
        ["--database-url", db.url, "families", "export-personal-data", "F00001",
         "--output", str(tmp_path / "export.json")]
    )  # fmt: skip
    assert code == 1
    assert "fiches sanitaires" in capsys.readouterr().err
    assert not (tmp_path / "export.json").exists()


def test_the_direction_has_everything_accueil_has_and_the_admin_everything():
    from backoffice.services.common.permissions import ACCUEIL, ROLE_PERMISSIONS

    assert ACCUEIL <= ROLE_PERMISSIONS[Role.DIRECTOR]
    assert {Permission.STAFF, Permission.CATALOGUE, Permission.SETTINGS} <= ROLE_PERMISSIONS[
        Role.DIRECTOR
    ]
    assert Permission.STAFF not in ROLE_PERMISSIONS[Role.AGENT]
    assert not has(Actor(1, "x", Role.ADMIN, medical=False), Permission.MEDICAL)
    assert has(Actor(1, "x", Role.AGENT, medical=True), Permission.MEDICAL)
    assert has(ADMIN, Permission.ANONYMISE)
