"""Archive instead of delete: régies, sites and periods that bookings or invoices use.

An archived row stays (its invoices, bookings and history keep pointing at it) but is
no longer offered: hidden from the pickers and, for a period, from the portal push.
A régie or a site is archived only once none of its activities is still offered
(archive those first: the activity's own « Archiver » exists since the first pass).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.models import Activity, AuditAction, Period, Regie, Site
from backoffice.services.catalogue_edit.common import (
    CatalogueRefused,
    audit,
    check_version,
    queue_for_portal,
    refuse_if,
)
from backoffice.services.common.actors import Actor, bind
from backoffice.services.common.permissions import Permission, require


def _offered_activities(session: Session, column, owner_id: int) -> list[str]:
    return list(
        session.scalars(
            select(Activity.name)
            .where(column == owner_id, Activity.active.is_(True))
            .order_by(Activity.name)
        )
    )


def _stamp(obj, archived: bool, today: date) -> None:
    obj.archived_on = today if archived else None


def archive_regie(
    session: Session,
    actor: Actor,
    regie_id: int,
    expected_version: int,
    today: date,
    archived: bool = True,
) -> Regie:
    require(session, actor, Permission.CATALOGUE, "archiver une régie")
    bind(session, actor)
    regie = session.get(Regie, regie_id)
    if regie is None:
        raise CatalogueRefused(["Cette régie n'existe plus : rechargez la page."])
    check_version(regie, expected_version, f"La régie « {regie.code} »")
    if archived:
        names = _offered_activities(session, Activity.regie_id, regie_id)
        refuse_if(
            [
                f"La régie « {regie.code} » porte encore des activités proposées "
                f"({', '.join(names)}) : archivez-les d'abord ou rattachez-les à une autre régie."
            ]
            if names
            else []
        )
    _stamp(regie, archived, today)
    audit(session, actor, AuditAction.UPDATE, "regie", regie)
    session.flush()
    queue_for_portal(session, f"Paramètres : régie {regie.code}", windows=True)
    return regie


def archive_site(
    session: Session,
    actor: Actor,
    site_id: int,
    expected_version: int,
    today: date,
    archived: bool = True,
) -> Site:
    require(session, actor, Permission.CATALOGUE, "archiver un site")
    bind(session, actor)
    site = session.get(Site, site_id)
    if site is None:
        raise CatalogueRefused(["Ce site n'existe plus : rechargez la page."])
    check_version(site, expected_version, f"Le site « {site.name} »")
    if archived:
        names = _offered_activities(session, Activity.site_id, site_id)
        refuse_if(
            [
                f"Le site « {site.name} » accueille encore des activités proposées "
                f"({', '.join(names)}) : archivez-les d'abord ou rattachez-les à un autre site."
            ]
            if names
            else []
        )
    _stamp(site, archived, today)
    audit(session, actor, AuditAction.UPDATE, "site", site)
    session.flush()
    queue_for_portal(session, f"Paramètres : site {site.code}")
    return site


def archive_period(
    session: Session,
    actor: Actor,
    period_id: int,
    expected_version: int,
    today: date,
    archived: bool = True,
) -> Period:
    """An archived period leaves the portal (no new booking); what was booked stays."""
    require(session, actor, Permission.CATALOGUE, "archiver une période")
    bind(session, actor)
    period = session.get(Period, period_id)
    if period is None:
        raise CatalogueRefused(["Cette période n'existe plus : rechargez la page."])
    check_version(period, expected_version, f"La période « {period.code} »")
    _stamp(period, archived, today)
    audit(session, actor, AuditAction.UPDATE, "period", period)
    session.flush()
    queue_for_portal(session, f"Paramètres : période {period.activity.code} › {period.code}")
    return period
