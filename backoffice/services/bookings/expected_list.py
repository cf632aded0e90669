"""« Enfants attendus »: the snapshot the printed list is made from (the PDF itself is
:mod:`backoffice.documents.expected_children_pdf`).

Printing health alerts is handing health data to paper: for the roles allowed
medical data, each child whose alerts are printed gets a medical-access entry.

:func:`write_expected_list_pdf` is the « Imprimer la liste » action: the snapshot,
then the PDF written atomically (by default into :func:`backoffice.paths.expected_lists_dir`);
a folder or file that cannot be written is a French
:class:`~backoffice.services.common.files.FileWriteError`.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.dates import PARIS
from backoffice.documents.expected_children_pdf import (
    ExpectedList,
    UnitList,
    render_expected_children_bytes,
)
from backoffice.documents.invoice_data import issuer_from_settings
from backoffice.errors import UserError
from backoffice.models import Child, Site
from backoffice.paths import expected_lists_dir
from backoffice.services.bookings.occupancy import expected_children, occupancy
from backoffice.services.common import audit
from backoffice.services.common.actors import Actor
from backoffice.services.common.files import ensure_folder, write_atomically
from backoffice.services.common.permissions import Permission, require
from backoffice.storage import Database


def expected_list_document(
    session: Session,
    actor: Actor,
    site_id: int,
    day: date,
    activity_id: int | None = None,
    now: datetime | None = None,
) -> ExpectedList:
    """Snapshot of the children expected (every unit running that day, even empty)."""
    require(session, actor, Permission.ATTENDANCE, "imprimer la liste des enfants attendus")
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


def expected_list_pdf_path(site_id: int, day: date, folder: Path | None = None) -> Path:
    """Where the list of a site's day goes (``folder``, else the lists folder)."""
    base = folder if folder is not None else expected_lists_dir()
    return Path(base) / f"enfants-attendus-{site_id}-{day:%Y-%m-%d}.pdf"


def write_expected_list_pdf(
    db: Database,
    actor: Actor,
    site_id: int,
    day: date,
    activity_id: int | None = None,
    *,
    folder: Path | None = None,
) -> Path:
    """The children expected at ``site_id`` on ``day`` as a PDF file; returns the file.

    The snapshot (and its medical-access entries) is committed in its own short
    session; the PDF is then rendered and written without one (worker-safe).
    Raises :class:`~backoffice.errors.UserError` (unknown site, a folder or file
    that cannot be written)."""
    with db.session() as session:
        doc = expected_list_document(session, actor, site_id, day, activity_id)
    data = render_expected_children_bytes(doc)
    path = expected_list_pdf_path(site_id, day, folder)
    ensure_folder(path.parent)
    return write_atomically(path, data)
