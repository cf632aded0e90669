"""Processing rules: « J-x à hh:mm », weekends/holidays counted or not, cancellation
deadline, automatic acceptance within capacity, waiting-list reallocation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from sqlalchemy.orm import Session

from backoffice.models import Activity, AuditAction, ProcessingRule, WhenFull
from backoffice.services.catalogue_edit.common import (
    CatalogueRefused,
    audit,
    check_version,
    queue_for_portal,
    refuse_if,
    require_catalogue_role,
)
from backoffice.services.common.actors import Actor

MAX_NOTICE_DAYS = 90  # the portal's limit (sync.catalogue_push)


@dataclass
class RuleInput:
    booking_notice_days: int = 2
    booking_notice_time: time = time(12, 0)
    cancel_notice_days: int = 2
    cancel_notice_time: time = time(12, 0)
    skip_weekends: bool = True
    skip_public_holidays: bool = True
    auto_accept: bool = False
    when_full: WhenFull = WhenFull.WAITING_LIST
    registration_requires_complete_file: bool = True


def notice_text(days: int, at: time) -> str:
    return f"J-{days} à {at:%H:%M}"


def save_rule(
    session: Session,
    actor: Actor,
    activity_id: int,
    data: RuleInput,
    expected_version: int | None = None,
) -> ProcessingRule:
    """The activity's rule (created when it has none). A rule acts on bookings made
    from now on; invoiced days keep what was decided then."""
    require_catalogue_role(session, actor, "modifier les règles de réservation")
    activity = session.get(Activity, activity_id)
    if activity is None:
        raise CatalogueRefused(["Cette activité n'existe plus : rechargez la page."])
    problems = []
    for days, label in (
        (data.booking_notice_days, "réservation"),
        (data.cancel_notice_days, "annulation"),
    ):
        if not 0 <= days <= MAX_NOTICE_DAYS:
            problems.append(f"Délai de {label} : de J-0 à J-{MAX_NOTICE_DAYS}.")
    refuse_if(problems)
    values = {
        "booking_notice_days": data.booking_notice_days,
        "booking_notice_time": data.booking_notice_time,
        "cancel_notice_days": data.cancel_notice_days,
        "cancel_notice_time": data.cancel_notice_time,
        "skip_weekends": data.skip_weekends,
        "skip_public_holidays": data.skip_public_holidays,
        "auto_accept": data.auto_accept,
        "when_full": data.when_full,
        "registration_requires_complete_file": data.registration_requires_complete_file,
    }
    rule = activity.rule
    if rule is None:
        rule = ProcessingRule(activity_id=activity_id, **values)
        session.add(rule)
        audit(session, actor, AuditAction.CREATE, "processing_rule", rule, activity.code)
    else:
        check_version(rule, expected_version, f"La règle de « {activity.name} »")
        for key, value in values.items():
            if getattr(rule, key) != value:
                setattr(rule, key, value)
        audit(session, actor, AuditAction.UPDATE, "processing_rule", rule)
    session.flush()
    queue_for_portal(session, f"Paramètres : règle {activity.code}")
    return rule
