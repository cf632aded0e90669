"""« Enfants attendus »: the snapshot the printed list is made from (the PDF itself is
:mod:`backoffice.documents.expected_children_pdf`).

Printing health alerts is handing health data to paper: for the roles allowed
medical data, each child whose alerts are printed gets a medical-access entry.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.dates import PARIS
from backoffice.documents.expected_children_pdf import ExpectedList, UnitList
from backoffice.documents.invoice_data import issuer_from_settings
from backoffice.errors import UserError
from backoffice.models import Child, Site
from backoffice.services.bookings.occupancy import expected_children, occupancy
from backoffice.services.common import audit
from backoffice.services.common.actors import Actor


def expected_list_document(
    session: Session,
    actor: Actor,
    site_id: int,
    day: date,
    activity_id: int | None = None,
    now: datetime | None = None,
) -> ExpectedList:
    """Snapshot of the children expected (every unit running that day, even empty)."""
    site = session.get(Site, site_id)
    if site is None:
        raise UserError("Établissement introuvable : actualisez la liste.")
    children = expected_children(session, actor, site_id, day, activity_id)
    if actor.sees_medical_data:  # health data going to paper: recorded per child
        for child in session.scalars(
            select(Child).where(Child.id.in_({c.child_id for c in children if c.alerts}))
        ):
            audit.record_medical_access(session, actor, child, printed=True)
    units = []
    for unit in occupancy(session, site_id, day, activity_id):
        title = f"{unit.activity_name} — {unit.unit_name}"
        if unit.times:
            title += f" ({unit.times})"
        if unit.closed:
            title += f" — fermé : {unit.closed}"
        units.append(UnitList(title, tuple(c for c in children if c.unit_id == unit.unit_id)))
    return ExpectedList(
        collectivity=issuer_from_settings(session).name,
        site_name=site.name,
        day=day,
        printed_at=(now or datetime.now(PARIS)).astimezone(PARIS),
        printed_by=actor.label,
        units=tuple(units),
        health_data=actor.sees_medical_data,
    )
