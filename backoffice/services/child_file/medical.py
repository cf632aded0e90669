"""« Fiche sanitaire »: the child's medical record (health data).

Only accounts with the medical right may save it; the record's own version guards
it (vaccinations and diseases hang off it, so a change to them moves the
record's version too).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import partial

from sqlalchemy.orm import Session, selectinload

from backoffice.models import Child, DiseaseHistory, MedicalRecord, Vaccination
from backoffice.services.child_file.editing import assign, check_version, flush, get_child, touch
from backoffice.services.child_file.reference import DISEASES, VACCINES
from backoffice.services.common.actors import Actor, bind
from backoffice.services.common.permissions import Permission, require
from backoffice.services.common.validation import Checker
from fieldrules import dates

ALLERGY_FIELDS: dict[str, str] = {
    "allergy_asthma": "Asthme",
    "allergy_food": "Alimentaires",
    "allergy_medication": "Médicamenteuses",
    "allergy_other": "Autres",
}
OBSERVATION_FIELDS: dict[str, str] = {
    "wears_glasses": "Porte des lunettes",
    "wears_lenses": "Porte des lentilles",
    "dental_appliance": "Appareil dentaire",
    "hearing_aid": "Appareil auditif",
    "sleep_difficulties": "Difficultés de sommeil",
    "enuresis": "Énurésie",
}
TEXT_LIMITS = {"doctor_name": 120, "doctor_commune": 80}


@dataclass(frozen=True)
class VaccineAnswer:
    done: bool = False
    last_date: date | None = None


@dataclass
class MedicalForm:
    """What the agent enters; vaccines and diseases by code (reference lists)."""

    vaccines: dict[str, VaccineAnswer] = field(default_factory=dict)
    diseases: dict[str, bool] = field(default_factory=dict)
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


def check_medical_form(form: MedicalForm, birth_date: date, today: date) -> dict:
    """Cleaned record values; FieldErrors keys: ``allergy_detail``, ``pai_detail``,
    ``doctor_phone``, ``doctor_name``, ``doctor_commune``, ``vaccines.<code>``."""
    c = Checker()
    values: dict[str, object] = {
        name: bool(getattr(form, name)) for name in (*ALLERGY_FIELDS, *OBSERVATION_FIELDS)
    }
    values["has_pai"] = bool(form.has_pai)
    texts = {
        name: (getattr(form, name) or "").strip()
        for name in (
            "allergy_detail",
            "medical_history",
            "observations",
            "doctor_name",
            "doctor_commune",
            "pai_detail",
        )
    }
    values.update(texts)
    if any(values[name] for name in ALLERGY_FIELDS):
        ticked = ", ".join(label.lower() for name, label in ALLERGY_FIELDS.items() if values[name])
        values["allergy_detail"] = c.required(
            "allergy_detail", f"Allergies : précisez ({ticked})", values["allergy_detail"]
        )
    if values["has_pai"]:
        values["pai_detail"] = c.required("pai_detail", "PAI : précisez", values["pai_detail"])
    values["doctor_phone"] = c.phone("doctor_phone", "Téléphone du médecin", form.doctor_phone)
    for name, limit in TEXT_LIMITS.items():
        if len(texts[name]) > limit:
            label = "Nom du médecin" if name == "doctor_name" else "Commune du médecin"
            c.fail(name, f"Le champ « {label} » ne doit pas dépasser {limit} caractères.")
    for code, answer in form.vaccines.items():
        if code not in VACCINES:
            c.fail(f"vaccines.{code}", f"Vaccin inconnu : {code}.")
        else:
            c.rule(
                f"vaccines.{code}",
                partial(
                    dates.vaccination_date, answer.last_date, birth_date, today, VACCINES[code]
                ),
                None,
            )
    for code in form.diseases:
        if code not in DISEASES:
            c.fail(f"diseases.{code}", f"Maladie inconnue : {code}.")
    c.raise_if_errors()
    return values


def save_medical_record(
    session: Session,
    actor: Actor,
    child_id: int,
    form: MedicalForm,
    version: int | None,
    today: date,
) -> int:
    """Save the fiche sanitaire; ``version`` is the record's (None when it had none).

    Refused (:class:`~.actors.PermissionDenied`) for roles without medical access.
    Returns the record's new version.
    """
    require(session, actor, Permission.MEDICAL, "modifier la fiche sanitaire")
    bind(session, actor)
    child = get_child(
        session,
        child_id,
        selectinload(Child.medical_record),
        selectinload(Child.vaccinations),
        selectinload(Child.diseases),
    )
    record = child.medical_record
    check_version(record.version if record else None, version, child.full_name)
    values = check_medical_form(form, child.birth_date, today)
    changed = False
    if record is None:
        record = MedicalRecord(**values)
        child.medical_record = record
        changed = True
    else:
        changed = assign(record, values)
    changed |= _save_vaccines(child, form.vaccines)
    changed |= _save_diseases(child, form.diseases)
    if changed:
        touch(record)
        flush(session, child.full_name, child.family_id)
    return record.version


def _save_vaccines(child: Child, answers: Mapping[str, VaccineAnswer]) -> bool:
    existing = {v.vaccine: v for v in child.vaccinations}
    changed = False
    for code, answer in answers.items():
        row = existing.get(code)
        done, last = bool(answer.done or answer.last_date), answer.last_date
        if row is None:
            if done or last:
                child.vaccinations.append(Vaccination(vaccine=code, done=done, last_date=last))
                changed = True
        else:
            changed |= assign(row, {"done": done, "last_date": last})
    return changed


def _save_diseases(child: Child, answers: Mapping[str, bool]) -> bool:
    existing = {d.disease: d for d in child.diseases}
    changed = False
    for code, had in answers.items():
        row = existing.get(code)
        if row is None:
            if had:  # "Non" is the default: no row needed
                child.diseases.append(DiseaseHistory(disease=code, had=True))
                changed = True
        else:
            changed |= assign(row, {"had": bool(had)})
    return changed
