"""Periods of an activity, and closures (closed days): public holidays and « ponts » suggested."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backoffice.models import Activity, AuditAction, Closure, Period, PeriodKind
from backoffice.services.catalogue_edit.checks import (
    PeriodSpan,
    closed_period_problems,
    invoiced_problems,
    period_problems,
    usage_problems,
)
from backoffice.services.catalogue_edit.common import (
    CatalogueRefused,
    audit,
    check_version,
    queue_for_portal,
    refuse_if,
    require_catalogue_role,
)
from backoffice.services.catalogue_edit.school_year_check import school_year_problems
from backoffice.services.common.actors import Actor


@dataclass
class PeriodInput:
    code: str
    name: str
    kind: PeriodKind
    start: date
    end: date
    booking_opens_on: date | None = None
    booking_closes_on: date | None = None


def _span(period: Period) -> PeriodSpan:
    return PeriodSpan(period.code, period.kind, period.start_date, period.end_date)


def _removed(old_start: date, old_end: date, start: date, end: date) -> list[tuple[date, date]]:
    """The days of the old range that the new range no longer covers."""
    gone = []
    if old_start < start:
        gone.append((old_start, min(old_end, start - timedelta(days=1))))
    if old_end > end:
        gone.append((max(old_start, end + timedelta(days=1)), old_end))
    return [(a, b) for a, b in gone if a <= b]


def save_period(
    session: Session,
    actor: Actor,
    activity_id: int,
    data: PeriodInput,
    period_id: int | None = None,
    expected_version: int | None = None,
) -> Period:
    require_catalogue_role(session, actor, "modifier les périodes")
    activity = session.get(Activity, activity_id)
    if activity is None:
        raise CatalogueRefused(["Cette activité n'existe plus : rechargez la page."])
    code, name = data.code.strip(), data.name.strip()
    problems = []
    if not code or not name:
        problems.append("Le code et le nom de la période sont obligatoires.")
    period = session.get(Period, period_id) if period_id else None
    others = [_span(p) for p in activity.periods if p.id != period_id]
    if any(o.code == code for o in others):
        problems.append(f"Le code « {code} » est déjà celui d'une autre période de l'activité.")
    data.kind = PeriodKind(data.kind)
    new = PeriodSpan(code or "?", data.kind, data.start, data.end)
    problems += period_problems(new, others, data.booking_opens_on, data.booking_closes_on)
    problems += school_year_problems(code or "?", data.start, data.end)
    unit_ids = [u.id for u in activity.units]
    if period is not None:
        check_version(period, expected_version, f"La période « {period.code} »")
        for start, end in _removed(period.start_date, period.end_date, data.start, data.end):
            what = f"Retirer du {start:%d/%m/%Y} au {end:%d/%m/%Y} de la période « {code} »"
            problems += closed_period_problems(session, activity.regie_id, start, end, what)
            problems += invoiced_problems(session, unit_ids, start, end, what)
    refuse_if(problems)
    values = {
        "code": code,
        "name": name,
        "kind": data.kind,
        "start_date": data.start,
        "end_date": data.end,
        "booking_opens_on": data.booking_opens_on,
        "booking_closes_on": data.booking_closes_on,
    }
    if period is None:
        period = Period(activity_id=activity_id, **values)
        session.add(period)
        audit(session, actor, AuditAction.CREATE, "period", period, f"{activity.code} › {code}")
    else:
        for key, value in values.items():
            if getattr(period, key) != value:
                setattr(period, key, value)
        audit(session, actor, AuditAction.UPDATE, "period", period)
    session.flush()
    queue_for_portal(session, f"Paramètres : période {activity.code} › {code}")
    return period


def delete_period(session: Session, actor: Actor, period_id: int, expected_version: int) -> None:
    """Only a period no booking nor invoice line falls in can be deleted."""
    require_catalogue_role(session, actor, "supprimer une période")
    period = session.get(Period, period_id)
    if period is None:
        return
    check_version(period, expected_version, f"La période « {period.code} »")
    activity = period.activity
    refuse_if(
        usage_problems(
            session,
            [u.id for u in activity.units],
            f"La période « {period.name} »",
            period.start_date,
            period.end_date,
            archive_hint="archivez-la plutôt (elle quitte le portail, ses réservations restent)",
        )
    )
    audit(session, actor, AuditAction.DELETE, "period", period, f"{activity.code} › {period.code}")
    session.delete(period)
    session.flush()
    queue_for_portal(session, f"Paramètres : période {activity.code} › {period.code} supprimée")


# -- closures ---------------------------------------------------------------------------


def list_closures(session: Session, activity_id: int | None) -> list[Closure]:
    where = (
        Closure.activity_id.is_(None)
        if activity_id is None
        else or_(Closure.activity_id == activity_id, Closure.activity_id.is_(None))
    )
    return list(session.scalars(select(Closure).where(where).order_by(Closure.start_date)))


def save_closure(
    session: Session,
    actor: Actor,
    activity_id: int | None,
    start: date,
    end: date,
    label: str,
    closure_id: int | None = None,
) -> Closure:
    """A closed day or range (``activity_id`` None: every activity)."""
    require_catalogue_role(session, actor, "modifier les fermetures")
    problems = []
    if end < start:
        problems.append(
            f"La fermeture finit le {end:%d/%m/%Y}, avant de commencer le {start:%d/%m/%Y}."
        )
    if not label.strip():
        problems.append("Donnez un libellé à la fermeture (il s'affiche sur le portail).")
    refuse_if(problems)
    closure = session.get(Closure, closure_id) if closure_id else None
    if closure is None:
        closure = Closure(
            activity_id=activity_id, start_date=start, end_date=end, label=label.strip()
        )
        session.add(closure)
        audit(session, actor, AuditAction.CREATE, "closure", closure, label.strip())
    else:
        closure.activity_id, closure.start_date, closure.end_date = activity_id, start, end
        closure.label = label.strip()
        audit(session, actor, AuditAction.UPDATE, "closure", closure)
    session.flush()
    queue_for_portal(session, f"Paramètres : fermeture {label.strip()}")
    return closure


def delete_closure(session: Session, actor: Actor, closure_id: int) -> None:
    require_catalogue_role(session, actor, "modifier les fermetures")
    closure = session.get(Closure, closure_id)
    if closure is None:
        return
    audit(session, actor, AuditAction.DELETE, "closure", closure, closure.label)
    session.delete(closure)
    session.flush()
    queue_for_portal(session, "Paramètres : fermeture supprimée")


@dataclass(frozen=True, slots=True)
class SuggestedClosure:
    start: date
    end: date
    label: str


def suggested_closures(start: date, end: date) -> list[SuggestedClosure]:
    """Public holidays on weekdays between ``start`` and ``end``, and the « ponts »
    (a Monday before a Tuesday holiday, a Friday after a Thursday holiday)."""
    import holidays  # 0.3 s: only when the dialog asks

    found: list[SuggestedClosure] = []
    years = range(start.year, end.year + 1)
    days = dict(holidays.France(years=years, language="fr"))
    for day, name in sorted(days.items()):
        if not start <= day <= end or day.isoweekday() > 5:
            continue
        found.append(SuggestedClosure(day, day, f"Férié : {name}"))
        if day.isoweekday() == 2:
            found.append(
                SuggestedClosure(day - timedelta(days=1), day - timedelta(days=1), f"Pont : {name}")
            )
        if day.isoweekday() == 4:
            found.append(
                SuggestedClosure(day + timedelta(days=1), day + timedelta(days=1), f"Pont : {name}")
            )
    return sorted(found, key=lambda s: s.start)
