"""Bordereau de remise de chèques: the cheques, their count and total, from payments."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pypdf
import pytest

from backoffice.documents.deposit_slip_pdf import (
    DepositCheque,
    DepositSlip,
    deposit_slip_document,
    render_deposit_slip_bytes,
)
from backoffice.documents.samples import ISSUER
from backoffice.errors import UserError

NN = "\u202f"


def text_of(data: bytes) -> tuple[str, int]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    raw = "\n".join(p.extract_text() for p in reader.pages)
    return re.sub(r"[ \t\r\n\u00a0]+", " ", raw), len(reader.pages)


def test_slip_from_cheque_payments(billing_db, world):
    from backoffice.models import Payment, PaymentMode

    amounts = ["45.00", "1200.50", "0.05"]
    with billing_db.session() as s:
        payments = [
            Payment(
                family_id=world.family_id,
                regie_id=world.regie["ALSH"],
                mode=PaymentMode.CHEQUE,
                amount=Decimal(a),
                received_on=date(2026, 6, 20 + i),
                reference=f"000{i}123",
                payer_name=f"Élodie MARTIN {i}",
            )  # fmt: skip
            for i, a in enumerate(amounts)
        ]
        cash = Payment(
            family_id=world.family_id, regie_id=world.regie["ALSH"], mode=PaymentMode.CASH,
            amount=Decimal("10.00"), received_on=date(2026, 6, 22),
        )  # fmt: skip
        s.add_all([*payments, cash])
        s.flush()
        ids = [p.id for p in payments]
        cash_id = cash.id
    with billing_db.session() as s:
        slip = deposit_slip_document(
            s, world.regie["ALSH"], ids, date(2026, 7, 3), reference="REM-ALSH-2026-007",
            depositor="Sophie GUÉRIN",
        )  # fmt: skip
        with pytest.raises(UserError, match="n'est pas un chèque"):
            deposit_slip_document(s, world.regie["ALSH"], [*ids, cash_id], date(2026, 7, 3))
        with pytest.raises(UserError, match="autre régie"):
            deposit_slip_document(s, world.regie["PERI"], ids, date(2026, 7, 3))
    assert slip.count == 3
    assert slip.total == Decimal("1245.55")
    text, pages = text_of(render_deposit_slip_bytes(slip))
    assert pages == 1
    for expected in (
        "BORDEREAU DE REMISE DE CHÈQUES",
        "Régie ALSH enfance",
        "Date de remise 03/07/2026",
        "N° de bordereau REM-ALSH-2026-007",
        "Nombre de chèques 3",
        f"Montant total 1{NN}245,55 €",
        "1 Élodie MARTIN 0 0000123 45,00 €",
        f"2 Élodie MARTIN 1 0001123 1{NN}200,50 €",
        "3 Élodie MARTIN 2 0002123 0,05 €",
        f"Total : 3 chèques 1{NN}245,55 €",
        "Le régisseur Sophie GUÉRIN Date : 03/07/2026 Signature :",
        "Page 1/1",
    ):
        assert expected in text, expected


def test_long_slip_paginates_and_totals_exactly():
    cheques = tuple(
        DepositCheque(f"Tireur {i}", "Crédit Agricole Anjou Maine", f"{i:07d}", Decimal("19.99"))
        for i in range(80)
    )
    slip = DepositSlip(ISSUER, "Régie ALSH enfance", date(2026, 7, 3), cheques)
    text, pages = text_of(render_deposit_slip_bytes(slip))
    assert pages >= 2
    assert f"Page 1/{pages}" in text
    assert f"Total : 80 chèques 1{NN}599,20 €" in text
    assert "Crédit Agricole Anjou Maine 0000079 19,99 €" in text


def test_recorded_slip_is_reprinted_by_its_number(billing_db, world):
    from backoffice.documents.deposit_slip_pdf import deposit_slip_document_for
    from backoffice.models import DepositSlip as SlipRow
    from backoffice.models import Payment, PaymentMode

    with billing_db.session() as s:
        slip = SlipRow(
            number="BR-ALSH-2026-00001", regie_id=world.regie["ALSH"], year=2026, seq=1,
            deposit_date=date(2026, 7, 3), total=Decimal("60.00"), cheque_count=2,
        )  # fmt: skip
        s.add(slip)
        s.flush()
        for i, amount in enumerate(("25.00", "35.00")):
            s.add(
                Payment(
                    family_id=world.family_id, regie_id=world.regie["ALSH"],
                    mode=PaymentMode.CHEQUE, amount=Decimal(amount), received_on=date(2026, 7, 1),
                    reference=f"99{i}", bank="CIC Ouest", payer_name="Karim BOUVIER",
                    deposit_slip_id=slip.id,
                )
            )  # fmt: skip
    with billing_db.session() as s:
        doc = deposit_slip_document_for(s, "BR-ALSH-2026-00001")
        with pytest.raises(UserError, match="introuvable"):
            deposit_slip_document_for(s, "BR-ALSH-2026-09999")
    assert doc.count == 2 and doc.total == Decimal("60.00")
    text, _ = text_of(render_deposit_slip_bytes(doc))
    assert "N° de bordereau BR-ALSH-2026-00001" in text
    assert "1 Karim BOUVIER CIC Ouest 990 25,00 €" in text
    assert "Total : 2 chèques 60,00 €" in text
