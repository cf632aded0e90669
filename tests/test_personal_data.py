# Long module: the RGPD export checks every table a family has rows in.
"""Data protection: the RGPD access export and the anonymisation of inactive families."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import String, Text, func, select

from backoffice.cli import app as cli
from backoffice.demo.load import load_demo
from backoffice.models import (
    AccountState,
    AllowanceScheme,
    AuditAction,
    AuditEvent,
    Base,
    Booking,
    BookingState,
    Child,
    ChildContact,
    ConsentAnswer,
    ConsentDefinition,
    CreditNote,
    Family,
    FamilyQuotient,
    Guardian,
    Invoice,
    InvoiceLine,
    InvoiceState,
    MedicalRecord,
    OutboxItem,
    Payment,
    PaymentAllocation,
    PaymentMode,
    Person,
    PortalRequest,
    Regie,
    RequestKind,
    Sex,
    Unit,
    Vaccination,
)
from backoffice.services.common.actors import PermissionDenied, bind, current_actor
from backoffice.services.families.anonymisation import ANONYMISED_FAMILY_NAME, anonymise_inactive
from backoffice.services.families.personal_data_export import export_personal_data

pytestmark = pytest.mark.postgres
TODAY = date(2026, 11, 27)


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 30, tzinfo=UTC)


def _make_family(
    s,
    code,
    surname,
    first,
    email,
    phone,
    child_first,
    allergy,
    *,
    created,
    booked,
    invoice_total=None,
    paid=None,
    credited=None,
    invoice_day=None,
) -> Family:
    """A family with a full child file, a booking and optionally an invoice and payment."""
    family = Family(
        code=code,
        name=surname.upper(),
        account_state=AccountState.ACTIVE,
        address_line1=f"4 impasse des {surname}",
        postcode="72800",
        commune="Le Lude",
        insee_code="72176",
        phone=phone,
        login_email=email,
        billing_email=email,
        allowance_scheme=AllowanceScheme.CAF,
        allowance_number=f"7{code[-3:]}999",
        notes=f"Appeler {first} le soir",
        created_at=_at(created),
        activated_at=_at(created),
    )
    family.guardians.append(
        Guardian(
            rank=1,
            civility="Mme",
            last_name=surname,
            first_name=first,
            relationship_label="mère",
            is_payer=True,
            mobile_phone=phone,
            email=email,
            profession="Infirmière",
            employer="CHU du Mans",
        )
    )
    family.quotients.append(
        FamilyQuotient(quotient=640, valid_from=date(2019, 1, 1), source=AllowanceScheme.CAF)
    )
    child = Child(
        last_name=surname.upper(),
        first_name=child_first,
        sex=Sex.FEMALE,
        birth_date=date(2016, 5, 3),
        school="École du Lude",
        school_class="CM2",
        notes=f"{child_first} a peur du noir",
    )
    child.medical_record = MedicalRecord(
        allergy_food=True,
        allergy_detail=allergy,
        doctor_name="Dr Hamon",
        doctor_phone="02 43 94 11 11",
        has_pai=True,
        pai_detail=f"PAI {allergy}",
    )
    child.vaccinations.append(Vaccination(vaccine="dtp", done=True, last_date=date(2021, 3, 1)))
    family.children.append(child)
    grandma = Person(
        last_name=surname,
        first_name="Odette",
        relationship_label="grand-mère",
        phone1="02 43 94 22 22",
    )
    family.persons.append(grandma)
    s.add(family)
    s.flush()
    s.add(
        ChildContact(
            child_id=child.id, person_id=grandma.id, emergency_contact=True, authorised_pickup=True
        )
    )
    consent = s.scalars(select(ConsentDefinition).order_by(ConsentDefinition.id)).first()
    s.add(ConsentAnswer(child_id=child.id, consent_id=consent.id, granted=True, detail="17h"))
    unit = s.scalars(select(Unit).order_by(Unit.id)).first()
    s.add(
        Booking(
            child_id=child.id,
            unit_id=unit.id,
            day=booked,
            state=BookingState.ACCEPTED,
            requested_at=_at(booked),
        )
    )
    s.add(
        PortalRequest(
            kind=RequestKind.FILE_CHANGE,
            family_id=family.id,
            child_id=child.id,
            payload={"field": "allergy_detail", "new": allergy},
            received_at=_at(booked),
            answer_text=f"Merci {first}",
        )
    )
    if invoice_total is not None:
        regie = s.scalars(select(Regie).order_by(Regie.id)).first()
        day = invoice_day or booked
        invoice = Invoice(
            number=f"ALSH-{day.year}-{code[-3:]}",
            regie_id=regie.id,
            year=day.year,
            seq=int(code[-3:]),
            family_id=family.id,
            issue_date=day,
            due_date=day,
            period_start=booked,
            period_end=booked,
            total=Decimal(invoice_total),
            state=InvoiceState.PAID
            if paid == invoice_total
            else InvoiceState.PARTIALLY_PAID
            if paid
            else InvoiceState.ISSUED,
            billing_name=f"{first} {surname}",
            billing_address=f"4 impasse des {surname}\n72800 Le Lude",
            billing_email=email,
        )
        invoice.lines.append(
            InvoiceLine(
                label=f"ALSH journée — {child_first}",
                quantity=Decimal(1),
                unit_price=Decimal(invoice_total),
                amount=Decimal(invoice_total),
                child_id=child.id,
            )
        )
        s.add(invoice)
        s.flush()
        if paid:
            payment = Payment(
                family_id=family.id,
                regie_id=regie.id,
                mode=PaymentMode.CHEQUE,
                amount=Decimal(paid),
                received_on=day,
                reference="CHQ 1234567",
                payer_name=f"{first} {surname}",
            )
            payment.allocations.append(
                PaymentAllocation(invoice_id=invoice.id, amount=Decimal(paid))
            )
            s.add(payment)
        if credited:
            s.add(
                CreditNote(
                    number=f"AV-ALSH-{day.year}-{code[-3:]}",
                    regie_id=regie.id,
                    year=day.year,
                    seq=int(code[-3:]),
                    invoice_id=invoice.id,
                    issue_date=day,
                    reason="Absence justifiée",
                    total=Decimal(credited),
                )
            )
    return family


@pytest.fixture
def world(db):
    """Demo catalogue and staff; three families: old and settled, old and owing, active."""
    load_demo(db, families=0, seed=1, today=TODAY)
    with db.session() as s:
        admin = current_actor(s, "admin")
        bind(s, admin)
        _make_family(
            s,
            "F00101",
            "Quimperlé",
            "Ysolde",
            "ysolde.q@example.org",
            "02 43 94 00 12",
            "Maëlys",
            "arachide",
            created=date(2019, 3, 1),
            booked=date(2020, 7, 1),
            invoice_total="45.00",
            paid="45.00",
            invoice_day=date(2020, 7, 10),
        )
        _make_family(
            s,
            "F00102",
            "Kerbrat",
            "Gwenola",
            "gwenola.k@example.org",
            "02 43 94 00 13",
            "Nolwenn",
            "kiwi",
            created=date(2019, 3, 1),
            booked=date(2021, 2, 1),
            invoice_total="42.50",
            paid="10.00",
        )
        _make_family(
            s,
            "F00103",
            "Vasseur",
            "Agathe",
            "agathe.v@example.org",
            "02 43 94 00 14",
            "Capucine",
            "lactose",
            created=date(2019, 3, 1),
            booked=date(2026, 10, 20),
            invoice_total="30.00",
            paid="30.00",
        )
        # Old, issued, but fully cancelled by a credit note: nothing owed.
        _make_family(
            s,
            "F00104",
            "Lagadec",
            "Maiwenn",
            "maiwenn.l@example.org",
            "02 43 94 00 15",
            "Soazig",
            "pollen",
            created=date(2018, 3, 1),
            booked=date(2019, 2, 1),
            invoice_total="12.00",
            credited="12.00",
        )
        # A change made by an agent: its old value sits in the audit trail.
    with db.session() as s:
        bind(s, current_actor(s, "admin"))
        s.scalars(select(Family).where(Family.code == "F00101")).one().phone = "02 43 94 00 99"
    return db


def _family(s, code) -> Family:
    return s.scalars(select(Family).where(Family.code == code)).one()


def _all_text(s) -> str:
    """Every text value of every table, to look for personal data left behind."""
    chunks = []
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text)]
        json_columns = [c for c in table.columns if c.type.__class__.__name__ == "JSON"]
        if not columns and not json_columns:
            continue
        for row in s.execute(select(*columns, *json_columns)):
            chunks += [
                json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else str(v)
                for v in row
                if v is not None
            ]
    return "\n".join(chunks)


# Access request ------------------------------------------------------------------


def test_personal_data_export_holds_everything_including_the_medical_record(world):
    with world.session() as s:
        director = current_actor(s, "lchauvin")
        family_id = _family(s, "F00101").id
        data = export_personal_data(s, director, family_id, destination="/tmp/x.json")
        json.dumps(data)  # JSON-ready as is
    assert (
        data["family"]["code"] == "F00101"
        and data["family"]["login_email"] == "ysolde.q@example.org"
    )
    assert data["generated_by"] == "lchauvin"
    assert [q["quotient"] for q in data["quotients"]] == [640]
    assert [g["first_name"] for g in data["guardians"]] == ["Ysolde"]
    assert [p["first_name"] for p in data["persons"]] == ["Odette"]
    child = data["children"][0]
    assert child["first_name"] == "Maëlys" and child["birth_date"] == "2016-05-03"
    assert child["medical_record"]["allergy_detail"] == "arachide"
    assert child["medical_record"]["pai_detail"] == "PAI arachide"
    assert child["vaccinations"][0]["vaccine"] == "dtp"
    assert child["contacts"][0]["person"] == "Odette Quimperlé"
    assert child["consents"][0]["detail"] == "17h" and child["consents"][0]["consent"]
    assert [b["day"] for b in child["bookings"]] == ["2020-07-01"]
    assert child["bookings"][0]["unit"]
    assert data["portal_requests"][0]["payload"] == {"field": "allergy_detail", "new": "arachide"}
    invoice = data["invoices"][0]
    assert (invoice["number"], invoice["total"], invoice["billing_name"]) == (
        "ALSH-2020-101",
        "45.00",
        "Ysolde Quimperlé",
    )
    assert invoice["lines"][0]["amount"] == "45.00"
    assert data["payments"][0]["allocations"][0]["invoice"] == "ALSH-2020-101"
    fields = {(e["entity"], e["field"], e["old_value"]) for e in data["audit_events"]}
    assert ("family", "phone", "02 43 94 00 12") in fields
    with world.session() as s:
        events = s.scalars(
            select(AuditEvent).where(
                AuditEvent.family_id == family_id,
                AuditEvent.entity.in_(["personal_data_export", "medical_record"]),
                AuditEvent.actor == "lchauvin",
            )
        ).all()
        assert sorted((e.entity, e.action) for e in events) == [
            ("medical_record", AuditAction.VIEW_MEDICAL),
            ("personal_data_export", AuditAction.CREATE),
        ]
        export_event = next(e for e in events if e.entity == "personal_data_export")
        assert export_event.new_value.endswith("vers /tmp/x.json")


def test_personal_data_export_is_refused_to_an_agent(world, db_url, monkeypatch, capsys, tmp_path):
    with world.session() as s:
        agent = current_actor(s, "mhuet")
        family_id = _family(s, "F00101").id
        with pytest.raises(PermissionDenied, match="fiches sanitaires"):
            export_personal_data(s, agent, family_id)
    monkeypatch.setenv("BACKOFFICE_USER", "mhuet")
    out = tmp_path / "export.json"
    assert (
        cli.main(
            [
                "--database-url",
                db_url,
                "families",
                "export-personal-data",
                "F00101",
                "--output",
                str(out),
            ]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert err.startswith(
        "Erreur : L'export des données personnelles contient les fiches sanitaires"
    )
    assert not out.exists()
    with world.session() as s:
        assert not s.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.entity == "personal_data_export")
        )

    monkeypatch.setenv("BACKOFFICE_USER", "lchauvin")
    assert (
        cli.main(
            [
                "--database-url",
                db_url,
                "families",
                "export-personal-data",
                "f00101",
                "--output",
                str(out),
            ]
        )
        == 0
    )
    assert "exportées dans" in capsys.readouterr().err
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["children"][0]["medical_record"]["allergy_detail"] == "arachide"
    assert cli.main(["--database-url", db_url, "families", "export-personal-data", "F00103"]) == 0
    assert json.loads(capsys.readouterr().out)["family"]["name"] == "VASSEUR"


def test_personal_data_export_to_a_folder_that_cannot_be_written(
    world, db_url, monkeypatch, capsys, tmp_path
):
    monkeypatch.setenv("BACKOFFICE_USER", "lchauvin")
    blocker = tmp_path / "exports"
    blocker.write_text("un fichier, pas un dossier")
    out = blocker / "export.json"
    argv = ["--database-url", db_url, "families", "export-personal-data", "F00101"]
    assert cli.main([*argv, "--output", str(out)]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"Erreur : Impossible d'écrire le fichier {out} : "
        "un fichier porte le nom d'un des dossiers du chemin.\n"
    )
    with world.session() as s:  # nothing written: the export is not recorded
        assert not s.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.entity == "personal_data_export")
        )


# Anonymisation -----------------------------------------------------------------


def _snapshot(s, code):
    family = _family(s, code)
    child = family.children[0]
    return (
        family.name,
        family.phone,
        family.version,
        [g.first_name for g in family.guardians],
        child.first_name,
        child.birth_date,
        child.medical_record is not None,
        len(family.persons),
        len(child.consents),
    )


def test_dry_run_changes_nothing_and_agents_may_not_anonymise(world):
    with world.session() as s:
        before = {code: _snapshot(s, code) for code in ("F00101", "F00102", "F00103", "F00104")}
        text_before = _all_text(s)
        events_before = s.scalar(select(func.count()).select_from(AuditEvent))
    with world.session() as s:
        report = anonymise_inactive(s, current_actor(s, "admin"), 3, TODAY, dry_run=True)
    assert [code for code, _ in report.families] == ["F00101", "F00104"]
    assert report.counts["families"] == 2 and report.counts["medical_records"] == 2
    assert [r.code for r in report.refused] == ["F00102"]
    assert "rien n'a été modifié" in report.summary()
    with world.session() as s:
        assert {code: _snapshot(s, code) for code in before} == before
        assert _all_text(s) == text_before
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == events_before
        with pytest.raises(PermissionDenied, match="réservée aux administrateurs"):
            anonymise_inactive(s, current_actor(s, "lchauvin"), 3, TODAY)


def test_anonymisation_of_inactive_families(world):
    secrets = [
        "Quimperlé",
        "QUIMPERLÉ",
        "Ysolde",
        "ysolde.q@example.org",
        "02 43 94 00 12",
        "02 43 94 00 99",
        "Maëlys",
        "arachide",
        "7101999",
        "Lagadec",
        "Soazig",
        "pollen",
        "7104999",
        "maiwenn.l@example.org",
    ]
    with world.session() as s:
        everything = _all_text(s)
        assert all(secret in everything for secret in secrets)
        untouched = {code: _snapshot(s, code) for code in ("F00102", "F00103")}
        report = anonymise_inactive(s, current_actor(s, "admin"), 3, TODAY)
    assert report.cutoff == date(2023, 11, 27)
    assert report.families == [("F00101", date(2020, 7, 10)), ("F00104", date(2019, 2, 1))]
    assert report.counts == {
        "families": 2,
        "guardians": 2,
        "children": 2,
        "persons": 2,
        "consent_answers": 2,
        "medical_records": 2,
        "vaccinations": 2,
        "diseases": 0,
        "invoices": 2,
        "payments": 1,
        "audit_events": report.counts["audit_events"],
        "portal_requests": 2,
    }
    assert report.counts["audit_events"] > 10
    refusal = report.refused[0]
    assert refusal.code == "F00102"
    assert refusal.reason == (
        "anonymisation refusée : facture(s) impayée(s) ALSH-2021-102 (reste dû 32,50 €). "
        "Rien n'a été modifié pour cette famille."
    )
    with world.session() as s:
        everything = _all_text(s)
        assert [secret for secret in secrets if secret in everything] == []
        family = _family(s, "F00101")
        assert (family.name, family.address_line1, family.phone, family.login_email) == (
            ANONYMISED_FAMILY_NAME,
            "",
            "",
            "",
        )
        assert (family.postcode, family.commune, family.insee_code) == ("72800", "Le Lude", "72176")
        assert family.account_state is AccountState.DISABLED
        assert family.search_text == "f00101 famille anonymisee le lude enfant 1 anonyme"
        assert [
            (g.last_name, g.first_name, g.email, g.relationship_label, g.is_payer)
            for g in family.guardians
        ] == [("Anonyme", "Responsable 1", "", "mère", True)]
        assert [q.quotient for q in family.quotients] == [640]
        child = family.children[0]
        assert (child.first_name, child.last_name, child.birth_date, child.sex, child.notes) == (
            "Enfant 1",
            "Anonyme",
            date(2016, 1, 1),
            Sex.FEMALE,
            "",
        )
        assert child.medical_record is None and child.vaccinations == []
        assert child.contacts == [] and child.consents == [] and family.persons == []
        booking = s.scalars(select(Booking).where(Booking.child_id == child.id)).one()
        assert booking.day == date(2020, 7, 1)
        invoice = s.scalars(select(Invoice).where(Invoice.family_id == family.id)).one()
        assert (invoice.number, invoice.total, invoice.state) == (
            "ALSH-2020-101",
            Decimal("45.00"),
            InvoiceState.PAID,
        )
        assert (invoice.billing_name, invoice.billing_address, invoice.billing_email) == (
            "Famille anonymisée F00101",
            "",
            "",
        )
        assert invoice.lines[0].label == "ALSH journée — Enfant 1"
        payment = s.scalars(select(Payment).where(Payment.family_id == family.id)).one()
        assert (payment.amount, payment.reference, payment.payer_name) == (
            Decimal("45.00"),
            "CHQ 1234567",
            ANONYMISED_FAMILY_NAME,
        )
        request = s.scalars(select(PortalRequest).where(PortalRequest.family_id == family.id)).one()
        assert (request.payload, request.answer_text, request.kind) == (
            {},
            "",
            RequestKind.FILE_CHANGE,
        )
        marker = s.scalars(
            select(AuditEvent).where(
                AuditEvent.family_id == family.id, AuditEvent.field == "anonymisation"
            )
        ).one()
        assert (marker.actor, marker.action) == ("admin", AuditAction.UPDATE)
        assert marker.new_value == (
            "Données personnelles anonymisées : dernière activité le 10/07/2020, "
            "plus de 3 an(s) sans activité."
        )
        topics = s.scalars(select(OutboxItem.topic).where(OutboxItem.family_id == family.id)).all()
        assert topics == ["account.disable"]
        # The family that still owes money and the active one are untouched.
        assert {code: _snapshot(s, code) for code in untouched} == untouched
        assert "Gwenola" in everything and "lactose" in everything
    # Running again finds nothing new.
    with world.session() as s:
        again = anonymise_inactive(s, current_actor(s, "admin"), 3, TODAY)
    assert again.families == [] and [r.code for r in again.refused] == ["F00102"]


def test_anonymise_cli(world, db_url, monkeypatch, capsys):
    monkeypatch.setenv("BACKOFFICE_USER", "admin")
    args = ["--database-url", db_url, "families", "anonymise", "--today", "2026-11-27"]
    assert cli.main([*args, "--inactive-years", "10", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Familles sans activité depuis le 27/11/2016 (10 an(s)) : 0 seraient")
    assert cli.main([*args, "--dry-run", "--json"]) == 1
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert [f["code"] for f in data["families"]] == ["F00101", "F00104"]
    assert data["refused"][0]["code"] == "F00102"
    assert "1 famille(s) refusée(s)" in captured.err
    with world.session() as s:
        assert _family(s, "F00101").name == "QUIMPERLÉ"
    assert cli.main(args) == 1
    out = capsys.readouterr().out
    assert "F00101 (dernière activité le 10/07/2020)" in out
    assert "Refusée : F00102 — anonymisation refusée : facture(s) impayée(s) ALSH-2021-102" in out
    with world.session() as s:
        assert _family(s, "F00101").name == ANONYMISED_FAMILY_NAME
    monkeypatch.setenv("BACKOFFICE_USER", "mhuet")
    assert cli.main(args) == 1
    assert "réservée aux administrateurs" in capsys.readouterr().err
