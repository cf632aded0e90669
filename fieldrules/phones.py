"""Phone numbers as the back-office accepts them.

French numbers — mainland and the overseas regions that dial like it (La Réunion,
Mayotte, the Antilles, Guyane, Saint-Pierre-et-Miquelon) — are checked against the
French numbering plan (``phone_plan``, copied from the ``phonenumbers`` library that
the back-office formats numbers with), written nationally (« 06 12 34 56 78 », or
without its leading 0 as spreadsheets keep it) or internationally (« +33 6 12 34 56 78 »,
« 0033 … », « +33 (0)6 … »). A number abroad
needs « + » (or « 00 »), a country calling code in use and 8 to 15 digits in all.

:func:`phone` returns the number without separators: « 0612345678 » for a French
number, « +442079460958 » for one abroad (each side lays it out as it shows numbers).
"""

from __future__ import annotations

import re
from functools import cache

from fieldrules.errors import RuleError, required
from fieldrules.phone_plan import COUNTRY_CODES, FRENCH_PLAN

PHONE_MAX = 40
_SEPARATORS = re.compile(r"[\s.\-/()\u00a0\u202f]")
_DIGITS = re.compile(r"\+?\d+")


@cache
def _compiled() -> dict[int, list[tuple[re.Pattern, tuple[int, ...], list]]]:
    """country calling code → its regions' (general pattern, lengths, types)."""
    plan: dict[int, list[tuple[re.Pattern, tuple[int, ...], list]]] = {}
    for code, (general, lengths), kinds in FRENCH_PLAN.values():
        types = [(re.compile(pattern), sizes) for pattern, sizes in kinds]
        plan.setdefault(code, []).append((re.compile(general), lengths, types))
    return plan


# Calling codes of France and its overseas regions, in the back-office's order (FR first).
FRENCH_CODES = tuple(dict.fromkeys(code for code, _general, _kinds in FRENCH_PLAN.values()))


def _valid(country_code: int, national: str) -> bool:
    """``national`` (no trunk 0) is a valid number of a region with this calling code."""
    for general, lengths, types in _compiled().get(country_code, []):
        if lengths and len(national) not in lengths or not general.fullmatch(national):
            continue
        for pattern, sizes in types:
            if (not sizes or len(national) in sizes) and pattern.fullmatch(national):
                return True
    return False


def _french_national(national: str) -> str | None:
    """The national form (« 0692123456 ») of a French number without its trunk 0."""
    if any(_valid(code, national) for code in FRENCH_CODES):
        return "0" + national
    return None


def compact(value: str) -> str:
    """The digits of a number (with its leading « + »), separators and « (0) » taken out."""
    text = value.strip()
    if text.startswith(("+", "00")):
        text = text.replace("(0)", "")
    text = _SEPARATORS.sub("", text)
    if text.startswith("00"):
        text = "+" + text[2:]
    return text


def normalise(value: str) -> str | None:
    """The number as :func:`phone` returns it, or None when it is not a valid number."""
    text = compact(value)
    if not _DIGITS.fullmatch(text) or not text.isascii():
        return None
    if not text.startswith("+"):
        if len(text) == 10 and text.startswith("0"):
            return _french_national(text[1:])
        if len(text) == 9 and not text.startswith("0"):
            # The leading 0 left out (or lost by a spreadsheet): unambiguous when valid.
            return _french_national(text)
        return None
    digits = text[1:]
    code = next((int(digits[:n]) for n in (1, 2, 3) if int(digits[:n]) in COUNTRY_CODES), None)
    if code is None:
        return None
    national = digits[len(str(code)) :]
    if code in FRENCH_CODES:
        if national.startswith("0"):
            return None
        if not _valid(code, national):
            return None
        return "0" + national if len(national) == 9 else text
    if not 8 <= len(digits) <= 15 or not national:
        return None
    return text


def phone(value: object, label: str, *, required_: bool = False) -> str:
    """The number without separators, or :class:`RuleError` naming the field."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise RuleError(f"Le champ « {label} » est illisible.")
    if not value.strip():
        if required_:
            raise required(label)
        return ""
    if len(value) > PHONE_MAX:
        raise RuleError(f"Le champ « {label} » ne doit pas dépasser {PHONE_MAX} caractères.")
    number = normalise(value)
    if number is None:
        raise RuleError(
            f"Le champ « {label} » doit être un numéro de téléphone valide (10 chiffres, ou +33…)."
        )
    return number
