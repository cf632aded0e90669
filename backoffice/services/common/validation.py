"""Checking what agents type: French messages that name the field.

A :class:`Checker` collects every problem of a form, so the agent sees them all
at once; :class:`FieldErrors` carries them (field key → message). Which values are
accepted is decided by the rules shared with the portal (:mod:`fieldrules`); this
module lays numbers out (``phonenumbers``) and checks communes against the BAN table.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

from backoffice.errors import UserError
from backoffice.services.common import postcodes
from fieldrules import emails, names, phones
from fieldrules import postcodes as postcode_rules
from fieldrules.errors import RuleError

T = TypeVar("T")


class FieldErrors(UserError):
    """One or more fields are wrong; ``errors`` maps field keys to French messages."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__("\n".join(self.errors.values()))


# Overseas departments and collectivities dial like the mainland ("0692…" in La Réunion).
FRENCH_REGIONS = ("FR", "RE", "YT", "GP", "MQ", "GF", "PM", "BL", "MF")


def format_phone(value: str) -> str:
    """A French number in its national form ("02 43 94 00 00", "0692 12 34 56" in
    La Réunion); other countries in international form; raises ValueError when the
    shared rule (:func:`fieldrules.phones.normalise`) refuses the number."""
    import phonenumbers  # on the first number laid out, not at start-up (issue #21)

    number = phones.normalise(value)
    if number is None:
        raise ValueError("numéro invalide")
    if not number.startswith("+"):
        for region in FRENCH_REGIONS:
            parsed = phonenumbers.parse(number, region)
            if phonenumbers.is_valid_number(parsed):
                return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
        return number  # the shared plan and the installed library differ: keep it whole
    parsed = phonenumbers.parse(number, None)
    if phonenumbers.region_code_for_number(parsed) in FRENCH_REGIONS:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    if phonenumbers.is_valid_number(parsed):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return number


def normalise_email(value: str) -> str:
    """Normalised address (domain in lower case); raises ValueError."""
    address = emails.normalise(value)
    if address is None:
        raise ValueError("adresse e-mail invalide")
    return address


class Checker:
    """Collects field errors; each method returns the cleaned value (or the input)."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def fail(self, key: str, message: str) -> None:
        self.errors.setdefault(key, message)

    def rule(self, key: str, check: Callable[[], T], default: T) -> T:
        """The shared rule's value; its French message is the field's error."""
        try:
            return check()
        except RuleError as exc:
            self.fail(key, exc.message)
            return default

    def name(self, key: str, label: str, value: str, *, required: bool = True) -> str:
        """A person's last or first name (:func:`fieldrules.names.person_name`)."""
        return self.rule(
            key, lambda: names.person_name(value, label, required_=required), value or ""
        )

    def required(self, key: str, label: str, value):
        if value is None or (isinstance(value, str) and not value.strip()):
            self.fail(key, f"Le champ « {label} » est obligatoire.")
            return value
        return value.strip() if isinstance(value, str) else value

    def phone(self, key: str, label: str, value: str, *, required: bool = False) -> str:
        value = (value or "").strip()
        if not value:
            if required:
                self.fail(key, f"Le champ « {label} » est obligatoire.")
            return ""
        try:
            return format_phone(value)
        except ValueError:
            self.fail(
                key, f"« {value} » n'est pas un numéro de téléphone français valide ({label})."
            )
            return value

    def email(self, key: str, label: str, value: str, *, required: bool = False) -> str:
        value = (value or "").strip()
        if not value:
            if required:
                self.fail(key, f"Le champ « {label} » est obligatoire.")
            return ""
        try:
            return normalise_email(value)
        except ValueError:
            self.fail(key, f"« {value} » n'est pas une adresse e-mail valide ({label}).")
            return value

    def commune(
        self, key: str, label: str, postcode: str, commune: str, *, required: bool = True
    ) -> postcodes.Commune | None:
        """The commune named for this postcode (BAN data); None when wrong or empty."""
        postcode, commune = (postcode or "").strip(), (commune or "").strip()
        if not postcode and not commune:
            if required:
                self.fail(key, f"Le champ « {label} » est obligatoire (code postal et commune).")
            return None
        try:
            postcode_rules.postcode(postcode)
        except RuleError:
            if len(postcode) == 5 and postcode.isascii() and postcode.isdigit():
                self.fail(key, f"Le code postal « {postcode} » n'existe pas ({label}).")
            else:
                self.fail(
                    key, f"Le code postal « {postcode} » doit comporter 5 chiffres ({label})."
                )
            return None
        candidates = postcodes.communes_for_postcode(postcode)
        if not candidates:
            self.fail(key, f"Le code postal « {postcode} » n'existe pas ({label}).")
            return None
        from backoffice.text import fold

        for candidate in candidates:
            if fold(candidate.name) == fold(commune):
                return candidate
        if not commune and len(candidates) == 1:
            return candidates[0]
        names = ", ".join(c.name for c in candidates[:6])
        self.fail(
            key, f"La commune « {commune} » ne correspond pas au code postal {postcode} ({names})."
        )
        return None

    def date_range(self, key: str, label: str, start: date | None, end: date | None) -> None:
        if start and end and end < start:
            self.fail(key, f"{label} : la date de fin précède la date de début.")

    def raise_if_errors(self) -> None:
        if self.errors:
            raise FieldErrors(self.errors)
