"""Closing a billing period: afterwards nothing dated inside it can change.

Once closed (:func:`close_period`), for the régie and the dates of the period:
no invoice run is issued, no booking or attendance changes, no tariff that
would apply there is added or changed (:mod:`.guards` enforces it on every
flush). Corrections go through credit notes, which stay possible. Closing is
final: there is no reopening.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.models import ClosedPeriod, Regie
from backoffice.services.billing.common import (
    BillingError,
    atomic,
    get_regie,
    regie_id_of,
    require_billing_role,
)
from backoffice.services.billing.guards import PeriodClosed
from backoffice.services.billing.lines import compute_draft
from backoffice.services.common.actors import Actor


def overlapping_closed(
    session: Session, regie_id: int, start: date, end: date
) -> list[ClosedPeriod]:
    return list(
        session.scalars(
            select(ClosedPeriod)
            .where(
                ClosedPeriod.regie_id == regie_id,
                ClosedPeriod.start_date <= end,
                ClosedPeriod.end_date >= start,
            )
            .order_by(ClosedPeriod.start_date)
        )
    )


def ensure_open(session: Session, regie: Regie, start: date, end: date) -> None:
    for period in overlapping_closed(session, regie.id, start, end):
        raise PeriodClosed(
            f"La période du {period.start_date:%d/%m/%Y} au {period.end_date:%d/%m/%Y} de la "
            f"régie {regie.code} est clôturée : rien ne peut plus y être facturé ni modifié "
            "(un avoir reste possible)."
        )


@dataclass
class ClosingReport:
    regie: str
    start: date
    end: date
    closed_id: int
    unbilled_lines: int

    def summary(self) -> str:
        return (
            f"Période du {self.start:%d/%m/%Y} au {self.end:%d/%m/%Y} de la régie "
            f"{self.regie} clôturée."
            + (
                f" {self.unbilled_lines} prestation(s) restaient à facturer et ne le seront plus."
                if self.unbilled_lines
                else ""
            )
        )


@atomic
def close_period(
    session: Session,
    regie_code: str,
    start: date,
    end: date,
    *,
    actor: Actor | None = None,
    force: bool = False,
) -> ClosingReport:
    """Close [start, end] for a régie. Refused while billable days remain unbilled,
    unless ``force`` (they will then never be billed)."""
    require_billing_role(actor, "clôturer une période", session, regie_id_of(session, regie_code))
    if end < start:
        raise BillingError("Période invalide : la fin précède le début.")
    regie = get_regie(session, regie_code)
    draft = compute_draft(session, regie, start, end)
    if draft.line_count and not force:
        raise BillingError(
            f"{draft.line_count} prestation(s) de {len(draft.bills)} famille(s) ne sont pas "
            "encore facturées sur cette période : émettez le lot avant de clôturer "
            "(ou forcez la clôture : elles ne seront jamais facturées)."
        )
    closed = ClosedPeriod(
        regie_id=regie.id,
        start_date=start,
        end_date=end,
        closed_by_id=actor.staff_id if actor else None,
    )
    session.add(closed)
    session.flush()
    return ClosingReport(regie.code, start, end, closed.id, draft.line_count)


def is_closed(session: Session, regie_id: int, day: date) -> bool:
    return bool(overlapping_closed(session, regie_id, day, day))
