"""Registrations of a child to an activity for a period (guide §6.1): asked by the
parents, accepted or refused (or recorded at the desk) by the back-office; age groups."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from fieldrules.child_file import incomplete_file_refusal
from portal import answers, feed, rules
from portal import catalogue as catalogue_mod
from portal.bookings.schemas import (
    RegistrationOut,
    RegistrationPush,
    RegistrationPushResult,
    RegistrationRequest,
)
from portal.bookings.states import REGISTRATION_LABELS, child_name
from portal.catalogue import ActivityIndex, Catalogue
from portal.completeness import age_on, missing_for_child
from portal.errors import FieldError, PortalError, invalid, not_found
from portal.families import child_of_family, consent_definitions
from portal.mail import Mail
from portal.models import Child, Family, Registration, RegistrationState
from portal.schemas_catalogue import PeriodIn


def registration_out(reg: Registration, cat: Catalogue) -> RegistrationOut:
    index = cat.activities.get(reg.activity_code)
    period = index.periods.get(reg.period_code) if index else None
    return RegistrationOut(
        ref=reg.ref,
        child_ref=reg.child.ref,
        child_name=child_name(reg.child),
        activity=reg.activity_code,
        activity_name=index.activity.name if index else reg.activity_code,
        period=reg.period_code,
        period_label=period.label if period else reg.period_code,
        age_group=reg.age_group,
        state=reg.state.value,
        state_label=REGISTRATION_LABELS[reg.state.value],
        reason=reg.reason,
        answer=reg.answer,
    )


def _period(index: ActivityIndex, code: str) -> PeriodIn:
    period = index.periods.get(code)
    if period is None:
        raise not_found("Période")
    return period


def age_group_for(index: ActivityIndex, child: Child, period: PeriodIn) -> str | None:
    """The child's age group at the start of the period; "" without groups; None if none fits."""
    groups = index.activity.age_groups
    if not groups:
        return ""
    if child.birth_date is None:
        return None
    age = age_on(child.birth_date, period.start)
    for g in groups:
        if (g.min_age is None or age >= g.min_age) and (g.max_age is None or age <= g.max_age):
            return g.code
    return None


def request_registration(
    session: Session, family: Family, body: RegistrationRequest, now: datetime
) -> tuple[int, RegistrationOut]:
    """A parent registers a child to an activity for a period (guide §6.1)."""
    child = child_of_family(session, family.id, body.child_ref)
    cat = catalogue_mod.load(session)
    index = cat.activity(body.activity)
    period = _period(index, body.period)
    today = rules.today_in_paris(now)
    if not catalogue_mod.booking_open(period, today):
        raise PortalError(
            409,
            f"La période « {period.label} » n'est pas ouverte à la réservation "
            f"(du {rules.short(period.booking_opens)} au {rules.short(period.booking_closes)}).",
        )
    existing = session.scalars(
        select(Registration).where(
            Registration.child_id == child.id,
            Registration.activity_code == index.activity.code,
            Registration.period_code == period.code,
        )
    ).first()
    if existing is not None and existing.state is not RegistrationState.REFUSED:
        return 200, registration_out(existing, cat)
    missing = missing_for_child(
        child, consent_definitions(session), today, asked=index.activity.consents
    )
    if missing:
        raise PortalError(
            422,
            incomplete_file_refusal(child_name(child), missing)
            + " Complétez la fiche « Enfant » (rubrique « Mes enfants ») puis recommencez.",
            [FieldError(field="child_ref", message=m) for m in missing],
        )
    group = age_group_for(index, child, period)
    if group is None:
        ranges = ", ".join(g.label for g in index.activity.age_groups)
        raise PortalError(
            422,
            f"Inscription impossible : {child_name(child)} n'a pas l'âge requis pour "
            f"« {index.activity.name} » ({ranges}).",
            [FieldError(field="child_ref", message="Âge hors des tranches de l'activité.")],
        )
    auto = index.activity.rules.registration_auto_accept
    state = RegistrationState.ACCEPTED if auto else RegistrationState.REQUESTED
    reason = (
        "Inscription acceptée : vous pouvez réserver les jours dans le planning."
        if auto
        else "Inscription soumise à validation par le service."
    )
    if existing is None:
        reg = Registration(
            ref=f"tmp-{uuid.uuid4().hex[:30]}",
            family_id=family.id,
            child_id=child.id,
            activity_code=index.activity.code,
            period_code=period.code,
        )
        session.add(reg)
    else:
        reg = existing
    reg.state, reg.reason, reg.answer, reg.age_group = state, reason, "", group
    session.flush()
    if reg.ref.startswith("tmp-"):
        reg.ref = f"INS-{reg.id:06d}"
    reg.child = child
    reg.submissions = (reg.submissions or 0) + 1
    feed.append(
        session,
        family.ref,
        "registration.submitted",
        {
            "request_ref": f"REG-{reg.ref}-{reg.submissions}",
            "registration": reg.ref,
            "activity": reg.activity_code,
            "period": reg.period_code,
            "age_group": reg.age_group,
            "decision": state.value,
            "reason": reason,
        },
        child_ref=child.ref,
    )
    return (201 if existing is None else 200), registration_out(reg, cat)


