"""The audit viewer's queries: every change and every refused attempt (``audit_event``),
filtered by person, family, dates and action, a page at a time, and the CSV export.

The table grows to millions of rows: pages are read by keyset (``id < last seen``,
newest first, on the primary key) with ``LIMIT``, never by counting or ``OFFSET``.
Actions are read as text, so actions this version does not know (written by a newer
one) are shown as stored instead of failing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from backoffice.dates import PARIS
from backoffice.models import AuditAction, AuditEvent, Role, StaffUser
from backoffice.services.common.actors import Actor, PermissionDenied
from backoffice.services.common.permissions import Permission, record_refusal
from backoffice.services.families.history import ENTITY_LABELS as HISTORY_ENTITIES
from backoffice.services.families.history import FIELD_LABELS

VIEWER_ROLES = frozenset({Role.ADMIN, Role.DIRECTOR})
PAGE_SIZE = 200

ACTION_LABELS: dict[str, str] = {
    AuditAction.CREATE.value: "Création",
    AuditAction.UPDATE.value: "Modification",
    AuditAction.DELETE.value: "Suppression",
    AuditAction.VIEW_MEDICAL.value: "Fiche sanitaire ouverte",
    AuditAction.DECIDE.value: "Décision sur une demande",
    "refused": "Tentative refusée",
}
ENTITY_LABELS: dict[str, str] = {
    **HISTORY_ENTITIES,
    "family_quotient": "Quotient familial",
    "person": "Personne",
    "vaccination": "Vaccination",
    "disease_history": "Antécédent médical",
    "portal_request": "Demande du portail",
}
CSV_HEADER = [
    "N°", "Date et heure", "Agent", "Action", "Objet", "N° objet",
    "Famille", "Enfant", "Champ", "Ancienne valeur", "Nouvelle valeur",
]  # fmt: skip


def require_audit_role(actor: Actor, session: Session | None = None) -> None:
    """The one place deciding who reads the audit trail; a refusal is itself recorded."""
    if actor.role not in VIEWER_ROLES:
        record_refusal(session, actor, Permission.AUDIT, "consulter le journal des modifications")
        raise PermissionDenied(
            "Le journal des modifications est réservé aux administrateurs et à la direction."
        )


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def entity_label(entity: str) -> str:
    return ENTITY_LABELS.get(entity, entity)


def field_label(entity: str, field: str) -> str:
    """The field's French name as the family history shows it, else as stored."""
    return FIELD_LABELS.get(entity, {}).get(field, field)


@dataclass(frozen=True, slots=True)
class AuditFilter:
    login: str | None = None  # staff login, « portail » or « système »
    family_id: int | None = None
    start: date | None = None  # Paris days, both included
    end: date | None = None
    action: str | None = None  # stored value, known or not


MEDICAL_ACCESS = AuditFilter(action=AuditAction.VIEW_MEDICAL.value)
"""The preset « Accès aux données médicales », for the data-protection officer."""


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    at: datetime  # Europe/Paris
    actor: str
    action: str
    entity: str
    entity_id: int
    family_id: int | None
    child_id: int | None
    field: str
    old_value: str | None
    new_value: str | None

    @property
    def action_label(self) -> str:
        return action_label(self.action)

    @property
    def entity_label(self) -> str:
        return entity_label(self.entity)

    @property
    def field_label(self) -> str:
        return field_label(self.entity, self.field)


@dataclass(frozen=True, slots=True)
class AuditPage:
    rows: list[AuditRow]
    next_before: int | None  # pass as ``before`` for the next (older) page; None: last page


def _day_start(day: date) -> datetime:
    """Midnight in Paris (the column converts it to UTC)."""
    return datetime.combine(day, time(0), tzinfo=PARIS)


def _query(filters: AuditFilter):
    table = AuditEvent.__table__
    action = cast(table.c.action, String(32)).label("action")
    stmt = select(
        table.c.id, table.c.at, table.c.actor, action, table.c.entity, table.c.entity_id,
        table.c.family_id, table.c.child_id, table.c.field, table.c.old_value,
        table.c.new_value,
    )  # fmt: skip
    if filters.login:
        stmt = stmt.where(table.c.actor == filters.login)
    if filters.family_id is not None:
        stmt = stmt.where(table.c.family_id == filters.family_id)
    if filters.action:
        stmt = stmt.where(cast(table.c.action, String(32)) == filters.action)
    if filters.start:
        stmt = stmt.where(table.c.at >= _day_start(filters.start))
    if filters.end:
        stmt = stmt.where(table.c.at < _day_start(filters.end + timedelta(days=1)))
    return stmt


def _row(raw) -> AuditRow:
    return AuditRow(
        raw.id, raw.at.astimezone(PARIS), raw.actor, raw.action, raw.entity, raw.entity_id,
        raw.family_id, raw.child_id, raw.field, raw.old_value, raw.new_value,
    )  # fmt: skip


def audit_page(
    session: Session,
    actor: Actor,
    filters: AuditFilter,
    before: int | None = None,
    limit: int = PAGE_SIZE,
) -> AuditPage:
    """The newest ``limit`` events matching ``filters`` older than event ``before``."""
    require_audit_role(actor, session)
    table = AuditEvent.__table__
    stmt = _query(filters)
    if before is not None:
        stmt = stmt.where(table.c.id < before)
    raws = session.execute(stmt.order_by(table.c.id.desc()).limit(limit + 1)).all()
    rows = [_row(r) for r in raws[:limit]]
    return AuditPage(rows, rows[-1].id if len(raws) > limit else None)


def iter_events(
    session: Session, actor: Actor, filters: AuditFilter, chunk: int = 5000
) -> Iterator[AuditRow]:
    """Every matching event, newest first, read ``chunk`` rows at a time."""
    before = None
    while True:
        page = audit_page(session, actor, filters, before, chunk)
        yield from page.rows
        if page.next_before is None:
            return
        before = page.next_before


def people(session: Session, actor: Actor) -> list[str]:
    """The logins to filter on: the staff, then the portal and the system."""
    require_audit_role(actor, session)
    logins = session.scalars(select(StaffUser.login).order_by(StaffUser.login)).all()
    return [*logins, "portail", "système"]


def known_actions() -> list[tuple[str, str]]:
    """(stored value, French label) for the action filter."""
    return list(ACTION_LABELS.items())


def _csv_line(row: AuditRow) -> list[str]:
    return [
        str(row.id), row.at.strftime("%d/%m/%Y %H:%M:%S"), row.actor, row.action_label,
        row.entity_label, str(row.entity_id), "" if row.family_id is None else str(row.family_id),
        "" if row.child_id is None else str(row.child_id), row.field_label, row.old_value or "",
        row.new_value or "",
    ]  # fmt: skip


def export_csv(session: Session, actor: Actor, filters: AuditFilter, target: Path) -> int:
    """Write the matching events as CSV for French Excel (``;``, UTF-8 with BOM);
    the number of events written."""
    require_audit_role(actor, session)
    count = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partiel")
    with partial.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(CSV_HEADER)
        for row in iter_events(session, actor, filters):
            writer.writerow(_csv_line(row))
            count += 1
    partial.replace(target)
    return count


def csv_text(session: Session, actor: Actor, filters: AuditFilter) -> str:
    """The same CSV as a string (small exports, tests)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in iter_events(session, actor, filters):
        writer.writerow(_csv_line(row))
    return buffer.getvalue()
