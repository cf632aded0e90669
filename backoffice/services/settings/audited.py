"""Saving settings: administrators only, each changed key written to the audit trail.

Secrets (SMTP password, portal token) never come here: they go to the OS keyring.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from backoffice.models import AuditAction, AuditEvent, Role
from backoffice.services.common.actors import Actor, PermissionDenied
from backoffice.services.common.settings_store import get_settings, put_setting

SETTING_ENTITY = "setting"  # audit_event.entity of a settings change (entity_id 0)


def require_admin(actor: Actor, what: str) -> None:
    if actor.role != Role.ADMIN:
        raise PermissionDenied(f"Seul un administrateur peut modifier {what}.")


def save_settings(session: Session, actor: Actor, values: dict[str, str]) -> list[str]:
    """Store ``values`` (key → text); the keys whose value changed, each one audited."""
    before = get_settings(session, list(values))
    changed = []
    for key, value in values.items():
        old = before.get(key, "")
        if old == value:
            continue
        put_setting(session, key, value)
        session.add(
            AuditEvent(
                staff_user_id=actor.staff_id,
                actor=actor.login,
                action=AuditAction.UPDATE if key in before else AuditAction.CREATE,
                entity=SETTING_ENTITY,
                entity_id=0,
                field=key,
                old_value=old if key in before else None,
                new_value=value,
            )
        )
        changed.append(key)
    return changed
