"""What every catalogue screen service shares: the role, the version, the audit, the portal."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from backoffice.errors import UserError
from backoffice.models import AuditAction, AuditEvent, OutboxItem, OutboxState, Role
from backoffice.services.common.actors import Actor, PermissionDenied, bind
from backoffice.services.common.audit import as_text
from backoffice.services.common.outbox import enqueue

CATALOGUE_ROLES = frozenset({Role.ADMIN, Role.DIRECTOR})
CATALOGUE_TOPIC = "catalogue.publish"  # same topics as the TOML import (sync.catalogue_push)
WINDOWS_TOPIC = "payment_windows.publish"


class CatalogueRefused(UserError):
    """The change is refused; ``reasons`` lists every reason, in French."""

    def __init__(self, reasons: list[str]):
        self.reasons = list(reasons)
        super().__init__("\n".join(self.reasons))


def require_catalogue_role(session: Session, actor: Actor, what: str) -> None:
    if actor.role not in CATALOGUE_ROLES:
        raise PermissionDenied(
            f"Seuls la direction et l'administrateur peuvent {what} "
            "(Paramètres › catalogue de l'année)."
        )
    bind(session, actor)


def check_version(obj: Any, expected_version: int | None, what: str) -> None:
    """Refuse a save made on a stale screen (another agent saved in between)."""
    if expected_version is not None and obj.version != expected_version:
        raise CatalogueRefused(
            [
                f"{what} a été modifié(e) par quelqu'un d'autre entre-temps : "
                "rechargez la page puis refaites votre modification."
            ]
        )


def refuse_if(reasons: list[str]) -> None:
    if reasons:
        raise CatalogueRefused(reasons)


def audit(
    session: Session, actor: Actor, action: AuditAction, entity: str, obj: Any, label: str = ""
) -> None:
    """One audit event per changed field (update), or one for a creation / deletion.

    Called before the flush that writes ``obj`` (its history is still there)."""
    if action is AuditAction.UPDATE:
        state = inspect(obj)
        for attr in state.mapper.column_attrs:
            if attr.key in ("id", "version"):
                continue
            history = state.attrs[attr.key].history
            if not history.has_changes():
                continue
            old = as_text(history.deleted[0]) if history.deleted else None
            new = as_text(history.added[0]) if history.added else None
            if old != new:
                _event(session, actor, action, entity, obj.id, attr.key, old, new)
        return
    session.flush()  # a new row needs its id
    old, new = (label, None) if action is AuditAction.DELETE else (None, label)
    _event(session, actor, action, entity, obj.id, "", old, new)


def _event(session, actor, action, entity, entity_id, field, old, new) -> None:
    session.add(
        AuditEvent(
            staff_user_id=actor.staff_id,
            actor=actor.login,
            action=action,
            entity=entity,
            entity_id=entity_id,
            field=field,
            old_value=old,
            new_value=new,
        )
    )


def queue_for_portal(session: Session, source: str, *, windows: bool = False) -> OutboxItem:
    """What parents see changed: the sync pushes the catalogue (or the payment windows),
    exactly as after a TOML import (:func:`backoffice.services.catalogue.apply`)."""
    return enqueue(session, WINDOWS_TOPIC if windows else CATALOGUE_TOPIC, {"source": source})


def pending_for_portal(session: Session) -> int:
    """Catalogue items waiting to leave (the page says so)."""
    return (
        session.scalar(
            select(func.count(OutboxItem.id)).where(
                OutboxItem.topic.in_((CATALOGUE_TOPIC, WINDOWS_TOPIC)),
                OutboxItem.state == OutboxState.PENDING,
            )
        )
        or 0
    )
