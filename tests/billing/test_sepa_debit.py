"""SEPA direct debit: mandates, a pain.008 run of a demo month, rejects (issue #19, item 2)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sepaxml
import xmlschema
from collection_world import ACCUEIL, GOOD_BIC, GOOD_IBAN, OCTOBER, REGISSEUR, demo_month
from sqlalchemy import select

from backoffice.models import (
    Family,
    Invoice,
    InvoiceState,
    OutboxItem,
    Payment,
    PaymentState,
    SepaDebit,
    SepaMandate,
    SequenceType,
)
from backoffice.services.billing import BillingError
from backoffice.services.billing.sepa import (
    debit_run,
    family_flag,
    list_mandates,
    record_reject,
    revoke_mandate,
    save_mandate,
)
from backoffice.services.common.actors import PermissionDenied

pytestmark = pytest.mark.postgres
D = Decimal
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"}
DUE = date(2026, 11, 30)
PAIN_008 = Path(sepaxml.__file__).parent / "schemas" / "pain.008.001.02.xsd"


def alsh_families(s, count: int) -> list[str]:
    ids = sorted(set(s.scalars(select(Invoice.family_id).where(Invoice.number.like("ALSH-%")))))[
        :count
    ]
    return [s.get(Family, i).code for i in ids]


def last_push(s, invoice_id: int) -> dict:
    number = s.get(Invoice, invoice_id).number
    items = s.scalars(select(OutboxItem).order_by(OutboxItem.id.desc()))
    return next(i.payload["body"] for i in items if i.payload.get("number") == number)


def mandate(s, code: str, **kw):
    values = {
        "debtor_name": f"Titulaire {code}",
        "iban": GOOD_IBAN,
        "bic": GOOD_BIC,
        "signed_on": date(2026, 9, 15),
    }
    values.update(kw)
    return save_mandate(s, REGISSEUR, code, **values)


def test_a_pain_008_for_the_demo_month_parses_and_adds_up(db, tmp_path):
    demo_month(db, "ALSH")
    with db.session() as s:
        codes = alsh_families(s, 4)
        for code in codes:
            mandate(s, code)
        debited = list(
            s.scalars(
                select(Invoice)
                .join(Family, Family.id == Invoice.family_id)
                .where(Invoice.number.like("ALSH-%"), Family.code.in_(codes))
            )
        )
        expected = {i.number: i.total for i in debited}
    assert len(codes) == 4 and expected
    with db.session() as s:
        report = debit_run(s, REGISSEUR, "ALSH", DUE, tmp_path, period=OCTOBER)
    data = report.path.read_bytes()
    xmlschema.XMLSchema(str(PAIN_008)).validate(data)  # raises when the file is not valid
    root = ET.fromstring(data)
    header = root.find("p:CstmrDrctDbtInitn/p:GrpHdr", NS)
    assert header is not None
    txs = root.findall(".//p:DrctDbtTxInf", NS)
    amounts = [D(t.find("p:InstdAmt", NS).text) for t in txs]
    assert int(header.find("p:NbOfTxs", NS).text) == len(txs) == report.count == len(expected)
    assert D(header.find("p:CtrlSum", NS).text) == sum(amounts) == report.total
    assert report.total == sum(expected.values())
    for info in root.findall(".//p:PmtInf", NS):
        batch = [D(t.find("p:InstdAmt", NS).text) for t in info.findall("p:DrctDbtTxInf", NS)]
        assert D(info.find("p:CtrlSum", NS).text) == sum(batch)
        assert info.find("p:PmtTpInf/p:SeqTp", NS).text == "FRST"
        assert info.find("p:ReqdColltnDt", NS).text == "2026-11-30"
        assert info.find("p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id", NS).text == "FR12ZZZ123456"
    e2e = [t.find("p:PmtId/p:EndToEndId", NS).text for t in txs]
    assert len(set(e2e)) == len(e2e)
    assert report.first == len(txs) and report.recurrent == 0
    with db.session() as s:
        states = {i.state for i in s.scalars(select(Invoice).where(Invoice.number.in_(expected)))}
        assert states == {InvoiceState.PAID}
        pending = list(
            s.scalars(select(Payment).where(Payment.state == PaymentState.PENDING_BANK_VALIDATION))
        )
        assert len(pending) == len(expected)
        assert {m.sequence for m in s.scalars(select(SepaMandate))} == {SequenceType.RECURRENT}
        # Debited invoices are not debited twice.
        with pytest.raises(BillingError, match="Aucune facture de la régie ALSH à prélever"):
            debit_run(s, REGISSEUR, "ALSH", DUE, tmp_path, period=OCTOBER)


def test_a_reject_reopens_the_invoice_and_flags_the_family(db, tmp_path):
    demo_month(db, "ALSH")
    with db.session() as s:
        code = alsh_families(s, 1)[0]
        family_id = s.scalar(select(Family.id).where(Family.code == code))
        mandate(s, code)
    with db.session() as s:
        debit_run(s, REGISSEUR, "ALSH", DUE, tmp_path, period=OCTOBER)
    with db.session() as s:
        debit = s.scalars(select(SepaDebit)).first()
        assert family_flag(s, family_id) is None
        # The portal is told: the invoice settled by a debit (not payable online twice).
        body = last_push(s, debit.invoice_id)
        assert body["state"] == "paid"
        assert [(x["mode"], x["label"]) for x in body["settlements"]] == [
            ("autre", "Prélèvement SEPA")
        ]
        pytest.importorskip("portal.billing.schemas").InvoicePush.model_validate(body)
        payment_id = debit.payment_id
    # A refused attempt is an action of its own, rolled back (its audit row is kept).
    with db.session() as s, pytest.raises(PermissionDenied):
        record_reject(s, ACCUEIL, payment_id, "AM04")
    with db.session() as s:
        debit = s.scalars(select(SepaDebit)).first()
        with pytest.raises(BillingError, match="Code de rejet invalide"):
            record_reject(s, REGISSEUR, debit.payment_id, "provision")
        record_reject(s, REGISSEUR, debit.payment_id, "am04", on_date=date(2026, 12, 4))
    with db.session() as s:
        debit = s.scalars(select(SepaDebit)).first()
        assert s.get(Payment, debit.payment_id).state is PaymentState.REFUSED
        assert s.get(Invoice, debit.invoice_id).state is InvoiceState.ISSUED
        body = last_push(s, debit.invoice_id)
        assert body["state"] == "issued" and body["settlements"] == []
        assert family_flag(s, family_id) == (
            "Prélèvement rejeté le 04/12/2026 (AM04 : provision insuffisante)"
        )
        with pytest.raises(BillingError, match="déjà enregistré"):
            record_reject(s, REGISSEUR, debit.payment_id, "AM04")
    # The next run presents it again, as a recurrent debit.
    with db.session() as s:
        again = debit_run(s, REGISSEUR, "ALSH", date(2026, 12, 15), tmp_path, period=OCTOBER)
    assert again.recurrent >= 1 and again.first == 0
    assert b"<SeqTp>RCUR</SeqTp>" in again.path.read_bytes()


def test_mandates_are_checked_with_french_messages(db, tmp_path):
    demo_month(db)
    with db.session() as s:
        code = s.scalars(select(Family.code).order_by(Family.code)).first()
        with pytest.raises(
            BillingError, match="IBAN invalide : la clé de contrôle ne correspond pas"
        ):
            mandate(s, code, iban="FR76 3000 6000 0112 3456 7890 188")
        with pytest.raises(BillingError, match="IBAN invalide : la longueur"):
            mandate(s, code, iban="FR76 3000 6000 0112")
        with pytest.raises(BillingError, match="BIC invalide"):
            mandate(s, code, bic="AB")
        with pytest.raises(BillingError, match="titulaire du compte"):
            mandate(s, code, debtor_name="  ")
        with pytest.raises(BillingError, match="futur"):
            mandate(s, code, signed_on=date(2099, 1, 1))
    # A refused attempt is an action of its own, rolled back (its audit row is kept).
    with db.session() as s, pytest.raises(PermissionDenied):
        save_mandate(
            s,
            ACCUEIL,
            code,
            debtor_name="X",
            iban=GOOD_IBAN,
            bic=GOOD_BIC,
            signed_on=date(2026, 9, 1),
        )
    with db.session() as s:
        first = mandate(s, code)
        assert first.reference == f"PF-{code}-01" and first.iban == "FR7630006000011234567890189"
        with pytest.raises(BillingError, match="existe déjà"):
            mandate(s, code, reference=first.reference)
        second = mandate(s, code, signed_on=date(2026, 10, 1))
        assert first.revoked_on == date(2026, 10, 1) and second.reference.endswith("-02")
        revoke_mandate(s, REGISSEUR, second.id, date(2026, 11, 1))
        rows = list_mandates(s, REGISSEUR, code)
        assert [(r.reference, r.revoked_on) for r in rows] == [
            (second.reference, date(2026, 11, 1)),
            (first.reference, date(2026, 10, 1)),
        ]
        with pytest.raises(BillingError, match="Trésor public"):
            debit_run(s, REGISSEUR, "PERI", DUE, tmp_path)
        with pytest.raises(PermissionDenied):
            debit_run(s, ACCUEIL, "ALSH", DUE, tmp_path)
