"""« Semaine type » : the same weekdays of one or more units of an activity (e.g. lundi,
mardi, jeudi, vendredi, matin et soir du périscolaire) booked for a child over a range of
dates in one action, at the desk.

There is one rule for what a day becomes, the desk's (:mod:`.planning`, which the portal
shares through the sync): :func:`preview_regular_week` reads the child's days once
(:class:`~.week_cells.WeekContext`) and :func:`plan_lines`, pure, says for every chosen day
what booking it would do — booked, waiting list (full, the activity's rule says so),
refused as full (the rule says « demande »), closed (public holiday, closure, the unit
not open that weekday, past day, registration not accepted), already booked (or asked,
or on the waiting list), or outside the child's registration periods. Nothing is
written. :func:`apply_regular_week` then books those days with
:func:`.planning.book_cells` (capacity read under the unit lock, waiting list, one
``booking.desk`` outbox item per family so the portal shows the days), so what is saved
is what the desk's rule decides at that moment; applying the same semaine type twice
books nothing more.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from backoffice.dates import WEEKDAYS
from backoffice.models import Activity, Period, Registration, Unit
from backoffice.services.bookings.planning import ALREADY, DeskResult, book_cells
from backoffice.services.bookings.week import PlanningError, _child
from backoffice.services.bookings.week_cells import ACTIVE, WeekContext
from backoffice.services.common.actors import Actor, bind
from backoffice.services.requests.recording import day_label, require_deciding_role

MAX_DAYS = 400  # a school year and some: a longer range is a typing error
OUTCOMES = {
    "book": "Sera réservé",
    "waiting": "Liste d'attente (complet)",
    "full": "Complet : non réservé",
    "already": "Déjà réservé",
    "closed": "Fermé",
    "outside": "Hors inscription",
}
BOOKING_OUTCOMES = ("book", "waiting")

__all__ = [
    "ActivityChoice",
    "MAX_DAYS",
    "OUTCOMES",
    "PreviewLine",
    "RegularWeekPreview",
    "apply_regular_week",
    "plan_lines",
    "preview_regular_week",
    "registered_activities",
]


@dataclass(frozen=True, slots=True)
class PreviewLine:
    day: date
    unit_id: int
    unit_name: str
    outcome: str  # a key of OUTCOMES
    reason: str = ""
    places_left: int | None = None  # None: no capacity set

    @property
    def label(self) -> str:
        return OUTCOMES[self.outcome]

    @property
    def books(self) -> bool:
        return self.outcome in BOOKING_OUTCOMES


@dataclass(frozen=True, slots=True)
class RegularWeekPreview:
    child_id: int
    child_name: str
    activity_id: int
    activity_name: str
    first: date
    last: date
    lines: tuple[PreviewLine, ...]

    @property
    def counts(self) -> Counter:
        return Counter(line.outcome for line in self.lines)

    @property
    def to_book(self) -> int:
        return sum(1 for line in self.lines if line.books)

    def days_by_unit(self) -> dict[int, list[date]]:
        """The days the preview books (or puts on the waiting list), per unit."""
        out: dict[int, list[date]] = {}
        for line in self.lines:
            if line.books:
                out.setdefault(line.unit_id, []).append(line.day)
        return out

    def summary(self) -> str:
        c = self.counts
        parts = [f"{c['book']} jour(s) à réserver"]
        if c["waiting"]:
            parts.append(f"{c['waiting']} en liste d'attente (complet)")
        if c["full"]:
            parts.append(f"{c['full']} complet(s) non réservé(s)")
        if c["already"]:
            parts.append(f"{c['already']} déjà réservé(s)")
        if c["closed"]:
            parts.append(f"{c['closed']} fermé(s)")
        if c["outside"]:
            parts.append(f"{c['outside']} hors inscription")
        return f"Du {self.first:%d/%m/%Y} au {self.last:%d/%m/%Y} : " + ", ".join(parts) + "."


def _check_range(first: date, last: date) -> None:
    if last < first:
        raise PlanningError(
            f"La date de fin ({last:%d/%m/%Y}) est avant la date de début ({first:%d/%m/%Y})."
        )
    if (last - first).days + 1 > MAX_DAYS:
        raise PlanningError(
            f"Période trop longue ({(last - first).days + 1} jours) : une semaine type "
            f"s'applique sur {MAX_DAYS} jours au plus (une année scolaire)."
        )


def _check_pattern(
    session: Session, activity_id: int, pattern: Mapping[int, Iterable[int]]
) -> tuple[Activity, list[tuple[Unit, frozenset[int]]]]:
    activity = session.get(Activity, activity_id)
    if activity is None:
        raise PlanningError("Cette activité n'existe plus : actualisez le planning.")
    units = {u.id: u for u in activity.units}
    chosen: list[tuple[Unit, frozenset[int]]] = []
    for unit_id, weekdays in pattern.items():
        unit = units.get(unit_id)
        if unit is None:
            raise PlanningError(
                f"Cette unité n'est pas une unité de « {activity.name} » : actualisez le planning."
            )
        days = frozenset(int(d) for d in weekdays)
        wrong = sorted(d for d in days if not 1 <= d <= 7)
        if wrong:
            raise PlanningError(
                f"Jour de la semaine inconnu : {wrong[0]} (1 = lundi … 7 = dimanche)."
            )
        if days:
            chosen.append((unit, days))
    if not chosen:
        raise PlanningError("Aucun jour choisi : cochez au moins un jour d'une unité.")
    chosen.sort(key=lambda item: (item[0].position, item[0].id))
    return activity, chosen


def plan_lines(
    registrations: Sequence[Registration],
    units: Sequence[tuple[Unit, frozenset[int]]],
    first: date,
    last: date,
    ctx: WeekContext,
) -> list[PreviewLine]:
    """What booking each chosen day of each unit would do (no database access: the
    registrations, units and context are loaded). The cells are the desk planning's
    (:meth:`.week_cells.WeekContext.cell`), so each day reads as in the child's week."""
    lines: list[PreviewLine] = []
    day = first
    while day <= last:
        weekday = day.isoweekday()
        for unit, weekdays in units:
            if weekday not in weekdays:
                continue
            reg = next(
                (r for r in registrations if r.period.start_date <= day <= r.period.end_date),
                None,
            )
            if reg is None:
                lines.append(
                    PreviewLine(
                        day, unit.id, unit.name, "outside",
                        "Hors des périodes d'inscription de l'enfant.",
                    )
                )  # fmt: skip
                continue
            cell = ctx.cell(reg, unit, day)
            if cell.booking_state in ACTIVE:
                outcome, reason = "already", ALREADY[cell.booking_state]
            elif cell.state == "full":  # the activity's rule: waiting list, or refused
                outcome, reason = ("waiting" if cell.can_book else "full"), cell.reason
            elif cell.can_book:
                outcome, reason = "book", ""
            else:
                outcome, reason = "closed", cell.reason or cell.label
            left = cell.places_left
            lines.append(PreviewLine(day, unit.id, unit.name, outcome, reason, left))
        day += timedelta(days=1)
    return lines


