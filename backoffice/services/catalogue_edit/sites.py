"""Sites (établissements): where children are received."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.models import Activity, AuditAction, Site, Unit
from backoffice.services.catalogue_edit.checks import usage_problems
from backoffice.services.catalogue_edit.common import (
    CatalogueRefused,
    audit,
    check_version,
    queue_for_portal,
    refuse_if,
    require_catalogue_role,
)
from backoffice.services.common.actors import Actor


@dataclass
class SiteInput:
    code: str
    name: str
    address: str = ""
    postcode: str = ""
    commune: str = ""
    phone: str = ""


def list_sites(session: Session, *, with_archived: bool = True) -> list[Site]:
    query = select(Site).order_by(Site.archived_on.is_not(None), Site.name)
    if not with_archived:
        query = query.where(Site.archived_on.is_(None))
    return list(session.scalars(query))


def save_site(
    session: Session,
    actor: Actor,
    data: SiteInput,
    site_id: int | None = None,
    expected_version: int | None = None,
) -> Site:
    require_catalogue_role(session, actor, "modifier les sites")
    code, name = data.code.strip().upper(), data.name.strip()
    problems = []
    if not code or len(code) > 20:
        problems.append("Le code du site est obligatoire (20 caractères au plus).")
    if not name:
        problems.append("Le nom du site est obligatoire.")
    postcode = data.postcode.strip()
    if postcode and not (postcode.isdigit() and len(postcode) == 5):
        problems.append(f"Code postal « {postcode} » : 5 chiffres attendus.")
    clash = session.scalar(select(Site).where(Site.code == code, Site.id != (site_id or 0)))
    if clash is not None:
        problems.append(f"Le code « {code} » est déjà celui du site « {clash.name} ».")
    refuse_if(problems)
    site = session.get(Site, site_id) if site_id else None
    values = {
        "code": code,
        "name": name,
        "address": data.address.strip(),
        "postcode": postcode,
        "commune": data.commune.strip(),
        "phone": data.phone.strip(),
    }
    if site_id and site is None:
        raise CatalogueRefused(["Ce site n'existe plus : rechargez la page."])
    if site is None:
        site = Site(**values)
        session.add(site)
        audit(session, actor, AuditAction.CREATE, "site", site, name)
    else:
        check_version(site, expected_version, f"Le site « {site.name} »")
        for key, value in values.items():
            if getattr(site, key) != value:
                setattr(site, key, value)
        audit(session, actor, AuditAction.UPDATE, "site", site)
    session.flush()
    queue_for_portal(session, f"Paramètres : site {code}")
    return site


def delete_site(session: Session, actor: Actor, site_id: int, expected_version: int) -> None:
    require_catalogue_role(session, actor, "supprimer un site")
    site = session.get(Site, site_id)
    if site is None:
        return
    check_version(site, expected_version, f"Le site « {site.name} »")
    names = list(session.scalars(select(Activity.name).where(Activity.site_id == site_id)))
    if names:
        unit_ids = list(
            session.scalars(select(Unit.id).join(Activity).where(Activity.site_id == site_id))
        )
        refuse_if(
            usage_problems(
                session,
                unit_ids,
                f"Le site « {site.name} »",
                archive_hint="archivez plutôt ses activités, puis le site",
            )
            or [
                f"Le site « {site.name} » accueille des activités ({', '.join(names)}) : "
                "rattachez-les à un autre site avant de le supprimer."
            ]
        )
    audit(session, actor, AuditAction.DELETE, "site", site, site.name)
    session.delete(site)
    session.flush()
