"""Names of persons: letters of any language, accents, hyphens, apostrophes, spaces.

Refused: control characters, the bidirectional overrides and isolates (U+202A–U+202E,
U+2066–U+2069) that make « Martin » print as something else, zero-width and other
invisible format characters, unassigned and private-use code points, line separators.
Kept as typed otherwise, in Unicode NFC (« e » + combining accent becomes « é ») with
blanks squeezed to one space, so two spellings of one name compare equal.
"""

from __future__ import annotations

import unicodedata

from fieldrules.errors import RuleError, required

NAME_MAX = 80
# Unicode general categories never part of a name: controls (Cc), format characters
# (Cf: bidi controls, zero-width spaces and joiners, soft hyphen, BOM), surrogates (Cs),
# private use (Co), unassigned (Cn), line and paragraph separators (Zl, Zp).
FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _codepoint(char: str) -> str:
    return f"U+{ord(char):04X}"


def invisible_characters(value: str) -> list[str]:
    """The forbidden characters of ``value``, as « U+202E » (each once, in order)."""
    found: list[str] = []
    for char in value:
        if unicodedata.category(char) in FORBIDDEN_CATEGORIES:
            code = _codepoint(char)
            if code not in found:
                found.append(code)
    return found


def single_line(value: object, label: str, *, max_length: int, required_: bool = False) -> str:
    """A one-line text without invisible or control characters, NFC, blanks squeezed."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise RuleError(f"Le champ « {label} » est illisible.")
    bad = invisible_characters(value)
    if bad:
        raise RuleError(
            f"Le champ « {label} » contient un caractère invisible ou de contrôle "
            f"({', '.join(bad)}) : retapez-le au clavier sans copier-coller."
        )
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if not text:
        if required_:
            raise required(label)
        return ""
    if len(text) > max_length:
        raise RuleError(f"Le champ « {label} » ne doit pas dépasser {max_length} caractères.")
    return text


def person_name(
    value: object, label: str, *, required_: bool = True, max_length: int = NAME_MAX
) -> str:
    """A last or first name: a single line holding at least one letter."""
    text = single_line(value, label, max_length=max_length, required_=required_)
    if text and not any(char.isalpha() for char in text):
        raise RuleError(f"Le champ « {label} » doit contenir des lettres.")
    return text
