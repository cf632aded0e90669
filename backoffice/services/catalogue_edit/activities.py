"""Activities: their régie and site, age groups, capacities per unit and per age group."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from backoffice.models import (
    Activity,
    ActivityKind,
    AgeGroup,
    AuditAction,
    AuditEvent,
    BillingBasis,
    Capacity,
    ConsentDefinition,
    Unit,
)
from backoffice.services.catalogue_edit.checks import capacity_problems, usage_problems
from backoffice.services.catalogue_edit.common import (
    CatalogueRefused,
    audit,
    check_version,
    queue_for_portal,
    refuse_if,
    require_catalogue_role,
)
from backoffice.services.common.actors import Actor

KIND_LABELS = {
    ActivityKind.PERISCOLAIRE: "Périscolaire",
    ActivityKind.ALSH: "Accueil de loisirs (ALSH)",
    ActivityKind.JEUNESSE: "Jeunesse",
    ActivityKind.MULTI_ACCUEIL: "Multi-accueil",
}
BASIS_FOR_KIND = {
    ActivityKind.PERISCOLAIRE: BillingBasis.ATTENDANCE,
    ActivityKind.ALSH: BillingBasis.BOOKINGS,
    ActivityKind.JEUNESSE: BillingBasis.BOOKINGS,
    ActivityKind.MULTI_ACCUEIL: BillingBasis.HOURS,
}


@dataclass
class ActivityInput:
    code: str
    name: str
    kind: ActivityKind
    regie_id: int
    site_id: int
    rank_pricing: bool = False
    # None: left as they are (a caller that does not show them).
    consent_ids: list[int] | None = None
    required_documents: list[str] | None = None


MAX_DOCUMENTS = 20
DOCUMENT_LENGTH = 120
DOCUMENT_EXAMPLES = ("Attestation d'assurance", "Certificat médical", "Brevet de natation")


def clean_documents(labels: list[str]) -> tuple[list[str], list[str]]:
    """The documents' labels as saved (trimmed, blanks and repeats dropped), and the
    problems in French. One set of checks for the dialog and the catalogue TOML."""
    kept: list[str] = []
    problems: list[str] = []
    for label in labels:
        label = " ".join(label.split())
        if not label or label.casefold() in {k.casefold() for k in kept}:
            continue
        if len(label) > DOCUMENT_LENGTH:
            problems.append(
                f"Pièce « {label[:40]}… » : libellé trop long "
                f"({len(label)} caractères, {DOCUMENT_LENGTH} au plus)."
            )
            continue
        kept.append(label)
    if len(kept) > MAX_DOCUMENTS:
        problems.append(f"{len(kept)} pièces à fournir : {MAX_DOCUMENTS} au plus.")
    return kept, problems


def consent_choices(session: Session) -> list[tuple[int, str]]:
    """The autorisations an activity may ask (active ones), as the dialog lists them."""
    rows = session.scalars(
        select(ConsentDefinition)
        .where(ConsentDefinition.active.is_(True))
        .order_by(ConsentDefinition.position, ConsentDefinition.id)
    )
    return [(c.id, c.label + ("" if c.mandatory else " (facultative ailleurs)")) for c in rows]


def list_activities(session: Session, *, with_archived: bool = True) -> list[Activity]:
    query = (
        select(Activity)
        .order_by(Activity.active.desc(), Activity.name)
        .options(
            selectinload(Activity.regie),
            selectinload(Activity.site),
            selectinload(Activity.age_groups),
            selectinload(Activity.periods),
            selectinload(Activity.rule),
            selectinload(Activity.consents),
            selectinload(Activity.units).selectinload(Unit.capacities),
        )
    )
    if not with_archived:
        query = query.where(Activity.active.is_(True))
    return list(session.scalars(query))


def save_activity(
    session: Session,
    actor: Actor,
    data: ActivityInput,
    activity_id: int | None = None,
    expected_version: int | None = None,
) -> Activity:
    require_catalogue_role(session, actor, "modifier les activités")
    code, name = data.code.strip().upper(), data.name.strip()
    problems = []
    if not code or len(code) > 30:
        problems.append("Le code de l'activité est obligatoire (30 caractères au plus).")
    if not name:
        problems.append("Le nom de l'activité est obligatoire.")
    clash = session.scalar(
        select(Activity).where(Activity.code == code, Activity.id != (activity_id or 0))
    )
    if clash is not None:
        problems.append(f"Le code « {code} » est déjà celui de l'activité « {clash.name} ».")
    documents: list[str] | None = None
    if data.required_documents is not None:
        documents, document_problems = clean_documents(data.required_documents)
        problems += document_problems
    consents: list[ConsentDefinition] | None = None
    if data.consent_ids is not None:
        wanted = set(data.consent_ids)
        consents = list(
            session.scalars(
                select(ConsentDefinition)
                .where(ConsentDefinition.id.in_(wanted))
                .order_by(ConsentDefinition.position, ConsentDefinition.id)
            )
        )
        if len(consents) != len(wanted):
            problems.append("Une autorisation cochée n'existe plus : rechargez la page.")
    refuse_if(problems)
    activity = session.get(Activity, activity_id) if activity_id else None
    if activity_id and activity is None:
        raise CatalogueRefused(["Cette activité n'existe plus : rechargez la page."])
    values = {
        "code": code,
        "name": name,
        "kind": data.kind,
        "regie_id": data.regie_id,
        "site_id": data.site_id,
        "rank_pricing": data.rank_pricing,
    }
    if documents is not None:
        values["required_documents"] = documents
    if activity is None:
        values.setdefault("required_documents", [])
        activity = Activity(**values, billing_basis=BASIS_FOR_KIND[data.kind], active=True)
        session.add(activity)
        audit(session, actor, AuditAction.CREATE, "activity", activity, name)
    else:
        check_version(activity, expected_version, f"L'activité « {activity.name} »")
        for key, value in values.items():
            if getattr(activity, key) != value:
                setattr(activity, key, value)
        audit(session, actor, AuditAction.UPDATE, "activity", activity)
    if consents is not None:
        _set_consents(session, actor, activity, consents)
    session.flush()
    queue_for_portal(session, f"Paramètres : activité {code}")
    return activity


def _set_consents(
    session: Session, actor: Actor, activity: Activity, consents: list[ConsentDefinition]
) -> None:
    old = [c.code for c in activity.consents]
    new = [c.code for c in consents]
    if old == new:
        return
    activity.consents = consents
    session.flush()
    session.add(
        AuditEvent(
            staff_user_id=actor.staff_id,
            actor=actor.login,
            action=AuditAction.UPDATE,
            entity="activity",
            entity_id=activity.id,
            field="consents",
            old_value=", ".join(old) or None,
            new_value=", ".join(new) or None,
        )
    )


def archive_activity(
    session: Session, actor: Actor, activity_id: int, expected_version: int, archived: bool = True
) -> Activity:
    """Archived: no longer offered on the portal; its bookings and invoices stay."""
    require_catalogue_role(session, actor, "archiver une activité")
    activity = session.get(Activity, activity_id)
    if activity is None:
        raise CatalogueRefused(["Cette activité n'existe plus : rechargez la page."])
    check_version(activity, expected_version, f"L'activité « {activity.name} »")
    activity.active = not archived
    audit(session, actor, AuditAction.UPDATE, "activity", activity)
    session.flush()
    queue_for_portal(session, f"Paramètres : activité {activity.code}")
    return activity


def delete_activity(
    session: Session, actor: Actor, activity_id: int, expected_version: int
) -> None:
    require_catalogue_role(session, actor, "supprimer une activité")
    activity = session.get(Activity, activity_id)
    if activity is None:
        return
    check_version(activity, expected_version, f"L'activité « {activity.name} »")
    refuse_if(
        usage_problems(
            session,
            [u.id for u in activity.units],
            f"L'activité « {activity.name} »",
            archive_hint="archivez-la plutôt",
        )
    )
    audit(session, actor, AuditAction.DELETE, "activity", activity, activity.name)
    session.delete(activity)
    session.flush()
    queue_for_portal(session, f"Paramètres : activité {activity.code} supprimée")


def save_age_group(
    session: Session,
    actor: Actor,
    activity_id: int,
    code: str,
    name: str,
    min_age_months: int,
    max_age_months: int,
    group_id: int | None = None,
) -> AgeGroup:
    require_catalogue_role(session, actor, "modifier les groupes d'âge")
    problems = []
    if max_age_months < min_age_months:
        problems.append("L'âge maximum est inférieur à l'âge minimum.")
    if not code.strip() or not name.strip():
        problems.append("Le code et le nom du groupe d'âge sont obligatoires.")
    refuse_if(problems)
    group = session.get(AgeGroup, group_id) if group_id else None
    if group is None:
        group = AgeGroup(
            activity_id=activity_id,
            code=code.strip(),
            name=name.strip(),
            min_age_months=min_age_months,
            max_age_months=max_age_months,
        )
        session.add(group)
        audit(session, actor, AuditAction.CREATE, "age_group", group, name)
    else:
        group.code, group.name = code.strip(), name.strip()
        group.min_age_months, group.max_age_months = min_age_months, max_age_months
        audit(session, actor, AuditAction.UPDATE, "age_group", group)
    session.flush()
    queue_for_portal(session, "Paramètres : groupe d'âge")
    return group


def save_capacity(
    session: Session,
    actor: Actor,
    unit_id: int,
    start: date,
    end: date,
    places: int,
    age_group_id: int | None = None,
    capacity_id: int | None = None,
) -> Capacity:
    """Places of a unit over a date range (optionally for one age group).

    Refused when, on some day, more children are already accepted than ``places``
    (the children are named)."""
    require_catalogue_role(session, actor, "modifier les capacités")
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise CatalogueRefused(["Cette unité n'existe plus : rechargez la page."])
    problems = []
    if end < start:
        problems.append(
            f"La capacité finit le {end:%d/%m/%Y}, avant de commencer le {start:%d/%m/%Y}."
        )
    else:
        problems += capacity_problems(session, unit_id, unit.name, age_group_id, start, end, places)
    refuse_if(problems)
    capacity = session.get(Capacity, capacity_id) if capacity_id else None
    if capacity is None:
        capacity = Capacity(
            unit_id=unit_id,
            age_group_id=age_group_id,
            start_date=start,
            end_date=end,
            places=places,
        )
        session.add(capacity)
        audit(session, actor, AuditAction.CREATE, "capacity", capacity, f"{unit.name} : {places}")
    else:
        capacity.start_date, capacity.end_date = start, end
        capacity.places, capacity.age_group_id = places, age_group_id
        audit(session, actor, AuditAction.UPDATE, "capacity", capacity)
    session.flush()
    queue_for_portal(session, f"Paramètres : capacité {unit.name}")
    return capacity
