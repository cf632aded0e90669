"""Exporting every family to a CSV in the import format (one row per child), which Excel
opens as is and which can be imported back."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from backoffice.errors import UserError
from backoffice.models import Child, Family
from backoffice.services.families.csv_format import COLUMNS, HEADERS, SCHEME_TEXT


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
    children: list[Child | None] = [*sorted(family.children, key=lambda c: (c.birth_date, c.id))]
    rows = []
    for child in children or [None]:
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
