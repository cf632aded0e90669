"""Who changed a row last, and when — for the message of a refused stale save
(« … a été modifiée par un autre agent (Julien Renard, le 06/12/2026 à 14:32) … »).

Read from the audit trail on a connection of its own: the agent's transaction may be
failing (a flush refused as stale) and, on SQLite, may see an older snapshot.
"""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from backoffice.dates import PARIS
from backoffice.models import AuditEvent, StaffUser


def last_change(session: Session, entity: str, entity_id: int) -> str:
    """« Julien Renard, le 06/12/2026 à 14:32 », or "" when the trail says nothing."""
    table, staff = AuditEvent.__table__, StaffUser.__table__
    stmt = (
        select(table.c.at, table.c.actor, staff.c.full_name)
        .select_from(table.outerjoin(staff, staff.c.id == table.c.staff_user_id))
        .where(table.c.entity == entity, table.c.entity_id == entity_id)
        .order_by(table.c.id.desc())
        .limit(1)
    )
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    with engine.connect() as conn:
        row = conn.execute(stmt).first()
    if row is None:
        return ""
    at = row.at.astimezone(PARIS)
    return f"{row.full_name or row.actor}, le {at:%d/%m/%Y} à {at:%H:%M}"


def by_whom(session: Session, entity: str, entity_id: int) -> str:
    """« par un autre agent (Julien Renard, le 06/12/2026 à 14:32) » — or without the
    brackets when the trail says nothing."""
    who = last_change(session, entity, entity_id)
    return f"par un autre agent ({who})" if who else "par un autre agent"
