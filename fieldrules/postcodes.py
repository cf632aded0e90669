"""French postcodes: five digits whose first two name a department (01–95, 97, 98).

Whether the postcode exists and which communes it serves is the back-office's
postcode table (BAN data, ``backoffice/services/common/postcodes.py``); this is the
shape both sides agree on.
"""

from __future__ import annotations

from fieldrules.errors import RuleError, required

POSTCODE = "Code postal"


def postcode(value: object, *, label: str = POSTCODE, required_: bool = False) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        raise RuleError(f"Le champ « {label} » doit compter 5 chiffres.")
    if not text:
        if required_:
            raise required(label)
        return ""
    if len(text) != 5 or not (text.isascii() and text.isdigit()):
        raise RuleError(f"Le champ « {label} » doit compter 5 chiffres.")
    if not ("01" <= text[:2] <= "95" or text[:2] in ("97", "98")):
        raise RuleError(f"Le champ « {label} » : {text} n'est pas un code postal français.")
    return text
