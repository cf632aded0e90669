"""The CAF figures as files: CSV for French Excel (``;``, decimal comma, UTF-8 with a
BOM so accents open right) and an XLSX workbook (one sheet per table, real numbers)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

from backoffice.documents.formatting import format_date
from backoffice.errors import UserError
from backoffice.services.common.files import FileWriteError, ensure_folder, write_atomically
from backoffice.services.reports.caf import CafFigures

MAC_HEADER = (
    "Mois", "Enfant", "Famille", "Heures réservées", "Heures réalisées", "Heures facturées"
)  # fmt: skip
ALSH_HEADER = (
    "Type", "Accueil", "Période", "Tranche d'âge", "Journées-enfants", "Heures-enfants"
)  # fmt: skip


def _fr(value: Decimal) -> str:
    return format(value, "f").replace(".", ",")


def mac_table(figures: CafFigures) -> list[tuple]:
    return [
        (r.month, r.child_name, r.family_code, r.hours_booked, r.hours_attended, r.hours_billed)
        for r in figures.mac
    ]


def alsh_table(figures: CafFigures) -> list[tuple]:
    return [
        (r.kind, r.activity, r.period, r.age_class, r.child_days, r.child_hours)
        for r in figures.alsh
    ]


def caf_csv_bytes(figures: CafFigures) -> bytes:
    """Both tables in one CSV, a title line before each."""
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    span = f"du {format_date(figures.start)} au {format_date(figures.end)}"
    w.writerow([f"Multi-accueil (PSU) — heures par mois et par enfant, {span}"])
    w.writerow(MAC_HEADER)
    for row in mac_table(figures):
        w.writerow([_fr(v) if isinstance(v, Decimal) else v for v in row])
    booked, attended, billed = figures.mac_totals()
    w.writerow(["Total", "", "", _fr(booked), _fr(attended), _fr(billed)])
    w.writerow([])
    w.writerow([f"ALSH et périscolaire — par période et tranche d'âge, {span}"])
    w.writerow(ALSH_HEADER)
    for row in alsh_table(figures):
        w.writerow([_fr(v) if isinstance(v, Decimal) else v for v in row])
    days, hours = figures.alsh_totals()
    w.writerow(["Total", "", "", "", days, _fr(hours)])
    return out.getvalue().encode("utf-8-sig")


def caf_xlsx_bytes(figures: CafFigures) -> bytes:
    from openpyxl import Workbook  # only when exporting (import cost)
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.worksheets[0])
    sheets = (
        ("Multi-accueil", MAC_HEADER, mac_table(figures), (3, 4, 5)),
        ("ALSH et périscolaire", ALSH_HEADER, alsh_table(figures), (5,)),
    )
    for title, header, rows, hour_cols in sheets:
        ws = wb.create_sheet(title)
        ws.append(list(header))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(list(row))
        for col in hour_cols:
            for (number,) in ws.iter_rows(min_row=2, min_col=col + 1, max_col=col + 1):
                number.number_format = "#,##0.00"
        for letter, width in zip("ABCDEF", (22, 30, 30, 16, 16, 16), strict=True):
            ws.column_dimensions[letter].width = width
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def write_caf_export(figures: CafFigures, path: Path) -> Path:
    """``.csv`` or ``.xlsx`` according to the file name."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        data = caf_csv_bytes(figures)
    elif suffix == ".xlsx":
        data = caf_xlsx_bytes(figures)
    else:
        raise UserError("Choisissez un fichier .csv ou .xlsx pour l'export des statistiques CAF.")
    try:
        ensure_folder(path.parent)
        write_atomically(path, data)
    except FileWriteError as exc:
        raise UserError(f"Impossible d'écrire le fichier {path} ({exc.reason}).") from exc
    return path
