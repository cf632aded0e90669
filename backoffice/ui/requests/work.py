"""What the desk runs through the TaskRunner (no Qt here): loading the queue,
computing the side panel, taking and undoing decisions. Each function opens its
own session, so it runs on any thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from backoffice.models import RequestKind, RequestState
from backoffice.services.common.actors import Actor
from backoffice.services.requests import decisions
from backoffice.services.requests.queue import (
    DeskChoices,
    QueueRow,
    count_pending,
    desk_choices,
    pending_requests,
)
from backoffice.services.requests.side_panel import (
    capacity_for,
    child_alerts,
    family_unpaid,
    late_cancellations,
    unit_days_of,
)
from backoffice.storage import Database
from backoffice.ui.requests.decision_dialog import Decision
from backoffice.ui.requests.side_panel import SideData

FIRST_PAGE = 200  # rows painted first; the rest of the queue follows in the background
MAX_PROJECTED = 500  # selected requests the side panel projects
MAX_UNIT_DAYS = 60


@dataclass(frozen=True)
class FirstPage:
    choices: DeskChoices
    rows: list[QueueRow]
    total: int

    @property
    def complete(self) -> bool:
        return len(self.rows) >= self.total


def load_first_page(db: Database, today: date) -> FirstPage:
    with db.session() as session:
        rows = pending_requests(session, limit=FIRST_PAGE)
        total = count_pending(session) if len(rows) >= FIRST_PAGE else len(rows)
        return FirstPage(desk_choices(session, today), rows, total)


def load_queue(db: Database) -> list[QueueRow]:
    with db.session() as session:
        return pending_requests(session)


def side_data(
    db: Database, actor: Actor, today: date, selected: list[QueueRow], current: QueueRow | None
) -> SideData:
    ids = [r.id for r in selected if r.decidable][:MAX_PROJECTED]
    with db.session() as session:
        pairs = unit_days_of(session, ids)
        shown = pairs[:MAX_UNIT_DAYS]
        lines = capacity_for(session, shown, accepting=ids)
        alerts = balance = None
        label = ""
        if current is not None:
            if current.child_id is not None:
                alerts = child_alerts(session, current.child_id, actor, today)
            label = f"{current.family_name} ({current.family_code})"
            balance = family_unpaid(session, current.family_code)
        return SideData(
            selected=len(ids),
            capacity=tuple(lines),
            more_days=len(pairs) - len(shown),
            alerts=alerts,
            family_label=label,
            balance=balance,
        )


def find_late(db: Database, rows: list[QueueRow]) -> set[int]:
    ids = [r.id for r in rows if r.kind is RequestKind.CANCELLATION]
    with db.session() as session:
        return late_cancellations(session, ids)


@dataclass(frozen=True)
class Outcome:
    ids: tuple[int, ...]
    accepted: int = 0
    waiting: int = 0  # every day full, on the waiting list
    refused: int = 0
    full: int = 0  # accepting: refused because full (the activity's rule)
    partial: int = 0  # some days accepted, others not

    def text(self) -> str:
        parts = []
        if self.accepted:
            parts.append(f"{self.accepted} acceptée{'s' if self.accepted > 1 else ''}")
        if self.partial:
            parts.append(f"{self.partial} en partie (jours complets)")
        if self.waiting:
            parts.append(f"{self.waiting} en liste d'attente (complet)")
        if self.full:
            parts.append(f"{self.full} refusée{'s' if self.full > 1 else ''} car complet")
        if self.refused:
            parts.append(f"{self.refused} refusée{'s' if self.refused > 1 else ''}")
        noun = "Demande" if len(self.ids) == 1 else "Demandes"
        return f"{noun} : " + ", ".join(parts) + ". Ctrl+Z pour annuler avant la synchronisation."


def decide(
    db: Database, actor: Actor, rows: list[QueueRow], decision: Decision, late: set[int]
) -> Outcome:
    """Accept or refuse ``rows`` in one transaction (late cancellations billed or not)."""
    ids = [r.id for r in rows]
    with db.session() as session:
        if not decision.accept:
            decisions.refuse_requests(session, actor, ids, decision.text)
            return Outcome(tuple(ids), refused=len(ids))
        late_ids = [i for i in ids if i in late]
        others = [i for i in ids if i not in late]
        done = []
        if late_ids:
            done += decisions.accept_requests(
                session, actor, late_ids, decision.text, billed=decision.billed
            )
        if others:
            done += decisions.accept_requests(session, actor, others, decision.text)
        states = [r.state for r in done]
        return Outcome(
            tuple(ids),
            accepted=states.count(RequestState.ACCEPTED),
            waiting=states.count(RequestState.PENDING),
            full=states.count(RequestState.REFUSED),
            partial=states.count(RequestState.PARTIAL),
        )


def undo_available() -> bool:
    return hasattr(decisions, "undo_decisions")


def undo(db: Database, actor: Actor, ids: tuple[int, ...]) -> int:
    with db.session() as session:
        decisions.undo_decisions(session, actor, list(ids))
    return len(ids)
