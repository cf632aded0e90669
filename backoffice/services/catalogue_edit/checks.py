"""The catalogue's checks, shared by the « Paramètres » screens and the TOML import.

Pure checks (:func:`bracket_problems`, :func:`period_overlaps`) look at rows in
hand; database checks (:func:`capacity_problems`, :func:`closed_period_problems`,
:func:`usage_problems`) look at what is already booked, invoiced or closed.
Every message is French and says what to do instead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.models import (
    AgeGroup,
    Booking,
    BookingState,
    Child,
    ClosedPeriod,
    InvoiceLine,
    PeriodKind,
)

# Bookings that hold a place (the capacity may not fall below them).
HOLDING = (BookingState.ACCEPTED, BookingState.CANCEL_REQUESTED)

PERIOD_KIND_LABELS = {
    PeriodKind.SCHOOL_YEAR: "année scolaire",
    PeriodKind.HOLIDAYS: "vacances",
    PeriodKind.OTHER: "autre",
}


# -- QF brackets ------------------------------------------------------------------------


class Bracket(Protocol):
    @property
    def qf_min(self) -> int: ...
    @property
    def qf_max(self) -> int | None: ...


@dataclass(frozen=True, slots=True)
class BracketProblem:
    kind: str  # "double", "overlap" or "gap"
    prev: int  # indexes in the list given
    cur: int
    prev_min: int
    prev_max: int | None
    cur_min: int

    @property
    def upper(self) -> str:
        return "∞" if self.prev_max is None else str(self.prev_max)


def bracket_problems(brackets: Sequence[Bracket]) -> list[BracketProblem]:
    """Brackets of one set (same start date, same rank) that repeat, overlap or leave a gap."""
    order = sorted(range(len(brackets)), key=lambda i: (brackets[i].qf_min, i))
    problems = []
    for p, c in zip(order, order[1:], strict=False):
        prev, cur = brackets[p], brackets[c]
        kind = ""
        if cur.qf_min == prev.qf_min:
            kind = "double"
        elif prev.qf_max is None or cur.qf_min <= prev.qf_max:
            kind = "overlap"
        elif cur.qf_min > prev.qf_max + 1:
            kind = "gap"
        if kind:
            problems.append(BracketProblem(kind, p, c, prev.qf_min, prev.qf_max, cur.qf_min))
    return problems


def describe_bracket(problem: BracketProblem) -> str:
    if problem.kind == "double":
        return f"tranche QF à partir de {problem.cur_min} en double"
    if problem.kind == "overlap":
        return (
            f"la tranche QF {problem.cur_min}… chevauche la tranche "
            f"{problem.prev_min}–{problem.upper}"
        )
    assert problem.prev_max is not None
    return (
        f"trou entre les tranches {problem.prev_min}–{problem.prev_max} et "
        f"{problem.cur_min}… : les QF de {problem.prev_max + 1} à {problem.cur_min - 1} "
        "n'ont pas de prix"
    )


# -- periods ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PeriodSpan:
    code: str
    kind: PeriodKind
    start: date
    end: date


def _span(start: date, end: date) -> str:
    return f"du {start:%d/%m/%Y} au {end:%d/%m/%Y}"


def period_problems(
    period: PeriodSpan,
    others: Iterable[PeriodSpan],
    booking_opens_on: date | None = None,
    booking_closes_on: date | None = None,
) -> list[str]:
    """A period's own dates, and overlaps with the activity's other periods of the same kind
    (a school year and its holidays may overlap; two holidays may not)."""
    problems = []
    if period.end < period.start:
        problems.append(
            f"Période « {period.code} » : la fin ({period.end:%d/%m/%Y}) précède le début "
            f"({period.start:%d/%m/%Y})."
        )
        return problems
    if booking_opens_on and booking_closes_on and booking_closes_on < booking_opens_on:
        problems.append(
            f"Période « {period.code} » : les réservations ferment ({booking_closes_on:%d/%m/%Y}) "
            f"avant d'ouvrir ({booking_opens_on:%d/%m/%Y})."
        )
    if booking_opens_on and booking_opens_on > period.end:
        problems.append(
            f"Période « {period.code} » : les réservations ouvrent ({booking_opens_on:%d/%m/%Y}) "
            f"après la fin de la période ({period.end:%d/%m/%Y})."
        )
    for other in others:
        if other.code == period.code or other.kind != period.kind:
            continue
        if other.start <= period.end and period.start <= other.end:
            problems.append(
                f"Période « {period.code} » ({_span(period.start, period.end)}) : elle "
                f"chevauche la période « {other.code} » ({_span(other.start, other.end)}) "
                f"de la même activité ({PERIOD_KIND_LABELS[period.kind]}) ; décalez l'une "
                "des deux."
            )
    return problems


def period_overlaps(periods: Sequence[PeriodSpan]) -> list[tuple[int, str]]:
    """Within one activity's list (the TOML file): (index, message) of each overlap."""
    found = []
    for i, period in enumerate(periods):
        earlier = [p for p in periods[:i] if p.code != period.code]
        for message in period_problems(period, earlier):
            found.append((i, message))
    return found