def registration_state(session: Session, family: Family, body: RegistrationRequest) -> str | None:
    """The state of the child's registration to this activity and period (None: none yet)."""
    state = session.scalars(
        select(Registration.state)
        .join(Child, Registration.child_id == Child.id)
        .where(
            Child.family_id == family.id,
            Child.ref == body.child_ref,
            Registration.activity_code == body.activity,
            Registration.period_code == body.period,
        )
    ).first()
    return state.value if state is not None else None


def registrations_of(session: Session, family_id: int) -> list[RegistrationOut]:
    cat = catalogue_mod.load(session)
    rows = session.scalars(
        select(Registration).where(Registration.family_id == family_id).order_by(Registration.id)
    )
    return [registration_out(r, cat) for r in rows]


def registration_of_family(session: Session, family_id: int, ref: str) -> Registration:
    # The child comes in the same statement: every page of a registration names it.
    reg = session.scalars(
        select(Registration)
        .where(Registration.family_id == family_id, Registration.ref == ref)
        .options(joinedload(Registration.child))
    ).first()
    if reg is None:
        raise not_found("Inscription")
    return reg


def push_registration(
    session: Session, ref: str, body: RegistrationPush, outbox: list[Mail] | None = None
) -> tuple[int, dict]:
    """The back-office accepts/refuses a registration, or records one made at the desk.

    When a registration the parents asked for becomes accepted or refused, its answer
    e-mail goes to ``outbox`` (sent by the caller after the commit)."""
    stmt = select(Child).join(Family).where(Child.ref == body.child_ref)
    if body.family_ref is not None:
        stmt = stmt.where(Family.ref == body.family_ref)
    children = list(session.scalars(stmt))
    if not children:
        raise PortalError(404, f"Enfant « {body.child_ref} » introuvable.")
    if len(children) > 1:
        raise PortalError(
            409,
            f"Plusieurs familles ont un enfant « {body.child_ref} » : indiquez « family_ref ».",
        )
    child = children[0]
    # Locked until the commit: two pushes of the same decision never both see a change.
    reg = session.scalars(
        select(Registration).where(Registration.ref == ref).with_for_update()
    ).first()
    if reg is None:
        reg = session.scalars(
            select(Registration)
            .where(
                Registration.child_id == child.id,
                Registration.activity_code == body.activity,
                Registration.period_code == body.period,
            )
            .with_for_update()
        ).first()
    elif (reg.child_id, reg.activity_code, reg.period_code) != (
        child.id,
        body.activity,
        body.period,
    ):
        raise PortalError(
            409,
            f"L'inscription « {ref} » concerne un autre enfant, une autre activité ou une "
            "autre période.",
        )
    cat = catalogue_mod.load(session)
    index = cat.activities.get(body.activity)
    if body.age_group is not None and (index is None or body.age_group not in index.groups):
        raise invalid(
            [FieldError(field="age_group", message=f"Tranche d'âge inconnue : {body.age_group}.")]
        )
    created = reg is None
    previous = None if reg is None else reg.state
    if reg is None:
        reg = Registration(
            ref=ref,
            family_id=child.family_id,
            child_id=child.id,
            activity_code=body.activity,
            period_code=body.period,
            reason="Inscription enregistrée par le service.",
        )
        session.add(reg)
        if body.age_group is None and index is not None and body.period in index.periods:
            reg.age_group = age_group_for(index, child, index.periods[body.period]) or ""
    reg.state = RegistrationState(body.state)
    reg.answer = body.answer
    if body.age_group is not None:
        reg.age_group = body.age_group
    reg.child = child
    session.flush()
    out = registration_out(reg, cat)
    asked_by_parents = not created and (reg.submissions or 0) > 0
    if (
        outbox is not None
        and asked_by_parents
        and reg.state is not previous
        and reg.state in (RegistrationState.ACCEPTED, RegistrationState.REFUSED)
    ):
        to = answers.recipient(child.family)
        if to is not None:
            outbox.append(
                answers.registration_mail(
                    to,
                    number=reg.ref,
                    child=out.child_name,
                    activity=out.activity_name,
                    period=out.period_label,
                    accepted=reg.state is RegistrationState.ACCEPTED,
                    answer=reg.answer,
                )
            )
    result = RegistrationPushResult(created=created, registration=out)
    return (201 if created else 200), result.model_dump(mode="json")
