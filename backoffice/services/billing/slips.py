"""Cheque deposit slips (bordereaux de remise): the data; the PDF is :mod:`backoffice.documents`.

:func:`cheques_to_deposit` lists a régie's cheques not yet deposited (what the
slip would hold); :func:`create_deposit_slip` gives them a gap-free slip number
(``BR-ALSH-2026-00001``) and marks them deposited; :func:`deposit_slip_data`
reads an existing slip back (to reprint it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.dates import paris_today
from backoffice.models import (
    DepositSlip,
    DocumentKind,
    Family,
    Payment,
    PaymentMode,
    PaymentState,
    Regie,
)
from backoffice.services.billing.common import (
    ZERO,
    BillingError,
    atomic,
    document_number,
    get_regie,
    regie_id_of,
)
from backoffice.services.billing.numbering import take_numbers
from backoffice.services.common.actors import Actor
from backoffice.services.common.permissions import Permission, require


@dataclass(frozen=True)
class SlipCheque:
    payment_id: int
    received_on: date
    family: str
    payer_name: str
    bank: str
    number: str
    amount: Decimal

    def as_dict(self) -> dict:
        return {
            "payment_id": self.payment_id,
            "received_on": self.received_on.isoformat(),
            "family": self.family,
            "payer_name": self.payer_name,
            "bank": self.bank,
            "number": self.number,
            "amount": format(self.amount, "f"),
        }


@dataclass
class SlipData:
    regie: str
    regie_name: str
    number: str  # empty until the slip is created
    deposit_date: date | None
    cheques: list[SlipCheque]

    @property
    def total(self) -> Decimal:
        return sum((c.amount for c in self.cheques), ZERO)

    @property
    def count(self) -> int:
        return len(self.cheques)

    def as_dict(self) -> dict:
        return {
            "regie": self.regie,
            "regie_name": self.regie_name,
            "number": self.number,
            "deposit_date": self.deposit_date.isoformat() if self.deposit_date else None,
            "count": self.count,
            "total": format(self.total, "f"),
            "cheques": [c.as_dict() for c in self.cheques],
        }


def _cheques(session: Session, condition) -> list[SlipCheque]:
    return [
        SlipCheque(p.id, p.received_on, code, p.payer_name, p.bank, p.reference, p.amount)
        for p, code in session.execute(
            select(Payment, Family.code)
            .join(Family, Family.id == Payment.family_id)
            .where(condition)
            .order_by(Payment.received_on, Payment.id)
        )
    ]


def cheques_to_deposit(session: Session, regie_code: str) -> SlipData:
    regie = get_regie(session, regie_code)
    cheques = _cheques(
        session,
        (Payment.regie_id == regie.id)
        & (Payment.mode == PaymentMode.CHEQUE)
        & (Payment.state == PaymentState.VALIDATED)
        & Payment.deposit_slip_id.is_(None),
    )
    return SlipData(regie.code, regie.name, "", None, cheques)


@atomic
def create_deposit_slip(
    session: Session,
    regie_code: str,
    *,
    deposit_date: date | None = None,
    actor: Actor | None = None,
    payment_ids: Iterable[int] | None = None,
) -> SlipData:
    """Number a slip with the cheques of the régie not yet deposited: all of them, or
    those of ``payment_ids`` (the ones the agent takes to the bank today)."""
    require(
        session, actor, Permission.PAYMENTS, "établir un bordereau de remise",
        regie_id_of(session, regie_code),
    )  # fmt: skip
    data = cheques_to_deposit(session, regie_code)
    if payment_ids is not None:
        wanted = set(payment_ids)
        known = {c.payment_id for c in data.cheques}
        if wanted - known:
            raise BillingError(
                "Un des chèques choisis n'est plus à remettre (déjà sur un bordereau, ou "
                "d'une autre régie) : actualisez la liste."
            )
        data.cheques = [c for c in data.cheques if c.payment_id in wanted]
    if not data.cheques:
        raise BillingError(f"Aucun chèque à remettre en banque pour la régie {data.regie}.")
    regie = get_regie(session, regie_code)
    deposit_date = deposit_date or paris_today()
    seq = take_numbers(session, regie.id, DocumentKind.DEPOSIT_SLIP, deposit_date.year, 1)
    slip = DepositSlip(
        number=document_number(f"BR-{regie.code}", deposit_date.year, seq),
        regie_id=regie.id,
        year=deposit_date.year,
        seq=seq,
        deposit_date=deposit_date,
        total=data.total,
        cheque_count=data.count,
        created_by_id=actor.staff_id if actor else None,
    )
    session.add(slip)
    session.flush()
    for payment in session.scalars(
        select(Payment).where(Payment.id.in_([c.payment_id for c in data.cheques]))
    ):
        payment.deposit_slip_id = slip.id
    session.flush()
    data.number = slip.number
    data.deposit_date = deposit_date
    return data


def deposit_slip_data(session: Session, number: str) -> SlipData:
    slip = session.scalar(select(DepositSlip).where(DepositSlip.number == number.strip().upper()))
    if slip is None:
        raise BillingError(f"Bordereau de remise inconnu : « {number} ».")
    regie = session.get(Regie, slip.regie_id)
    assert regie is not None  # a slip's régie: a non-null foreign key
    cheques = _cheques(session, Payment.deposit_slip_id == slip.id)
    return SlipData(regie.code, regie.name, slip.number, slip.deposit_date, cheques)