def _load(
    session: Session,
    child_id: int,
    activity_id: int,
    pattern: Mapping[int, Iterable[int]],
    first: date,
    last: date,
    today: date,
):
    _check_range(first, last)
    child = _child(session, child_id)
    activity, units = _check_pattern(session, activity_id, pattern)
    registrations = session.scalars(
        select(Registration)
        .join(Period, Period.id == Registration.period_id)
        .where(
            Registration.child_id == child_id,
            Registration.activity_id == activity_id,
            Period.start_date <= last,
            Period.end_date >= first,
        )
        .options(selectinload(Registration.period), selectinload(Registration.activity))
        .order_by(Period.start_date, Registration.id)
    ).all()
    if not registrations:
        raise PlanningError(
            f"{child.full_name} n'est inscrit(e) à « {activity.name} » pour aucune période "
            f"entre le {first:%d/%m/%Y} et le {last:%d/%m/%Y} : inscrivez l'enfant d'abord."
        )
    return child, activity, units, registrations


def preview_regular_week(
    session: Session,
    actor: Actor,
    child_id: int,
    activity_id: int,
    pattern: Mapping[int, Iterable[int]],
    first: date,
    last: date,
    today: date,
) -> RegularWeekPreview:
    """What applying the semaine type ``pattern`` (unit id → ISO weekdays, 1 = lundi)
    from ``first`` to ``last`` would book; nothing is written."""
    require_deciding_role(actor)
    bind(session, actor)
    child, activity, units, registrations = _load(
        session, child_id, activity_id, pattern, first, last, today
    )
    ctx = WeekContext.load(session, child_id, registrations, first, last, today)
    lines = plan_lines(registrations, units, first, last, ctx)
    return RegularWeekPreview(
        child.id, child.full_name, activity.id, activity.name, first, last, tuple(lines)
    )


