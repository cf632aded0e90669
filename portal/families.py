"""Families and children: what the back-office pushes, what parents read and edit.

Every parent edit is appended to the change feed with the values before and
after, field by field, so the back-office can apply it or show a conflict. Changing the
login e-mail is :mod:`portal.login_changes`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldrules.dates import age_on
from portal import accounts, feed, persons
from portal.errors import FieldError, PortalError, invalid, not_found
from portal.mail import Mailer
from portal.models import (
    AccountState,
    Child,
    ConsentDefinition,
    Family,
    Guardian,
    LinkPurpose,
    ParentAccount,
    utcnow,
)
from portal.schemas import (
    AccountOut,
    ChildForm,
    ChildInformation,
    ChildPush,
    ChildSummary,
    ConsentAnswer,
    ConsentDefinitions,
    ConsentQuestion,
    FamilyOut,
    FamilyPush,
    FamilyPushResult,
    FamilyUpdate,
    GuardianOut,
    MedicalRecord,
    Person,
    StaffFamilyOut,
)
from portal.settings import Settings
from portal.validation import (
    check_consents,
    check_family_update,
    check_information,
    check_medical,
    check_persons,
    normalise_email,
)

FAMILY_FIELDS = ("address_line1", "address_line2", "postcode", "commune", "phone", "billing_email")
GUARDIAN_CONTACT_FIELDS = ("mobile_phone", "home_phone", "work_phone", "email")
INFORMATION_FIELDS = ("last_name", "first_name", "sex", "birth_date", "school", "school_class")
# Block name in URLs and feed kinds → column of the child.
PERSON_BLOCKS = {
    "emergency_contacts": "emergency_contacts",
    "authorised_pickups": "authorised_pickups",
}


# --- reading ----------------------------------------------------------------------


def family_by_ref(session: Session, ref: str) -> Family:
    family = session.scalars(select(Family).where(Family.ref == ref)).first()
    if family is None:
        raise not_found("Famille")
    return family


def family_out(family: Family) -> FamilyOut:
    return FamilyOut(
        ref=family.ref,
        name=family.name,
        address_line1=family.address_line1,
        address_line2=family.address_line2,
        postcode=family.postcode,
        commune=family.commune,
        phone=family.phone,
        billing_email=family.billing_email,
        guardians=[GuardianOut.model_validate(g) for g in family.guardians],
    )


def account_out(account: ParentAccount) -> AccountOut:
    return AccountOut(
        login_email=account.login_email,
        pending_login_email=account.pending_login_email,
        state=account.state.value,
    )


def consent_definitions(session: Session) -> list[ConsentDefinition]:
    return list(
        session.scalars(
            select(ConsentDefinition)
            .where(ConsentDefinition.active)
            .order_by(ConsentDefinition.position, ConsentDefinition.code)
        )
    )


def information_of(child: Child) -> ChildInformation:
    return ChildInformation.model_construct(**{f: getattr(child, f) for f in INFORMATION_FIELDS})


def child_form(child: Child, definitions: list[ConsentDefinition]) -> ChildForm:
    answers = {a["code"]: a for a in child.consents or []}
    return ChildForm(
        ref=child.ref,
        information=information_of(child),
        medical=MedicalRecord.model_validate(child.medical or {}),
        emergency_contacts=[Person.model_validate(p) for p in child.emergency_contacts or []],
        authorised_pickups=[Person.model_validate(p) for p in child.authorised_pickups or []],
        consents=[
            ConsentQuestion(
                code=d.code,
                label=d.label,
                mandatory=d.mandatory,
                asks_detail=d.asks_detail,
                granted=answers.get(d.code, {}).get("granted"),
                detail=answers.get(d.code, {}).get("detail", ""),
            )
            for d in definitions
        ],
    )


def child_of_family(session: Session, family_id: int, ref: str) -> Child:
    """The family's child, or 404: another family's child is never found."""
    child = session.scalars(
        select(Child).where(Child.family_id == family_id, Child.ref == ref)
    ).first()
    if child is None:
        raise not_found("Enfant")
    return child


def children_summary(family: Family) -> list[ChildSummary]:
    return [ChildSummary.model_validate(c) for c in family.children]


def staff_view(session: Session, family: Family) -> StaffFamilyOut:
    definitions = consent_definitions(session)
    return StaffFamilyOut(
        family=family_out(family),
        account=account_out(family.account),
        children=[child_form(c, definitions) for c in family.children],
    )


# --- back-office pushes ---------------------------------------------------------------


def _with_refs(
    child: Child, block: str, people: list[Person], everyone: list[dict[str, Any]], trusted: bool
) -> list[dict[str, Any]]:
    rows = [p.model_dump(mode="json") for p in people]
    out, errors = persons.assign(
        rows, list(getattr(child, block) or []), everyone, block=block, trusted=trusted
    )
    if errors:
        raise invalid(errors)
    return out


def _apply_child_push(child: Child, push: ChildPush, everyone: list[dict[str, Any]]) -> None:
    for f in INFORMATION_FIELDS:
        setattr(child, f, getattr(push.information, f))
    if push.medical is not None:
        child.medical = push.medical.model_dump(mode="json")
    for block in PERSON_BLOCKS:
        people = getattr(push, block)
        if people is not None:
            setattr(child, block, _with_refs(child, block, people, everyone, trusted=True))
    if push.consents is not None:
        child.consents = [c.model_dump(mode="json") for c in push.consents]


def push_family(
    session: Session, settings: Settings, mailer: Mailer, ref: str, body: FamilyPush
) -> tuple[int, dict[str, Any]]:
    """Create or update a family account as the back-office holds it."""
    login = body.login_email.lower()
    family = session.scalars(select(Family).where(Family.ref == ref)).first()
    created = family is None
    refs = [c.ref for c in body.children]
    if len(set(refs)) != len(refs):
        raise invalid([FieldError(field="children", message="Un enfant est indiqué deux fois.")])
    ranks = [g.rank for g in body.guardians]
    if len(set(ranks)) != len(ranks):
        raise invalid(
            [FieldError(field="guardians", message="Un responsable légal est indiqué deux fois.")]
        )
    other = accounts.login_taken(session, login, None if family is None else family.account.id)
    if other is not None:
        raise PortalError(
            409,
            f"L'adresse « {login} » est déjà l'identifiant d'une autre famille "
            f"({other.family.ref}).",
        )
    if family is None:
        family = Family(ref=ref, name=body.name)
        family.account = ParentAccount(login_email=login, state=AccountState.AWAITING_ACTIVATION)
        session.add(family)
    family.name = body.name
    for f in FAMILY_FIELDS:
        setattr(family, f, getattr(body, f))
    account = family.account
    if account.login_email != login:
        # The agent's decision wins; a parent's pending change is dropped.
        account.login_email = login
        account.pending_login_email = None
    by_rank = {g.rank: g for g in family.guardians}
    family.guardians = [
        _guardian(by_rank.get(g.rank), g.model_dump())
        for g in sorted(body.guardians, key=lambda g: g.rank)
    ]
    by_ref = {c.ref: c for c in family.children}
    everyone = persons.family_persons(family.children)
    for push in body.children:
        child = by_ref.get(push.ref)
        if child is None:
            child = Child(
                ref=push.ref, medical={}, emergency_contacts=[], authorised_pickups=[], consents=[]
            )
            family.children.append(child)
        _apply_child_push(child, push, everyone)
    session.flush()
    sent = False
    if created and body.send_activation:
        accounts.send_activation(session, settings, mailer, account)
        sent = True
    result = FamilyPushResult(
        family_ref=ref,
        created=created,
        account_state=account.state.value,
        activation_email_sent=sent,
    )
    return (201 if created else 200), result.model_dump(mode="json")


def _guardian(existing: Guardian | None, values: dict[str, Any]) -> Guardian:
    guardian = existing or Guardian()
    for key, value in values.items():
        setattr(guardian, key, value)
    return guardian


def set_disabled(session: Session, ref: str, disabled: bool) -> dict[str, Any]:
    family = family_by_ref(session, ref)
    account = family.account
    if disabled:
        if account.state is not AccountState.DISABLED:
            account.state = AccountState.DISABLED
            account.disabled_at = utcnow()
            accounts.revoke_tokens(session, account)
    elif account.state is AccountState.DISABLED:
        account.state = (
            AccountState.ACTIVE if account.password_hash else AccountState.AWAITING_ACTIVATION
        )
        account.disabled_at = None
    return account_out(account).model_dump(mode="json")


def send_link(
    session: Session, settings: Settings, mailer: Mailer, ref: str, purpose: LinkPurpose
) -> dict[str, Any]:
    account = family_by_ref(session, ref).account
    if purpose is LinkPurpose.ACTIVATION:
        if account.state is not AccountState.AWAITING_ACTIVATION:
            raise PortalError(
                409,
                "Ce compte n'attend pas d'activation (état : "
                f"{account.state.value}) : envoyez plutôt un lien de mot de passe.",
            )
        accounts.send_activation(session, settings, mailer, account)
    else:
        if account.state is not AccountState.ACTIVE:
            raise PortalError(
                409,
                f"Ce compte n'est pas actif (état : {account.state.value}) : "
                "envoyez plutôt un lien d'activation.",
            )
        accounts.send_password_reset(session, settings, mailer, account)
    return {"message": f"Courriel envoyé à {account.login_email}.", "sent_to": account.login_email}


def replace_consent_definitions(session: Session, body: ConsentDefinitions) -> dict[str, Any]:
    codes = [d.code for d in body.definitions]
    if len(set(codes)) != len(codes):
        raise invalid(
            [FieldError(field="definitions", message="Une autorisation est indiquée deux fois.")]
        )
    existing = {d.code: d for d in session.scalars(select(ConsentDefinition))}
    for d in body.definitions:
        row = existing.pop(d.code, None) or ConsentDefinition(code=d.code)
        for key, value in d.model_dump().items():
            setattr(row, key, value)
        session.add(row)
    for row in existing.values():
        row.active = False
    return {"count": len(body.definitions)}


# --- parent edits ----------------------------------------------------------------------


def update_family(session: Session, family: Family, body: FamilyUpdate) -> FamilyOut:
    errors = check_family_update(body)
    guardians = {g.rank: g for g in family.guardians}
    for i, g in enumerate(body.guardians):
        if g.rank not in guardians:
            errors.append(
                FieldError(
                    field=f"guardians.{i}.rank", message=f"Responsable légal {g.rank} inconnu."
                )
            )
    if errors:
        raise invalid(errors)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for f in FAMILY_FIELDS:
        new = getattr(body, f)
        if f == "billing_email" and new:
            new = normalise_email(new)
        if getattr(family, f) != new:
            before[f], after[f] = getattr(family, f), new
            setattr(family, f, new)
    for g in body.guardians:
        guardian = guardians[g.rank]
        for f in GUARDIAN_CONTACT_FIELDS:
            new = getattr(g, f)
            if f == "email" and new:
                new = normalise_email(new)
            if getattr(guardian, f) != new:
                key = f"guardians.{g.rank}.{f}"
                before[key], after[key] = getattr(guardian, f), new
                setattr(guardian, f, new)
    if after:
        feed.append(session, family.ref, "family.updated", {"before": before, "after": after})
    return family_out(family)


def update_information(session: Session, child: Child, body: ChildInformation, today: date) -> None:
    errors = check_information(body, today)
    if errors:
        raise invalid(errors)
    before = information_of(child).model_dump(mode="json")
    after = body.model_dump(mode="json")
    for f in INFORMATION_FIELDS:
        setattr(child, f, getattr(body, f))
    _record_block(session, child, "information", before, after)


def update_medical(session: Session, child: Child, body: MedicalRecord, today: date) -> None:
    errors = check_medical(body, child.birth_date, today)
    if errors:
        raise invalid(errors)
    before = MedicalRecord.model_validate(child.medical or {}).model_dump(mode="json")
    child.medical = body.model_dump(mode="json")
    _record_block(session, child, "medical", before, child.medical)


def update_persons(session: Session, child: Child, block: str, people: list[Person]) -> None:
    errors = check_persons(people, block)
    if errors:
        raise invalid(errors)
    column = PERSON_BLOCKS[block]
    before = list(getattr(child, column) or [])
    everyone = persons.family_persons(child.family.children)
    after = _with_refs(child, column, people, everyone, trusted=False)
    setattr(child, column, after)
    _record_block(session, child, block, before, after)


def update_consents(
    session: Session, child: Child, answers: list[ConsentAnswer], today: date
) -> None:
    age = age_on(child.birth_date, today) if child.birth_date is not None else None
    errors = check_consents(answers, consent_definitions(session), age)
    if errors:
        raise invalid(errors)
    before = list(child.consents or [])
    after = [a.model_dump(mode="json") for a in answers]
    child.consents = after
    _record_block(session, child, "consents", before, after)


def _record_block(session: Session, child: Child, block: str, before: Any, after: Any) -> None:
    if before == after:
        return
    if isinstance(before, dict) and isinstance(after, dict):
        keys = [k for k in after if before.get(k) != after.get(k)]
        before = {k: before.get(k) for k in keys}
        after = {k: after[k] for k in keys}
    feed.append(
        session,
        child.family.ref,
        f"child.{block}.updated",
        {"before": before, "after": after},
        child_ref=child.ref,
    )
