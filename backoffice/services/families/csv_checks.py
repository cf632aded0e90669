"""Checking a families CSV before anything is written: each family's rows become an
account form checked like the account dialog, plus duplicates against the database and
inside the file."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.models import AllowanceScheme, Child, Family
from backoffice.services.common.validation import FieldErrors
from backoffice.services.families.accounts import (
    AccountForm,
    ChildForm,
    GuardianForm,
    check_account_form,
)
from backoffice.services.families.csv_format import (
    CHILD_KEYS,
    CODE_PATTERN,
    FAMILY_KEYS,
    GUARDIAN_FIELDS,
    LABELS,
    SCHEME_VALUES,
    SEX_VALUES,
    CsvRow,
    parse_date,
)
from backoffice.text import fold


@dataclass
class _FamilyRows:
    ref: str
    rows: list[CsvRow] = field(default_factory=list)

    @property
    def line(self) -> int:
        return self.rows[0].line


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
            return parse_date(text)
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
                form.guardians.append(
                    GuardianForm(
                        civility=values["civility"],
                        last_name=values["last_name"],
                        first_name=values["first_name"],
                        relationship=values["relationship"],
                        mobile_phone=values["mobile_phone"],
                        home_phone=values["home_phone"],
                        work_phone=values["work_phone"],
                        email=values["email"],
                        profession=values["profession"],
                        employer=values["employer"],
                    )
                )
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
class CheckedFamily:
    """One family of the file that passed every check, ready to be written."""

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
    session: Session, rows: list[CsvRow], today: date, errors: list[tuple[int, str]]
) -> list[CheckedFamily]:
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
    checked: list[CheckedFamily] = []
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
        if not login and "login_email" not in parser.bad_keys:
            # The import opens portal accounts; a paper-only family is opened at the desk.
            errors.append((line, "Le champ « E-mail (identifiant du portail) » est obligatoire."))
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
            same = (fold(child.first_name), fold(last), child.birth_date)
            who = f"{child.first_name} {last}, né(e) le {child.birth_date:%d/%m/%Y}"
            if same in existing.children:
                errors.append(
                    (
                        child_line,
                        f"même enfant que dans la famille {existing.children[same]} : {who}.",
                    )
                )
            elif same in seen_children:
                errors.append(
                    (child_line, f"même enfant qu'à la ligne {seen_children[same]} : {who}.")
                )
            else:
                seen_children[same] = child_line
        checked.append(CheckedFamily(group.ref, code, line, form, insee, child_lines))
    return checked
