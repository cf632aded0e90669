"""Feed changes about a child's file (guide §5.2): information, medical record,
consents; emergency contacts and authorised pick-ups go to the requests inbox."""

from __future__ import annotations

from datetime import date
from functools import partial

from backoffice.dates import paris_today
from backoffice.models import (
    ConsentAnswer,
    DiseaseHistory,
    MedicalRecord,
    RequestKind,
    Sex,
    Vaccination,
    utcnow,
)
from backoffice.services.child_file.reference import DISEASES, VACCINES
from backoffice.services.families.queries import refresh_search_text
from backoffice.sync import values as v
from backoffice.sync.apply import ApplyContext, FeedChange, Quarantine, handles, summarise
from backoffice.sync.handlers_requests import land_request
from fieldrules import dates

INFORMATION_FIELDS: dict[str, v.Cleaner] = {
    "last_name": v.name("Nom de l'enfant", required=True),
    "first_name": v.name("Prénom de l'enfant", required=True),
    "school": v.text("École", 120),
    "school_class": v.text("Classe", 20),
}
MEDICAL_TEXT: dict[str, v.Cleaner] = {
    "medical_history": v.text("Antécédents médicaux", 2000),
    "observations": v.text("Observations", 2000),
    "doctor_name": v.text("Nom du médecin", 120),
    "doctor_phone": v.phone("Téléphone du médecin"),
    "doctor_commune": v.text("Commune du médecin", 80),
}
# Portal allergy code → back-office flag.
ALLERGIES = {
    "asthme": ("allergy_asthma", "Asthme"),
    "alimentaire": ("allergy_food", "Alimentaire"),
    "medicamenteuse": ("allergy_medication", "Médicamenteuse"),
    "autre": ("allergy_other", "Autre"),
}


def _dicts(change: FeedChange) -> tuple[dict, dict]:
    before, after = change.data.get("before", {}), change.data.get("after")
    if not isinstance(before, dict) or not isinstance(after, dict):
        raise Quarantine("Valeurs illisibles : « before » et « after » doivent être des objets.")
    return before, after


def _sex(value) -> Sex:
    if value not in ("F", "M"):
        raise Quarantine(f"« Sexe de l'enfant » invalide ou vide ({value!r}).")
    return Sex(value)


@handles("child.information.updated")
def information_updated(ctx: ApplyContext, change: FeedChange) -> str:
    child = ctx.child()
    before, after = _dicts(change)
    today = paris_today()
    parse_birth = v.day("Date de naissance", required=True)

    def birth_date(raw) -> date | None:
        return v.rule(lambda: dates.child_birth_date(parse_birth(raw), today))

    cleaners = {**INFORMATION_FIELDS, "sex": _sex, "birth_date": birth_date}
    plan = []
    for key, raw in after.items():
        clean = cleaners.get(key)
        if clean is None:
            raise Quarantine(f"Champ inconnu dans la fiche de l'enfant : « {key} ».")
        plan.append((key, clean(raw), v.lenient(clean, before.get(key))))
    names = (child.first_name, child.last_name)
    outcome = summarise(ctx.set_field(child, key, new, old) for key, new, old in plan)
    if (child.first_name, child.last_name) != names:
        refresh_search_text(ctx.family())
    return outcome


def _list_of_dicts(value, label: str) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
        raise Quarantine(f"« {label} » : liste illisible.")
    return value


def _allergy_values(items: list[dict]) -> dict[str, object]:
    """The back-office flags and detail text for the portal's allergy list."""
    values: dict[str, object] = {flag: False for flag, _label in ALLERGIES.values()}
    details = []
    for item in items:
        code = item.get("allergy")
        if not isinstance(code, str) or code not in ALLERGIES:
            raise Quarantine(f"Allergie inconnue du back-office : « {code} ».")
        flag, label = ALLERGIES[code]
        present = v.boolean(f"Allergie {label}")(item.get("present", False))
        values[flag] = present
        detail = v.text(f"Allergie {label} : précisez", 500)(item.get("detail", ""))
        if present and detail:
            details.append(f"{label} : {detail}")
    values["allergy_detail"] = " ; ".join(details)
    return values


