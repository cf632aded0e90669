"""Families in bulk: a CSV an agent can fill in with Excel (import) and get back (export).

One row per child; the family's columns (address, guardians, QF…) are given on
the family's first row and may be repeated or left empty on the next ones; rows
with the same "Réf. famille" form one family. The format is documented in
``docs/families-csv.md``.

Import reads UTF-8 (with or without BOM) or Windows-1252, ``;`` or ``,``;
checks EVERY row with the same rules as the account dialog
(:func:`.accounts.check_account_form`) plus duplicates against the database and
inside the file; then writes all the families in one transaction with Core
bulk inserts (their audit events and portal outbox items included), or nothing.
"""

from __future__ import annotations

import csv
import io
import re
import time as timer
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from backoffice.errors import UserError
from backoffice.models import (
    AccountState,
    AllowanceScheme,
    AuditAction,
    AuditEvent,
    Child,
    Family,
    FamilyQuotient,
    Guardian,
    OutboxItem,
    OutboxState,
    Sex,
    utcnow,
)
from backoffice.services.common.actors import Actor, bind
from backoffice.services.common.validation import FieldErrors
from backoffice.services.families.accounts import (
    AccountForm,
    ChildForm,
    GuardianForm,
    account_payload,
    check_account_form,
)
from backoffice.services.families.queries import search_text_for
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
BATCH = 500  # rows per multi-row INSERT … RETURNING


class CsvImportError(UserError):
    """The file cannot be imported; ``errors`` lists (line number, French reason)."""

    def __init__(self, errors: list[tuple[int, str]], rows: int = 0):
        self.errors = sorted(errors, key=lambda e: e[0])
        self.rows = rows
        super().__init__("\n".join(f"ligne {line} : {message}" for line, message in self.errors))

    @property
    def bad_lines(self) -> list[int]:
        return sorted({line for line, _ in self.errors})


