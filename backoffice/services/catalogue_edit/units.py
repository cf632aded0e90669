"""Units of an activity (matin, repas, journée, heure…): their times, weekdays, billing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from sqlalchemy.orm import Session

from backoffice.models import Activity, AuditAction, BillingUnit, Unit
from backoffice.services.catalogue_edit.common import (
    CatalogueRefused,
    audit,
    check_version,
    queue_for_portal,
    refuse_if,
)
from backoffice.services.common.actors import Actor, bind
from backoffice.services.common.permissions import Permission, require

BILLING_UNIT_LABELS = {
    BillingUnit.EACH: "À l'unité réservée ou présente",
    BillingUnit.HOUR: "À l'heure (multi-accueil)",
}
WEEKDAY_LABELS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


@dataclass
class UnitInput:
    code: str
    name: str
    start_time: time | None
    end_time: time | None
    weekdays: list[int]  # ISO 1 = lundi … 7 = dimanche
    billing_unit: BillingUnit = BillingUnit.EACH


def save_unit(
    session: Session,
    actor: Actor,
    activity_id: int,
    data: UnitInput,
    unit_id: int | None = None,
    expected_version: int | None = None,
) -> Unit:
    """A unit without both times or without a weekday is not bookable on the portal
    (the push leaves it out): refused here, where the director can fix it."""
    require(session, actor, Permission.CATALOGUE, "modifier les unités")
    bind(session, actor)
    activity = session.get(Activity, activity_id)
    if activity is None:
        raise CatalogueRefused(["Cette activité n'existe plus : rechargez la page."])
    code, name = data.code.strip(), data.name.strip()
    problems = []
    if not code or len(code) > 30 or " " in code:
        problems.append("Le code de l'unité est obligatoire (30 caractères au plus, sans espace).")
    if not name:
        problems.append("Le nom de l'unité est obligatoire.")
    if any(u.code == code and u.id != unit_id for u in activity.units):
        problems.append(f"Le code « {code} » est déjà celui d'une autre unité de l'activité.")
    if data.start_time is None or data.end_time is None:
        problems.append("Les heures de début et de fin sont obligatoires (hh:mm).")
    elif data.end_time <= data.start_time:
        problems.append(
            f"L'unité finit à {data.end_time:%H:%M}, pas après son début ({data.start_time:%H:%M})."
        )
    days = sorted({d for d in data.weekdays if 1 <= d <= 7})
    if not days:
        problems.append("Cochez au moins un jour de la semaine.")
    refuse_if(problems)
    unit = session.get(Unit, unit_id) if unit_id else None
    if unit_id and (unit is None or unit.activity_id != activity_id):
        raise CatalogueRefused(["Cette unité n'existe plus : rechargez la page."])
    values = {
        "code": code,
        "name": name,
        "start_time": data.start_time,
        "end_time": data.end_time,
        "weekdays": ",".join(str(d) for d in days),
        "billing_unit": BillingUnit(data.billing_unit),
    }
    if unit is None:
        position = max((u.position for u in activity.units), default=-1) + 1
        unit = Unit(position=position, **values)
        activity.units.append(unit)  # the loaded collection sees it (the push reads it)
        audit(session, actor, AuditAction.CREATE, "unit", unit, f"{activity.code} › {name}")
    else:
        check_version(unit, expected_version, f"L'unité « {unit.name} »")
        for key, value in values.items():
            if getattr(unit, key) != value:
                setattr(unit, key, value)
        audit(session, actor, AuditAction.UPDATE, "unit", unit)
    session.flush()
    queue_for_portal(session, f"Paramètres : unité {activity.code} › {code}")
    return unit
