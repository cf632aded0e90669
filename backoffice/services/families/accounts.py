"""Family accounts: opening one from a mailed form, and its portal account's life.

States: form received → awaiting activation → active → disabled (DESIGN §5).
The portal sends the activation and password-reset links (single-use,
expiring); the back-office only asks it to, through the outbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Protocol

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from backoffice.errors import UserError
from backoffice.models import (
    AccountState,
    AllowanceScheme,
    Child,
    Family,
    FamilyQuotient,
    Guardian,
    Sex,
)
from backoffice.services.common import outbox
from backoffice.services.common.actors import Actor, bind
from backoffice.services.common.permissions import Permission, require
from backoffice.services.common.validation import Checker
from backoffice.services.families.queries import refresh_search_text
from backoffice.text import fold
from fieldrules import dates


@dataclass
class GuardianForm:
    last_name: str = ""
    first_name: str = ""
    civility: str = ""
    relationship: str = ""
    is_payer: bool = False
    mobile_phone: str = ""
    home_phone: str = ""
    work_phone: str = ""
    email: str = ""
    profession: str = ""
    employer: str = ""


@dataclass
class ChildForm:
    last_name: str = ""
    first_name: str = ""
    sex: Sex | None = None
    birth_date: date | None = None
    school: str = ""
    school_class: str = ""


@dataclass
class AccountForm:
    """What the paper form gives: the family, one or two guardians, the children."""

    family_name: str = ""
    address_line1: str = ""
    address_line2: str = ""
    postcode: str = ""
    commune: str = ""
    phone: str = ""
    login_email: str = ""
    billing_email: str = ""
    allowance_scheme: AllowanceScheme = AllowanceScheme.CAF
    allowance_number: str = ""
    quotient: int | None = None
    quotient_from: date | None = None
    quotient_to: date | None = None
    notes: str = ""
    guardians: list[GuardianForm] = field(default_factory=list)
    children: list[ChildForm] = field(default_factory=list)


@dataclass(frozen=True)
class CleanAccount:
    form: AccountForm
    insee_code: str


def check_account_form(form: AccountForm, today: date) -> CleanAccount:
    """Validate and normalise the whole form; :class:`FieldErrors` lists every problem.

    Field keys: ``family_name``, ``address`` (the street line), ``postcode`` (postcode
    and commune), ``phone``, ``login_email``,
    ``billing_email``, ``allowance_number``, ``quotient``, ``guardians[i].<field>``,
    ``children[i].<field>``, ``guardians``, ``children``.
    """
    c = Checker()
    f = form
    f.family_name = c.required("family_name", "Nom de la famille", f.family_name)
    f.address_line1 = c.required("address", "Adresse", f.address_line1)
    commune = c.commune("postcode", "Adresse", f.postcode, f.commune)
    if commune is not None:
        f.postcode, f.commune = commune.postcode, commune.name
    f.phone = c.phone("phone", "Téléphone du foyer", f.phone)
    # No e-mail: a paper-only family (no portal account until an address is given).
    f.login_email = c.email("login_email", "E-mail (identifiant du portail)", f.login_email)
    f.billing_email = (
        c.email("billing_email", "E-mail de facturation", f.billing_email) or f.login_email
    )
    if f.allowance_scheme is not AllowanceScheme.NONE:
        number = (f.allowance_number or "").strip().replace(" ", "")
        if not number:
            c.fail(
                "allowance_number",
                f"Le champ « N° allocataire {f.allowance_scheme.value.upper()} » est obligatoire.",
            )
        elif not number.isalnum() or len(number) > 15:
            c.fail("allowance_number", f"Le n° allocataire « {number} » n'est pas valide.")
        f.allowance_number = number
    if f.quotient is not None:
        if f.quotient < 0 or f.quotient > 99999:
            c.fail("quotient", "Le quotient familial doit être un nombre entre 0 et 99 999.")
        if f.quotient_from is None:
            c.fail(
                "quotient",
                "Le champ « QF valable à partir du » est obligatoire quand un QF est saisi.",
            )
        c.date_range("quotient", "Quotient familial", f.quotient_from, f.quotient_to)
    if not f.guardians:
        c.fail("guardians", "Au moins un responsable légal est obligatoire.")
    if len(f.guardians) > 2:
        c.fail("guardians", "Deux responsables légaux au plus.")
    if f.guardians and sum(g.is_payer for g in f.guardians) != 1:
        c.fail("guardians", "Indiquez un (et un seul) responsable payeur.")
    for i, g in enumerate(f.guardians, start=1):
        key = f"guardians[{i - 1}]"
        g.last_name = c.name(f"{key}.last_name", f"Nom du responsable {i}", g.last_name)
        g.first_name = c.name(f"{key}.first_name", f"Prénom du responsable {i}", g.first_name)
        g.mobile_phone = c.phone(
            f"{key}.mobile_phone", f"Portable du responsable {i}", g.mobile_phone
        )
        g.home_phone = c.phone(
            f"{key}.home_phone", f"Téléphone fixe du responsable {i}", g.home_phone
        )
        g.work_phone = c.phone(
            f"{key}.work_phone", f"Téléphone professionnel du responsable {i}", g.work_phone
        )
        g.email = c.email(f"{key}.email", f"E-mail du responsable {i}", g.email)
    if f.guardians and not f.phone and not any(g.mobile_phone or g.home_phone for g in f.guardians):
        c.fail("phone", "Au moins un numéro de téléphone est obligatoire (foyer ou responsable).")
    if not f.children:
        c.fail("children", "Au moins un enfant est obligatoire.")
    check_children(c, f.children, f.family_name, today)
    c.raise_if_errors()
    return CleanAccount(form=f, insee_code=commune.insee_code if commune else "")


def check_children(
    c: Checker, children: Sequence[ChildForm], family_name: str, today: date, first: int = 1
) -> None:
    """Check and normalise children blocks (keys ``children[i].<field>``, labels
    « l'enfant n »); the account opening and « Ajouter un enfant » share it."""
    for i, ch in enumerate(children, start=first):
        key = f"children[{i - first}]"
        ch.last_name = c.name(
            f"{key}.last_name", f"Nom de l'enfant {i}", ch.last_name or family_name
        )
        ch.first_name = c.name(f"{key}.first_name", f"Prénom de l'enfant {i}", ch.first_name)
        c.required(f"{key}.sex", f"Sexe de l'enfant {i}", ch.sex)
        if ch.sex is not None and not isinstance(ch.sex, Sex):  # "F"/"M" from a GUI or a file
            try:
                ch.sex = Sex(ch.sex)
            except ValueError:
                c.fail(f"{key}.sex", f"Le sexe de l'enfant {i} doit être F ou M.")
        c.rule(
            f"{key}.birth_date",
            partial(
                dates.child_birth_date,
                ch.birth_date,
                today,
                label=f"Date de naissance de l'enfant {i}",
            ),
            None,
        )


@dataclass(frozen=True)
class Duplicate:
    family_id: int
    code: str
    name: str
    reason: str


def find_duplicates(session: Session, form: AccountForm) -> list[Duplicate]:
    """Existing families that look like this form: same child (name + birth date),
    same e-mail, or same guardian (name + first name)."""
    found: dict[int, list[str]] = {}
    families = {}

    def note(family: Family, reason: str) -> None:
        families[family.id] = family
        found.setdefault(family.id, [])
        if reason not in found[family.id]:
            found[family.id].append(reason)

    for ch in form.children:
        if not ch.first_name or not ch.birth_date:
            continue
        same_birth = select(Child).where(Child.birth_date == ch.birth_date)
        for child in session.scalars(same_birth):
            if fold(child.first_name) == fold(ch.first_name) and fold(child.last_name) == fold(
                ch.last_name or form.family_name
            ):
                note(
                    child.family,
                    f"même enfant : {child.full_name}, né(e) le {child.birth_date:%d/%m/%Y}",
                )
    emails = {
        e.lower()
        for e in [form.login_email, form.billing_email, *(g.email for g in form.guardians)]
        if e
    }
    if emails:
        same_email = select(Family).where(
            or_(
                func.lower(Family.login_email).in_(emails),
                func.lower(Family.billing_email).in_(emails),
            )
        )
        for family in session.scalars(same_email):
            note(family, f"même e-mail : {family.login_email}")
        for guardian in session.scalars(
            select(Guardian).where(func.lower(Guardian.email).in_(emails))
        ):
            note(guardian.family, f"même e-mail : {guardian.email}")
    for g in form.guardians:
        if not g.last_name or not g.first_name:
            continue
        same_name = select(Guardian).where(
            func.lower(Guardian.last_name) == g.last_name.strip().lower()
        )
        for guardian in session.scalars(same_name):
            if fold(guardian.first_name) == fold(g.first_name):
                note(guardian.family, f"même responsable : {guardian.full_name}")
    return [
        Duplicate(fid, families[fid].code, families[fid].name, " ; ".join(reasons))
        for fid, reasons in sorted(found.items())
    ]


def next_family_code(session: Session) -> str:
    last = session.scalar(select(func.max(Family.code)).where(Family.code.like("F%")))
    number = int(last[1:]) + 1 if last and last[1:].isdigit() else 1
    return f"F{number:05d}"


class _AccountGuardian(Protocol):
    @property
    def rank(self) -> int: ...
    @property
    def last_name(self) -> str: ...
    @property
    def first_name(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def mobile_phone(self) -> str: ...
    @property
    def is_payer(self) -> bool: ...


class _AccountChild(Protocol):
    @property
    def id(self) -> int | None: ...
    @property
    def last_name(self) -> str: ...
    @property
    def first_name(self) -> str: ...
    @property
    def sex(self) -> Sex: ...
    @property
    def birth_date(self) -> date: ...


class AccountHolder(Protocol):
    """What the portal account is made of: a :class:`Family`, or a stand-in (bulk writes)."""

    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def login_email(self) -> str: ...
    @property
    def address_line1(self) -> str: ...
    @property
    def address_line2(self) -> str: ...
    @property
    def postcode(self) -> str: ...
    @property
    def commune(self) -> str: ...
    @property
    def phone(self) -> str: ...
    @property
    def guardians(self) -> Sequence[_AccountGuardian]: ...
    @property
    def children(self) -> Sequence[_AccountChild]: ...


def account_payload(family: AccountHolder) -> dict:
    """What the portal needs to create or update the parent account."""
    return {
        "family_code": family.code,
        "name": family.name,
        "login_email": family.login_email,
        "address": {
            "line1": family.address_line1,
            "line2": family.address_line2,
            "postcode": family.postcode,
            "commune": family.commune,
        },
        "phone": family.phone,
        "guardians": [
            {
                "rank": g.rank,
                "last_name": g.last_name,
                "first_name": g.first_name,
                "email": g.email,
                "mobile_phone": g.mobile_phone,
                "is_payer": g.is_payer,
            }
            for g in family.guardians
        ],
        "children": [
            {
                "id": c.id,
                "last_name": c.last_name,
                "first_name": c.first_name,
                "sex": c.sex.value,
                "birth_date": c.birth_date.isoformat(),
            }
            for c in family.children
        ],
    }


def open_account(session: Session, actor: Actor, form: AccountForm, today: date) -> Family:
    """Create the family from a checked form, awaiting activation; queue for the portal
    the account creation and the activation e-mail."""
    require(session, actor, Permission.FAMILIES_EDIT, "ouvrir un compte famille")
    clean = check_account_form(form, today)
    f = clean.form
    bind(session, actor)
    family = Family(
        code=next_family_code(session),
        name=f.family_name,
        # No e-mail: paper-only, no portal account until an address is given.
        account_state=(
            AccountState.AWAITING_ACTIVATION if f.login_email else AccountState.FORM_RECEIVED
        ),
        address_line1=f.address_line1,
        address_line2=f.address_line2.strip(),
        postcode=f.postcode,
        commune=f.commune,
        insee_code=clean.insee_code,
        phone=f.phone,
        login_email=f.login_email,
        billing_email=f.billing_email,
        allowance_scheme=f.allowance_scheme,
        allowance_number=f.allowance_number,
        notes=f.notes.strip(),
    )
    for rank, g in enumerate(f.guardians, start=1):
        family.guardians.append(
            Guardian(
                rank=rank,
                civility=g.civility,
                last_name=g.last_name,
                first_name=g.first_name,
                relationship_label=g.relationship.strip(),
                is_payer=g.is_payer,
                mobile_phone=g.mobile_phone,
                home_phone=g.home_phone,
                work_phone=g.work_phone,
                email=g.email,
                profession=g.profession.strip(),
                employer=g.employer.strip(),
            )
        )
    for ch in f.children:
        family.children.append(
            Child(
                last_name=ch.last_name,
                first_name=ch.first_name,
                sex=ch.sex,
                birth_date=ch.birth_date,
                school=ch.school.strip(),
                school_class=ch.school_class.strip(),
            )
        )
    if f.quotient is not None:
        family.quotients.append(
            FamilyQuotient(
                quotient=f.quotient,
                valid_from=f.quotient_from,
                valid_to=f.quotient_to,
                source=f.allowance_scheme,
            )
        )
    refresh_search_text(family)
    session.add(family)
    session.flush()
    if f.login_email:
        outbox.enqueue(session, "account.upsert", account_payload(family), family.id)
        outbox.enqueue(session, "account.send_activation", {"family_code": family.code}, family.id)
    return family


def is_paper_only(family: Family) -> bool:
    """A family without a portal account: everything goes to it on paper."""
    return family.account_state is AccountState.FORM_RECEIVED and not family.login_email


def give_portal_login(family: Family, email: str) -> None:
    """A paper family gets its login e-mail: it now awaits activation (the caller queues
    ``account.upsert`` then ``account.send_activation``, as the opening does)."""
    family.login_email = email
    family.billing_email = family.billing_email or email
    family.account_state = AccountState.AWAITING_ACTIVATION


PAPER_ONLY_NOTE = (
    "Famille sans portail (papier seulement) : aucun compte n'est créé sur le portail ; "
    "factures et réponses aux demandes lui sont envoyées par courrier. Le compte pourra "
    "être créé plus tard en indiquant un e-mail dans « Modifier la famille »."
)


def _family(session: Session, family_id: int) -> Family:
    family = session.get(Family, family_id)
    if family is None:
        raise UserError(f"Aucune famille n'a l'identifiant {family_id}.")
    return family


def resend_activation(session: Session, actor: Actor, family_id: int) -> None:
    require(session, actor, Permission.FAMILIES_EDIT, "renvoyer le courriel d'activation")
    family = _family(session, family_id)
    if family.account_state is not AccountState.AWAITING_ACTIVATION:
        raise UserError("Le compte est déjà activé : utilisez la réinitialisation du mot de passe.")
    bind(session, actor)
    outbox.enqueue(session, "account.send_activation", {"family_code": family.code}, family.id)


def send_password_reset(session: Session, actor: Actor, family_id: int) -> None:
    require(session, actor, Permission.FAMILIES_EDIT, "réinitialiser le mot de passe d'une famille")
    family = _family(session, family_id)
    if family.account_state is not AccountState.ACTIVE:
        raise UserError(
            "Seul un compte actif peut recevoir un lien de réinitialisation du mot de passe."
        )
    bind(session, actor)
    outbox.enqueue(session, "account.send_password_reset", {"family_code": family.code}, family.id)


def disable_account(session: Session, actor: Actor, family_id: int, reason: str = "") -> None:
    require(session, actor, Permission.FAMILIES_EDIT, "désactiver le compte d'une famille")
    family = _family(session, family_id)
    if family.account_state is AccountState.DISABLED:
        raise UserError("Le compte est déjà désactivé.")
    bind(session, actor)
    family.account_state = AccountState.DISABLED
    outbox.enqueue(
        session, "account.disable", {"family_code": family.code, "reason": reason}, family.id
    )


def reactivate_account(session: Session, actor: Actor, family_id: int) -> None:
    require(session, actor, Permission.FAMILIES_EDIT, "réactiver le compte d'une famille")
    family = _family(session, family_id)
    if family.account_state is not AccountState.DISABLED:
        raise UserError("Le compte n'est pas désactivé.")
    bind(session, actor)
    family.account_state = (
        AccountState.ACTIVE if family.activated_at is not None else AccountState.AWAITING_ACTIVATION
    )
    outbox.enqueue(session, "account.reactivate", {"family_code": family.code}, family.id)
