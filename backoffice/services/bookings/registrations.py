"""Registering a child to an activity at the desk, and unregistering (issue #15 item 1).

A family who never uses the portal registers at the desk: the agent chooses the site,
the activity and one period or every period still to come (« toute l'année »). The
desk applies the portal's rules (parents' guide §6.1): the child's age at the start of
the period must fall in one of the activity's age groups, and, when the activity's
rule asks for it, a child whose file misses mandatory information is refused with the
portal's own sentence (:func:`fieldrules.child_file.incomplete_file_refusal`, over the
one list of what is missing, :func:`..child_file.completeness.missing_for_child`). A
registration made here is accepted at once; for a family with a portal account it is
told to the portal (``registration.decision``, ``PUT /staff/registrations/BO-{id}``,
the same reference the desk's booked days carry), for a family without one nothing
is sent.

Unregistering, with the bookings ahead: :mod:`.unregistration`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.errors import UserError
from backoffice.models import (
    Activity,
    AgeGroup,
    AuditAction,
    AuditEvent,
    Child,
    Period,
    Registration,
    RegistrationState,
    Role,
    Site,
    Source,
    utcnow,
)
from backoffice.services.bookings.desk_push import has_portal_account
from backoffice.services.child_file.completeness import missing_for_child
from backoffice.services.child_file.editing import active_consents
from backoffice.services.common import outbox
from backoffice.services.common.actors import Actor, bind
from backoffice.services.common.permissions import Permission, require
from fieldrules.child_file import incomplete_file_refusal

REGISTRATION_TOPIC = "registration.decision"  # as the desk's decisions (requests.recording)
ROLES = frozenset({Role.ADMIN, Role.DIRECTOR, Role.AGENT})
REGISTERED = "Inscription enregistrée par le service."
UNREGISTERED = "Désinscription enregistrée par le service."
DESK_HINT = " Complétez le dossier de l'enfant (Familles › fiche de l'enfant) puis recommencez."


class RegistrationError(UserError):
    """A registration the desk cannot make or undo (French message); nothing changed."""


def check_role(actor: Actor, session=None) -> None:
    """Thin alias of :func:`~backoffice.services.common.permissions.require`."""
    require(session, actor, Permission.BOOKINGS_EDIT, "inscrire ou désinscrire un enfant")


def portal_ref(registration: Registration) -> str:
    """The registration's reference on the portal (the desk's booked days use it too)."""
    return f"BO-{registration.id}"


# -- what the dialog offers ---------------------------------------------------------------


@dataclass(frozen=True)
class PeriodChoice:
    id: int
    label: str
    start: date
    end: date
    registered: str  # "" or the current registration's state label


@dataclass(frozen=True)
class ActivityChoice:
    id: int
    code: str
    name: str
    site: str
    age_groups: str  # « 3-5 ans, 6-11 ans » or ""
    periods: tuple[PeriodChoice, ...]


STATE_WORDS = {
    RegistrationState.ACCEPTED: "inscrit",
    RegistrationState.REQUESTED: "demande en attente",
    RegistrationState.REFUSED: "refusée",
    RegistrationState.CANCELLED: "désinscrit",
}


def registration_choices(
    session: Session, actor: Actor, child_id: int, today: date
) -> list[ActivityChoice]:
    """Every activity with a period not yet over, by site then name."""
    check_role(actor)
    child_or_error(session, child_id)
    current = {
        r.period_id: r.state
        for r in session.scalars(select(Registration).where(Registration.child_id == child_id))
    }
    rows = session.execute(
        select(Activity, Site.name)
        .join(Site, Site.id == Activity.site_id, isouter=True)
        .order_by(Site.name, Activity.name)
    ).all()
    out = []
    for activity, site in rows:
        periods = tuple(
            PeriodChoice(
                p.id,
                p.name,
                p.start_date,
                p.end_date,
                STATE_WORDS[current[p.id]] if p.id in current else "",
            )
            for p in sorted(activity.periods, key=lambda p: p.start_date)
            if p.end_date >= today and p.archived_on is None
        )
        if not periods:
            continue
        groups = ", ".join(g.name for g in sorted(activity.age_groups, key=_group_key))
        out.append(
            ActivityChoice(activity.id, activity.code, activity.name, site or "", groups, periods)
        )
    return out


def _group_key(group: AgeGroup) -> int:
    return group.min_age_months


# -- registering ---------------------------------------------------------------------------


@dataclass
class RegisterResult:
    registered: list[str] = field(default_factory=list)  # period labels
    already: list[str] = field(default_factory=list)
    pushed: bool = False
    registration_ids: list[int] = field(default_factory=list)

    def summary(self, child: str, activity: str) -> str:
        parts = []
        if self.registered:
            parts.append(
                f"{child} est inscrit·e à « {activity} » : " + ", ".join(self.registered) + "."
            )
        if self.already:
            parts.append("Déjà inscrit·e : " + ", ".join(self.already) + ".")
        if self.registered:
            parts.append(
                "Inscription envoyée au portail de la famille."
                if self.pushed
                else "La famille n'a pas de compte portail : rien n'est envoyé."
            )
        return "\n".join(parts) or "Aucun changement."


def child_or_error(session: Session, child_id: int) -> Child:
    child = session.get(Child, child_id)
    if child is None:
        raise RegistrationError("Cet enfant n'existe plus : actualisez la fiche.")
    return child


def age_group_for(activity: Activity, child: Child, period: Period) -> AgeGroup | None:
    """The group the child is in at the start of the period; None when none fits
    (an activity without groups takes every age: see :func:`register_child`)."""
    months = child.age_months_on(period.start_date)
    for group in sorted(activity.age_groups, key=_group_key):
        if group.min_age_months <= months <= group.max_age_months:
            return group
    return None


def register_child(
    session: Session,
    actor: Actor,
    child_id: int,
    activity_id: int,
    period_ids: list[int] | None,
    today: date,
) -> RegisterResult:
    """Register the child to the activity for these periods (None: every period not yet
    over, « toute l'année »). All or nothing: a refusal changes nothing."""
    check_role(actor)
    bind(session, actor)
    child = child_or_error(session, child_id)
    activity = session.get(Activity, activity_id)
    if activity is None:
        raise RegistrationError("Cette activité n'existe plus : actualisez la liste.")
    periods = sorted(
        (p for p in activity.periods if p.end_date >= today and p.archived_on is None),
        key=lambda p: p.start_date,
    )
    if period_ids is not None:
        wanted = set(period_ids)
        chosen = [p for p in periods if p.id in wanted]
        unknown = wanted - {p.id for p in chosen}
        if unknown:
            raise RegistrationError(
                f"Période inconnue ou terminée pour « {activity.name} » : choisissez une "
                "période à venir ou en cours."
            )
        periods = chosen
    if not periods:
        raise RegistrationError(
            f"« {activity.name} » n'a aucune période en cours ou à venir : rien à inscrire."
        )
    rule = activity.rule
    if rule is None or rule.registration_requires_complete_file:
        missing = missing_for_child(child, active_consents(session), today, asked=activity.consents)
        if missing:
            raise RegistrationError(incomplete_file_refusal(child.full_name, missing) + DESK_HINT)
    groups: dict[int, AgeGroup | None] = {}
    for period in periods:
        group = age_group_for(activity, child, period)
        if activity.age_groups and group is None:
            ranges = ", ".join(g.name for g in sorted(activity.age_groups, key=_group_key))
            raise RegistrationError(
                f"Inscription impossible : {child.full_name} n'a pas l'âge requis pour "
                f"« {activity.name} » ({ranges}) au {short_date(period.start_date)}."
            )
        groups[period.id] = group
    result, now = RegisterResult(), utcnow()
    push = has_portal_account(child.family)
    for period in periods:
        reg = session.scalar(
            select(Registration).where(
                Registration.child_id == child.id, Registration.period_id == period.id
            )
        )
        if reg is not None and reg.state is RegistrationState.ACCEPTED:
            result.already.append(period.name)
            continue
        if reg is not None and reg.state is RegistrationState.REQUESTED:
            raise RegistrationError(
                f"Les parents ont déjà demandé l'inscription de {child.full_name} pour "
                f"« {period.name} » : décidez-la dans les demandes."
            )
        old = reg.state.value if reg is not None else ""
        if reg is None:
            reg = Registration(
                child_id=child.id, activity_id=activity.id, period_id=period.id, source=Source.DESK
            )
            session.add(reg)
        group = groups[period.id]
        reg.age_group_id = group.id if group is not None else None
        reg.state = RegistrationState.ACCEPTED
        reg.requested_at = now
        reg.decided_at, reg.decided_by_id, reg.reason = now, actor.staff_id, REGISTERED
        session.flush()
        audit_registration(session, actor, reg, child, old, RegistrationState.ACCEPTED.value)
        result.registered.append(period.name)
        result.registration_ids.append(reg.id)
        if push:
            push_registration(session, reg, child, activity, period, "accepted", REGISTERED, group)
    result.pushed = push and bool(result.registered)
    session.flush()
    return result


def push_registration(
    session: Session,
    reg: Registration,
    child: Child,
    activity: Activity,
    period: Period,
    state: str,
    answer: str,
    group: AgeGroup | None = None,
) -> None:
    body: dict = {
        "child_ref": str(child.id),
        "family_ref": child.family.code,
        "activity": activity.code,
        "period": period.code,
        "state": state,
        "answer": answer,
    }
    if group is not None:
        body["age_group"] = group.code
    outbox.enqueue(
        session,
        REGISTRATION_TOPIC,
        {
            "family_code": child.family.code,
            "registration": portal_ref(reg),
            "request": None,
            "body": body,
        },
        child.family_id,
    )


def audit_registration(
    session: Session, actor: Actor, reg: Registration, child: Child, old: str, new: str
) -> None:
    """A line of the family's history: « Inscription », old → new state, by whom."""
    session.add(
        AuditEvent(
            staff_user_id=actor.staff_id,
            actor=actor.login,
            action=AuditAction.DECIDE,
            entity="registration",
            entity_id=reg.id,
            family_id=child.family_id,
            child_id=child.id,
            field="state",
            old_value=old or None,
            new_value=new,
        )
    )


def short_date(day: date) -> str:
    return f"{day:%d/%m/%Y}"


# -- by codes (the CLI) ----------------------------------------------------------------------


def activity_by_code(session: Session, code: str) -> Activity:
    activity = session.scalar(select(Activity).where(Activity.code == code.strip()))
    if activity is None:
        codes = ", ".join(session.scalars(select(Activity.code).order_by(Activity.code)))
        raise RegistrationError(f"Activité « {code} » inconnue. Activités : {codes or 'aucune'}.")
    return activity


def period_ids_by_code(activity: Activity, codes: list[str]) -> list[int]:
    by_code = {p.code: p.id for p in activity.periods}
    unknown = [c for c in codes if c not in by_code]
    if unknown:
        known = ", ".join(sorted(by_code)) or "aucune"
        raise RegistrationError(
            f"Période « {unknown[0]} » inconnue pour « {activity.name} ». Périodes : {known}."
        )
    return [by_code[c] for c in codes]


def registration_by_codes(
    session: Session, actor: Actor, child_id: int, activity_code: str, period_code: str
) -> Registration:
    check_role(actor)
    child = child_or_error(session, child_id)
    activity = activity_by_code(session, activity_code)
    [period_id] = period_ids_by_code(activity, [period_code])
    reg = session.scalar(
        select(Registration).where(
            Registration.child_id == child.id, Registration.period_id == period_id
        )
    )
    if reg is None:
        raise RegistrationError(
            f"{child.full_name} n'est pas inscrit·e à « {activity.name} » pour cette période."
        )
    return reg
