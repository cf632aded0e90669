"""What the desk runs through the TaskRunner (no Qt here): each function opens its
own session and calls one service — the queue (:mod:`backoffice.services.requests.queue`),
the side panel (:mod:`~backoffice.services.requests.side_panel`), the decisions
(:mod:`~backoffice.services.requests.desk`, undone by :mod:`~backoffice.services.requests.undo`)
— so it runs on any thread."""

from __future__ import annotations

from datetime import date

from backoffice.models import RequestKind
from backoffice.services.common.actors import Actor
from backoffice.services.requests import decisions, side_panel
from backoffice.services.requests.desk import Decision, Outcome, decide_requests
from backoffice.services.requests.queue import FirstPage, QueueRow, first_page, pending_requests
from backoffice.services.requests.side_panel import SideData
from backoffice.storage import Database


def load_first_page(db: Database, today: date) -> FirstPage:
    with db.session() as session:
        return first_page(session, today)


def load_queue(db: Database) -> list[QueueRow]:
    with db.session() as session:
        return pending_requests(session)


def side_data(
    db: Database, actor: Actor, today: date, selected: list[QueueRow], current: QueueRow | None
) -> SideData:
    with db.session() as session:
        return side_panel.side_data(session, actor, today, selected, current)


def find_late(db: Database, rows: list[QueueRow]) -> set[int]:
    ids = [r.id for r in rows if r.kind is RequestKind.CANCELLATION]
    with db.session() as session:
        return side_panel.late_cancellations(session, ids)


def decide(
    db: Database, actor: Actor, rows: list[QueueRow], decision: Decision, late: set[int]
) -> Outcome:
    """Accept or refuse ``rows`` in one transaction (late cancellations billed or not)."""
    with db.session() as session:
        ids = [i for r in rows for i in r.request_ids]  # a row's duplicates with it
        return decide_requests(session, actor, ids, decision, late)


def undo_available() -> bool:
    return hasattr(decisions, "undo_decisions")


def undo(db: Database, actor: Actor, ids: tuple[int, ...]) -> int:
    with db.session() as session:
        decisions.undo_decisions(session, actor, list(ids))
    return len(ids)
