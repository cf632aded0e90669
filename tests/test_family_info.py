"""Editing a family's information, guardians and QF history, and saving the family form
(SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from backoffice.errors import UserError
from backoffice.models import (
    AllowanceScheme,
    AuditAction,
    AuditEvent,
    ClosedPeriod,
    Family,
    FamilyQuotient,
    Guardian,
    OutboxItem,
    Regie,
    Role,
    Settlement,
    Sex,
    StaffUser,
)
from backoffice.services.common.actors import current_actor
from backoffice.services.common.validation import FieldErrors
from backoffice.services.families import accounts
from backoffice.services.families import edit as family_info
from backoffice.services.families.accounts import AccountForm, ChildForm, GuardianForm
from backoffice.services.families.edit import FamilyChanges, StaleRecord
from backoffice.services.families.family_form import save_family_form
from backoffice.services.families.guardians import (
    GuardianChanges,
    add_guardian,
    remove_guardian,
    update_guardian,
)
from backoffice.services.families.quotients import add_quotient

pytestmark = pytest.mark.postgres
TODAY = date(2026, 11, 27)


@pytest.fixture
def agent(db):
    with db.session() as s:
        s.add_all(
            [
                StaffUser(login="mhuet", full_name="Mélanie Huet", role=Role.AGENT),
                StaffUser(login="tpapin", full_name="Thierry Papin", role=Role.AGENT),
            ]
        )
    with db.session() as s:
        return current_actor(s, "mhuet")


@pytest.fixture
def colleague(db, agent):
    with db.session() as s:
        return current_actor(s, "tpapin")


@pytest.fixture
def family_id(db, agent) -> int:
    form = AccountForm(
        family_name="Lemoine",
        address_line1="12 rue du Mail",
        postcode="72800",
        commune="Le Lude",
        phone="02 43 94 00 12",
        login_email="sophie.lemoine@example.org",
        allowance_scheme=AllowanceScheme.CAF,
        allowance_number="1234567",
        quotient=712,
        quotient_from=date(2026, 1, 1),
        guardians=[
            GuardianForm(
                last_name="Lemoine",
                first_name="Sophie",
                is_payer=True,
                mobile_phone="06 12 34 56 78",
            ),
        ],
        children=[ChildForm(first_name="Lou", sex=Sex.FEMALE, birth_date=date(2018, 5, 3))],
    )
    with db.session() as s:
        return accounts.open_account(s, agent, form, TODAY).id


def _version(db, family_id) -> int:
    with db.session() as s:
        return s.get(Family, family_id).version


def _outbox(db, topic: str) -> list[OutboxItem]:
    with db.session() as s:
        return list(
            s.scalars(select(OutboxItem).where(OutboxItem.topic == topic).order_by(OutboxItem.id))
        )


def test_address_change_is_checked_normalised_audited_and_sent_to_the_portal(db, agent, family_id):
    version = _version(db, family_id)
    changes = FamilyChanges(address_line1="5 place de la Mairie", postcode="72500", commune="vaas")
    upserts_before = len(_outbox(db, "account.upsert"))
    with db.session() as s:
        family_info.update_family(s, agent, family_id, changes, version)
    with db.session() as s:
        family = s.get(Family, family_id)
        assert (family.address_line1, family.postcode, family.commune, family.insee_code) == (
            "5 place de la Mairie",
            "72500",
            "Vaas",
            "72364",
        )
        assert "vaas" in family.search_text and family.version == version + 1
        events = s.scalars(
            select(AuditEvent).where(
                AuditEvent.family_id == family_id, AuditEvent.action == AuditAction.UPDATE
            )
        ).all()
        by_field = {e.field: e for e in events}
        assert (by_field["commune"].old_value, by_field["commune"].new_value) == ("Le Lude", "Vaas")
        assert by_field["address_line1"].actor == "mhuet"
        assert by_field["address_line1"].staff_user_id == agent.staff_id
    upserts = _outbox(db, "account.upsert")
    assert len(upserts) == upserts_before + 1
    assert upserts[-1].payload["address"]["commune"] == "Vaas"


def test_wrong_postcode_phone_and_email_are_named_in_french(db, agent, family_id):
    version = _version(db, family_id)
    changes = FamilyChanges(
        postcode="72999", commune="Le Lude", phone="12", billing_email="pas-une-adresse"
    )
    with db.session() as s, pytest.raises(FieldErrors) as caught:
        family_info.update_family(s, agent, family_id, changes, version)
    errors = caught.value.errors
    assert errors["address"] == "Le code postal « 72999 » n'existe pas (Adresse)."
    assert "n'est pas un numéro de téléphone français valide" in errors["phone"]
    assert "n'est pas une adresse e-mail valide" in errors["billing_email"]
    with db.session() as s:
        assert s.get(Family, family_id).postcode == "72800"


def test_a_stale_save_is_refused_and_overwrites_nothing(db, agent, colleague, family_id):
    loaded = _version(db, family_id)
    with db.session() as s:
        family_info.update_family(
            s, colleague, family_id, FamilyChanges(phone="0243940099"), loaded
        )
    with db.session() as s, pytest.raises(StaleRecord) as caught:
        family_info.update_family(s, agent, family_id, FamilyChanges(phone="0243940011"), loaded)
    assert "a été modifiée par un autre agent (" in str(caught.value)
    assert colleague.label + ", le " in str(caught.value)  # who saved meanwhile, and when
    assert "rechargez" in str(caught.value)
    assert isinstance(caught.value, UserError)
    with db.session() as s:
        assert s.get(Family, family_id).phone == "02 43 94 00 99"


def test_login_email_change_goes_pending_through_the_portal(db, agent, family_id):
    version = _version(db, family_id)
    with db.session() as s:
        family_info.update_family(
            s, agent, family_id, FamilyChanges(login_email="Nouvelle@Example.org"), version
        )
    with db.session() as s:
        family = s.get(Family, family_id)
        assert family.login_email == "sophie.lemoine@example.org"
        assert family.pending_login_email == "Nouvelle@example.org"
    [item] = _outbox(db, "account.change_login")
    assert item.payload == {
        "family_code": "F00001",
        "new_login_email": "Nouvelle@example.org",
        "requested_by": "mhuet",
    }
    # Asking again for the same address queues nothing more.
    with db.session() as s:
        family_info.update_family(
            s,
            agent,
            family_id,
            FamilyChanges(login_email="nouvelle@example.org"),
            _version(db, family_id),
        )
    assert len(_outbox(db, "account.change_login")) == 1


def test_login_email_of_another_family_is_refused(db, agent, family_id):
    with db.session() as s:
        other = Family(code="F00099", name="AUTRE", login_email="autre@example.org")
        s.add(other)
    with db.session() as s, pytest.raises(FieldErrors) as caught:
        family_info.update_family(
            s,
            agent,
            family_id,
            FamilyChanges(login_email="autre@example.org"),
            _version(db, family_id),
        )
    assert (
        "déjà l'identifiant du portail de la famille F00099" in caught.value.errors["login_email"]
    )


def test_guardians_two_at_most_and_exactly_one_payer(db, agent, family_id):
    with db.session() as s:
        second = add_guardian(
            s,
            agent,
            family_id,
            GuardianChanges(last_name="Lemoine", first_name="Marc", mobile_phone="0612345679"),
        )
        second_id = second.id
        assert second.rank == 2 and not second.is_payer
    with db.session() as s, pytest.raises(UserError, match="deux responsables légaux au plus"):
        add_guardian(s, agent, family_id, GuardianChanges(last_name="X", first_name="Y"))
    with db.session() as s:
        g = s.get(Guardian, second_id)
        update_guardian(s, agent, second_id, GuardianChanges(is_payer=True), g.version)
    with db.session() as s:
        family = s.get(Family, family_id)
        assert [(g.first_name, g.is_payer) for g in family.guardians] == [
            ("Sophie", False),
            ("Marc", True),
        ]
        sophie = family.guardians[0]
        # Removing the payer hands the flag to the one left; the last one stays.
        marc = family.guardians[1]
        remove_guardian(s, agent, marc.id, marc.version)
        assert sophie.is_payer
        with pytest.raises(UserError, match="au moins un responsable légal"):
            remove_guardian(s, agent, sophie.id, sophie.version)
    with db.session() as s:
        g = s.get(Family, family_id).guardians[0]
        with pytest.raises(FieldErrors) as caught:
            update_guardian(s, agent, g.id, GuardianChanges(is_payer=False), g.version)
        assert "responsable payeur" in caught.value.errors["is_payer"]


def test_a_new_qf_closes_the_open_one_and_never_rewrites_amounts(db, agent, family_id):
    with db.session() as s:
        add_quotient(s, agent, family_id, 820, date(2027, 1, 1))
    with db.session() as s:
        rows = s.scalars(
            select(FamilyQuotient)
            .where(FamilyQuotient.family_id == family_id)
            .order_by(FamilyQuotient.valid_from)
        ).all()
        assert [(q.quotient, q.valid_from, q.valid_to, q.source) for q in rows] == [
            (712, date(2026, 1, 1), date(2026, 12, 31), AllowanceScheme.CAF),
            (820, date(2027, 1, 1), None, AllowanceScheme.CAF),
        ]
        family = s.get(Family, family_id)
        assert family.quotient_on(date(2026, 12, 31)).quotient == 712
        assert family.quotient_on(date(2027, 1, 1)).quotient == 820
        events = s.scalars(select(AuditEvent).where(AuditEvent.entity == "family_quotient")).all()
        updates = [(e.field, e.old_value, e.new_value) for e in events if e.action == "update"]
        assert updates == [("valid_to", None, "2026-12-31")]
        assert all(e.actor == "mhuet" for e in events)
    # A QF entered in the past between two others ends before the next one.
    with db.session() as s:
        back = add_quotient(s, agent, family_id, 650, date(2026, 6, 1), source=AllowanceScheme.MSA)
        assert back.valid_to == date(2026, 12, 31)
    with db.session() as s:
        amounts = {q.valid_from: q.quotient for q in s.get(Family, family_id).quotients}
        assert amounts == {date(2026, 1, 1): 712, date(2026, 6, 1): 650, date(2027, 1, 1): 820}


def test_qf_starting_the_same_day_or_in_a_closed_period_is_refused(db, agent, family_id):
    with db.session() as s, pytest.raises(FieldErrors) as caught:
        add_quotient(s, agent, family_id, 900, date(2026, 1, 1))
    assert caught.value.errors["valid_from"].startswith("Un QF (712) commence déjà le 01/01/2026")
    with db.session() as s:
        regie = Regie(
            code="ALSH",
            name="Régie ALSH enfance",
            invoice_prefix="AL",
            credit_note_prefix="AVAL",
            settlement=Settlement.DESK_AND_ONLINE,
        )
        s.add(regie)
        s.flush()
        s.add(
            ClosedPeriod(
                regie_id=regie.id, start_date=date(2026, 10, 1), end_date=date(2026, 10, 31)
            )
        )
    with db.session() as s, pytest.raises(FieldErrors) as caught:
        add_quotient(s, agent, family_id, 900, date(2026, 9, 1))
    assert caught.value.errors["valid_from"] == (
        "La période de facturation du 01/10/2026 au 31/10/2026 est close : un nouveau QF "
        "ne peut prendre effet qu'à partir du 01/11/2026."
    )
    with db.session() as s:
        rows = s.scalars(select(FamilyQuotient).where(FamilyQuotient.family_id == family_id)).all()
        assert [(q.quotient, q.valid_to) for q in rows] == [(712, None)]
        add_quotient(s, agent, family_id, 900, date(2026, 11, 1))
    with pytest.raises(FieldErrors) as caught, db.session() as s:
        add_quotient(s, agent, family_id, None, date(2027, 1, 1), date(2026, 1, 1))
    assert set(caught.value.errors) == {"quotient", "valid_to"}


# -- the family form: family and guardians saved together ------------------------


def _guardians(db, family_id) -> list[Guardian]:
    with db.session() as s:
        return list(s.get(Family, family_id).guardians)


def _form_changes(db, family_id, **typed) -> FamilyChanges:
    """Every field of the form, as the dialog sends them: what is there, and what was typed."""
    with db.session() as s:
        family = s.get(Family, family_id)
        shown = {
            "name": family.name,
            "address_line1": family.address_line1,
            "address_line2": family.address_line2,
            "postcode": family.postcode,
            "commune": family.commune,
            "phone": family.phone,
            "login_email": family.login_email,
            "billing_email": family.billing_email,
            "allowance_scheme": family.allowance_scheme,
            "allowance_number": family.allowance_number,
            "notes": family.notes,
        }
    return FamilyChanges(**(shown | typed))


def test_the_family_form_saves_the_family_and_its_guardians_in_one_go(db, agent, family_id):
    [sophie] = _guardians(db, family_id)
    upserts_before = len(_outbox(db, "account.upsert"))
    with db.session() as s:
        save_family_form(
            s,
            agent,
            family_id,
            _version(db, family_id),
            _form_changes(
                db,
                family_id,
                address_line1="5 place de la Mairie",
                postcode="72500",
                commune="Vaas",
            ),
            [
                (sophie.id, sophie.version, GuardianChanges(mobile_phone="0611223344")),
                (
                    None,
                    None,
                    GuardianChanges(
                        last_name="Lemoine", first_name="Marc", email="marc@example.org"
                    ),
                ),
            ],
            [],
        )
    with db.session() as s:
        family = s.get(Family, family_id)
        assert (family.address_line1, family.commune, family.insee_code) == (
            "5 place de la Mairie",
            "Vaas",
            "72364",
        )
        assert [
            (g.rank, g.first_name, g.mobile_phone, g.email, g.is_payer) for g in family.guardians
        ] == [
            (1, "Sophie", "06 11 22 33 44", "", True),
            (2, "Marc", "", "marc@example.org", False),
        ]
        fields = {
            e.field
            for e in s.scalars(
                select(AuditEvent).where(
                    AuditEvent.family_id == family_id, AuditEvent.actor == "mhuet"
                )
            )
        }
        assert {"address_line1", "commune", "mobile_phone"} <= fields
    upserts = _outbox(db, "account.upsert")
    assert len(upserts) > upserts_before
    assert upserts[-1].payload["address"]["commune"] == "Vaas"


def test_the_family_form_collects_family_and_guardian_errors_and_saves_nothing(
    db, agent, family_id
):
    [sophie] = _guardians(db, family_id)
    version = _version(db, family_id)
    with db.session() as s:
        events_before = s.scalar(select(func.count()).select_from(AuditEvent))
        outbox_before = s.scalar(select(func.count()).select_from(OutboxItem))
    with db.session() as s:
        with pytest.raises(FieldErrors) as caught:
            save_family_form(
                s,
                agent,
                family_id,
                version,
                _form_changes(db, family_id, phone="12", notes="Nouvelle note"),
                [
                    # A right change next to wrong ones: saved with them or not at all.
                    (sophie.id, sophie.version, GuardianChanges(mobile_phone="0611223344")),
                    (None, None, GuardianChanges(last_name="Lemoine", email="pas-une-adresse")),
                ],
                [],
            )
        # Nothing is left in the session either.
        assert s.get(Guardian, sophie.id).mobile_phone == "06 12 34 56 78"
    errors = caught.value.errors
    assert set(errors) == {"family.phone", "guardians[1].first_name", "guardians[1].email"}
    assert "n'est pas un numéro de téléphone français valide" in errors["family.phone"]
    assert errors["guardians[1].first_name"] == (
        "Le champ « Prénom du responsable 2 » est obligatoire."
    )
    assert "n'est pas une adresse e-mail valide" in errors["guardians[1].email"]
    with db.session() as s:
        family = s.get(Family, family_id)
        assert (family.phone, family.notes, family.version) == ("02 43 94 00 12", "", version)
        assert [(g.first_name, g.mobile_phone) for g in family.guardians] == [
            ("Sophie", "06 12 34 56 78")
        ]
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == events_before
        assert s.scalar(select(func.count()).select_from(OutboxItem)) == outbox_before


def _add_marc(db, agent, family_id, *, payer: bool) -> None:
    with db.session() as s:
        add_guardian(
            s,
            agent,
            family_id,
            GuardianChanges(last_name="Lemoine", first_name="Marc", is_payer=payer or None),
        )


def test_the_family_form_removes_a_guardian(db, agent, family_id):
    _add_marc(db, agent, family_id, payer=False)
    sophie, marc = _guardians(db, family_id)
    with db.session() as s:
        save_family_form(
            s,
            agent,
            family_id,
            _version(db, family_id),
            _form_changes(db, family_id, phone="02 43 94 00 13"),
            [(sophie.id, sophie.version, GuardianChanges(first_name="Sophie-Anne"))],
            [(marc.id, marc.version)],
        )
    with db.session() as s:
        family = s.get(Family, family_id)
        assert family.phone == "02 43 94 00 13"
        assert [(g.first_name, g.is_payer) for g in family.guardians] == [("Sophie-Anne", True)]
        assert s.get(Guardian, marc.id) is None


def test_the_family_form_removes_the_paying_guardian_and_the_one_left_pays(db, agent, family_id):
    _add_marc(db, agent, family_id, payer=True)
    sophie, marc = _guardians(db, family_id)
    assert marc.is_payer and not sophie.is_payer
    with db.session() as s:
        save_family_form(
            s,
            agent,
            family_id,
            _version(db, family_id),
            _form_changes(db, family_id),
            [(sophie.id, sophie.version, GuardianChanges())],
            [(marc.id, marc.version)],
        )
    assert [(g.first_name, g.is_payer) for g in _guardians(db, family_id)] == [("Sophie", True)]


def test_the_family_form_replaces_the_only_guardian_by_a_new_one(db, agent, family_id):
    [sophie] = _guardians(db, family_id)
    with db.session() as s:
        save_family_form(
            s,
            agent,
            family_id,
            _version(db, family_id),
            _form_changes(db, family_id),
            [(None, None, GuardianChanges(last_name="Martin", first_name="Paul"))],
            [(sophie.id, sophie.version)],
        )
    assert [(g.rank, g.first_name, g.is_payer) for g in _guardians(db, family_id)] == [
        (2, "Paul", True)
    ]
