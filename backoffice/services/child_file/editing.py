"""A child's file as agents edit it: the five blocks of the parents' "Enfant" form.

One function per agent action (STYLE §12), each taking ``(session, actor, …)``:
:func:`load_child_file` gives the GUI a plain snapshot; :func:`save_child_information`
changes the « Informations » block (guarded by the child's version). The
consents are in :mod:`.consents`, the medical record in
:mod:`.medical`, the people around the child in
:mod:`.contacts`.

Optimistic locking: each save takes the version the agent loaded; when another
agent saved in between, a :class:`StaleFile` asks to reload. A save that
changes nothing changes no version, so an untouched block never blocks others.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from backoffice.errors import UserError
from backoffice.models import Child, ChildContact, ConsentDefinition, Family, Sex, utcnow
from backoffice.services.child_file.completeness import missing_for_child, missing_for_family
from backoffice.services.child_file.reference import DISEASES, VACCINES
from backoffice.services.common import audit, outbox
from backoffice.services.common.actors import Actor, bind
from backoffice.services.common.permissions import Permission, require
from backoffice.services.common.validation import Checker
from backoffice.services.families.accounts import account_payload, is_paper_only
from backoffice.services.families.queries import NotFound, child_alerts, refresh_search_text
from fieldrules import dates


class StaleFile(UserError):
    """Another agent saved this file since it was loaded (French message)."""


STALE_MESSAGE = (
    "La fiche de {name} a été modifiée par un autre agent depuis que vous l'avez ouverte. "
    "Rechargez-la pour voir ses modifications, puis refaites les vôtres."
)


# -- the snapshot the GUI shows -------------------------------------------------


@dataclass(frozen=True, slots=True)
class VaccineLine:
    code: str
    label: str
    done: bool
    last_date: date | None


@dataclass(frozen=True, slots=True)
class DiseaseLine:
    code: str
    label: str
    had: bool


@dataclass(frozen=True)
class MedicalData:
    """The fiche sanitaire; ``version`` is None while the child has none."""

    version: int | None
    vaccines: tuple[VaccineLine, ...]
    diseases: tuple[DiseaseLine, ...]
    allergy_asthma: bool = False
    allergy_food: bool = False
    allergy_medication: bool = False
    allergy_other: bool = False
    allergy_detail: str = ""
    medical_history: str = ""
    wears_glasses: bool = False
    wears_lenses: bool = False
    dental_appliance: bool = False
    hearing_aid: bool = False
    sleep_difficulties: bool = False
    enuresis: bool = False
    observations: str = ""
    doctor_name: str = ""
    doctor_phone: str = ""
    doctor_commune: str = ""
    has_pai: bool = False
    pai_detail: str = ""


@dataclass(frozen=True, slots=True)
class ContactLine:
    """A person named for this child, with their roles."""

    person_id: int
    version: int
    last_name: str
    first_name: str
    relationship: str
    address_line1: str
    postcode: str
    commune: str
    phone1: str
    phone2: str
    emergency_contact: bool
    authorised_pickup: bool

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def phones(self) -> str:
        return " / ".join(p for p in (self.phone1, self.phone2) if p)

    @property
    def address(self) -> str:
        town = f"{self.postcode} {self.commune}".strip()
        return ", ".join(p for p in (self.address_line1, town) if p)


@dataclass(frozen=True, slots=True)
class ConsentLine:
    """An active consent of the catalogue that applies at the child's age."""

    consent_id: int
    label: str
    description: str
    mandatory: bool
    asks_detail: bool
    granted: bool | None  # None: not answered yet
    detail: str


@dataclass(frozen=True)
class ChildFile:
    child_id: int
    version: int
    family_id: int
    family_code: str
    family_name: str
    last_name: str
    first_name: str
    sex: Sex
    birth_date: date
    age: int
    age_months: int
    school: str
    school_class: str
    notes: str
    contacts: tuple[ContactLine, ...]
    consents: tuple[ConsentLine, ...]
    missing: tuple[str, ...]
    family_missing: tuple[str, ...]
    alerts: tuple[str, ...]
    # None when the actor's role may not see health data.
    medical: MedicalData | None = None
    # Other people of the family (named for a brother or sister) who could be reused.
    family_persons: tuple[ContactLine, ...] = field(default_factory=tuple)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def complete(self) -> bool:
        return not self.missing and not self.family_missing

    @property
    def emergency_contacts(self) -> tuple[ContactLine, ...]:
        return tuple(c for c in self.contacts if c.emergency_contact)

    @property
    def authorised_pickups(self) -> tuple[ContactLine, ...]:
        return tuple(c for c in self.contacts if c.authorised_pickup)


