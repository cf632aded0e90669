"""Same-day duplicates: one child's pending requests of one kind for exactly the same
days — the same bookings (child × unit × date) — as when a parent pressed
« Réserver » three times, or the portal sent a request again.

The desk shows them as **one line** (:func:`collapse`: the oldest request, carrying
the others' ids) and decides them **once**: :func:`split` keeps the oldest of each set
for the decision, and :func:`close_duplicates` closes the others as duplicates (state
``duplicate``, an answer naming the request kept and what became of it), recorded like
any decision — the family's history (audit) and Ctrl+Z — with nothing pushed for them:
the day's decision is the kept request's. :func:`.desk.decide_requests` applies the
rule, so every caller of the desk's decision gets it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.dates import PARIS
from backoffice.models import PortalRequest, RequestBooking, RequestKind, RequestState
from backoffice.services.common.actors import Actor, bind
from backoffice.services.common.permissions import Permission, require
from backoffice.services.requests.recording import (
    Recorder,
    flush,
    request_name,
    state_text,
)

# Kinds whose requests are about days (a registration or a file change never duplicates).
DAY_KINDS = frozenset({RequestKind.BOOKING, RequestKind.CANCELLATION})
DuplicateKey = tuple[RequestKind, int, frozenset[int]]


def duplicate_key(
    kind: RequestKind, child_id: int | None, booking_ids: Iterable[int]
) -> DuplicateKey | None:
    """Requests with the same key are duplicates; None: never one (no child, no day)."""
    ids = frozenset(booking_ids)
    if kind not in DAY_KINDS or child_id is None or not ids:
        return None
    return (kind, child_id, ids)


class _Row(Protocol):
    """What :func:`collapse` reads of a queue row."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> RequestKind: ...
    @property
    def child_id(self) -> int | None: ...
    @property
    def booking_ids(self) -> str | None: ...


def collapse(rows: Iterable[_Row]) -> dict[int, list[int]]:
    """The sets of duplicates among ``rows``: the id of the first row of each set (the
    queue's order: the oldest, which stands for the set) → the ids of the others.

    ``booking_ids`` is a row's "12,15" (any order). A booking belongs to one child,
    so the kind and the sorted ids are the whole key: one string per row, no tuple
    (50,000 rows in a few tens of milliseconds)."""
    first: dict[str, int] = {}
    sets: dict[int, list[int]] = {}
    for row in rows:
        ids = row.booking_ids
        if not ids or row.child_id is None:
            continue
        if row.kind is RequestKind.BOOKING:
            key = "b"
        elif row.kind is RequestKind.CANCELLATION:
            key = "c"
        else:
            continue
        key += ids if "," not in ids else ",".join(sorted(ids.split(","), key=int))
        kept = first.setdefault(key, row.id)
        if kept != row.id:
            sets.setdefault(kept, []).append(row.id)
    return sets


def _pending_sets(session: Session, request_ids: list[int]) -> dict[int, tuple]:
    """Request id → (key, received_at) for the pending requests among ``request_ids``
    and every pending request sharing a day with one of them."""
    booking_ids = select(RequestBooking.booking_id).where(
        RequestBooking.request_id.in_(request_ids)
    )
    rows = session.execute(
        select(
            PortalRequest.id,
            PortalRequest.kind,
            PortalRequest.child_id,
            PortalRequest.received_at,
            RequestBooking.booking_id,
        )
        .join(RequestBooking, RequestBooking.request_id == PortalRequest.id)
        .where(
            PortalRequest.state == RequestState.PENDING,
            PortalRequest.id.in_(
                select(RequestBooking.request_id).where(RequestBooking.booking_id.in_(booking_ids))
            ),
        )
    ).all()
    days: dict[int, set[int]] = {}
    facts: dict[int, tuple[RequestKind, int | None, datetime]] = {}
    for request_id, kind, child_id, received_at, booking_id in rows:
        days.setdefault(request_id, set()).add(booking_id)
        facts[request_id] = (kind, child_id, received_at)
    return {
        request_id: (duplicate_key(kind, child_id, days[request_id]), received_at)
        for request_id, (kind, child_id, received_at) in facts.items()
    }


def split(session: Session, request_ids: Iterable[int]) -> tuple[list[int], dict[int, int]]:
    """The requests to decide (in the given order, duplicates left out) and the
    duplicates to close with them: duplicate id → the id of the request kept (the
    oldest of its set among ``request_ids``). Pending duplicates of a chosen request
    are found even when they were not chosen: a set is decided whole."""
    ids = list(dict.fromkeys(request_ids))
    sets = _pending_sets(session, ids) if ids else {}
    members: dict[DuplicateKey, list[int]] = {}
    for request_id, (key, _received) in sets.items():
        if key is not None:
            members.setdefault(key, []).append(request_id)
    order = {request_id: n for n, request_id in enumerate(ids)}
    kept_of: dict[DuplicateKey, int] = {}
    for key, group in members.items():
        chosen = [i for i in group if i in order]
        if chosen and len(group) > 1:
            kept_of[key] = min(chosen, key=lambda i: (sets[i][1], i))
    duplicates: dict[int, int] = {}
    for key, kept in kept_of.items():
        for request_id in sorted(members[key], key=lambda i: (sets[i][1], i)):
            if request_id != kept:
                duplicates[request_id] = kept
    return [i for i in ids if i not in duplicates], duplicates


def duplicate_answer(kept: PortalRequest) -> str:
    """What parents read on a closed duplicate."""
    received = f"{kept.received_at.astimezone(PARIS):%d/%m/%Y}" if kept.received_at else ""
    same = f"la même demande (n° {request_name(kept)}" + (f", du {received})" if received else ")")
    return f"Demande en double : {same} est traitée — {state_text(kept, kept.state)}."


def close_duplicates(session: Session, actor: Actor, duplicates: dict[int, int]) -> list[int]:
    """Close each duplicate after its kept request was decided (its answer says how);
    recorded for the history and for undo like a decision. Returns the ids closed."""
    require(session, actor, Permission.REQUESTS_DECIDE, "décider des demandes des familles")
    if not duplicates:
        return []
    bind(session, actor)
    flush(session)  # the kept requests' decisions, read below
    ids = list(duplicates)
    wanted = set(ids) | set(duplicates.values())
    rows = {
        r.id: r for r in session.scalars(select(PortalRequest).where(PortalRequest.id.in_(wanted)))
    }
    recorder = Recorder(session, actor)
    closed = []
    for request_id in ids:
        request, kept = rows.get(request_id), rows.get(duplicates[request_id])
        if request is None or kept is None or request.state is not RequestState.PENDING:
            continue
        recorder.record(request, RequestState.DUPLICATE, duplicate_answer(kept))
        closed.append(request_id)
    recorder.flush()
    return closed