def apply_regular_week(
    session: Session,
    actor: Actor,
    child_id: int,
    activity_id: int,
    pattern: Mapping[int, Iterable[int]],
    first: date,
    last: date,
    today: date,
) -> DeskResult:
    """Book the semaine type at the desk, in the caller's transaction: every chosen day
    goes through :func:`.planning.book_cells` (closed, past and already booked days are
    left, a full day goes to the waiting list or is refused per the activity's rule),
    told to the portal as the desk's bookings are. Applying it twice books nothing more."""
    require_deciding_role(actor)
    bind(session, actor)
    _child_row, _activity, units, _registrations = _load(
        session, child_id, activity_id, pattern, first, last, today
    )
    by_unit: dict[int, list[date]] = {}
    day = first
    while day <= last:
        for unit, weekdays in units:
            if day.isoweekday() in weekdays:
                by_unit.setdefault(unit.id, []).append(day)
        day += timedelta(days=1)
    if not by_unit:
        return DeskResult()
    return book_cells(session, actor, child_id, by_unit, today, book=True, explicit=False)


@dataclass(frozen=True, slots=True)
class ActivityChoice:
    activity_id: int
    name: str
    units: tuple[tuple[int, str, frozenset[int]], ...]  # id, name, the unit's weekdays
    first: date  # the registrations' first and last day
    last: date


def registered_activities(session: Session, child_id: int, today: date) -> list[ActivityChoice]:
    """The activities the child is registered to with a period not over, their units and
    the span of those periods (what the semaine type dialog offers)."""
    _child(session, child_id)
    regs = session.scalars(
        select(Registration)
        .join(Period, Period.id == Registration.period_id)
        .where(Registration.child_id == child_id, Period.end_date >= today)
        .options(selectinload(Registration.period), selectinload(Registration.activity))
        .order_by(Period.start_date, Registration.id)
    ).all()
    spans: dict[int, tuple[date, date]] = {}
    activities: dict[int, Activity] = {}
    for reg in regs:
        activities[reg.activity_id] = reg.activity
        first, last = spans.get(reg.activity_id, (reg.period.start_date, reg.period.end_date))
        spans[reg.activity_id] = (
            min(first, reg.period.start_date),
            max(last, reg.period.end_date),
        )
    out = []
    for activity_id, activity in activities.items():
        units = tuple(
            (u.id, u.name, u.weekday_set)
            for u in sorted(activity.units, key=lambda u: (u.position, u.id))
        )
        first, last = spans[activity_id]
        out.append(ActivityChoice(activity_id, activity.name, units, max(first, today), last))
    return out


def weekday_names(weekdays: Iterable[int]) -> str:
    return ", ".join(WEEKDAYS[d - 1] for d in sorted(weekdays))


def line_text(line: PreviewLine) -> str:
    text = f"{day_label(line.day)} — {line.unit_name} : {line.label}"
    return f"{text} ({line.reason})" if line.reason else text
