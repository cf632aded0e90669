"""What the family card says of a SEPA direct debit the bank rejected (light: the card
imports it at start-up, without the SEPA files' code)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.models import SepaDebit

REJECT_REASONS = {
    "AC01": "IBAN erroné",
    "AC04": "compte clôturé",
    "AC06": "compte bloqué",
    "AG01": "prélèvement interdit sur ce compte",
    "AM04": "provision insuffisante",
    "MD01": "pas de mandat",
    "MD02": "mandat incomplet",
    "MD06": "contestation du débiteur",
    "MS02": "refus du débiteur",
    "MS03": "motif non communiqué",
    "SL01": "service spécifique de la banque",
}


def family_flag(session: Session, family_id: int) -> str | None:
    """« Prélèvement rejeté le … (AM04 : provision insuffisante) » for the last reject, if any."""
    debit = session.scalars(
        select(SepaDebit)
        .where(SepaDebit.family_id == family_id, SepaDebit.rejected_on.is_not(None))
        .order_by(SepaDebit.rejected_on.desc(), SepaDebit.id.desc())
    ).first()
    if debit is None or debit.rejected_on is None:
        return None
    why = REJECT_REASONS.get(debit.reject_reason)
    reason = f"{debit.reject_reason} : {why}" if why else debit.reject_reason
    return f"Prélèvement rejeté le {debit.rejected_on:%d/%m/%Y} ({reason})"
