"""Importing families from a CSV an agent filled in with Excel: the whole file is checked
(:mod:`backoffice.services.families.csv_checks`), then every family is written in one
transaction with Core bulk inserts (audit events and portal outbox items included), or none.

One row per child; the family's columns (address, guardians, QF…) are given on
the family's first row and may be repeated or left empty on the next ones; rows
with the same "Réf. famille" form one family. The format is documented in
``docs/families-csv.md``; reading it is :mod:`backoffice.services.families.csv_format`.
"""

from __future__ import annotations

import time as timer
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backoffice.errors import UserError
from backoffice.models import (
    AccountState,
    AuditAction,
    AuditEvent,
    Child,
    Family,
    FamilyQuotient,
    Guardian,
    OutboxItem,
    OutboxState,
    utcnow,
)
from backoffice.services.common.actors import Actor, bind
from backoffice.services.common.permissions import Permission, require
from backoffice.services.families.accounts import account_payload
from backoffice.services.families.csv_checks import CheckedFamily, check_rows
from backoffice.services.families.csv_format import (
    CODE_PATTERN,
    decode,
    detect_delimiter,
    read_rows,
)
from backoffice.services.families.queries import search_text_for

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


def write_families(session: Session, actor: Actor, families: list[CheckedFamily]) -> list[str]:
    """Insert the checked families (awaiting activation) with their audit events and outbox
    items, in the caller's transaction; returns the family codes."""
    require(session, actor, Permission.FAMILIES_EDIT, "importer des familles")
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
    require(session, actor, Permission.FAMILIES_EDIT, "importer des familles")
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
