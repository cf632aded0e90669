"""Checks of what parents and agents send, with French messages naming the field.

Each check returns a list of :class:`FieldError`; an empty list means valid.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from email_validator import EmailNotValidError, validate_email

from portal.errors import FieldError
from portal.labels import field_label
from portal.reference import ALLERGIES, DISEASES, VACCINES
from portal.schemas import ChildInformation, ConsentAnswer, FamilyUpdate, MedicalRecord, Person

_PHONE = re.compile(r"^(0\d{9}|\+\d{8,15})$")
_POSTCODE = re.compile(r"^\d{5}$")

INFORMATION_REQUIRED = ("last_name", "first_name", "sex", "birth_date")
PERSON_REQUIRED = ("last_name", "first_name", "relationship_label", "phone1")


def _sentence(prefix: str, text: str) -> str:
    """« Personne 2 : le champ … » — lower-case after a prefix."""
    return prefix + text[0].lower() + text[1:] if prefix else text


def required(field: str, path: str | None = None, prefix: str = "") -> FieldError:
    return FieldError(
        field=path or field,
        message=_sentence(prefix, f"Le champ « {field_label(field)} » est obligatoire."),
    )


def normalise_email(value: str) -> str:
    """Lower-cased address, or ValueError with a French message."""
    try:
        info = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError("adresse e-mail invalide") from exc
    return info.normalized.lower()


def normalise_phone(value: str) -> str:
    return re.sub(r"[\s.\-]", "", value)


def check_phone(value: str, field: str, path: str, prefix: str = "") -> list[FieldError]:
    if value and not _PHONE.match(normalise_phone(value)):
        return [
            FieldError(
                field=path,
                message=_sentence(
                    prefix,
                    f"Le champ « {field_label(field)} » doit être un numéro de "
                    "téléphone valide (10 chiffres, ou +33…).",
                ),
            )
        ]
    return []


def check_postcode(value: str, path: str, prefix: str = "") -> list[FieldError]:
    if value and not _POSTCODE.match(value):
        return [
            FieldError(
                field=path,
                message=_sentence(prefix, "Le champ « Code postal » doit compter 5 chiffres."),
            )
        ]
    return []


def check_email(value: str, field: str, path: str, prefix: str = "") -> list[FieldError]:
    if not value:
        return []
    try:
        normalise_email(value)
    except ValueError:
        return [
            FieldError(
                field=path,
                message=_sentence(
                    prefix,
                    f"Le champ « {field_label(field)} » doit être une adresse e-mail valide.",
                ),
            )
        ]
    return []


def check_information(info: ChildInformation, today: date) -> list[FieldError]:
    errors = [required(f) for f in INFORMATION_REQUIRED if not getattr(info, f)]
    if info.birth_date and info.birth_date > today:
        errors.append(
            FieldError(
                field="birth_date",
                message="Le champ « Date de naissance » ne peut pas être dans le futur.",
            )
        )
    return errors


def check_medical(record: MedicalRecord, today: date) -> list[FieldError]:
    errors: list[FieldError] = []
    for i, v in enumerate(record.vaccinations):
        path = f"vaccinations.{i}"
        if v.vaccine not in VACCINES:
            errors.append(
                FieldError(field=f"{path}.vaccine", message=f"Vaccin inconnu : {v.vaccine}.")
            )
            continue
        label = VACCINES[v.vaccine]
        if v.last_date and v.last_date > today:
            errors.append(
                FieldError(
                    field=f"{path}.last_date",
                    message=f"Vaccin « {label} » : la date de dernière vaccination "
                    "ne peut pas être dans le futur.",
                )
            )
        if v.last_date and not v.done:
            errors.append(
                FieldError(
                    field=f"{path}.done",
                    message=f"Vaccin « {label} » : cochez « Effectué » si une date est indiquée.",
                )
            )
    errors += _duplicates((v.vaccine for v in record.vaccinations), "vaccinations", "Vaccin")
    for i, d in enumerate(record.diseases):
        if d.disease not in DISEASES:
            errors.append(
                FieldError(
                    field=f"diseases.{i}.disease", message=f"Maladie inconnue : {d.disease}."
                )
            )
    errors += _duplicates((d.disease for d in record.diseases), "diseases", "Maladie")
    for i, a in enumerate(record.allergies):
        if a.allergy not in ALLERGIES:
            errors.append(
                FieldError(
                    field=f"allergies.{i}.allergy", message=f"Allergie inconnue : {a.allergy}."
                )
            )
        elif a.present and not a.detail:
            errors.append(
                required(
                    "detail",
                    f"allergies.{i}.detail",
                    prefix=f"Allergie « {ALLERGIES[a.allergy]} » : ",
                )
            )
    errors += _duplicates((a.allergy for a in record.allergies), "allergies", "Allergie")
    errors += check_phone(record.doctor_phone, "doctor_phone", "doctor_phone")
    return errors


def _duplicates(codes: Iterable[str], path: str, what: str) -> list[FieldError]:
    seen: set[str] = set()
    errors = []
    for code in codes:
        if code in seen:
            errors.append(FieldError(field=path, message=f"{what} « {code} » indiqué deux fois."))
        seen.add(code)
    return errors


def check_persons(persons: list[Person], block: str) -> list[FieldError]:
    errors: list[FieldError] = []
    for i, person in enumerate(persons):
        prefix = f"Personne {i + 1} : "
        path = f"{block}.{i}"
        for f in PERSON_REQUIRED:
            if not getattr(person, f):
                errors.append(required(f, f"{path}.{f}", prefix))
        errors += check_phone(person.phone1, "phone1", f"{path}.phone1", prefix)
        errors += check_phone(person.phone2, "phone2", f"{path}.phone2", prefix)
        errors += check_postcode(person.postcode, f"{path}.postcode", prefix)
    return errors


def check_consents(answers: list[ConsentAnswer], definitions: list) -> list[FieldError]:
    """Every mandatory active consent answered; details where asked; no unknown code."""
    errors: list[FieldError] = []
    by_code = {d.code: d for d in definitions if d.active}
    given = {}
    for i, answer in enumerate(answers):
        definition = by_code.get(answer.code)
        if definition is None:
            errors.append(
                FieldError(
                    field=f"consents.{i}.code", message=f"Autorisation inconnue : {answer.code}."
                )
            )
            continue
        given[answer.code] = answer
        if definition.asks_detail and answer.granted and not answer.detail:
            errors.append(
                required(
                    "detail",
                    f"consents.{i}.detail",
                    prefix=f"Autorisation « {definition.label} » : ",
                )
            )
    for definition in sorted(by_code.values(), key=lambda d: d.position):
        if definition.mandatory and definition.code not in given:
            errors.append(
                FieldError(
                    field="consents",
                    message=f"L'autorisation « {definition.label} » est obligatoire : "
                    "répondez oui ou non.",
                )
            )
    return errors


def check_family_update(update: FamilyUpdate) -> list[FieldError]:
    errors = [
        required(f) for f in ("address_line1", "postcode", "commune") if not getattr(update, f)
    ]
    errors += check_postcode(update.postcode, "postcode")
    errors += check_phone(update.phone, "phone", "phone")
    errors += check_email(update.billing_email, "billing_email", "billing_email")
    ranks = [g.rank for g in update.guardians]
    if len(set(ranks)) != len(ranks):
        errors.append(
            FieldError(field="guardians", message="Un responsable légal est indiqué deux fois.")
        )
    for i, g in enumerate(update.guardians):
        prefix = f"Responsable légal {g.rank} : "
        for f in ("mobile_phone", "home_phone", "work_phone"):
            errors += check_phone(getattr(g, f), f, f"guardians.{i}.{f}", prefix)
        errors += check_email(g.email, "email", f"guardians.{i}.email", prefix)
    return errors
