"""What is missing from a child's file before a registration (guide §6.1).

The same items, in the same words, as the back-office's « Dossiers incomplets »
list (the mandatory fields, the school's ages and the vaccines due are the shared
rules of :mod:`fieldrules.child_file`): mandatory fields of the « Information Enfant » block, the school from
3 years old, the family doctor, allergy details, the compulsory vaccines already
due, at least one person to call in an emergency and one allowed to pick the
child up (each with its mandatory fields), and every mandatory autorisation.
"""

from __future__ import annotations

from datetime import date

from fieldrules.child_file import INFORMATION_REQUIRED, PERSON_REQUIRED, school_required
from fieldrules.dates import age_months_on, age_on
from portal.labels import field_label
from portal.models import Child, ConsentDefinition
from portal.reference import ALLERGIES, VACCINES, compulsory_vaccines

__all__ = ["age_on", "missing_for_child"]


def missing_for_child(child: Child, definitions: list[ConsentDefinition], today: date) -> list[str]:
    missing = [field_label(f) for f in INFORMATION_REQUIRED if not getattr(child, f)]
    birth = child.birth_date
    if birth is not None and school_required(age_on(birth, today)) and not child.school:
        missing.append("École")
    medical = child.medical or {}
    if not medical.get("doctor_name") or not medical.get("doctor_phone"):
        missing.append("Médecin traitant (nom et téléphone)")
    for allergy in medical.get("allergies") or []:
        if allergy.get("present") and not str(allergy.get("detail") or "").strip():
            label = ALLERGIES.get(allergy.get("allergy"), allergy.get("allergy"))
            missing.append(f"Allergies : précisez ({label})")
    if birth is not None:
        done = {
            v.get("vaccine")
            for v in medical.get("vaccinations") or []
            if v.get("done") and v.get("last_date")
        }
        due = compulsory_vaccines(birth, age_months_on(birth, today))
        absent = [VACCINES[code] for code in due if code not in done]
        if absent:
            missing.append("Vaccins obligatoires : " + ", ".join(absent))
    for column, label in (
        ("emergency_contacts", "Personne à contacter en cas d'urgence"),
        ("authorised_pickups", "Personne autorisée à venir chercher l'enfant"),
    ):
        persons = getattr(child, column) or []
        if not persons:
            missing.append(label)
        for i, person in enumerate(persons):
            empty = [field_label(f) for f in PERSON_REQUIRED if not person.get(f)]
            if empty:
                missing.append(f"{label} n° {i + 1} : " + ", ".join(empty))
    answered = {a.get("code") for a in child.consents or []}
    for definition in definitions:
        if definition.active and definition.mandatory and definition.code not in answered:
            missing.append(f"Autorisation : {definition.label}")
    return missing