# -- capacity ---------------------------------------------------------------------------


def capacity_problems(
    session: Session,
    unit_id: int,
    unit_label: str,
    age_group_id: int | None,
    start: date,
    end: date,
    places: int,
) -> list[str]:
    """Days where accepted bookings already exceed ``places``: refused, children named."""
    if places < 0:
        return [f"Capacité de « {unit_label} » : le nombre de places ne peut être négatif."]
    group = session.get(AgeGroup, age_group_id) if age_group_id else None
    rows = session.execute(
        select(Booking.day, Child.first_name, Child.last_name, Child.birth_date)
        .join(Child, Child.id == Booking.child_id)
        .where(
            Booking.unit_id == unit_id,
            Booking.day >= start,
            Booking.day <= end,
            Booking.state.in_(HOLDING),
        )
        .order_by(Booking.day, Child.last_name, Child.first_name)
    )
    by_day: dict[date, list[str]] = defaultdict(list)
    for day, first, last, birth in rows:
        if group is not None:
            months = (day.year - birth.year) * 12 + day.month - birth.month
            months -= day.day < birth.day
            if not group.min_age_months <= months <= group.max_age_months:
                continue
        by_day[day].append(f"{first} {last.upper()}")
    problems = []
    for day, names in sorted(by_day.items()):
        if len(names) > places:
            who = f" ({group.name})" if group is not None else ""
            problems.append(
                f"Capacité de « {unit_label} »{who} le {day:%d/%m/%Y} : "
                f"{_count(len(names), 'enfant déjà accepté', 'enfants déjà acceptés')} pour "
                f"{_count(places, 'place demandée', 'places demandées')} "
                f"({', '.join(names)}). Annulez d'abord des réservations ou gardez au moins "
                f"{_count(len(names), 'place', 'places')}."
            )
    return problems


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n <= 1 else many}"


# -- invoiced days and closed billing periods -------------------------------------------


def closed_period_problems(
    session: Session, regie_id: int, start: date, end: date, what: str
) -> list[str]:
    """A change dated inside a closed billing period of the régie: refused."""
    closed = session.execute(
        select(ClosedPeriod.start_date, ClosedPeriod.end_date)
        .where(
            ClosedPeriod.regie_id == regie_id,
            ClosedPeriod.start_date <= end,
            ClosedPeriod.end_date >= start,
        )
        .order_by(ClosedPeriod.end_date.desc())
    ).first()
    if closed is None:
        return []
    return [
        f"{what} touche la période de facturation clôturée {_span(*closed)} : elle ne peut "
        f"plus changer ; une nouvelle version doit commencer après le {closed[1]:%d/%m/%Y}."
    ]


def invoiced_days(session: Session, unit_ids: Sequence[int], start: date, end: date) -> int:
    if not unit_ids:
        return 0
    return (
        session.scalar(
            select(func.count(InvoiceLine.id)).where(
                InvoiceLine.unit_id.in_(unit_ids),
                InvoiceLine.day >= start,
                InvoiceLine.day <= end,
            )
        )
        or 0
    )


def invoiced_problems(
    session: Session, unit_ids: Sequence[int], start: date, end: date, what: str
) -> list[str]:
    """A change that would reprice or drop days already invoiced: refused."""
    last = (
        session.scalar(
            select(func.max(InvoiceLine.day)).where(
                InvoiceLine.unit_id.in_(unit_ids),
                InvoiceLine.day >= start,
                InvoiceLine.day <= end,
            )
        )
        if unit_ids
        else None
    )
    if last is None:
        return []
    count = invoiced_days(session, unit_ids, start, end)
    return [
        f"{what} touche {count} jour(s) déjà facturé(s) (jusqu'au {last:%d/%m/%Y}) : "
        f"une nouvelle version doit commencer après le {last:%d/%m/%Y}."
    ]


# -- what is in use ---------------------------------------------------------------------


def usage_problems(
    session: Session,
    unit_ids: Sequence[int],
    what: str,
    start: date | None = None,
    end: date | None = None,
    archive_hint: str = "archivez-le plutôt",
) -> list[str]:
    """Deleting what bookings or invoices use: refused (archive instead)."""
    if not unit_ids:
        return []
    booking = select(func.count(Booking.id)).where(Booking.unit_id.in_(unit_ids))
    invoice = select(func.count(InvoiceLine.id)).where(InvoiceLine.unit_id.in_(unit_ids))
    if start is not None and end is not None:
        booking = booking.where(Booking.day >= start, Booking.day <= end)
        invoice = invoice.where(InvoiceLine.day >= start, InvoiceLine.day <= end)
    bookings = session.scalar(booking) or 0
    lines = session.scalar(invoice) or 0
    if not bookings and not lines:
        return []
    used = []
    if bookings:
        used.append(f"{bookings} réservation(s)")
    if lines:
        used.append(f"{lines} ligne(s) de facture")
    return [
        f"{what} est utilisé(e) par {' et '.join(used)} : suppression refusée ; {archive_hint}."
    ]
