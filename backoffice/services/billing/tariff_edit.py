"""The tariff screen's actions: see a unit's prices on a day, plan a new set from a date.

A unit's tariff is a **set** of rows starting the same day (``valid_from``):
QF brackets × child rank (when the activity prices by rank). Pricing
(:mod:`.tariffs`) takes, for each case, the most recent row already valid;
so a new set from a date changes the price of the days from that date on,
and invoice lines keep the price they were computed with.

Rules of :func:`set_tariffs` (every error is reported at once, in French):

- each rank's brackets start at QF 0, follow each other without gap nor
  overlap, and the last one is open-ended (« QF à » empty); a set with ranks
  prices rank 1 (or « tous rangs ») so that every child has a price;
- prices ≥ 0,00 €, two decimals at most (« 12,50 »); ranks 1 to 9, only
  when the activity has ``rank_pricing``;
- ``valid_from`` falls after every closed billing period of the régie (the
  ORM guard refuses it anyway); a start **before today** (retroactive change)
  is reserved to the administrator and the régisseur — a director may plan
  changes, not rewrite the past; days already invoiced keep their price
  whatever the date (the report counts them);
- rows of the unit starting the same day are replaced when no invoice line
  uses them; a used row is kept when the new set has the same row, else the
  change is refused (choose a later date);
- tariffs are not part of the catalogue pushed to the portal
  (:mod:`backoffice.sync.catalogue_push`): nothing is enqueued.

Changes are recorded in the audit trail (entity ``tariff``, with the actor).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.dates import paris_today
from backoffice.models import AuditAction, AuditEvent, ClosedPeriod, InvoiceLine, Role, Tariff
from backoffice.services.billing.common import BillingError, atomic, euros, require_billing_role
from backoffice.services.billing.tariff_grid import (
    GridRow,
    TariffGrid,
    UnitChoice,
    list_units,
    tariff_grid,
    tariff_uses,
    unit_choice,
)
from backoffice.services.billing.tariff_input import TariffErrors, TariffInput, rank_name, read_rows
from backoffice.services.common.actors import Actor
from backoffice.services.common.permissions import Permission

__all__ = [
    "GridRow",
    "TariffChange",
    "TariffErrors",
    "TariffGrid",
    "TariffInput",
    "UnitChoice",
    "can_backdate",
    "delete_future_tariffs",
    "list_units",
    "set_tariffs",
    "tariff_grid",
]

# A start date before today rewrites the past: the régisseur's (and administrator's) call.
BACKDATING_ROLES = frozenset({Role.ADMIN, Role.ACCOUNTANT})


@dataclass
class TariffChange:
    unit: str
    valid_from: date
    created: int = 0
    replaced: int = 0  # unused rows of the same day removed
    kept: int = 0  # used rows of the same day identical to the new ones
    invoiced_after: int = 0  # invoice lines dated from valid_from, keeping their price
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"Nouveaux tarifs de « {self.unit} » enregistrés à partir du "
            f"{self.valid_from:%d/%m/%Y} ({self.created + self.kept} ligne(s)"
            + (f", {self.replaced} ligne(s) du même jour remplacée(s)" if self.replaced else "")
            + ")."
        )
        if self.invoiced_after:
            text += (
                f" {self.invoiced_after} prestation(s) déjà facturée(s) à partir de cette date "
                "gardent leur prix."
            )
        return text


# -- checking a new set ---------------------------------------------------------------


def _check_date(
    session: Session, actor: Actor | None, regie_id: int, valid_from: date, today: date
) -> list[str]:
    errors = []
    closed = session.execute(
        select(ClosedPeriod.start_date, ClosedPeriod.end_date)
        .where(ClosedPeriod.regie_id == regie_id, ClosedPeriod.end_date >= valid_from)
        .order_by(ClosedPeriod.end_date.desc())
    ).first()
    if closed is not None:
        start, end = closed
        errors.append(
            f"La période du {start:%d/%m/%Y} au {end:%d/%m/%Y} est clôturée : les nouveaux "
            f"tarifs doivent commencer après le {end:%d/%m/%Y}."
        )
    if valid_from < today and not can_backdate(actor):
        errors.append(
            f"Date de début dans le passé ({valid_from:%d/%m/%Y}) : seuls le régisseur et "
            f"l'administrateur peuvent changer un tarif avec effet rétroactif ; choisissez "
            f"une date à partir du {today:%d/%m/%Y}."
        )
    return errors


# -- writing --------------------------------------------------------------------------


def _audit(session: Session, actor: Actor | None, action: AuditAction, tariff: Tariff, unit: str):
    text = (
        f"{unit}, {tariff.bracket_label}"
        + (f", rang {tariff.child_rank}" if tariff.child_rank else "")
        + f" : {euros(tariff.price)} à partir du {tariff.valid_from:%d/%m/%Y}"
    )
    session.add(
        AuditEvent(
            staff_user_id=actor.staff_id if actor else None,
            actor=actor.login if actor else "système",
            action=action,
            entity="tariff",
            entity_id=tariff.id,
            field="",
            old_value=text if action is AuditAction.DELETE else None,
            new_value=text if action is AuditAction.CREATE else None,
        )
    )


@atomic
def set_tariffs(
    session: Session,
    actor: Actor | None,
    unit_id: int,
    valid_from: date,
    rows: list[TariffInput],
    *,
    today: date | None = None,
) -> TariffChange:
    """A new set of rows for the unit from ``valid_from`` (see the module's rules)."""
    require_billing_role(actor, "modifier les tarifs", session, None, Permission.TARIFFS)
    today = today or paris_today()
    unit, regie_id = unit_choice(session, unit_id)
    errors = _check_date(session, actor, regie_id, valid_from, today)
    parsed = read_rows(rows, unit.rank_pricing, errors)
    same_day = list(
        session.scalars(
            select(Tariff).where(Tariff.unit_id == unit_id, Tariff.valid_from == valid_from)
        )
    )
    uses = tariff_uses(session, [t.id for t in same_day])
    wanted = {row.key for row in parsed}
    for old in same_day:
        key = (old.qf_min, old.qf_max, old.child_rank, old.price)
        if uses.get(old.id) and key not in wanted:
            errors.append(
                f"Le tarif du {valid_from:%d/%m/%Y} ({old.bracket_label}, "
                f"{rank_name(old.child_rank)}, {euros(old.price)}) est utilisé par "
                f"{uses[old.id]} ligne(s) de facture : il ne peut plus changer ; choisissez "
                "une date de début postérieure."
            )
    if errors:
        raise TariffErrors(errors)

    change = TariffChange(unit.label, valid_from)
    kept = set()
    for old in same_day:
        key = (old.qf_min, old.qf_max, old.child_rank, old.price)
        if key in wanted and key not in kept:
            kept.add(key)
            change.kept += 1
            continue
        _audit(session, actor, AuditAction.DELETE, old, unit.label)
        session.delete(old)
        change.replaced += 1
    session.flush()
    for row in parsed:
        if row.key in kept:
            continue
        tariff = Tariff(
            unit_id=unit_id,
            valid_from=valid_from,
            qf_min=row.qf_min,
            qf_max=row.qf_max,
            child_rank=row.child_rank,
            price=row.price,
        )
        session.add(tariff)
        session.flush()
        _audit(session, actor, AuditAction.CREATE, tariff, unit.label)
        change.created += 1
    change.invoiced_after = (
        session.scalar(
            select(func.count(InvoiceLine.id)).where(
                InvoiceLine.unit_id == unit_id, InvoiceLine.day >= valid_from
            )
        )
        or 0
    )
    session.flush()
    return change


@atomic
def delete_future_tariffs(
    session: Session,
    actor: Actor | None,
    unit_id: int,
    valid_from: date,
    *,
    today: date | None = None,
) -> int:
    """Drop a planned change (rows starting ``valid_from``, after today, unused)."""
    require_billing_role(actor, "modifier les tarifs", session, None, Permission.TARIFFS)
    today = today or paris_today()
    unit, _regie_id = unit_choice(session, unit_id)
    if valid_from <= today:
        raise BillingError(
            f"Les tarifs du {valid_from:%d/%m/%Y} sont déjà en vigueur : ils ne se suppriment "
            "pas ; saisissez de nouveaux tarifs à partir d'une date future."
        )
    tariffs = list(
        session.scalars(
            select(Tariff).where(Tariff.unit_id == unit_id, Tariff.valid_from == valid_from)
        )
    )
    if not tariffs:
        raise BillingError(f"Aucun tarif de « {unit.label} » ne commence le {valid_from:%d/%m/%Y}.")
    used = sum(tariff_uses(session, [t.id for t in tariffs]).values())
    if used:
        raise BillingError(
            f"Les tarifs du {valid_from:%d/%m/%Y} sont utilisés par {used} ligne(s) de facture "
            "(facturation d'avance) : ils ne peuvent plus être supprimés."
        )
    for tariff in tariffs:
        _audit(session, actor, AuditAction.DELETE, tariff, unit.label)
        session.delete(tariff)
    session.flush()
    return len(tariffs)


def can_backdate(actor: Actor | None) -> bool:
    """Whether ``actor`` may start a tariff before today (the screen says so beforehand)."""
    return actor is None or actor.role in BACKDATING_ROLES
