# Long module: the history's words for every followed field and how each line reads them.
"""A family's history in words an agent reads: when, who, what, old → new.

Built from the audit trail (:mod:`.audit`), newest first, read through the
``family_id`` index. Values are shown the French way (oui/non, dd/mm/yyyy,
"CAF", "Fille"), times in Europe/Paris.

Health data: changes to the medical record, vaccines and diseases
(``MEDICAL_ENTITIES``) are shown with their fields and values only to actors
who may see medical data. For the others, each save that touched a child's
medical record is one neutral line, "Fiche sanitaire modifiée", with when, who
and the child, but no field and no value; and the consultations of medical
records (``view_medical``), which are themselves a hint about a child's
health, are not listed for them at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from backoffice.models import (
    ACCOUNT_STATE_LABELS,
    ATTENDANCE_LABELS,
    AuditAction,
    AuditEvent,
    Booking,
    Child,
    ChildContact,
    ConsentAnswer,
    ConsentDefinition,
    DiseaseHistory,
    FamilyQuotient,
    Guardian,
    Person,
    StaffUser,
    Vaccination,
)
from backoffice.services.child_file.reference import DISEASES, VACCINES
from backoffice.services.common.actors import PORTAL, SYSTEM, Actor
from backoffice.services.common.audit import MEDICAL_ENTITIES, PRINTED_LIST, as_text
from backoffice.services.common.permissions import Permission, require

PARIS = ZoneInfo("Europe/Paris")
MEDICAL_NEUTRAL = "Fiche sanitaire modifiée"
EMPTY = "—"

ENTITY_LABELS = {
    "family": "Famille",
    "guardian": "Responsable légal",
    "family_quotient": "QF",
    "person": "Contact",
    "child": "Enfant",
    "medical_record": "Fiche sanitaire",
    "vaccination": "Vaccin",
    "disease_history": "Maladie",
    "child_contact": "Contact de l'enfant",
    "consent_answer": "Autorisation",
    "booking": "Pointage",
}

_ADDRESS = {"address_line1": "Adresse", "postcode": "Code postal", "commune": "Commune"}
FIELD_LABELS: dict[str, dict[str, str]] = {
    "family": {
        "code": "Identifiant",
        "name": "Nom de la famille",
        "account_state": "État du compte",
        **_ADDRESS,
        "address_line2": "Complément d'adresse",
        "insee_code": "Code INSEE",
        "phone": "Téléphone du foyer",
        "login_email": "E-mail (identifiant du portail)",
        "pending_login_email": "Nouvel identifiant demandé (en attente de confirmation)",
        "billing_email": "E-mail de facturation",
        "allowance_scheme": "Régime allocataire",
        "allowance_number": "N° allocataire",
        "notes": "Notes",
        "activated_at": "Compte activé le",
    },
    "guardian": {
        "rank": "Rang",
        "civility": "Civilité",
        "last_name": "Nom",
        "first_name": "Prénom",
        "relationship_label": "Lien",
        "is_payer": "Payeur",
        "mobile_phone": "Portable",
        "home_phone": "Téléphone fixe",
        "work_phone": "Téléphone professionnel",
        "email": "E-mail",
        "profession": "Profession",
        "employer": "Employeur",
        **_ADDRESS,
    },
    "family_quotient": {
        "quotient": "Montant",
        "valid_from": "Début de validité",
        "valid_to": "Fin de validité",
        "source": "Source",
    },
    "person": {
        "last_name": "Nom",
        "first_name": "Prénom",
        "relationship_label": "Lien",
        **_ADDRESS,
        "phone1": "Téléphone 1",
        "phone2": "Téléphone 2",
    },
    "child": {
        "last_name": "Nom",
        "first_name": "Prénom",
        "sex": "Sexe",
        "birth_date": "Date de naissance",
        "school": "École",
        "school_class": "Classe",
        "notes": "Notes",
    },
    "medical_record": {
        "allergy_asthma": "Asthme",
        "allergy_food": "Allergie alimentaire",
        "allergy_medication": "Allergie médicamenteuse",
        "allergy_other": "Autre allergie",
        "allergy_detail": "Allergies : précisions",
        "medical_history": "Antécédents médicaux",
        "wears_glasses": "Lunettes",
        "wears_lenses": "Lentilles",
        "dental_appliance": "Appareil dentaire",
        "hearing_aid": "Appareil auditif",
        "sleep_difficulties": "Difficultés de sommeil",
        "enuresis": "Énurésie",
        "observations": "Observations",
        "doctor_name": "Médecin traitant",
        "doctor_phone": "Téléphone du médecin",
        "doctor_commune": "Commune du médecin",
        "has_pai": "PAI",
        "pai_detail": "PAI : précisions",
    },
    "vaccination": {"done": "effectué", "last_date": "dernière injection"},
    "disease_history": {"had": "déjà eue"},
    "child_contact": {
        "emergency_contact": "À contacter en cas d'urgence",
        "authorised_pickup": "Autorisé·e à venir chercher l'enfant",
        "position": "Ordre",
    },
    "consent_answer": {"granted": "Accordée", "detail": "Précision"},
    # Written by services/attendance.py (bookings are not followed automatically).
    "booking": {"attendance": "présence", "arrival_time": "arrivée", "departure_time": "départ"},
}
# Bookkeeping columns: never worth a line of history.
HIDDEN_FIELDS = frozenset(
    {"family_id", "child_id", "person_id", "consent_id", "recorded_at", "answered_at"}
)

_CREATED = {
    "guardian": "Responsable légal ajouté",
    "family_quotient": "QF ajouté",
    "person": "Contact ajouté",
    "child": "Enfant ajouté",
    "medical_record": "Fiche sanitaire créée",
    "vaccination": "Vaccin ajouté",
    "disease_history": "Maladie ajoutée",
    "child_contact": "Contact ajouté à l'enfant",
    "consent_answer": "Autorisation renseignée",
    "family": "Famille créée",
}
_DELETED = {
    "guardian": "Responsable légal retiré",
    "family_quotient": "QF supprimé",
    "person": "Contact supprimé",
    "child": "Enfant retiré",
    "medical_record": "Fiche sanitaire supprimée",
    "vaccination": "Vaccin retiré",
    "disease_history": "Maladie retirée",
    "child_contact": "Contact retiré de l'enfant",
    "consent_answer": "Autorisation retirée",
    "family": "Famille supprimée",
}

_SOURCES = {"caf": "CAF", "msa": "MSA", "none": "Avis d'imposition"}
_VALUE_LABELS: dict[str, dict[str, str]] = {
    "allowance_scheme": {"caf": "CAF", "msa": "MSA", "none": "Non allocataire"},
    "source": _SOURCES,
    "account_state": {s.value: label for s, label in ACCOUNT_STATE_LABELS.items()},
    "sex": {"F": "Fille", "M": "Garçon"},
    "attendance": {a.value: label for a, label in ATTENDANCE_LABELS.items()},
}
_YES_NO = {"oui": "Oui", "non": "Non"}
# Lines whose creation shows their answer: entity → (class, the fields that say it).
_CREATED_FIELDS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "consent_answer": (ConsentAnswer, ("granted", "detail")),
    "vaccination": (Vaccination, ("done", "last_date")),
    "disease_history": (DiseaseHistory, ("had",)),
}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One line of history, ready to show."""

    id: int
    at: datetime
    agent: str
    element: str
    old_value: str
    new_value: str
    child_id: int | None = None
    child_name: str = ""
    medical: bool = False

    @property
    def at_text(self) -> str:
        return paris_text(self.at)


