"""The families CSV format: its columns, the words its cells may hold, and reading a file
(encoding, delimiter, rows keyed by column); shared by the import and the export."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date

from backoffice.errors import UserError
from backoffice.models import AllowanceScheme, Sex
from backoffice.text import fold

# Column headers, in file order: (key, header). Keys are attributes of the forms.
FAMILY_COLUMNS = (
    ("ref", "Réf. famille"),
    ("family_name", "Nom de la famille"),
    ("address_line1", "Adresse"),
    ("address_line2", "Complément d'adresse"),
    ("postcode", "Code postal"),
    ("commune", "Commune"),
    ("phone", "Téléphone du foyer"),
    ("login_email", "E-mail (identifiant du portail)"),
    ("billing_email", "E-mail de facturation"),
    ("allowance_scheme", "Régime (CAF/MSA/aucun)"),
    ("allowance_number", "N° allocataire"),
    ("quotient", "QF"),
    ("quotient_from", "QF valable du"),
    ("quotient_to", "QF valable au"),
    ("payer", "Payeur (1 ou 2)"),
    ("notes", "Notes"),
)
GUARDIAN_FIELDS = (
    ("civility", "civilité"),
    ("last_name", "nom"),
    ("first_name", "prénom"),
    ("relationship", "lien"),
    ("mobile_phone", "portable"),
    ("home_phone", "téléphone fixe"),
    ("work_phone", "téléphone pro"),
    ("email", "e-mail"),
    ("profession", "profession"),
    ("employer", "employeur"),
)
GUARDIAN_COLUMNS = tuple(
    (f"g{rank}.{key}", f"Resp. {rank} {label}") for rank in (1, 2) for key, label in GUARDIAN_FIELDS
)
CHILD_COLUMNS = (
    ("child.last_name", "Nom de l'enfant"),
    ("child.first_name", "Prénom de l'enfant"),
    ("child.sex", "Sexe (F/M)"),
    ("child.birth_date", "Date de naissance"),
    ("child.school", "École"),
    ("child.school_class", "Classe"),
)
COLUMNS = FAMILY_COLUMNS + GUARDIAN_COLUMNS + CHILD_COLUMNS
HEADERS = [header for _, header in COLUMNS]
LABELS = dict(COLUMNS)
# Family-level columns: given once per family (repeating them is allowed).
FAMILY_KEYS = [key for key, _ in FAMILY_COLUMNS + GUARDIAN_COLUMNS if key != "ref"]
CHILD_KEYS = [key for key, _ in CHILD_COLUMNS]

CODE_PATTERN = re.compile(r"F\d{5}")
SCHEME_VALUES = {
    "caf": AllowanceScheme.CAF,
    "msa": AllowanceScheme.MSA,
    "aucun": AllowanceScheme.NONE,
    "aucune": AllowanceScheme.NONE,
    "sans": AllowanceScheme.NONE,
    "non": AllowanceScheme.NONE,
}
SCHEME_TEXT = {
    AllowanceScheme.CAF: "CAF",
    AllowanceScheme.MSA: "MSA",
    AllowanceScheme.NONE: "aucun",
}
SEX_VALUES = {
    "f": Sex.FEMALE,
    "fille": Sex.FEMALE,
    "feminin": Sex.FEMALE,
    "m": Sex.MALE,
    "g": Sex.MALE,
    "garcon": Sex.MALE,
    "masculin": Sex.MALE,
}
DATE_PATTERNS = (
    re.compile(r"(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4})(?: 0?0:00(?::00)?)?"),
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"),
)


# Reading ---------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name): UTF-8 with or without BOM, else Windows-1252 as Excel writes it."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "UTF-8 (BOM)"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as exc:
        raise UserError(
            f"Encodage du fichier non reconnu (octet {data[exc.start]:#04x} à la position "
            f"{exc.start}) : enregistrez-le en « CSV UTF-8 » ou « CSV (séparateur : point-virgule) »."
        ) from exc


def detect_delimiter(text: str) -> str:
    """``;`` or ``,``: whichever the header line has more of (outside quotes)."""
    header = text.split("\n", 1)[0]
    unquoted = re.sub(r'"[^"]*"', "", header)
    semicolons, commas = unquoted.count(";"), unquoted.count(",")
    if not semicolons and not commas:
        raise UserError(
            "La première ligne doit contenir les noms des colonnes séparés par « ; » ou « , »."
        )
    return ";" if semicolons >= commas else ","


def _header_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(text))


_KEY_BY_HEADER = {_header_key(header): key for key, header in COLUMNS}


@dataclass
class CsvRow:
    """One data row of the file: its line number (the header is line 1), cells by column key."""

    line: int
    values: dict[str, str]


def read_rows(text: str, delimiter: str) -> tuple[list[CsvRow], list[tuple[int, str]]]:
    """Rows keyed by column key, with their line number in the file (header is line 1)."""
    errors: list[tuple[int, str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise UserError("Le fichier est vide.") from None
    keys: list[str | None] = []
    seen: dict[str, str] = {}
    for name in header:
        key = _KEY_BY_HEADER.get(_header_key(name.strip().strip("*")))
        if not name.strip():
            keys.append(None)
            continue
        if key is None:
            errors.append((1, f"colonne « {name.strip()} » inconnue (voir la liste des colonnes)."))
        elif key in seen:
            errors.append((1, f"la colonne « {name.strip()} » figure deux fois."))
            key = None
        else:
            seen[key] = name
        keys.append(key)
    if "ref" not in seen:
        errors.append((1, f"la colonne « {LABELS['ref']} » est obligatoire."))
    rows: list[CsvRow] = []
    line = reader.line_num + 1
    for record in reader:
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in record):
            continue  # blank line (Excel leaves some at the end)
        extra = [cell for cell in record[len(keys) :] if cell.strip()]
        if extra:
            errors.append((start, f"{len(record)} cellules pour {len(keys)} colonnes."))
        values = {key: "" for key in seen}
        for key, cell in zip(keys, record, strict=False):
            if key is not None:
                values[key] = cell.strip()
        rows.append(CsvRow(start, values))
    return rows, errors


def parse_date(text: str) -> date:
    """A day as Excel writes it: JJ/MM/AAAA (also with . or -, or a 00:00 time), or AAAA-MM-JJ."""
    for pattern in DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            return date(int(match["y"]), int(match["m"]), int(match["d"]))
    raise ValueError(text)
