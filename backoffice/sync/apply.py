"""Applying one change of the portal's feed: the context shared by the handlers.

A handler (``handlers_*`` modules, registered in :data:`HANDLERS` by change
kind) first checks the whole change and raises :class:`Quarantine` with a French
reason when it cannot be applied — before touching anything. Then it applies
field by field through :meth:`ApplyContext.set_field`, which decides, per
field, between applying the parent's value and recording a conflict.

A conflict is recorded when an agent changed the same field since the last
successful pull (an audit UPDATE by a staff actor), the back-office value is
neither the parent's starting value nor the parent's new one, or when the field
already has an open conflict (the parent's newer value then replaces the one
waiting there). The agent chooses later (:func:`.conflicts.resolve_conflict`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import and_, inspect, or_, select, text
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from backoffice.models import (
    STAFF_ROWS,
    AuditAction,
    AuditEvent,
    Child,
    ConsentDefinition,
    Family,
    Guardian,
    PortalRequest,
    SyncConflict,
    utcnow,
)
from backoffice.services.common.audit import AUDITED, as_text

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ENTITY_NAMES = {cls: name for cls, (name, _child) in AUDITED.items()}


class Quarantine(Exception):
    """This change cannot be applied; ``str(exc)`` is the French reason."""


@dataclass(frozen=True)
class FeedChange:
    seq: int
    kind: str
    family_ref: str
    child_ref: str | None
    data: dict
    raw: dict


def parse_change(raw: Any) -> FeedChange:
    """The change's envelope, checked; :class:`Quarantine` when malformed."""
    if not isinstance(raw, dict):
        raise Quarantine("Changement illisible (ce n'est pas un objet JSON).")
    seq = raw.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise Quarantine("Changement sans numéro valide.")
    kind, family_ref = raw.get("kind"), raw.get("family_ref")
    if not isinstance(kind, str) or not kind:
        raise Quarantine("Changement sans sorte (« kind »).")
    if not isinstance(family_ref, str) or not family_ref:
        raise Quarantine("Changement sans famille (« family_ref »).")
    child_ref = raw.get("child_ref")
    if child_ref is not None and not isinstance(child_ref, str):
        raise Quarantine("Référence d'enfant illisible (« child_ref »).")
    data = raw.get("data")
    if not isinstance(data, dict):
        raise Quarantine("Contenu du changement illisible (« data » n'est pas un objet).")
    return FeedChange(seq, kind, family_ref, child_ref, data, raw)


def seq_of(raw: Any) -> int | None:
    seq = raw.get("seq") if isinstance(raw, dict) else None
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else None


def request_ref(change: FeedChange) -> str | None:
    """The inbox reference of a change that lands as a request: the portal's
    ``request_ref``, else the change number (None when unreadable)."""
    ref = change.data.get("request_ref") or f"change-{change.seq}"
    return ref if isinstance(ref, str) and len(ref) <= 64 else None


Key = tuple[str, int, str]  # (audit entity, row id, attribute)


