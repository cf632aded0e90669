"""The audit trail: every change to a family or a child, field by field, old → new.

Installed once on the ORM (``install()``, done by :func:`backoffice.services.database.open_database`):
after each flush, the changes of audited objects are written as ``audit_event``
rows in the same transaction, with the actor bound to the session
(:func:`.actors.bind`). Services need not remember to log anything.
Core bulk inserts (demo, CSV import) bypass it and record their own events.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import PASSIVE_NO_INITIALIZE, get_history

from backoffice.models import (
    AuditAction,
    AuditEvent,
    Child,
    ChildContact,
    ConsentAnswer,
    DiseaseHistory,
    Family,
    FamilyQuotient,
    Guardian,
    MedicalRecord,
    Person,
    Vaccination,
    utcnow,
)
from backoffice.services.common.actors import Actor, session_actor
from backoffice.services.common.bulk_rows import insert_rows

# entity name → (class, whether it belongs to a child rather than a family)
AUDITED: dict[type, tuple[str, bool]] = {
    Family: ("family", False),
    Guardian: ("guardian", False),
    FamilyQuotient: ("family_quotient", False),
    Person: ("person", False),
    Child: ("child", True),
    MedicalRecord: ("medical_record", True),
    Vaccination: ("vaccination", True),
    DiseaseHistory: ("disease_history", True),
    ChildContact: ("child_contact", True),
    ConsentAnswer: ("consent_answer", True),
}
# Health data: its history is shown only to roles that may see the medical record.
MEDICAL_ENTITIES = frozenset({"medical_record", "vaccination", "disease_history"})
NOT_AUDITED_FIELDS = frozenset({"id", "version", "created_at", "updated_at", "search_text"})


def as_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _owner_ids(
    session: Session, obj, child_level: bool, cache: dict[int, int | None]
) -> tuple[int | None, int | None]:
    """(family_id, child_id) of an audited object."""
    if isinstance(obj, Family):
        return obj.id, None
    if not child_level:
        return obj.family_id, None
    child_id = obj.id if isinstance(obj, Child) else obj.child_id
    if isinstance(obj, Child):
        return obj.family_id, child_id
    if child_id not in cache:
        cache[child_id] = session.connection().scalar(
            select(Child.family_id).where(Child.id == child_id)
        )
    return cache[child_id], child_id


def _label(obj) -> str:
    for attr in ("full_name", "code", "vaccine", "disease"):
        value = getattr(obj, attr, None)
        if value:
            return str(value)
    return ""


_COLUMNS: dict = {}  # mapper → {column attribute: rank}


def _audited_columns(mapper) -> dict[str, int]:
    """The audited column attributes of a mapped class → their rank (computed once)."""
    columns = _COLUMNS.get(mapper)
    if columns is None:
        keys = [a.key for a in mapper.column_attrs if a.key not in NOT_AUDITED_FIELDS]
        columns = _COLUMNS[mapper] = {key: rank for rank, key in enumerate(keys)}
    return columns


def _events(session: Session, actor: Actor, dirty=None, *, only_dirty: bool = False) -> list[dict]:
    """The audit rows of the session's pending changes (``dirty``: these edited objects
    instead of the session's; ``only_dirty``: no creations or deletions)."""
    now = utcnow()
    rows: list[dict] = []
    cache: dict[int, int | None] = {}  # child id → family id (None: the child is gone)

    def add(obj, action: AuditAction, field: str = "", old=None, new=None) -> None:
        entity, child_level = AUDITED[type(obj)]
        family_id, child_id = _owner_ids(session, obj, child_level, cache)
        rows.append(
            {
                "at": now,
                "staff_user_id": actor.staff_id,
                "actor": actor.login,
                "action": action,
                "entity": entity,
                "entity_id": obj.id,
                "family_id": family_id,
                "child_id": child_id,
                "field": field,
                "old_value": old,
                "new_value": new,
            }
        )

    for obj in () if only_dirty else session.new:
        if type(obj) in AUDITED:
            add(obj, AuditAction.CREATE, new=_label(obj))
    for obj in session.dirty if dirty is None else dirty:
        if type(obj) not in AUDITED:
            continue
        state = inspect(obj)
        # Only the attributes changed since the load (the state's committed values):
        # an object with none is skipped without looking at its columns.
        changed = state.committed_state
        if not changed:
            continue
        columns = _audited_columns(state.mapper)
        for key in sorted((k for k in changed if k in columns), key=columns.__getitem__):
            # Public API without building ``state.attrs`` (every attribute) per object.
            history = get_history(obj, key, PASSIVE_NO_INITIALIZE)
            if not history.has_changes():
                continue
            old = as_text(history.deleted[0]) if history.deleted else None
            new = as_text(history.added[0]) if history.added else None
            if old != new:
                add(obj, AuditAction.UPDATE, key, old, new)
    for obj in () if only_dirty else session.deleted:
        if type(obj) in AUDITED:
            add(obj, AuditAction.DELETE, old=_label(obj))
    return rows


def edit_events(session: Session, objects) -> list[dict]:
    """The audit rows the next flush would write for these edited objects (the
    session's actor), for a caller writing their UPDATEs itself (``batch_update``)."""
    return _events(session, session_actor(session), objects, only_dirty=True)


def _after_flush(session: Session, _context) -> None:
    rows = _events(session, session_actor(session))
    if rows:
        insert_rows(session.connection(), AuditEvent, rows)


_installed = False


def install() -> None:
    """Listen to every ORM session (idempotent)."""
    global _installed
    if not _installed:
        event.listen(Session, "after_flush", _after_flush)
        _installed = True


PRINTED_LIST = "printed_list"  # field of a VIEW_MEDICAL event: alerts printed on a list


def record_medical_access(
    session: Session, actor: Actor, child: Child, *, printed: bool = False
) -> None:
    """Opening a child's medical record is recorded (health data); so is printing its
    health alerts on a list (``printed``)."""
    session.add(
        AuditEvent(
            staff_user_id=actor.staff_id,
            actor=actor.login,
            action=AuditAction.VIEW_MEDICAL,
            entity="medical_record",
            entity_id=child.id,
            family_id=child.family_id,
            child_id=child.id,
            field=PRINTED_LIST if printed else "",
        )
    )
