"""The agent's side of sync problems: conflicts to choose, quarantined changes.

Resolving a conflict writes the chosen value (the audit trail records the
agent who chose) and queues the family's account for the portal, so both
sides end up holding the same value whichever was kept. A decision the portal
refused because the family withdrew the day meanwhile (``extra["kind"] ==
"decision"``, :mod:`.push_decisions`) is already undone on both sides: the agent
keeps the portal's value, which only closes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.errors import UserError
from backoffice.models import Family, QuarantinedChange, SyncConflict, utcnow
from backoffice.services.common import outbox
from backoffice.services.common.actors import Actor, bind
from backoffice.services.common.audit import AUDITED
from backoffice.services.families.accounts import account_payload
from backoffice.sync.apply import column_value

ENTITY_CLASSES = {name: cls for cls, (name, _child) in AUDITED.items()}
KEEP_CHOICES = ("agent", "portal")
# What ``account.upsert`` carries to the portal (the medical record is not pushed yet).
PUSHED_ENTITIES = frozenset({"family", "guardian", "child"})


@dataclass(frozen=True)
class ConflictRow:
    id: int
    family_id: int | None
    family_code: str
    entity: str
    field: str
    agent_value: str | None
    portal_value: str | None
    detected_at: datetime


def open_conflicts(session: Session, family_id: int | None = None) -> list[ConflictRow]:
    stmt = select(SyncConflict).where(SyncConflict.resolved_at.is_(None))
    if family_id is not None:
        stmt = stmt.where(SyncConflict.family_id == family_id)
    return [
        ConflictRow(
            c.id,
            c.family_id,
            (c.extra or {}).get("family_code", ""),
            c.entity,
            c.field,
            c.agent_value,
            c.portal_value,
            c.detected_at,
        )
        for c in session.scalars(stmt.order_by(SyncConflict.id))
    ]


def resolve_conflict(session: Session, actor: Actor, conflict_id: int, keep: str) -> SyncConflict:
    """Keep the agent's value or the parent's (``keep="agent"|"portal"``)."""
    if keep not in KEEP_CHOICES:
        raise UserError("Choix invalide : gardez la valeur de l'agent ou celle du portail.")
    conflict = session.get(SyncConflict, conflict_id)
    if conflict is None:
        raise UserError(f"Aucun conflit n'a le numéro {conflict_id}.")
    if conflict.resolved_at is not None:
        raise UserError("Ce conflit a déjà été résolu (par un autre agent ?) : rechargez la liste.")
    bind(session, actor)
    if (conflict.extra or {}).get("kind") == "decision":
        # A decision the portal refused (the family withdrew the day meanwhile): already
        # undone on both sides; the agent can only take note of it.
        if keep == "agent":
            raise UserError(
                "Cette décision ne peut pas être maintenue : la famille a changé ou retiré sa "
                "demande sur le portail. Gardez la valeur du portail, puis décidez à nouveau "
                "depuis les demandes si besoin."
            )
    elif keep == "portal":
        cls = ENTITY_CLASSES.get(conflict.entity)
        row = session.get(cls, conflict.entity_id) if cls else None
        if row is None:
            raise UserError("La fiche concernée n'existe plus : ce conflit ne peut être que clos.")
        value = column_value(row, conflict.field, (conflict.extra or {}).get("portal_json"))
        setattr(row, conflict.field, value)
    conflict.resolved_at = utcnow()
    conflict.resolved_by_id = actor.staff_id
    conflict.resolution = keep
    family = session.get(Family, conflict.family_id) if conflict.family_id else None
    if family is not None and conflict.entity in PUSHED_ENTITIES:
        session.flush()
        # Whichever value was kept, the portal must hold it too.
        outbox.enqueue(session, "account.upsert", account_payload(family), family.id)
    return conflict


def open_counts(session: Session) -> tuple[int, int]:
    """(open conflicts, quarantined changes not yet dismissed): the status bar's figures."""
    conflicts = session.scalar(
        select(func.count(SyncConflict.id)).where(SyncConflict.resolved_at.is_(None))
    )
    waiting = session.scalar(
        select(func.count(QuarantinedChange.id)).where(QuarantinedChange.resolved_at.is_(None))
    )
    return conflicts or 0, waiting or 0


def quarantined(session: Session, include_resolved: bool = False) -> list[QuarantinedChange]:
    stmt = select(QuarantinedChange).order_by(QuarantinedChange.feed_position)
    if not include_resolved:
        stmt = stmt.where(QuarantinedChange.resolved_at.is_(None))
    return list(session.scalars(stmt))


def dismiss_quarantined(session: Session, actor: Actor, quarantine_id: int) -> None:
    """The agent has dealt with a quarantined change (by hand): it leaves the list."""
    row = session.get(QuarantinedChange, quarantine_id)
    if row is None:
        raise UserError(f"Aucun changement en quarantaine n'a le numéro {quarantine_id}.")
    bind(session, actor)
    row.resolved_at = utcnow()
