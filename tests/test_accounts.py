"""Opening an account from a mailed form; the account's life; the audit trail."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from backoffice.errors import UserError
from backoffice.models import (
    AccountState,
    AllowanceScheme,
    AuditAction,
    AuditEvent,
    Child,
    Family,
    OutboxItem,
    Role,
    Sex,
    StaffUser,
)
from backoffice.services.common import audit
from backoffice.services.common.actors import (
    PermissionDenied,
    bind,
    current_actor,
    require_medical_access,
)
from backoffice.services.common.validation import FieldErrors
from backoffice.services.families import accounts
from backoffice.services.families.accounts import AccountForm, ChildForm, GuardianForm

pytestmark = pytest.mark.postgres
TODAY = date(2026, 11, 27)


def _form(**changes) -> AccountForm:
    form = AccountForm(
        family_name="Lemoine",
        address_line1="12 rue du Mail",
        postcode="72800",
        commune="le lude",
        phone="0243940012",
        login_email="Sophie.Lemoine@Example.org",
        allowance_scheme=AllowanceScheme.CAF,
        allowance_number="1234567",
        quotient=712,
        quotient_from=date(2026, 1, 1),
        guardians=[
            GuardianForm(
                last_name="Lemoine",
                first_name="Sophie",
                relationship="mère",
                is_payer=True,
                mobile_phone="+33 6 12 34 56 78",
            ),
            GuardianForm(last_name="Lemoine", first_name="Marc", relationship="père"),
        ],
        children=[
            ChildForm(
                first_name="Lou",
                sex=Sex.FEMALE,
                birth_date=date(2018, 5, 3),
                school="École Jean Moulin",
                school_class="CE2",
            )
        ],
    )
    for key, value in changes.items():
        setattr(form, key, value)
    return form


@pytest.fixture
def agent(db):
    with db.session() as s:
        s.add_all(
            [
                StaffUser(login="mhuet", full_name="Mélanie Huet", role=Role.AGENT),
                StaffUser(login="lchauvin", full_name="Laurence Chauvin", role=Role.DIRECTOR),
            ]
        )
    with db.session() as s:
        return current_actor(s, "mhuet")


def test_opening_an_account_normalises_and_queues_activation(db, agent):
    with db.session() as s:
        family = accounts.open_account(s, agent, _form(), TODAY)
        family_id = family.id
    with db.session() as s:
        family = s.get(Family, family_id)
        assert (family.code, family.account_state) == ("F00001", AccountState.AWAITING_ACTIVATION)
        assert (family.postcode, family.commune, family.insee_code) == ("72800", "Le Lude", "72176")
        assert family.phone == "02 43 94 00 12"
        assert family.login_email == "Sophie.Lemoine@example.org"
        assert family.billing_email == family.login_email
        assert family.guardians[0].mobile_phone == "06 12 34 56 78"
        assert family.children[0].last_name == "Lemoine"
        assert family.quotient_on(TODAY).quotient == 712
        topics = [i.topic for i in s.scalars(select(OutboxItem).order_by(OutboxItem.id))]
        assert topics == ["account.upsert", "account.send_activation"]
        created = s.scalars(
            select(AuditEvent).where(
                AuditEvent.action == AuditAction.CREATE, AuditEvent.entity == "child"
            )
        ).one()
        assert (created.actor, created.family_id, created.new_value) == (
            "mhuet",
            family_id,
            "Lou Lemoine",
        )


def test_every_wrong_field_is_named_in_french(db, agent):
    form = _form(
        postcode="72801",
        phone="12",
        login_email="pas-une-adresse",
        allowance_number="",
        children=[ChildForm(first_name="", sex=None, birth_date=date(2030, 1, 1))],
    )
    form.guardians[1].is_payer = True
    with db.session() as s, pytest.raises(FieldErrors) as caught:
        accounts.open_account(s, agent, form, TODAY)
    errors = caught.value.errors
    assert errors["postcode"] == "Le code postal « 72801 » n'existe pas (Adresse)."
    assert (
        errors["phone"]
        == "« 12 » n'est pas un numéro de téléphone français valide (Téléphone du foyer)."
    )
    assert "n'est pas une adresse e-mail valide" in errors["login_email"]
    assert errors["allowance_number"] == "Le champ « N° allocataire CAF » est obligatoire."
    assert errors["guardians"] == "Indiquez un (et un seul) responsable payeur."
    assert errors["children[0].first_name"] == "Le champ « Prénom de l'enfant 1 » est obligatoire."
    assert errors["children[0].sex"] == "Le champ « Sexe de l'enfant 1 » est obligatoire."
    assert errors["children[0].birth_date"] == (
        "Le champ « Date de naissance de l'enfant 1 » ne peut pas être dans le futur."
    )
    with db.session() as s:
        assert s.scalar(select(Family.id)) is None  # nothing saved


def test_commune_must_match_the_postcode(db, agent):
    with (
        db.session() as s,
        pytest.raises(FieldErrors, match="ne correspond pas au code postal 72800"),
    ):
        accounts.open_account(s, agent, _form(commune="Mayet"), TODAY)


def test_duplicates_are_found_by_child_email_and_guardian(db, agent):
    with db.session() as s:
        accounts.open_account(s, agent, _form(), TODAY)
    with db.session() as s:
        same_child = _form(
            login_email="autre@example.net",
            guardians=[
                GuardianForm(
                    last_name="Durand", first_name="Eva", is_payer=True, mobile_phone="0611223344"
                )
            ],
        )
        [dup] = accounts.find_duplicates(s, same_child)
        assert dup.code == "F00001" and dup.reason.startswith("même enfant : Lou Lemoine")
        same_mail = _form(
            children=[ChildForm(first_name="Tom", sex=Sex.MALE, birth_date=date(2020, 1, 1))],
            guardians=[GuardianForm(last_name="X", first_name="Y", is_payer=True)],
        )
        assert "même e-mail" in accounts.find_duplicates(s, same_mail)[0].reason
        same_guardian = AccountForm(
            guardians=[GuardianForm(last_name="LEMOINE", first_name="Marc")]
        )
        assert (
            accounts.find_duplicates(s, same_guardian)[0].reason
            == "même responsable : Marc Lemoine"
        )
        assert accounts.find_duplicates(s, AccountForm(family_name="Nouveau")) == []


def test_account_life_disable_reactivate_resend(db, agent):
    with db.session() as s:
        family_id = accounts.open_account(s, agent, _form(), TODAY).id
    with db.session() as s:
        accounts.resend_activation(s, agent, family_id)
        with pytest.raises(UserError, match="Seul un compte actif"):
            accounts.send_password_reset(s, agent, family_id)
        accounts.disable_account(s, agent, family_id, "déménagement")
    with db.session() as s:
        accounts.reactivate_account(s, agent, family_id)
        # never activated by the parent: back to awaiting activation
        assert s.get(Family, family_id).account_state is AccountState.AWAITING_ACTIVATION
        changes = s.scalars(
            select(AuditEvent).where(AuditEvent.field == "account_state").order_by(AuditEvent.id)
        ).all()
        assert [(e.old_value, e.new_value) for e in changes] == [
            ("awaiting_activation", "disabled"),
            ("disabled", "awaiting_activation"),
        ]
        topics = [i.topic for i in s.scalars(select(OutboxItem).order_by(OutboxItem.id))]
        assert topics[2:] == ["account.send_activation", "account.disable", "account.reactivate"]


def test_updates_are_audited_field_by_field_with_the_actor(db, agent):
    with db.session() as s:
        family_id = accounts.open_account(s, agent, _form(), TODAY).id
    with db.session() as s:
        bind(s, agent)
        child = s.scalars(select(Child).where(Child.family_id == family_id)).one()
        child.school_class = "CM1"
        child.first_name = "Louise"
    with db.session() as s:
        events = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == AuditAction.UPDATE)
            .order_by(AuditEvent.field)
        ).all()
        assert [
            (e.entity, e.field, e.old_value, e.new_value, e.actor, e.child_id is not None)
            for e in events
        ] == [
            ("child", "first_name", "Lou", "Louise", "mhuet", True),
            ("child", "school_class", "CE2", "CM1", "mhuet", True),
        ]


def test_medical_access_is_role_bound_and_recorded(db, agent):
    with db.session() as s:
        family_id = accounts.open_account(s, agent, _form(), TODAY).id
    with pytest.raises(PermissionDenied, match="données de santé"):
        require_medical_access(agent)
    with db.session() as s:
        director = current_actor(s, "lchauvin")
        require_medical_access(director)
        child = s.scalars(select(Child).where(Child.family_id == family_id)).one()
        audit.record_medical_access(s, director, child)
    with db.session() as s:
        seen = s.scalars(
            select(AuditEvent).where(AuditEvent.action == AuditAction.VIEW_MEDICAL)
        ).one()
        assert (seen.actor, seen.child_id) == ("lchauvin", child.id)


def test_unknown_login_is_refused_but_the_first_one_bootstraps(db):
    with db.session() as s:
        first = current_actor(s, "premier")
        assert first.role is Role.ADMIN
    with db.session() as s, pytest.raises(PermissionDenied, match="n'est pas enregistré"):
        current_actor(s, "inconnu")