# -- shared helpers (also used by the medical and contacts modules) -------------


def get_child(session: Session, child_id: int, *options) -> Child:
    child = session.scalars(
        select(Child).where(Child.id == child_id).options(*options)
    ).one_or_none()
    if child is None:
        raise NotFound(f"Aucun enfant n'a l'identifiant {child_id}.")
    return child


def check_version(current: int | None, expected: int | None, name: str) -> None:
    if current != expected:
        raise StaleFile(STALE_MESSAGE.format(name=name))


def flush(session: Session, name: str, family_id: int | None = None) -> None:
    """Flush, turning a concurrent write (version check at UPDATE) into :class:`StaleFile`.

    With ``family_id``, the portal is told too: the child's file goes with the
    family's next ``account.upsert`` (see ``backoffice/sync/push_files.py``) — unless
    the family is paper only (no portal account: nothing to tell, nothing created)."""
    try:
        session.flush()
    except StaleDataError as exc:
        raise StaleFile(STALE_MESSAGE.format(name=name)) from exc
    if family_id is not None:
        family = session.get(Family, family_id)
        if family is not None and not is_paper_only(family):
            outbox.enqueue(session, "account.upsert", account_payload(family), family.id)


def assign(obj, values: Mapping[str, object]) -> bool:
    """Set the attributes that differ; True when something changed."""
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def active_consents(session: Session) -> list[ConsentDefinition]:
    return list(
        session.scalars(
            select(ConsentDefinition).order_by(ConsentDefinition.position, ConsentDefinition.id)
        )
    )


def applies(consent: ConsentDefinition, age: int) -> bool:
    return consent.active and (consent.min_age_years is None or age >= consent.min_age_years)


# -- loading --------------------------------------------------------------------


def _contact_line(person, link: ChildContact | None) -> ContactLine:
    return ContactLine(
        person_id=person.id,
        version=person.version,
        last_name=person.last_name,
        first_name=person.first_name,
        relationship=person.relationship_label,
        address_line1=person.address_line1,
        postcode=person.postcode,
        commune=person.commune,
        phone1=person.phone1,
        phone2=person.phone2,
        emergency_contact=bool(link and link.emergency_contact),
        authorised_pickup=bool(link and link.authorised_pickup),
    )


def _medical_data(child: Child) -> MedicalData:
    done = {v.vaccine: v for v in child.vaccinations}
    had = {d.disease: d.had for d in child.diseases}
    vaccines = tuple(
        VaccineLine(
            code,
            label,
            bool(done.get(code) and done[code].done),
            done[code].last_date if code in done else None,
        )
        for code, label in VACCINES.items()
    )
    diseases = tuple(
        DiseaseLine(code, label, had.get(code, False)) for code, label in DISEASES.items()
    )
    record = child.medical_record
    if record is None:
        return MedicalData(version=None, vaccines=vaccines, diseases=diseases)
    names = [
        f for f in MedicalData.__dataclass_fields__ if f not in ("version", "vaccines", "diseases")
    ]
    return MedicalData(
        version=record.version,
        vaccines=vaccines,
        diseases=diseases,
        **{name: getattr(record, name) for name in names},
    )


