"""Checks of what parents and agents send, with French messages naming the field.

Each check returns a list of :class:`FieldError`; an empty list means valid. The rules
themselves are the shared ones (:mod:`fieldrules`), which the back-office applies to
the same values when it pulls them: what passes here does not end in its quarantine.
The checks of names and dates also put the normalised value back into the body
(names in Unicode NFC with blanks squeezed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from functools import partial
from typing import Any

from fieldrules import dates, emails, names, phones, postcodes
from fieldrules.child_file import INFORMATION_REQUIRED, PERSON_REQUIRED
from fieldrules.errors import RuleError
from portal.errors import FieldError
from portal.labels import field_label
from portal.reference import ALLERGIES, DISEASES, VACCINES
from portal.schemas import ChildInformation, ConsentAnswer, FamilyUpdate, MedicalRecord, Person

__all__ = ["INFORMATION_REQUIRED", "PERSON_REQUIRED"]


def _sentence(prefix: str, text: str) -> str:
    """« Personne 2 : le champ … » — lower-case after a prefix."""
    return prefix + text[0].lower() + text[1:] if prefix else text


def required(field: str, path: str | None = None, prefix: str = "") -> FieldError:
    return FieldError(
        field=path or field,
        message=_sentence(prefix, f"Le champ « {field_label(field)} » est obligatoire."),
    )


def _rule(
    errors: list[FieldError], path: str, prefix: str, rule: Callable[[], Any], default: Any = None
) -> Any:
    """The rule's value; its French message goes to ``errors`` when it refuses."""
    try:
        return rule()
    except RuleError as exc:
        errors.append(FieldError(field=path, message=_sentence(prefix, exc.message)))
        return default


def normalise_email(value: str) -> str:
    """Lower-cased address (the portal's identifiers compare so), or ValueError."""
    address = emails.normalise(value)
    if address is None:
        raise ValueError("adresse e-mail invalide")
    return address.lower()


def check_phone(value: str, field: str, path: str, prefix: str = "") -> list[FieldError]:
    errors: list[FieldError] = []
    _rule(errors, path, prefix, lambda: phones.phone(value, field_label(field)))
    return errors


def check_postcode(value: str, path: str, prefix: str = "") -> list[FieldError]:
    errors: list[FieldError] = []
    _rule(errors, path, prefix, lambda: postcodes.postcode(value))
    return errors


def check_email(value: str, field: str, path: str, prefix: str = "") -> list[FieldError]:
    errors: list[FieldError] = []
    _rule(errors, path, prefix, lambda: emails.email(value, field_label(field)))
    return errors


def _names(model: Any, path: str, prefix: str, errors: list[FieldError]) -> None:
    """Check the model's ``last_name`` and ``first_name`` and keep their normalised
    form (an empty one is left to the mandatory-field check)."""
    for f in ("last_name", "first_name"):
        value = getattr(model, f)
        clean = _rule(
            errors,
            f"{path}{f}",
            prefix,
            partial(names.person_name, value, field_label(f), required_=False),
        )
        if clean is not None:
            setattr(model, f, clean)


def check_information(info: ChildInformation, today: date) -> list[FieldError]:
    errors = [required(f) for f in INFORMATION_REQUIRED if not getattr(info, f)]
    _names(info, "", "", errors)
    if info.birth_date:
        _rule(errors, "birth_date", "", lambda: dates.child_birth_date(info.birth_date, today))
    return errors


def check_medical(record: MedicalRecord, birth: date | None, today: date) -> list[FieldError]:
    """The medical block of a child born on ``birth`` (None while the file has none)."""
    errors: list[FieldError] = []
    for i, v in enumerate(record.vaccinations):
        path = f"vaccinations.{i}"
        if v.vaccine not in VACCINES:
            errors.append(
                FieldError(field=f"{path}.vaccine", message=f"Vaccin inconnu : {v.vaccine}.")
            )
            continue
        label = VACCINES[v.vaccine]
        _rule(
            errors,
            f"{path}.last_date",
            "",
            partial(dates.vaccination_date, v.last_date, birth, today, label),
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
        _names(person, f"{path}.", prefix, errors)
        errors += check_phone(person.phone1, "phone1", f"{path}.phone1", prefix)
        errors += check_phone(person.phone2, "phone2", f"{path}.phone2", prefix)
        errors += check_postcode(person.postcode, f"{path}.postcode", prefix)
    return errors


def check_consents(
    answers: list[ConsentAnswer], definitions: list, age: int | None = None
) -> list[FieldError]:
    """Every mandatory active consent answered (but one asked from an age the child,
    ``age`` years old, has not reached); details where asked; no unknown code."""
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
        too_young = (
            age is not None
            and definition.min_age_years is not None
            and age < definition.min_age_years
        )
        if definition.mandatory and definition.code not in given and not too_young:
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
