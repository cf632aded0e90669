"""Pull: read the portal's change feed from the saved cursor and apply it.

Each page of changes is applied in ONE database transaction that also moves
the cursor past the last change of the page: a crash or a cut anywhere leaves
either the whole page applied with the cursor after it, or nothing applied
with the cursor before it — never a change applied twice, never one lost.
Within the page, a change that cannot be applied is quarantined (with its
reason, in the same transaction) and the others go on.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from backoffice.models import (
    Child,
    Family,
    Guardian,
    OutboxItem,
    OutboxState,
    QuarantinedChange,
    SyncCursor,
    utcnow,
)
from backoffice.services.common import outbox
from backoffice.services.common.actors import PORTAL, bind
from backoffice.services.common.batch_update import flush_updates
from backoffice.services.families.accounts import account_payload
from backoffice.storage import Database
from backoffice.sync import (  # noqa: F401 (importing the handlers registers them)
    handlers_child,
    handlers_family,
    handlers_payments,
    handlers_requests,
    push,
)
from backoffice.sync.apply import EPOCH, HANDLERS, ApplyContext, Quarantine, parse_change, seq_of
from backoffice.sync.client import PortalClient, PortalError

CURSOR = push.CURSOR
PAGE_SIZE = 500
# Clocks of two agents' computers may differ: an account push acknowledged up to this
# long before the last successful pull began still counts as "maybe overwrote".
CLOCK_MARGIN = timedelta(seconds=30)

Progress = Callable[[str, int, int], None]
# Changes that an account push (``PUT /staff/families/{ref}``) cannot overwrite: its
# body carries no account state, request nor payment.
NOT_IN_ACCOUNT = frozenset(
    {"account.activated", "registration.submitted", "booking.submitted", "payment.updated"}
)


@dataclass
class PullReport:
    applied: int = 0
    unchanged: int = 0
    conflicts: int = 0
    quarantined: int = 0
    requests: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    position: int = 0
    stopped: str = ""

    @property
    def received(self) -> int:
        return self.applied + self.unchanged + self.conflicts + self.quarantined + self.requests


def _cursor(session: Session) -> SyncCursor:
    # Writing first takes the lock (row lock on PostgreSQL, write lock on SQLite):
    # two agents pulling at once apply each page once.
    session.execute(
        update(SyncCursor).where(SyncCursor.name == CURSOR).values(position=SyncCursor.position)
    )
    cursor = session.get(SyncCursor, CURSOR, populate_existing=True)
    if cursor is None:
        cursor = SyncCursor(name=CURSOR, position=0)
        session.add(cursor)
        session.flush()
    return cursor


def cursor_position(session: Session) -> tuple[int, datetime | None]:
    cursor = session.get(SyncCursor, CURSOR)
    return (cursor.position, cursor.last_success_at) if cursor else (0, None)


def last_success(session: Session) -> datetime | None:
    """When the last complete reception started (the cursor's own record)."""
    return cursor_position(session)[1]


def apply_page(session: Session, changes: list, since: datetime, report: PullReport) -> None:
    """Apply one page (in the caller's transaction); counts go to ``report``."""
    bind(session, PORTAL)
    ctx = ApplyContext(session, since)
    parsed, bad = [], []
    for raw in changes:
        try:
            parsed.append(parse_change(raw))
        except Quarantine as exc:
            bad.append((raw, str(exc)))
    ctx.preload(parsed)
    for raw, reason in bad:
        _quarantine(session, raw, reason, report)
    for change in parsed:
        ctx.change = change
        handler = HANDLERS.get(change.kind)
        try:
            if handler is None:
                raise Quarantine(
                    f"Sorte de changement inconnue : « {change.kind} ». "
                    "Le back-office est peut-être à mettre à jour."
                )
            outcome = handler(ctx, change)
        except Quarantine as exc:
            _quarantine(session, change.raw, str(exc), report)
            continue
        if outcome == "conflict":
            report.conflicts += 1
        elif outcome == "request":
            report.requests += 1
        elif outcome == "applied":
            report.applied += 1
        else:
            report.unchanged += 1
        report.by_kind[change.kind] = report.by_kind.get(change.kind, 0) + 1
    # The page's edits of families, guardians and children: one statement per table
    # and set of columns instead of one per row (audit trail included).
    flush_updates(session, (Family, Guardian, Child))
    _requeue_overwritten(ctx, parsed, since)


def _requeue_overwritten(ctx: ApplyContext, changes: list, since: datetime) -> None:
    """Queue the account again for families whose last push may have overwritten,
    on the portal, a change of this page.

    ``PUT /staff/families/{ref}`` carries the whole family as the back-office held it
    at feed position ``pulled_to``; a parent's change numbered after it, made before
    the portal took the PUT, was overwritten there (the portal keeps no trace of it
    but its feed). The back-office has just applied it: pushing the family again
    gives both sides the same value. A push is "maybe overwriting" until a pull that
    began after its acknowledgement has succeeded (``since``); a family whose
    account push is still pending needs nothing (it is built from the rows when sent).
    """
    latest: dict[str, int] = {}
    for change in changes:
        if change.kind in NOT_IN_ACCOUNT:
            continue
        if change.family_ref in ctx.families:
            latest[change.family_ref] = max(latest.get(change.family_ref, 0), change.seq)
    if not latest:
        return
    ids = {ctx.families[code].id: code for code in latest}
    newest = (
        select(func.max(OutboxItem.id))
        .where(
            OutboxItem.topic == "account.upsert",
            OutboxItem.family_id.in_(ids),
            OutboxItem.state.in_([OutboxState.PENDING, OutboxState.ACKNOWLEDGED]),
        )
        .group_by(OutboxItem.family_id)
    )
    session = ctx.session
    # The page is not flushed for this query (it reads outbox items, which the
    # handlers never write); the payloads below read the families' guardians and
    # children, which flushes the page once, then the new items go in together
    # (before, each payload's read flushed the previous family's item on its own).
    # Only the newest items that are acknowledged since this pull's start (few, most
    # pages none): the others' payloads (whole accounts) are not even read.
    with session.no_autoflush:
        items = list(
            session.scalars(
                select(OutboxItem).where(
                    OutboxItem.id.in_(newest),
                    OutboxItem.state == OutboxState.ACKNOWLEDGED,
                    OutboxItem.acknowledged_at >= since - CLOCK_MARGIN,
                )
            )
        )
    again = [
        ctx.families[ids[item.family_id]]
        for item in items
        if (pulled_to := (item.payload or {}).get(push.PULLED_TO)) is not None
        and item.family_id is not None  # always: the query asks for these families
        and pulled_to < latest[ids[item.family_id]]
    ]
    payloads = [(family.id, account_payload(family)) for family in again]
    for family_id, payload in payloads:
        outbox.enqueue(session, "account.upsert", payload, family_id)


def _quarantine(session: Session, raw, reason: str, report: PullReport) -> None:
    seq = seq_of(raw)
    if seq is None:
        # Without a number the change cannot be kept apart from the others.
        raise PortalError(f"Le flux du portail contient un changement sans numéro : {reason}")
    session.add(
        QuarantinedChange(
            feed_position=seq,
            payload=raw if isinstance(raw, dict) else {"raw": repr(raw)},
            reason=reason,
        )
    )
    report.quarantined += 1


def pull_changes(
    db: Database,
    client: PortalClient,
    progress: Progress | None = None,
    page_size: int | None = None,
) -> PullReport:
    """Pull and apply everything after the saved cursor; see the module docstring.

    The next page is fetched while the current one is applied (one helper
    thread): the network wait overlaps the database work. The audit trail
    records each page's net change of a field (what the back-office held
    before and after the transaction); every step stays in the portal's feed.
    """
    page_size = page_size or PAGE_SIZE
    report = PullReport()
    started = utcnow()
    with db.session() as session:
        position, last_success = cursor_position(session)
    since = last_success or EPOCH
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-pull") as pool:
        ahead = pool.submit(client.get_changes, position, page_size)
        while True:
            try:
                page = ahead.result()
            except PortalError as exc:
                report.stopped = str(exc)
                break
            changes = page.get("changes") if isinstance(page, dict) else None
            if not isinstance(changes, list):
                report.stopped = "Réponse du portail illisible (liste des changements absente)."
                break
            if not changes:
                break
            last = max([position, *(s for s in map(seq_of, changes) if s is not None)])
            more = bool(page.get("has_more"))
            if more:
                ahead = pool.submit(client.get_changes, last, page_size)
            page_report = PullReport()
            with db.session() as session:
                cursor = _cursor(session)
                if cursor.position != position:
                    # Another agent pulled meanwhile: start again from where it stopped.
                    position, more = cursor.position, True
                    ahead = _refetch(pool, ahead, client, position, page_size)
                    continue
                fresh = [c for c in changes if (seq_of(c) or position + 1) > position]
                apply_page(session, fresh, since, page_report)
                cursor.position = position = last
            _add(report, page_report)
            if progress:
                progress("Réception du portail", report.received, report.received)
            if not more:
                break
    report.position = position
    if not report.stopped:
        with db.session() as session:
            cursor = _cursor(session)
            # The start of this pull: an agent's edit made while it ran counts as
            # "since the last sync" next time (a conflict shown rather than lost).
            cursor.last_success_at = started
    return report


def _refetch(pool: ThreadPoolExecutor, ahead: Future, client, position: int, size: int) -> Future:
    ahead.cancel()
    try:
        ahead.result()
    except Exception:  # noqa: BLE001 - the page is thrown away anyway
        pass
    return pool.submit(client.get_changes, position, size)


def _add(total: PullReport, page: PullReport) -> None:
    for name in ("applied", "unchanged", "conflicts", "quarantined", "requests"):
        setattr(total, name, getattr(total, name) + getattr(page, name))
    for kind, count in page.by_kind.items():
        total.by_kind[kind] = total.by_kind.get(kind, 0) + count