def load_child_file(
    session: Session, actor: Actor, child_id: int, today: date, *, record_access: bool = True
) -> ChildFile:
    """The whole file of a child; the medical part only for roles allowed to see it.

    Opening the medical record is recorded in the audit trail; a reload after
    the agent's own save passes ``record_access=False`` (same opening).
    """
    require(session, actor, Permission.FAMILIES_VIEW, "consulter le dossier d'un enfant")
    bind(session, actor)
    child = get_child(
        session,
        child_id,
        selectinload(Child.medical_record),
        selectinload(Child.vaccinations),
        selectinload(Child.diseases),
        selectinload(Child.consents),
        selectinload(Child.contacts).selectinload(ChildContact.person),
        selectinload(Child.family).selectinload(Family.guardians),
        selectinload(Child.family).selectinload(Family.children),
        selectinload(Child.family).selectinload(Family.persons),
    )
    family = child.family
    consents = active_consents(session)
    age = child.age_on(today)
    answers = {a.consent_id: a for a in child.consents}
    linked = {link.person_id for link in child.contacts}
    medical = None
    if actor.sees_medical_data:
        medical = _medical_data(child)
        if record_access:
            audit.record_medical_access(session, actor, child)
            session.flush()
    return ChildFile(
        child_id=child.id,
        version=child.version,
        family_id=family.id,
        family_code=family.code,
        family_name=family.name,
        last_name=child.last_name,
        first_name=child.first_name,
        sex=child.sex,
        birth_date=child.birth_date,
        age=age,
        age_months=child.age_months_on(today),
        school=child.school,
        school_class=child.school_class,
        notes=child.notes,
        contacts=tuple(_contact_line(link.person, link) for link in child.contacts),
        consents=tuple(
            ConsentLine(
                consent_id=c.id,
                label=c.label,
                description=c.description,
                mandatory=c.mandatory,
                asks_detail=c.asks_detail,
                granted=answers[c.id].granted if c.id in answers else None,
                detail=answers[c.id].detail if c.id in answers else "",
            )
            for c in consents
            if applies(c, age)
        ),
        missing=tuple(missing_for_child(child, consents, today)),
        family_missing=tuple(missing_for_family(family)),
        alerts=tuple(child_alerts(child)),
        medical=medical,
        family_persons=tuple(
            _contact_line(p, None)
            for p in sorted(family.persons, key=lambda p: (p.last_name, p.first_name))
            if p.id not in linked
        ),
    )


# -- « Informations » -----------------------------------------------------------


@dataclass
class ChildInformationForm:
    last_name: str = ""
    first_name: str = ""
    sex: Sex | None = None
    birth_date: date | None = None
    school: str = ""
    school_class: str = ""
    notes: str = ""


def check_child_information(form: ChildInformationForm, today: date) -> dict:
    """Cleaned values; :class:`~.validation.FieldErrors` keyed by form field names.
    Names and the birth date follow the rules shared with the portal (:mod:`fieldrules`)."""
    c = Checker()
    values = {
        "last_name": c.name("last_name", "Nom", form.last_name),
        "first_name": c.name("first_name", "Prénom", form.first_name),
        "sex": c.required("sex", "Sexe", form.sex),
        "birth_date": c.rule(
            "birth_date", lambda: dates.child_birth_date(form.birth_date, today), None
        ),
        "school": (form.school or "").strip(),
        "school_class": (form.school_class or "").strip(),
        "notes": (form.notes or "").strip(),
    }
    for key, label, limit in (
        ("school", "École", 120),
        ("school_class", "Classe", 20),
    ):
        if values[key] and len(values[key]) > limit:
            c.fail(key, f"Le champ « {label} » ne doit pas dépasser {limit} caractères.")
    c.raise_if_errors()
    return values


def save_child_information(
    session: Session,
    actor: Actor,
    child_id: int,
    form: ChildInformationForm,
    version: int,
    today: date,
) -> int:
    """Save the « Informations » block; returns the child's new version."""
    require(session, actor, Permission.FAMILIES_EDIT, "modifier le dossier d'un enfant")
    bind(session, actor)
    values = check_child_information(form, today)
    child = get_child(session, child_id, selectinload(Child.family).selectinload(Family.children))
    check_version(child.version, version, child.full_name)
    if assign(child, values):
        refresh_search_text(child.family)
        flush(session, child.full_name, child.family_id)
    return child.version


def touch(row) -> None:
    """Mark a versioned row as changed, so that its version moves on (rows that hang
    off it, like consent answers or vaccinations, have no version of their own)."""
    row.updated_at = utcnow()