@dataclass
class ApplyContext:
    """What the handlers of one page share: rows loaded once, conflict knowledge."""

    session: Session
    since: datetime
    families: dict[str, Family] = field(default_factory=dict)
    children: dict[int, Child] = field(default_factory=dict)
    agent_touched: set[Key] = field(default_factory=set)
    open_conflicts: dict[Key, SyncConflict] = field(default_factory=dict)
    request_refs: set[str] = field(default_factory=set)  # requests already in the inbox
    lookups: dict = field(default_factory=dict)  # catalogue rows by code (handlers_requests)
    _definitions: dict[str, ConsentDefinition] | None = None
    change: FeedChange | None = None

    # -- loading -----------------------------------------------------------------

    def preload(self, changes: Iterable[FeedChange]) -> None:
        """Load in a few queries what the page's changes touch: their families, the
        guardians only when a change edits a guardian, the children the changes name
        (with their medical rows or consents when the page edits those)."""
        changes = list(changes)
        codes = {c.family_ref for c in changes} - self.families.keys()
        if codes:
            for family in self.session.scalars(select(Family).where(Family.code.in_(codes))):
                self.families[family.code] = family
        with_guardians = {
            c.family_ref
            for c in changes
            if c.kind == "family.updated"
            and isinstance(c.data.get("after"), dict)
            and any(str(k).startswith("guardians.") for k in c.data["after"])
        }
        need = [self.families[code] for code in with_guardians if code in self.families]
        need = [f for f in need if "guardians" not in inspect(f).dict]
        if need:
            by_family: dict[int, list[Guardian]] = {f.id: [] for f in need}
            for guardian in self.session.scalars(
                select(Guardian)
                .where(Guardian.family_id.in_(by_family))
                .order_by(Guardian.family_id, Guardian.rank)
            ):
                by_family[guardian.family_id].append(guardian)
            for family in need:
                set_committed_value(family, "guardians", by_family[family.id])
        child_ids = {
            int(c.child_ref) for c in changes if c.child_ref and c.child_ref.isdigit()
        } - self.children.keys()
        if child_ids:
            kinds = {c.kind for c in changes}
            options = []
            if "child.medical.updated" in kinds:
                options += [
                    selectinload(Child.medical_record),
                    selectinload(Child.vaccinations),
                    selectinload(Child.diseases),
                ]
            if "child.consents.updated" in kinds:
                options.append(selectinload(Child.consents))
            for child in self.session.scalars(
                select(Child).where(Child.id.in_(child_ids)).options(*options)
            ):
                self.children[child.id] = child
        refs = {request_ref(c) for c in changes if c.kind in REQUEST_LANDING} - {None}
        if refs:
            self.request_refs |= set(
                self.session.scalars(
                    select(PortalRequest.portal_ref).where(PortalRequest.portal_ref.in_(refs))
                )
            )
        ids = [f.id for f in self.families.values()]
        if not ids:
            return
        # Stated literally, as the partial index ix_audit_event_staff_edits states it:
        # the page reads the agents' edits only, however many rows the portal wrote.
        staff = text(f"audit_event.{STAFF_ROWS}")
        for entity, entity_id, attr, action in self.session.execute(
            select(
                AuditEvent.entity, AuditEvent.entity_id, AuditEvent.field, AuditEvent.action
            ).where(
                AuditEvent.family_id.in_(ids),
                AuditEvent.at >= self.since,
                staff,
                or_(
                    AuditEvent.action == AuditAction.UPDATE,
                    AuditEvent.action == AuditAction.CREATE,
                ),
            )
        ):
            self.agent_touched.add(
                (entity, entity_id, "*" if action == AuditAction.CREATE else attr)
            )
        for conflict in self.session.scalars(
            select(SyncConflict).where(
                and_(SyncConflict.family_id.in_(ids), SyncConflict.resolved_at.is_(None))
            )
        ):
            self.open_conflicts[(conflict.entity, conflict.entity_id, conflict.field)] = conflict

    def _current(self) -> FeedChange:
        # The pull sets ``change`` before calling each change's handler.
        assert self.change is not None, "no feed change being applied"
        return self.change

    def family(self) -> Family:
        code = self._current().family_ref
        family = self.families.get(code)
        if family is None:
            family = self.session.scalars(select(Family).where(Family.code == code)).one_or_none()
            if family is None:
                raise Quarantine(f"Famille {code} inconnue du back-office.")
            self.families[code] = family
        return family

    def child(self) -> Child:
        family = self.family()
        ref = self._current().child_ref
        if not ref:
            raise Quarantine("Changement d'une fiche enfant sans référence d'enfant.")
        child = self.children.get(int(ref)) if ref.isdigit() else None
        if child is None and ref.isdigit():
            child = self.session.get(Child, int(ref))
        if child is None:
            raise Quarantine(f"Enfant {ref} inconnu du back-office (famille {family.code}).")
        if child.family_id != family.id:
            raise Quarantine(f"L'enfant {ref} n'appartient pas à la famille {family.code}.")
        return child

    def consent_definition(self, code: str) -> ConsentDefinition:
        if self._definitions is None:
            self._definitions = {d.code: d for d in self.session.scalars(select(ConsentDefinition))}
        definition = self._definitions.get(code)
        if definition is None:
            raise Quarantine(f"Autorisation « {code} » inconnue du back-office.")
        return definition

    # -- applying ------------------------------------------------------------------

    def set_field(self, obj, attr: str, new: Any, portal_before: Any = None) -> str:
        """Apply the parent's ``new`` value, or record a conflict.

        Returns "unchanged", "applied" or "conflict". ``portal_before`` is the
        value the parent started from, cleaned like ``new`` — or a callable
        giving it, only called when a conflict is possible.
        """
        current = getattr(obj, attr)
        if current == new:
            return "unchanged"
        entity = ENTITY_NAMES[type(obj)]
        key = (entity, obj.id, attr) if obj.id is not None else None
        if key is not None:
            open_conflict = self.open_conflicts.get(key)
            if open_conflict is not None:
                if callable(portal_before):
                    portal_before = portal_before()
                open_conflict.portal_value = as_text(new)
                open_conflict.extra = {**open_conflict.extra, **self._extra(new, portal_before)}
                return "conflict"
            touched = key in self.agent_touched or (entity, obj.id, "*") in self.agent_touched
            if touched and callable(portal_before):
                portal_before = portal_before()
            if touched and current != portal_before:
                conflict = SyncConflict(
                    entity=entity,
                    entity_id=obj.id,
                    family_id=self.family().id,
                    field=attr,
                    agent_value=as_text(current),
                    portal_value=as_text(new),
                    extra=self._extra(new, portal_before),
                )
                self.session.add(conflict)
                self.open_conflicts[key] = conflict
                return "conflict"
        setattr(obj, attr, new)
        return "applied"

    def _extra(self, new: Any, portal_before: Any) -> dict:
        change = self._current()
        return {
            "feed_seq": change.seq,
            "kind": change.kind,
            "family_code": change.family_ref,
            "child_ref": change.child_ref,
            "portal_json": jsonable(new),
            "portal_before": as_text(portal_before),
            "received_at": utcnow().isoformat(),
        }


