"""The receipt (reçu) of a desk payment, printed from the payment in « Règlements »."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.documents.invoice_data import issuer_from_settings
from backoffice.documents.receipt_pdf import ReceiptData, render_receipt_bytes
from backoffice.errors import UserError
from backoffice.models import (
    PAYMENT_MODE_LABELS,
    Family,
    Invoice,
    Payment,
    PaymentAllocation,
    PaymentState,
    Regie,
)
from backoffice.services.billing.common import ZERO, BillingError, require_billing_role
from backoffice.services.billing.lines import billing_identity
from backoffice.services.billing.payments import DESK_MODES
from backoffice.services.common.actors import Actor
from backoffice.services.common.files import FileWriteError, ensure_folder, write_atomically


def receipt_number(regie_code: str, payment_id: int) -> str:
    return f"R-{regie_code}-{payment_id:06d}"


def receipt_data(session: Session, actor: Actor, payment_id: int, today: date) -> ReceiptData:
    """The receipt of a validated desk payment (refused for online and Trésor public)."""
    require_billing_role(actor, "imprimer un reçu")
    payment = session.get(Payment, payment_id)
    if payment is None:
        raise BillingError(f"Aucun règlement n'a le numéro {payment_id}.")
    if payment.mode not in DESK_MODES:
        raise BillingError(
            f"Le règlement n° {payment_id} ({PAYMENT_MODE_LABELS[payment.mode]}) n'a pas été "
            "reçu au guichet : pas de reçu à imprimer."
        )
    if payment.state is not PaymentState.VALIDATED:
        raise BillingError(f"Le règlement n° {payment_id} n'est pas validé : pas de reçu.")
    regie = session.get(Regie, payment.regie_id)
    family = session.get(Family, payment.family_id)
    assert regie is not None and family is not None
    name, address, _email = billing_identity(family, list(family.guardians))
    allocations = tuple(
        (number, amount)
        for number, amount in session.execute(
            select(Invoice.number, PaymentAllocation.amount)
            .join(Invoice, Invoice.id == PaymentAllocation.invoice_id)
            .where(PaymentAllocation.payment_id == payment.id)
            .order_by(Invoice.number)
        )
    )
    credit = payment.amount - sum((a for _n, a in allocations), ZERO)
    reference = " — ".join(p for p in (payment.reference and f"n° {payment.reference}",
                                       payment.bank) if p)  # fmt: skip
    return ReceiptData(
        issuer=issuer_from_settings(session),
        number=receipt_number(regie.code, payment.id),
        regie_name=regie.name,
        family_code=family.code,
        recipient_name=name,
        recipient_address_lines=tuple(line for line in address.splitlines() if line),
        payer_name=payment.payer_name,
        received_on=payment.received_on,
        mode_label=PAYMENT_MODE_LABELS[payment.mode],
        reference=reference,
        amount=payment.amount,
        allocations=allocations,
        credit=max(credit, Decimal("0.00")),
        day=today,
        signature=f"Le régisseur, {actor.label}",
    )


def write_receipt(session: Session, actor: Actor, payment_id: int, out: Path, today: date) -> Path:
    data = receipt_data(session, actor, payment_id, today)
    try:
        ensure_folder(Path(out).parent)
        write_atomically(Path(out), render_receipt_bytes(data))
    except FileWriteError as exc:
        raise UserError(f"Impossible d'écrire le reçu {out} ({exc.reason}).") from exc
    return Path(out)
