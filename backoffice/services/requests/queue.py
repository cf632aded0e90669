"""The requests desk (« Demandes »): the queue of parents' requests waiting for an agent.

:func:`pending_requests` reads the whole queue in **one SQL query** (no ORM object
per row) as small immutable :class:`QueueRow` tuples: every pending request
(state ``pending``, which includes booking days sent to the waiting list), with
the family, child, activity (its site and régie), period, and the days it is
about summarised (first and last day, number of days, days on the waiting list).

The desk keeps these rows in memory and filters them there (:func:`filter_rows`,
on the family's pre-folded search text): a keystroke never goes back to the
database. :func:`pending_requests` also takes a :class:`RequestFilter` for
headless callers; both paths select the same rows (tested).

The desk's first paint (:func:`first_page`) reads the first :data:`FIRST_PAGE` rows,
the filters' choices and the size of the queue in one session; the rest of the
queue follows in the background (:func:`pending_requests`).

Same-day duplicates (:mod:`.duplicates`: one child's requests for the same days) are
one row, the oldest, which carries the others' ids (``QueueRow.duplicate_ids``);
``days`` counts distinct dates (a day booked for two units is one day).

Grouping (:func:`grouped`) orders the rows by family or by child, each group in
request order (first come, first served). What sits beside the selection —
capacity, the child's alerts, the family's balance — is in
:mod:`.side_panel`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import String, and_, case, cast, func, select
from sqlalchemy.orm import Session

from backoffice.models import (
    Activity,
    Booking,
    BookingState,
    Child,
    Family,
    Period,
    PortalRequest,
    Regie,
    RequestBooking,
    RequestKind,
    RequestState,
    Site,
)
from backoffice.services.requests.duplicates import collapse
from backoffice.text import fold

# Kinds an agent decides here (accept / refuse); the others open the family.
DECIDABLE = frozenset({RequestKind.REGISTRATION, RequestKind.BOOKING, RequestKind.CANCELLATION})


class QueueRow(NamedTuple):
    """One pending request as the desk lists it (immutable, cheap: 50,000 of them)."""

    id: int
    version: int
    kind: RequestKind
    received_at: datetime
    family_id: int
    family_code: str
    family_name: str
    child_id: int | None
    child_first_name: str | None
    child_last_name: str | None
    activity_id: int | None
    activity_name: str | None
    site_id: int | None
    regie_id: int | None
    period_id: int | None
    period_name: str | None
    first_day: date | None  # the days concerned (a registration: its period)
    last_day: date | None
    days: int  # distinct dates linked (0 for a registration or a file change)
    waiting: int  # of which on the waiting list
    search: str  # the family's folded search text (name, code, commune, children)
    booking_ids: str | None = None  # the bookings linked, "12,15" (any order)
    duplicate_ids: tuple[int, ...] = ()  # same-day duplicates shown on this row

    @property
    def request_ids(self) -> tuple[int, ...]:
        """This request and its duplicates: what deciding the row decides."""
        return (self.id, *self.duplicate_ids)

    @property
    def child_name(self) -> str:
        if self.child_id is None:
            return ""
        return f"{self.child_first_name or ''} {self.child_last_name or ''}".strip()

    @property
    def decidable(self) -> bool:
        return self.kind in DECIDABLE


@dataclass(frozen=True, slots=True)
class RequestFilter:
    """What the agent narrowed the queue to; None / "" means any."""

    kind: RequestKind | None = None
    regie_id: int | None = None
    site_id: int | None = None
    activity_id: int | None = None
    period_id: int | None = None
    date_from: date | None = None  # requests with a day in [date_from, date_to]
    date_to: date | None = None
    text: str = ""  # words all found in the family's search text (name, code, children)

    @property
    def terms(self) -> list[str]:
        return fold(self.text).split()


def _queue_select(flt: RequestFilter | None = None, limit: int | None = None):
    """One statement: the pending requests joined to what the desk shows, their days
    aggregated. With ``limit``, the first requests (oldest first) are chosen in a
    subquery before the joins, so the first page costs a page, not the queue."""
    waiting_day = case((Booking.state == BookingState.WAITING_LIST, Booking.day))
    first_day = func.coalesce(func.min(Booking.day), Period.start_date)
    last_day = func.coalesce(func.max(Booking.day), Period.end_date)
    statement = select(
        PortalRequest.id,
        PortalRequest.version,
        PortalRequest.kind,
        PortalRequest.received_at,
        PortalRequest.family_id,
        Family.code,
        Family.name,
        PortalRequest.child_id,
        Child.first_name,
        Child.last_name,
        PortalRequest.activity_id,
        Activity.name,
        Activity.site_id,
        Activity.regie_id,
        PortalRequest.period_id,
        Period.name,
        first_day,
        last_day,
        func.count(func.distinct(Booking.day)),
        func.count(func.distinct(waiting_day)),
        Family.search_text,
        func.aggregate_strings(cast(Booking.id, String), ","),
    )
    if limit is not None:
        page = (
            select(PortalRequest.id)
            .where(PortalRequest.state == RequestState.PENDING)
            .order_by(PortalRequest.received_at, PortalRequest.id)
            .limit(limit)
            .subquery("page")
        )
        statement = statement.select_from(page).join(PortalRequest, PortalRequest.id == page.c.id)
    statement = (
        statement.join(Family, Family.id == PortalRequest.family_id)
        .outerjoin(Child, Child.id == PortalRequest.child_id)
        .outerjoin(Activity, Activity.id == PortalRequest.activity_id)
        .outerjoin(Period, Period.id == PortalRequest.period_id)
        .outerjoin(RequestBooking, RequestBooking.request_id == PortalRequest.id)
        .outerjoin(Booking, Booking.id == RequestBooking.booking_id)
        .where(PortalRequest.state == RequestState.PENDING)
        .group_by(PortalRequest.id, Family.id, Child.id, Activity.id, Period.id)
        .order_by(PortalRequest.received_at, PortalRequest.id)
    )
    if flt is not None:
        where, having = _sql_conditions(flt, first_day, last_day)
        if where:
            statement = statement.where(and_(*where))
        if having:
            statement = statement.having(and_(*having))
    return statement


def _sql_conditions(flt: RequestFilter, first_day, last_day) -> tuple[list, list]:
    where, having = [], []
    if flt.kind is not None:
        where.append(PortalRequest.kind == flt.kind)
    if flt.regie_id is not None:
        where.append(Activity.regie_id == flt.regie_id)
    if flt.site_id is not None:
        where.append(Activity.site_id == flt.site_id)
    if flt.activity_id is not None:
        where.append(PortalRequest.activity_id == flt.activity_id)
    if flt.period_id is not None:
        where.append(PortalRequest.period_id == flt.period_id)
    if flt.date_from is not None:
        having.append(last_day >= flt.date_from)
    if flt.date_to is not None:
        having.append(first_day <= flt.date_to)
    for term in flt.terms:
        escaped = term.replace("/", "//").replace("%", "/%").replace("_", "/_")
        where.append(Family.search_text.like(f"%{escaped}%", escape="/"))
    return where, having


def pending_requests(
    session: Session, flt: RequestFilter | None = None, *, limit: int | None = None
) -> list[QueueRow]:
    """The pending requests, oldest first, optionally narrowed in SQL by ``flt``;
    ``limit``: only the first ones (the desk's first paint; ``flt`` is then ignored)."""
    statement = _queue_select(None if limit is not None else flt, limit)
    rows = [QueueRow(*row) for row in session.execute(statement)]
    sets = collapse(rows)
    if not sets:
        return rows
    dropped = {i for ids in sets.values() for i in ids}
    return [
        row._replace(duplicate_ids=tuple(sets[row.id])) if row.id in sets else row
        for row in rows
        if row.id not in dropped
    ]


def count_pending(session: Session) -> int:
    return session.execute(
        select(func.count(PortalRequest.id)).where(PortalRequest.state == RequestState.PENDING)
    ).scalar_one()


FIRST_PAGE = 200  # rows the desk paints first; the rest of the queue follows


@dataclass(frozen=True)
class FirstPage:
    choices: DeskChoices
    rows: list[QueueRow]
    total: int

    @property
    def complete(self) -> bool:
        return len(self.rows) >= self.total


def first_page(session: Session, today: date, size: int = FIRST_PAGE) -> FirstPage:
    """The first ``size`` pending requests, the filters' choices and the queue's size."""
    rows = pending_requests(session, limit=size)
    total = count_pending(session) if len(rows) >= size else len(rows)
    return FirstPage(desk_choices(session, today), rows, total)


# -- in memory: filtering and grouping -------------------------------------------------------


def filter_rows(rows: Iterable[QueueRow], flt: RequestFilter) -> list[QueueRow]:
    """The rows ``flt`` keeps, in their order (the same rows as the SQL filter).

    One narrowing pass per criterion set, cheapest first (a keystroke on 50,000
    rows stays a few milliseconds per pass)."""
    kept = list(rows)
    for field in ("kind", "regie_id", "site_id", "activity_id", "period_id"):
        value = getattr(flt, field)
        if value is not None:
            kept = [r for r in kept if getattr(r, field) == value]
    if flt.date_from is not None:
        start = flt.date_from
        kept = [r for r in kept if r.last_day is not None and r.last_day >= start]
    if flt.date_to is not None:
        end = flt.date_to
        kept = [r for r in kept if r.first_day is not None and r.first_day <= end]
    for term in flt.terms:
        kept = [r for r in kept if term in r.search]
    return kept


class Grouping(enum.StrEnum):
    NONE = "none"
    FAMILY = "family"
    CHILD = "child"


GROUPING_LABELS = {
    Grouping.NONE: "Sans regroupement",
    Grouping.FAMILY: "Par famille",
    Grouping.CHILD: "Par enfant",
}


def group_key(row: QueueRow, by: Grouping) -> tuple:
    if by is Grouping.FAMILY:
        return (row.family_id,)
    if by is Grouping.CHILD:
        return (row.family_id, row.child_id or 0)
    return ()


@dataclass(frozen=True, slots=True)
class Group:
    key: tuple
    family_code: str
    family_name: str
    child_name: str  # "" when grouped by family (or a family-level request)
    rows: tuple[QueueRow, ...]

    @property
    def label(self) -> str:
        family = f"{self.family_name} ({self.family_code})"
        return f"{family} — {self.child_name}" if self.child_name else family


def grouped(rows: Iterable[QueueRow], by: Grouping) -> list[Group]:
    """Groups in family-name order (then child), each in request order."""
    groups: dict = {}
    if by is Grouping.CHILD:
        for row in rows:
            key = (row.family_id, row.child_id)
            members = groups.get(key)
            if members is None:
                groups[key] = [row]
            else:
                members.append(row)
    else:
        for row in rows:
            members = groups.get(row.family_id)
            if members is None:
                groups[row.family_id] = [row]
            else:
                members.append(row)
    result = []
    for members in groups.values():
        first = members[0]
        child = first.child_name if by is Grouping.CHILD else ""
        key = group_key(first, by)
        result.append(Group(key, first.family_code, first.family_name, child, tuple(members)))
    result.sort(key=lambda g: (fold(g.family_name), g.family_code, fold(g.child_name)))
    return result


# -- the filters' choices ----------------------------------------------------------------------


class Choice(NamedTuple):
    id: int
    name: str
    regie_id: int | None = None  # activities: to narrow by régie / site
    site_id: int | None = None
    activity_id: int | None = None  # periods: to narrow by activity


@dataclass(frozen=True, slots=True)
class DeskChoices:
    regies: tuple[Choice, ...]
    sites: tuple[Choice, ...]
    activities: tuple[Choice, ...]
    periods: tuple[Choice, ...]


def desk_choices(session: Session, today: date | None = None) -> DeskChoices:
    """Régies, sites, activities and periods (not over before ``today``) for the filters."""
    regies = tuple(Choice(i, n) for i, n in session.execute(select(Regie.id, Regie.name)))
    sites = tuple(Choice(i, n) for i, n in session.execute(select(Site.id, Site.name)))
    activities = tuple(
        Choice(i, n, r, s)
        for i, n, r, s in session.execute(
            select(Activity.id, Activity.name, Activity.regie_id, Activity.site_id)
        )
    )
    statement = (
        select(Period.id, Period.name, Activity.name, Period.activity_id)
        .join(Activity, Activity.id == Period.activity_id)
        .order_by(Period.start_date, Period.id)
    )
    if today is not None:
        statement = statement.where(Period.end_date >= today)
    periods = tuple(
        Choice(i, f"{n} ({a})", None, None, activity_id)
        for i, n, a, activity_id in session.execute(statement)
    )
    by_name = lambda items: tuple(sorted(items, key=lambda c: fold(c.name)))  # noqa: E731
    return DeskChoices(by_name(regies), by_name(sites), by_name(activities), periods)