def paris_text(moment: datetime) -> str:
    """``dd/mm/yyyy hh:mm`` in Europe/Paris."""
    return moment.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")


def french_value(field: str, value: str | None) -> str:
    """An audited value the way an agent reads it."""
    if value is None or value == "":
        return EMPTY
    labels = _VALUE_LABELS.get(field)
    if labels and value in labels:
        return labels[value]
    if _ISO_DATE.match(value):
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    if _ISO_DATETIME.match(value):
        try:
            return paris_text(datetime.fromisoformat(value))
        except ValueError:
            return value
    return value


def _is_medical(event) -> bool:
    return event.entity in MEDICAL_ENTITIES or event.action == AuditAction.VIEW_MEDICAL


def _visible_events(session: Session, actor: Actor, family_id: int, child_id, limit):
    """Audit rows to show (newest first), with an agent's medical rows collapsed."""
    stmt = (
        select(
            AuditEvent.id,
            AuditEvent.at,
            AuditEvent.staff_user_id,
            AuditEvent.actor,
            AuditEvent.action,
            AuditEvent.entity,
            AuditEvent.entity_id,
            AuditEvent.child_id,
            AuditEvent.field,
            AuditEvent.old_value,
            AuditEvent.new_value,
        )
        .where(AuditEvent.family_id == family_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    if child_id is not None:
        stmt = stmt.where(AuditEvent.child_id == child_id)
    kept: list[Row] = []
    collapsed: set[tuple] = set()
    for event in session.execute(stmt):
        if event.action == AuditAction.UPDATE and (
            event.field in HIDDEN_FIELDS or event.field not in FIELD_LABELS.get(event.entity, {})
        ):
            continue
        if _is_medical(event) and not actor.sees_medical_data:
            if event.action == AuditAction.VIEW_MEDICAL:
                continue
            key = (event.at, event.actor, event.child_id)
            if key in collapsed:
                continue
            collapsed.add(key)
        if limit is not None and len(kept) >= limit:
            break
        kept.append(event)
    return kept


class _Names:
    """Labels of the records the events are about, fetched once per kind."""

    def __init__(self, session: Session, events):
        self.session = session
        ids: dict[str, set[int]] = {}
        for e in events:
            ids.setdefault(e.entity, set()).add(e.entity_id)
        self.staff = dict(
            session.execute(
                select(StaffUser.id, StaffUser.full_name).where(
                    StaffUser.id.in_({e.staff_user_id for e in events if e.staff_user_id})
                )
            ).all()
        )
        child_ids = {e.child_id for e in events if e.child_id} | ids.get("child", set())
        self.children = self._pairs(Child, child_ids, lambda c: c.full_name)
        self.guardians = self._pairs(Guardian, ids.get("guardian"), lambda g: g.full_name)
        self.persons = self._pairs(Person, ids.get("person"), lambda p: p.full_name)
        self.quotients = self._pairs(FamilyQuotient, ids.get("family_quotient"), lambda q: q)
        self.vaccines = self._pairs(
            Vaccination, ids.get("vaccination"), lambda v: VACCINES.get(v.vaccine, v.vaccine)
        )
        self.diseases = self._pairs(
            DiseaseHistory, ids.get("disease_history"), lambda d: DISEASES.get(d.disease, d.disease)
        )
        self.contacts = self._pairs(
            ChildContact, ids.get("child_contact"), lambda c: c.person.full_name
        )
        self.bookings = self._pairs(
            Booking, ids.get("booking"), lambda b: f"{b.unit.name} du {b.day:%d/%m/%Y}"
        )
        self.created = self._created_values(events)
        self.consents = {}
        if ids.get("consent_answer"):
            self.consents = dict(
                session.execute(
                    select(ConsentAnswer.id, ConsentDefinition.label)
                    .join(ConsentDefinition, ConsentAnswer.consent_id == ConsentDefinition.id)
                    .where(ConsentAnswer.id.in_(ids["consent_answer"]))
                ).all()
            )

    def _created_values(self, events) -> dict[tuple[str, int], dict[str, str | None]]:
        """What a consent answer, vaccine or disease line said when it was created:
        today's values, each taken back to the old value of its first later change
        (the creation event itself records only the name)."""
        created: dict[str, set[int]] = {}
        for e in events:
            if e.action == AuditAction.CREATE and e.entity in _CREATED_FIELDS:
                created.setdefault(e.entity, set()).add(e.entity_id)
        values: dict[tuple[str, int], dict[str, str | None]] = {}
        for entity, entity_ids in created.items():
            model, fields = _CREATED_FIELDS[entity]
            for row in self.session.scalars(select(model).where(model.id.in_(entity_ids))):
                values[(entity, row.id)] = {f: as_text(getattr(row, f)) for f in fields}
            changes = self.session.execute(
                select(AuditEvent.entity_id, AuditEvent.field, AuditEvent.old_value)
                .where(
                    AuditEvent.entity == entity,
                    AuditEvent.entity_id.in_(entity_ids),
                    AuditEvent.action == AuditAction.UPDATE,
                    AuditEvent.field.in_(fields),
                )
                .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            )
            for entity_id, field, old in changes:  # the earliest change is written last
                values.setdefault((entity, entity_id), {})[field] = old
        return values

    def created_text(self, event) -> str:
        """ "Droit à l'image : Oui", "Tétanos : effectué, dernière injection le 01/01/2024"."""
        name = self.subject(event).removeprefix(ENTITY_LABELS[event.entity]).strip() or EMPTY
        values = self.created.get((event.entity, event.entity_id))
        if values is None:  # the line is gone since: its name only
            return name
        if event.entity == "vaccination":
            when = values.get("last_date")
            when_text = f"le {french_value('last_date', when)}" if when else "sans date"
            done = values.get("done") == "oui"
            return f"{name} : " + (
                f"effectué, dernière injection {when_text}" if done else "non effectué"
            )
        key = "granted" if event.entity == "consent_answer" else "had"
        text = f"{name} : {_YES_NO.get(values.get(key) or '', EMPTY)}"
        if values.get("detail"):
            text += f" ({values['detail']})"
        return text

    def _pairs(self, model, ids, label) -> dict:
        if not ids:
            return {}
        rows = self.session.scalars(select(model).where(model.id.in_(ids)))
        return {row.id: label(row) for row in rows}

    def agent(self, event) -> str:
        if event.staff_user_id in self.staff:
            return self.staff[event.staff_user_id] or event.actor
        return {PORTAL.login: PORTAL.full_name, SYSTEM.login: SYSTEM.full_name}.get(
            event.actor, event.actor
        )

    def subject(self, event) -> str:
        """What record the line is about ("Responsable légal Claire MARTIN", "Vaccin Tétanos")."""
        entity, eid = event.entity, event.entity_id
        named = {
            "guardian": self.guardians,
            "person": self.persons,
            "vaccination": self.vaccines,
            "disease_history": self.diseases,
            "child_contact": self.contacts,
            "consent_answer": self.consents,
            "booking": self.bookings,
        }
        if entity == "family_quotient":
            q = self.quotients.get(eid)
            return f"QF du {q.valid_from:%d/%m/%Y}" if q else "QF"
        if entity in named:
            name = named[entity].get(eid)
            return f"{ENTITY_LABELS[entity]} {name}" if name else ENTITY_LABELS[entity]
        return ENTITY_LABELS.get(entity, entity)

    def quotient_text(self, eid: int, fallback: str | None) -> str:
        q = self.quotients.get(eid)
        if q is None:
            return fallback or EMPTY
        text = f"{q.quotient} à partir du {q.valid_from:%d/%m/%Y}"
        if q.valid_to:
            text += f" jusqu'au {q.valid_to:%d/%m/%Y}"
        return f"{text} ({_SOURCES.get(q.source.value, q.source.value)})"


def _describe(event, names: _Names, actor: Actor) -> tuple[str, str, str]:
    """(element, old value, new value) of one event."""
    entity = event.entity
    if _is_medical(event) and not actor.sees_medical_data:
        return MEDICAL_NEUTRAL, "", ""
    if event.action == AuditAction.VIEW_MEDICAL:
        if event.field == PRINTED_LIST:
            return "Alertes santé imprimées (liste des enfants attendus)", "", ""
        return "Fiche sanitaire consultée", "", ""
    if event.action == AuditAction.CREATE:
        new = event.new_value or EMPTY
        if entity == "family_quotient":
            new = names.quotient_text(event.entity_id, event.new_value)
        elif entity in _CREATED_FIELDS:
            new = names.created_text(event)
        elif entity == "child_contact":
            new = names.subject(event).removeprefix(ENTITY_LABELS[entity]).strip() or EMPTY
        return _CREATED.get(entity, "Ajout"), EMPTY, new
    if event.action == AuditAction.DELETE:
        return _DELETED.get(entity, "Suppression"), event.old_value or EMPTY, EMPTY
    if event.action == AuditAction.DECIDE:
        return "Décision", french_value("", event.old_value), french_value("", event.new_value)
    field_label = FIELD_LABELS.get(entity, {}).get(event.field, event.field)
    if entity in ("family", "child", "medical_record"):
        element = field_label
    else:
        element = f"{names.subject(event)} : {field_label}"
    old, new = (french_value(event.field, v) for v in (event.old_value, event.new_value))
    return element, old, new


def family_history(
    session: Session,
    actor: Actor,
    family_id: int,
    *,
    child_id: int | None = None,
    limit: int | None = None,
) -> list[HistoryEntry]:
    """The family's history, newest first; ``child_id`` keeps one child's lines.

    What ``actor`` sees of health data: see the module docstring.
    """
    require(session, actor, Permission.FAMILIES_VIEW, "consulter l'historique d'une famille")
    events = _visible_events(session, actor, family_id, child_id, limit)
    names = _Names(session, events)
    entries = []
    for event in events:
        element, old, new = _describe(event, names, actor)
        child_name = names.children.get(event.child_id, "") if event.child_id else ""
        if child_name:
            element = f"{child_name} — {element}"
        entries.append(
            HistoryEntry(
                id=event.id,
                at=event.at,
                agent=names.agent(event),
                element=element,
                old_value=old,
                new_value=new,
                child_id=event.child_id,
                child_name=child_name,
                medical=_is_medical(event),
            )
        )
    return entries


def history_children(session: Session, family_id: int) -> list[tuple[int, str]]:
    """The family's children (id, name) for the history filter."""
    rows = session.execute(
        select(Child.id, Child.first_name, Child.last_name)
        .where(Child.family_id == family_id)
        .order_by(Child.birth_date)
    )
    return [(r.id, f"{r.first_name} {r.last_name}".strip()) for r in rows]


__all__ = [
    "MEDICAL_NEUTRAL",
    "HistoryEntry",
    "family_history",
    "french_value",
    "history_children",
    "paris_text",
]
