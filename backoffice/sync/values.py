"""Checking values from the portal before they enter the back-office.

Each cleaner returns the value as the back-office stores it, or raises
:class:`~.apply.Quarantine` with a French reason naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import phonenumbers

from backoffice.services.common.validation import format_phone, normalise_email
from backoffice.sync.apply import Quarantine
from fieldrules import names
from fieldrules.errors import RuleError

Cleaner = Callable[[Any], Any]


def text(label: str, max_length: int, *, required: bool = False) -> Cleaner:
    def clean(value: Any) -> str:
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise Quarantine(f"« {label} » : valeur illisible ({value!r}).")
        value = value.strip()
        if "\x00" in value:
            raise Quarantine(f"« {label} » contient un caractère interdit.")
        if len(value) > max_length:
            raise Quarantine(f"« {label} » dépasse {max_length} caractères.")
        if required and not value:
            raise Quarantine(f"« {label} » est obligatoire et le portail l'envoie vide.")
        return value

    return clean


def rule(check: Callable[[], Any]) -> Any:
    """The shared rule's value (:mod:`fieldrules`); its French message is the reason
    of the quarantine when it refuses."""
    try:
        return check()
    except RuleError as exc:
        raise Quarantine(exc.message) from None


def name(label: str, *, required: bool = False) -> Cleaner:
    """A person's name, as both sides check it (:func:`fieldrules.names.person_name`)."""

    def clean(value: Any) -> str:
        return rule(lambda: names.person_name(value, label, required_=required))

    return clean


# A French number written "0X XX XX XX XX" (spaces, dots, dashes or nothing between):
# checked against the validity patterns of the French numbering plan taken from
# ``phonenumbers``' own metadata, without its (slow) parse. Anything else — other
# forms, overseas, special numbers (08…), invalid — goes through ``format_phone``.
_FRENCH_NATIONAL = re.compile(r"0([1-79])[ .\-]?(\d\d)[ .\-]?(\d\d)[ .\-]?(\d\d)[ .\-]?(\d\d)")


def _french_valid_pattern() -> re.Pattern:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("FR")
    # Shipped with phonenumbers: France's metadata and its general description exist.
    assert metadata is not None and metadata.general_desc is not None
    kinds = ("fixed_line", "mobile", "voip", "personal_number", "pager", "uan", "voicemail")
    types = [getattr(metadata, k) for k in kinds]
    patterns = [d.national_number_pattern for d in types if d and d.national_number_pattern]
    general = metadata.general_desc.national_number_pattern
    return re.compile(f"(?=(?:{general})$)(?:{'|'.join(patterns)})")


_FRENCH_VALID = _french_valid_pattern()


@lru_cache(maxsize=4096)
def _format_phone(value: str) -> str:
    match = _FRENCH_NATIONAL.fullmatch(value)
    if match is not None and _FRENCH_VALID.fullmatch("".join(match.groups())):
        return "0" + " ".join(match.groups())
    return format_phone(value)  # phonenumbers is slow; the same numbers come back often


def phone(label: str) -> Cleaner:
    as_text = text(label, 40)

    def clean(value: Any) -> str:
        value = as_text(value)
        if not value:
            return ""
        try:
            return _format_phone(value)
        except ValueError:
            raise Quarantine(
                f"« {value} » n'est pas un numéro de téléphone valide ({label})."
            ) from None

    return clean


def email(label: str, *, required: bool = False) -> Cleaner:
    as_text = text(label, 254, required=required)

    def clean(value: Any) -> str:
        value = as_text(value)
        if not value:
            return ""
        try:
            return normalise_email(value)
        except ValueError:
            raise Quarantine(
                f"« {value} » n'est pas une adresse e-mail valide ({label})."
            ) from None

    return clean


def boolean(label: str) -> Cleaner:
    def clean(value: Any) -> bool:
        if not isinstance(value, bool):
            raise Quarantine(f"« {label} » doit valoir oui ou non ({value!r}).")
        return value

    return clean


def day(label: str, *, required: bool = False, not_after: date | None = None) -> Cleaner:
    def clean(value: Any) -> date | None:
        if value in (None, ""):
            if required:
                raise Quarantine(f"« {label} » est obligatoire et le portail l'envoie vide.")
            return None
        if not isinstance(value, str):
            raise Quarantine(f"« {label} » : date illisible ({value!r}).")
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            raise Quarantine(f"« {label} » : date invalide ({value!r}).") from None
        if not_after is not None and parsed > not_after:
            raise Quarantine(f"« {label} » est dans le futur ({parsed:%d/%m/%Y}).")
        return parsed

    return clean


def moment(label: str) -> Cleaner:
    def clean(value: Any) -> datetime:
        try:
            parsed = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            raise Quarantine(f"« {label} » : date et heure invalides ({value!r}).") from None
        if parsed.tzinfo is None:
            raise Quarantine(f"« {label} » : date et heure sans fuseau horaire ({value!r}).")
        return parsed

    return clean


def lenient(cleaner: Cleaner, value: Any) -> Callable[[], Any]:
    """The parent's starting value, cleaned if possible, when asked (it only serves
    conflict detection)."""

    def before() -> Any:
        try:
            return cleaner(value)
        except Quarantine:
            return value

    return before


def before_after(data: dict) -> tuple[dict, Any]:
    before, after = data.get("before"), data.get("after")
    if before is None:
        before = {}
    if not isinstance(before, dict):
        raise Quarantine("Valeurs précédentes illisibles (« before »).")
    if after is None:
        raise Quarantine("Nouvelles valeurs absentes (« after »).")
    return before, after
