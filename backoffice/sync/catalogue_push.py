"""Push topics built from the back-office's catalogue at send time.

- ``catalogue.publish`` → ``PUT /staff/catalogue``: the whole catalogue as the
  portal's ``CataloguePush`` (it replaces the previous one): every active
  activity with its site, age groups, periods (with their booking dates),
  units, capacities and processing rules, and the closures (global, or of an
  activity pushed), and the codes of the autorisations each activity asks
  (a registration waits for their answers). Archived periods are left out.
- ``payment_windows.publish`` → ``PUT /staff/payment-windows``: every payment
  window of every régie not archived (it replaces the previous ones).

Both bodies are read from the rows when the item is sent, not from the outbox
snapshot: an item sent late carries the latest catalogue; several items
waiting collapse into the newest (the older ones are acknowledged without a
call). The idempotency key is the item's key and a digest of the body.

What the portal cannot hold is left out rather than refused whole: a unit
without both times (or without any weekday) and its capacities; beyond the
portal's limits, only the latest periods (100 per activity), closures (1,000)
and windows (500) go.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import time

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from backoffice.models import Activity, Closure, OutboxItem, OutboxState, PaymentWindow, Regie, Unit
from backoffice.sync.calls import Call, Skip, digest

CATALOGUE_TOPIC = "catalogue.publish"
WINDOWS_TOPIC = "payment_windows.publish"
MAX_PERIODS = 100  # per activity (portal's CataloguePush)
MAX_CLOSURES = 1000
MAX_WINDOWS = 500
MAX_NOTICE_DAYS = 90
MAX_AGE = 25


def _notice(days: int, at, rule) -> dict:
    return {
        "days": max(0, min(days, MAX_NOTICE_DAYS)),
        "time": at.strftime("%H:%M"),
        "skip_weekends": rule.skip_weekends,
        "skip_public_holidays": rule.skip_public_holidays,
    }


def _rules(activity: Activity) -> dict:
    rule = activity.rule
    if rule is None:  # the portal's defaults
        return {}
    return {
        "booking_notice": _notice(rule.booking_notice_days, rule.booking_notice_time, rule),
        "cancellation_notice": _notice(rule.cancel_notice_days, rule.cancel_notice_time, rule),
        "auto_accept": rule.auto_accept,
        "when_full": rule.when_full.value,
    }


def _bookable(unit: Unit) -> bool:
    return (
        unit.start_time is not None
        and unit.end_time is not None
        and unit.start_time < unit.end_time
        and bool(unit.weekday_set)
    )


def _hhmm(at: time | None) -> str:
    assert at is not None  # only bookable units, which have both times, are pushed
    return at.strftime("%H:%M")


def _age(months: int) -> int:
    return max(0, min(months // 12, MAX_AGE))


def _activity_body(a: Activity) -> dict:
    units = [u for u in a.units if _bookable(u)]
    offered = (p for p in a.periods if p.archived_on is None)  # archived: no longer offered
    periods = sorted(offered, key=lambda p: (p.start_date, p.code))[-MAX_PERIODS:]
    capacities = sorted(
        (
            {
                "unit": u.code,
                "start": c.start_date.isoformat(),
                "end": c.end_date.isoformat(),
                "age_group": c.age_group.code if c.age_group is not None else None,
                "places": c.places,
            }
            for u in units
            for c in u.capacities
        ),
        key=lambda c: (c["unit"], c["start"], c["end"], c["age_group"] or ""),
    )
    return {
        "code": a.code,
        "name": a.name,
        "kind": a.kind.value,
        "site": a.site.name if a.site is not None else "",
        "age_groups": [
            {
                "code": g.code,
                "label": g.name,
                "min_age": _age(g.min_age_months),
                "max_age": _age(g.max_age_months),
            }
            for g in sorted(a.age_groups, key=lambda g: (g.min_age_months, g.code))
        ],
        "periods": [
            {
                "code": p.code,
                "label": p.name,
                "start": p.start_date.isoformat(),
                "end": p.end_date.isoformat(),
                # No booking dates in the back-office: bookable for the whole period.
                "booking_opens": (p.booking_opens_on or p.start_date).isoformat(),
                "booking_closes": (p.booking_closes_on or p.end_date).isoformat(),
            }
            for p in periods
        ],
        "units": [
            {
                "code": u.code,
                "name": u.name,
                "start_time": _hhmm(u.start_time),
                "end_time": _hhmm(u.end_time),
                "weekdays": sorted(u.weekday_set),
            }
            for u in sorted(units, key=lambda u: (u.position, u.code))
        ],
        "capacities": capacities,
        "rules": _rules(a),
        # The autorisations a registration to it waits for, even optional ones elsewhere.
        "consents": sorted(c.code for c in a.consents if c.active),
    }


def catalogue_body(session: Session) -> dict:
    """``PUT /staff/catalogue``: the back-office's catalogue as the portal wants it."""
    activities = session.scalars(
        select(Activity)
        .where(Activity.active.is_(True))
        .order_by(Activity.code)
        .options(
            selectinload(Activity.site),
            selectinload(Activity.age_groups),
            selectinload(Activity.periods),
            selectinload(Activity.rule),
            selectinload(Activity.units).selectinload(Unit.capacities),
            selectinload(Activity.consents),
        )
    ).all()
    body = [_activity_body(a) for a in activities]
    pushed = {a.id: a.code for a in activities}
    closures = [
        {
            "activity": pushed[c.activity_id] if c.activity_id is not None else None,
            "start": c.start_date.isoformat(),
            "end": c.end_date.isoformat(),
            "label": (c.label or "").strip() or "Fermeture",
        }
        for c in session.scalars(
            select(Closure).order_by(Closure.start_date, Closure.end_date, Closure.id)
        )
        if c.activity_id is None or c.activity_id in pushed
    ]
    return {"activities": body, "closures": closures[-MAX_CLOSURES:]}


def payment_windows_body(session: Session) -> dict:
    """``PUT /staff/payment-windows``: every window of every régie."""
    rows = session.execute(
        select(PaymentWindow, Regie.code)
        .join(Regie, Regie.id == PaymentWindow.regie_id)
        .where(Regie.archived_on.is_(None))
        .order_by(PaymentWindow.opens_on, Regie.code, PaymentWindow.closes_on)
    ).all()
    windows = [
        {
            "regie": code,
            "start": w.opens_on.isoformat(),
            "end": w.closes_on.isoformat(),
            "label": w.label,
        }
        for w, code in rows
    ]
    return {"windows": windows[-MAX_WINDOWS:]}


def superseded(session: Session, item: OutboxItem) -> bool:
    """A newer pending item of the same topic will send the same (current) rows."""
    newer = session.scalar(
        select(OutboxItem.id)
        .where(
            OutboxItem.topic == item.topic,
            OutboxItem.state == OutboxState.PENDING,
            OutboxItem.id > item.id,
        )
        .limit(1)
    )
    return newer is not None


def _whole(path: str, build: Callable[[Session], dict]) -> Callable[[Session, OutboxItem], Call]:
    def builder(session: Session, item: OutboxItem) -> Call:
        if superseded(session, item):
            raise Skip("remplacé par un envoi plus récent du même sujet.")
        body = build(session)
        return Call("PUT", path, body, f"{item.idempotency_key}.{digest(body)}")

    return builder


publish_catalogue = _whole("/staff/catalogue", catalogue_body)
publish_payment_windows = _whole("/staff/payment-windows", payment_windows_body)