def jsonable(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, bool | int | str | float):
        return value.value
    return value


def column_value(obj, attr: str, value: Any) -> Any:
    """Turn a JSON value back into what the column holds (dates, enums)."""
    if value is None:
        return None
    column = inspect(type(obj)).columns[attr]
    enum_class = getattr(column.type, "enum_class", None)
    if enum_class is not None:
        return enum_class(value)
    python_type = column.type.python_type
    if python_type is date and isinstance(value, str):
        return date.fromisoformat(value)
    if python_type is datetime and isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


Handler = Callable[[ApplyContext, FeedChange], str]
# Change kind → handler; filled by the handlers_* modules.
HANDLERS: dict[str, Handler] = {}
REQUEST_LANDING: set[str] = set()  # kinds whose changes may land in the requests inbox


def handles(*kinds: str, lands_requests: bool = False) -> Callable[[Handler], Handler]:
    """Register a handler; ``lands_requests``: its changes may land in the requests
    inbox (the page's preload then looks their references up)."""

    def register(handler: Handler) -> Handler:
        for kind in kinds:
            HANDLERS[kind] = handler
            if lands_requests:
                REQUEST_LANDING.add(kind)
        return handler

    return register


def summarise(outcomes: Iterable[str]) -> str:
    """One outcome for a change made of several fields."""
    outcomes = set(outcomes)
    if "conflict" in outcomes:
        return "conflict"
    if "applied" in outcomes:
        return "applied"
    return "unchanged"