@dataclass
class ImportReport:
    file: str
    encoding: str
    delimiter: str
    rows: int
    families: int
    guardians: int
    children: int
    quotients: int
    codes: list[str]
    dry_run: bool
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "rows": self.rows,
            "families": self.families,
            "guardians": self.guardians,
            "children": self.children,
            "quotients": self.quotients,
            "first_code": self.codes[0] if self.codes else None,
            "last_code": self.codes[-1] if self.codes else None,
            "dry_run": self.dry_run,
            "seconds": round(self.seconds, 3),
            "ok": True,
        }

    def summary(self) -> str:
        what = (
            f"{self.families} famille(s), {self.guardians} responsable(s) légal(aux), "
            f"{self.children} enfant(s)"
        )
        source = f"{self.rows} ligne(s) lues ({self.encoding}, séparateur « {self.delimiter} »)"
        if self.dry_run:
            return f"Vérification seule : {source}, aucune erreur ; {what} seraient importés."
        codes = f" (identifiants {self.codes[0]} à {self.codes[-1]})" if self.codes else ""
        seconds = f"{self.seconds:.1f}".replace(".", ",")
        return (
            f"Import terminé en {seconds} s : {source} ; {what} créés{codes}. "
            "Les comptes du portail et les liens d'activation partiront à la prochaine synchronisation."
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
class _Row:
    line: int
    values: dict[str, str]


@dataclass
class _FamilyRows:
    ref: str
    rows: list[_Row] = field(default_factory=list)

    @property
    def line(self) -> int:
        return self.rows[0].line


def read_rows(text: str, delimiter: str) -> tuple[list[_Row], list[tuple[int, str]]]:
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
    rows: list[_Row] = []
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
        rows.append(_Row(start, values))
    return rows, errors


def _parse_date(text: str) -> date:
    for pattern in DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            return date(int(match["y"]), int(match["m"]), int(match["d"]))
    raise ValueError(text)


class _Parser:
    """Turns one family's rows into an :class:`AccountForm`, noting what does not parse."""

    def __init__(self) -> None:
        self.errors: list[tuple[int, str]] = []
        self.bad_keys: set[str] = set()

    def fail(self, line: int, check_key: str, message: str) -> None:
        self.errors.append((line, message))
        self.bad_keys.add(check_key)

    def date(self, line: int, check_key: str, key: str, text: str) -> date | None:
        if not text:
            return None
        try:
            return _parse_date(text)
        except ValueError:
            self.fail(
                line,
                check_key,
                f"« {text} » n'est pas une date valide ({LABELS[key]}) : écrivez JJ/MM/AAAA.",
            )
            return None

    def family(self, group: _FamilyRows) -> tuple[AccountForm, list[int]]:
        """The form and, for each child of the form, its line."""
        merged: dict[str, str] = {}
        origin: dict[str, int] = {}
        for row in group.rows:
            for key in FAMILY_KEYS:
                value = row.values.get(key, "")
                if not value:
                    continue
                if key not in merged:
                    merged[key], origin[key] = value, row.line
                elif fold(value) != fold(merged[key]):
                    self.fail(
                        row.line,
                        "",
                        f"« {value} » diffère de la ligne {origin[key]} (« {merged[key]} ») pour la "
                        f"même famille {group.ref} ({LABELS[key]}) : laissez la cellule vide ou "
                        "répétez la même valeur.",
                    )
        line = group.line
        get = merged.get
        form = AccountForm(
            family_name=get("family_name", ""),
            address_line1=get("address_line1", ""),
            address_line2=get("address_line2", ""),
            postcode=_postcode(get("postcode", "")),
            commune=get("commune", ""),
            phone=get("phone", ""),
            login_email=get("login_email", ""),
            billing_email=get("billing_email", ""),
            allowance_number=get("allowance_number", ""),
            notes=get("notes", ""),
        )
        scheme_text = get("allowance_scheme", "")
        if scheme_text:
            scheme = SCHEME_VALUES.get(fold(scheme_text))
            if scheme is None:
                self.fail(
                    origin["allowance_scheme"],
                    "allowance_number",
                    f"« {scheme_text} » n'est pas un régime connu ({LABELS['allowance_scheme']}) : "
                    "écrivez CAF, MSA ou aucun.",
                )
                scheme = AllowanceScheme.NONE
        else:
            scheme = AllowanceScheme.CAF if form.allowance_number else AllowanceScheme.NONE
        form.allowance_scheme = scheme
        quotient = get("quotient", "")
        if quotient:
            digits = quotient.replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
            if digits.endswith((",00", ".00")):
                digits = digits[:-3]
            if digits.isdigit():
                form.quotient = int(digits)
            else:
                self.fail(
                    origin["quotient"],
                    "quotient",
                    f"« {quotient} » n'est pas un nombre entier ({LABELS['quotient']}).",
                )
        form.quotient_from = self.date(
            origin.get("quotient_from", line), "quotient", "quotient_from", get("quotient_from", "")
        )
        form.quotient_to = self.date(
            origin.get("quotient_to", line), "quotient", "quotient_to", get("quotient_to", "")
        )
        for rank in (1, 2):
            values = {key: get(f"g{rank}.{key}", "") for key, _ in GUARDIAN_FIELDS}
            if any(values.values()):
                form.guardians.append(GuardianForm(**values))
        payer = get("payer", "") or ("1" if form.guardians else "")
        if payer in ("1", "2") and int(payer) <= len(form.guardians):
            form.guardians[int(payer) - 1].is_payer = True
        elif payer:
            self.fail(
                origin.get("payer", line),
                "guardians",
                f"« {payer} » ne désigne pas un responsable rempli ({LABELS['payer']}) : "
                "écrivez 1 ou 2.",
            )
        child_lines = []
        for row in group.rows:
            values = {key: row.values.get(key, "") for key in CHILD_KEYS}
            if not any(values.values()):
                continue
            index = len(form.children)
            key = f"children[{index}]"
            sex_text = values["child.sex"]
            sex = SEX_VALUES.get(fold(sex_text)) if sex_text else None
            if sex_text and sex is None:
                self.fail(
                    row.line,
                    f"{key}.sex",
                    f"« {sex_text} » n'est pas un sexe reconnu ({LABELS['child.sex']}) : "
                    "écrivez F ou M.",
                )
            form.children.append(
                ChildForm(
                    last_name=values["child.last_name"],
                    first_name=values["child.first_name"],
                    sex=sex,
                    birth_date=self.date(
                        row.line,
                        f"{key}.birth_date",
                        "child.birth_date",
                        values["child.birth_date"],
                    ),
                    school=values["child.school"],
                    school_class=values["child.school_class"],
                )
            )
            child_lines.append(row.line)
        return form, child_lines


def _postcode(text: str) -> str:
    """Excel drops the leading zero of 01000: four digits get it back."""
    text = text.replace(" ", "")
    return text.zfill(5) if len(text) == 4 and text.isdigit() else text


def _line_of(check_key: str, family_line: int, child_lines: list[int]) -> int:
    match = re.match(r"children\[(\d+)\]", check_key)
    if match and int(match[1]) < len(child_lines):
        return child_lines[int(match[1])]
    return family_line


@dataclass
class _Checked:
    ref: str
    code: str | None  # kept from the file (an export's identifier) or None: next free one
    line: int
    form: AccountForm
    insee_code: str
    child_lines: list[int]


class _ExistingData:
    """What the database holds that an imported family must not repeat."""

    def __init__(self, session: Session):
        self.codes = set(session.scalars(select(Family.code)))
        self.logins = {
            email.lower(): code
            for email, code in session.execute(
                select(Family.login_email, Family.code).where(Family.login_email != "")
            )
        }
        self.children: dict[tuple, str] = {}
        stmt = select(Child.first_name, Child.last_name, Child.birth_date, Family.code).join(Family)
        for first, last, born, code in session.execute(stmt):
            self.children.setdefault((fold(first), fold(last), born), code)


def check_rows(
    session: Session, rows: list[_Row], today: date, errors: list[tuple[int, str]]
) -> list[_Checked]:
    """Every family of the file, checked; problems are appended to ``errors``."""
    groups: dict[str, _FamilyRows] = {}
    for row in rows:
        ref = row.values.get("ref", "").strip()
        if not ref:
            errors.append((row.line, f"la cellule « {LABELS['ref']} » est vide."))
            continue
        groups.setdefault(fold(ref), _FamilyRows(ref)).rows.append(row)
    existing = _ExistingData(session)
    seen_logins: dict[str, int] = {}
    seen_children: dict[tuple, int] = {}
    checked: list[_Checked] = []
    for group in groups.values():
        parser = _Parser()
        form, child_lines = parser.family(group)
        errors += parser.errors
        line = group.line
        try:
            clean = check_account_form(form, today)
            insee = clean.insee_code
        except FieldErrors as exc:
            insee = ""
            for key, message in exc.errors.items():
                if key not in parser.bad_keys:
                    errors.append((_line_of(key, line, child_lines), message))
        code = group.ref.upper() if CODE_PATTERN.fullmatch(group.ref.upper()) else None
        if code and code in existing.codes:
            errors.append((line, f"l'identifiant {code} existe déjà dans la base."))
        login = form.login_email.lower()
        if login:
            if login in existing.logins:
                errors.append(
                    (
                        line,
                        f"même e-mail (identifiant du portail) que la famille "
                        f"{existing.logins[login]} : « {form.login_email} ».",
                    )
                )
            elif login in seen_logins:
                errors.append(
                    (
                        line,
                        f"même e-mail (identifiant du portail) qu'à la ligne {seen_logins[login]} : "
                        f"« {form.login_email} ».",
                    )
                )
            else:
                seen_logins[login] = line
        for child, child_line in zip(form.children, child_lines, strict=True):
            if not child.first_name or not child.birth_date:
                continue
            last = child.last_name or form.family_name
            key = (fold(child.first_name), fold(last), child.birth_date)
            who = f"{child.first_name} {last}, né(e) le {child.birth_date:%d/%m/%Y}"
            if key in existing.children:
                errors.append(
                    (
                        child_line,
                        f"même enfant que dans la famille {existing.children[key]} : {who}.",
                    )
                )
            elif key in seen_children:
                errors.append(
                    (child_line, f"même enfant qu'à la ligne {seen_children[key]} : {who}.")
                )
            else:
                seen_children[key] = child_line
        checked.append(_Checked(group.ref, code, line, form, insee, child_lines))
    return checked


# Writing ---------------------------------------------------------------------


def _code_numbers(codes: Iterable[str]) -> int:
    numbers = [int(c[1:]) for c in codes if CODE_PATTERN.fullmatch(c)]
    return max(numbers, default=0)


def _insert_returning_ids(session: Session, table, rows: list[dict]) -> list[int]:
    ids: list[int] = []
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    for start in range(0, len(rows), BATCH):
        ids += session.execute(stmt, rows[start : start + BATCH]).scalars().all()
    return ids


def _insert(session: Session, table, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        session.execute(insert(table), rows[start : start + BATCH])


def write_families(session: Session, actor: Actor, families: list[_Checked]) -> list[str]:
    """Insert the checked families (awaiting activation) with their audit events and outbox
    items, in the caller's transaction; returns the family codes."""
    bind(session, actor)
    session.flush()
    now = utcnow()
    taken = set(session.scalars(select(Family.code)))
    last = max(_code_numbers(taken), _code_numbers(f.code for f in families if f.code))
    for family in families:
        if family.code is None:
            last += 1
            family.code = f"F{last:05d}"
    family_rows = []
    views = []
    for checked in families:
        f = checked.form
        children = sorted(
            (
                SimpleNamespace(
                    id=None,
                    last_name=c.last_name,
                    first_name=c.first_name,
                    sex=c.sex,
                    birth_date=c.birth_date,
                    school=c.school.strip(),
                    school_class=c.school_class.strip(),
                )
                for c in f.children
            ),
            key=lambda c: c.birth_date,
        )
        guardians = [
            SimpleNamespace(
                rank=rank,
                civility=g.civility.strip(),
                last_name=g.last_name,
                first_name=g.first_name,
                relationship_label=g.relationship.strip(),
                is_payer=g.is_payer,
                mobile_phone=g.mobile_phone,
                home_phone=g.home_phone,
                work_phone=g.work_phone,
                email=g.email,
                profession=g.profession.strip(),
                employer=g.employer.strip(),
            )
            for rank, g in enumerate(f.guardians, start=1)
        ]
        view = SimpleNamespace(
            id=None,
            code=checked.code,
            name=f.family_name,
            address_line1=f.address_line1,
            address_line2=f.address_line2.strip(),
            postcode=f.postcode,
            commune=f.commune,
            phone=f.phone,
            login_email=f.login_email,
            guardians=guardians,
            children=children,
        )
        views.append((checked, view))
        family_rows.append(
            {
                "version": 1,
                "created_at": now,
                "updated_at": now,
                "code": checked.code,
                "name": f.family_name,
                "account_state": AccountState.AWAITING_ACTIVATION,
                "address_line1": f.address_line1,
                "address_line2": f.address_line2.strip(),
                "postcode": f.postcode,
                "commune": f.commune,
                "insee_code": checked.insee_code,
                "phone": f.phone,
                "login_email": f.login_email,
                "pending_login_email": None,
                "billing_email": f.billing_email,
                "allowance_scheme": f.allowance_scheme,
                "allowance_number": f.allowance_number,
                "notes": f.notes.strip(),
                "activated_at": None,
                "search_text": search_text_for(view),
            }
        )
    try:
        family_ids = _insert_returning_ids(session, Family.__table__, family_rows)
        guardian_rows, child_rows, quotient_rows = [], [], []
        for (checked, view), family_id in zip(views, family_ids, strict=True):
            view.id = family_id
            for g in view.guardians:
                guardian_rows.append({"version": 1, "family_id": family_id, **vars(g)})
                guardian_rows[-1].update(address_line1="", postcode="", commune="")
            for c in view.children:
                child_rows.append(
                    {
                        "version": 1,
                        "created_at": now,
                        "updated_at": now,
                        "family_id": family_id,
                        "last_name": c.last_name,
                        "first_name": c.first_name,
                        "sex": c.sex,
                        "birth_date": c.birth_date,
                        "school": c.school,
                        "school_class": c.school_class,
                        "notes": "",
                    }
                )
            f = checked.form
            if f.quotient is not None:
                quotient_rows.append(
                    {
                        "family_id": family_id,
                        "quotient": f.quotient,
                        "valid_from": f.quotient_from,
                        "valid_to": f.quotient_to,
                        "source": f.allowance_scheme,
                        "recorded_at": now,
                    }
                )
        child_ids = _insert_returning_ids(session, Child.__table__, child_rows)
        guardian_ids = _insert_returning_ids(session, Guardian.__table__, guardian_rows)
        quotient_ids = _insert_returning_ids(session, FamilyQuotient.__table__, quotient_rows)
    except IntegrityError as exc:
        raise UserError(
            "Un autre poste a créé des familles pendant l'import (identifiant déjà pris) : "
            "rien n'a été importé ; relancez l'import."
        ) from exc
    children_iter = iter(child_ids)
    audit_rows, outbox_rows = [], []

    def audit(entity: str, entity_id: int, family_id: int, label: str, child_id=None) -> None:
        audit_rows.append(
            {
                "at": now,
                "staff_user_id": actor.staff_id,
                "actor": actor.login,
                "action": AuditAction.CREATE,
                "entity": entity,
                "entity_id": entity_id,
                "family_id": family_id,
                "child_id": child_id,
                "field": "",
                "old_value": None,
                "new_value": label,
            }
        )

    def outbox(topic: str, payload: dict, family_id: int) -> None:
        outbox_rows.append(
            {
                "idempotency_key": str(uuid.uuid4()),
                "topic": topic,
                "family_id": family_id,
                "payload": payload,
                "state": OutboxState.PENDING,
                "attempts": 0,
                "last_error": "",
                "created_at": now,
                "acknowledged_at": None,
            }
        )

    guardian_iter = iter(guardian_ids)
    quotient_iter = iter(quotient_ids)
    for checked, view in views:
        audit("family", view.id, view.id, view.code)
        for g in view.guardians:
            audit("guardian", next(guardian_iter), view.id, f"{g.first_name} {g.last_name}".strip())
        if checked.form.quotient is not None:
            audit("family_quotient", next(quotient_iter), view.id, "")
        for c in view.children:
            c.id = next(children_iter)
            audit("child", c.id, view.id, f"{c.first_name} {c.last_name}".strip(), c.id)
        outbox("account.upsert", account_payload(view), view.id)
        outbox("account.send_activation", {"family_code": view.code}, view.id)
    _insert(session, AuditEvent.__table__, audit_rows)
    _insert(session, OutboxItem.__table__, outbox_rows)
    return [view.code for _, view in views]


def import_families_csv(
    session: Session,
    actor: Actor,
    path: Path,
    today: date,
    *,
    dry_run: bool = False,
) -> ImportReport:
    """Check the whole file, then create every family or none (:class:`CsvImportError`)."""
    started = timer.perf_counter()
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise UserError(f"Impossible de lire « {path} » : {exc.strerror or exc}.") from exc
    text, encoding = decode(data)
    delimiter = detect_delimiter(text)
    rows, errors = read_rows(text, delimiter)
    if not rows and not errors:
        raise UserError("Le fichier ne contient aucune ligne de données sous l'en-tête.")
    parsed = timer.perf_counter()
    families = (
        check_rows(session, rows, today, errors) if not any(e[0] == 1 for e in errors) else []
    )
    if errors:
        raise CsvImportError(errors, len(rows))
    checked = timer.perf_counter()
    report = ImportReport(
        file=str(path),
        encoding=encoding,
        delimiter=delimiter,
        rows=len(rows),
        families=len(families),
        guardians=sum(len(f.form.guardians) for f in families),
        children=sum(len(f.form.children) for f in families),
        quotients=sum(f.form.quotient is not None for f in families),
        codes=[],
        dry_run=dry_run,
    )
    if not dry_run:
        report.codes = write_families(session, actor, families)
    done = timer.perf_counter()
    report.timings = {"read": parsed - started, "check": checked - parsed, "write": done - checked}
    report.seconds = done - started
    return report


# Export ----------------------------------------------------------------------


def _date_text(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def family_rows(family: Family) -> list[list[str]]:
    """The CSV rows of one family: one per child (one row without child if it has none)."""
    values: dict[str, str] = {
        "ref": family.code,
        "family_name": family.name,
        "address_line1": family.address_line1,
        "address_line2": family.address_line2,
        "postcode": family.postcode,
        "commune": family.commune,
        "phone": family.phone,
        "login_email": family.login_email,
        "billing_email": family.billing_email,
        "allowance_scheme": SCHEME_TEXT[family.allowance_scheme],
        "allowance_number": family.allowance_number,
        "notes": family.notes,
    }
    if family.quotients:
        latest = max(family.quotients, key=lambda q: (q.valid_from, q.id))
        values.update(
            quotient=str(latest.quotient),
            quotient_from=_date_text(latest.valid_from),
            quotient_to=_date_text(latest.valid_to),
        )
    guardians = sorted(family.guardians, key=lambda g: g.rank)[:2]
    payer = next((i for i, g in enumerate(guardians, start=1) if g.is_payer), None)
    values["payer"] = str(payer) if payer else ""
    for rank, g in enumerate(guardians, start=1):
        values.update(
            {
                f"g{rank}.civility": g.civility,
                f"g{rank}.last_name": g.last_name,
                f"g{rank}.first_name": g.first_name,
                f"g{rank}.relationship": g.relationship_label,
                f"g{rank}.mobile_phone": g.mobile_phone,
                f"g{rank}.home_phone": g.home_phone,
                f"g{rank}.work_phone": g.work_phone,
                f"g{rank}.email": g.email,
                f"g{rank}.profession": g.profession,
                f"g{rank}.employer": g.employer,
            }
        )
    children = sorted(family.children, key=lambda c: (c.birth_date, c.id)) or [None]
    rows = []
    for child in children:
        row = dict(values)
        if child is not None:
            row.update(
                {
                    "child.last_name": child.last_name,
                    "child.first_name": child.first_name,
                    "child.sex": child.sex.value,
                    "child.birth_date": _date_text(child.birth_date),
                    "child.school": child.school,
                    "child.school_class": child.school_class,
                }
            )
        rows.append([row.get(key, "") or "" for key, _ in COLUMNS])
    return rows


def export_families_csv(session: Session, path: Path) -> int:
    """Write every family in the import format (UTF-8 with BOM, ``;``: Excel opens it as is).

    Returns the number of families written."""
    count = 0
    stmt = (
        select(Family)
        .order_by(Family.code)
        .options(
            selectinload(Family.guardians),
            selectinload(Family.children),
            selectinload(Family.quotients),
        )
        .execution_options(yield_per=500)
    )
    target = Path(path)
    try:
        with target.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
            writer.writerow(HEADERS)
            for family in session.scalars(stmt):
                writer.writerows(family_rows(family))
                count += 1
    except OSError as exc:
        raise UserError(f"Impossible d'écrire « {path} » : {exc.strerror or exc}.") from exc
    return count