@handles("child.medical.updated")
def medical_updated(ctx: ApplyContext, change: FeedChange) -> str:
    child = ctx.child()
    before, after = _dicts(change)
    birth = child.birth_date
    scalars: list[tuple[str, object, object]] = []
    vaccines: dict[str, tuple[bool, date | None]] = {}
    diseases: dict[str, bool] = {}
    for key, raw in after.items():
        if key in MEDICAL_TEXT:
            clean = MEDICAL_TEXT[key]
            scalars.append((key, clean(raw), v.lenient(clean, before.get(key))))
        elif key == "allergies":
            new = _allergy_values(_list_of_dicts(raw, "Allergies"))
            try:
                old = _allergy_values(_list_of_dicts(before.get(key), "Allergies"))
            except Quarantine:
                old = {}
            scalars += [(attr, value, old.get(attr)) for attr, value in new.items()]
        elif key == "vaccinations":
            for item in _list_of_dicts(raw, "Vaccins"):
                code = item.get("vaccine")
                if not isinstance(code, str) or code not in VACCINES:
                    raise Quarantine(f"Vaccin inconnu du back-office : « {code} ».")
                label = f"Vaccin {VACCINES[code]}"
                day = v.day(f"{label} : date")(item.get("last_date"))
                last = v.rule(
                    partial(dates.vaccination_date, day, birth, paris_today(), VACCINES[code])
                )
                vaccines[code] = (v.boolean(label)(item.get("done", False)), last)
        elif key == "diseases":
            for item in _list_of_dicts(raw, "Maladies"):
                code = item.get("disease")
                if not isinstance(code, str) or code not in DISEASES:
                    raise Quarantine(f"Maladie inconnue du back-office : « {code} ».")
                diseases[code] = v.boolean(f"Maladie {DISEASES[code]}")(item.get("had", False))
        else:
            raise Quarantine(f"Champ inconnu dans le dossier médical : « {key} ».")
    record = child.medical_record
    if record is None:
        record = MedicalRecord()
        child.medical_record = record
    outcomes = [ctx.set_field(record, attr, new, old) for attr, new, old in scalars]
    rows = {r.vaccine: r for r in child.vaccinations}
    for code, (done, last) in vaccines.items():
        row = rows.get(code)
        if row is None:
            row = Vaccination(vaccine=code)
            child.vaccinations.append(row)
        outcomes += [ctx.set_field(row, "done", done), ctx.set_field(row, "last_date", last)]
    had = {r.disease: r for r in child.diseases}
    for code, value in diseases.items():
        history = had.get(code)
        if history is None:
            history = DiseaseHistory(disease=code)
            child.diseases.append(history)
        outcomes.append(ctx.set_field(history, "had", value))
    return summarise(outcomes)


@handles("child.consents.updated")
def consents_updated(ctx: ApplyContext, change: FeedChange) -> str:
    child = ctx.child()
    answers = _list_of_dicts(change.data.get("after"), "Autorisations")
    plan = []
    for item in answers:
        code = item.get("code")
        definition = ctx.consent_definition(code if isinstance(code, str) else repr(code))
        granted = v.boolean(f"Autorisation {definition.label}")(item.get("granted"))
        detail = v.text(f"Autorisation {definition.label} : précisez", 200)(item.get("detail", ""))
        plan.append((definition, granted, detail))
    existing = {a.consent_id: a for a in child.consents}
    outcomes = []
    for definition, granted, detail in plan:
        answer = existing.get(definition.id)
        if answer is None:
            child.consents.append(
                ConsentAnswer(consent_id=definition.id, granted=granted, detail=detail)
            )
            outcomes.append("applied")
            continue
        step = [ctx.set_field(answer, "granted", granted), ctx.set_field(answer, "detail", detail)]
        if "applied" in step:
            answer.answered_at = utcnow()
        outcomes += step
    return summarise(outcomes)


@handles(
    "child.emergency_contacts.updated", "child.authorised_pickups.updated", lands_requests=True
)
def persons_updated(ctx: ApplyContext, change: FeedChange) -> str:
    # The back-office keeps persons per family, with roles per child; the portal
    # sends the child's whole list without person ids: an agent matches them.
    child = ctx.child()
    _list_of_dicts(change.data.get("after"), "Personnes")
    return land_request(ctx, change, RequestKind.FILE_CHANGE, child_id=child.id)
