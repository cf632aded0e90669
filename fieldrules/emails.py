"""E-mail addresses: « nom@domaine.fr », the forms people really use.

The part before « @ » is a dot-atom (letters of any language, digits and
``!#$%&'*+/=?^_`{|}~-``, dots between); the domain has at least two labels of letters,
digits and inner hyphens, and a top-level label that is not all digits. Quoted local
parts, IP-address domains and comments are refused, as mail clients and
``email-validator`` (which both sides used before) refuse or discourage them.
The address comes back with its domain in lower case, Unicode NFC.
"""

from __future__ import annotations

import re
import unicodedata

from fieldrules.errors import RuleError, required
from fieldrules.names import invisible_characters

EMAIL_MAX = 254
LOCAL_MAX = 64
LABEL_MAX = 63
_ATEXT = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]")
_LABEL = re.compile(r"[^\W_](?:[\w-]*[^\W_])?")


def _local_ok(local: str) -> bool:
    if not local or len(local.encode("utf-8")) > LOCAL_MAX:
        return False
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return False
    return all(c == "." or _ATEXT.fullmatch(c) or (ord(c) > 127 and c.isalnum()) for c in local)


def _domain_ok(domain: str) -> bool:
    labels = domain.split(".")
    if len(labels) < 2 or labels[-1].isdigit():
        return False
    for label in labels:
        if not label or len(label) > LABEL_MAX or not _LABEL.fullmatch(label):
            return False
        if "_" in label or label.startswith("-") or label.endswith("-"):
            return False
    try:
        ascii_domain = domain.encode("idna")
    except UnicodeError:
        return False
    return len(ascii_domain) <= 253


def normalise(value: str) -> str | None:
    """The address (domain lower-cased, NFC), or None when it is not an address."""
    text = unicodedata.normalize("NFC", value.strip())
    if not text or len(text) > EMAIL_MAX or invisible_characters(text):
        return None
    if any(c.isspace() for c in text) or text.count("@") != 1:
        return None
    local, domain = text.split("@")
    domain = domain.lower()
    if not _local_ok(local) or not _domain_ok(domain):
        return None
    return f"{local}@{domain}"


def email(value: object, label: str, *, required_: bool = False) -> str:
    """The normalised address, or :class:`RuleError` naming the field."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise RuleError(f"Le champ « {label} » est illisible.")
    if not value.strip():
        if required_:
            raise required(label)
        return ""
    address = normalise(value)
    if address is None:
        raise RuleError(f"Le champ « {label} » doit être une adresse e-mail valide.")
    return address
