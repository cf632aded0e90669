"""« Enfants attendus »: the list of children expected at a site on a day, per unit, as a
PDF (A4, DejaVu) the team prints and ticks on paper.

Built from a plain snapshot (:class:`ExpectedList`, read by
:func:`backoffice.services.bookings.expected_list.expected_list_document`):
per unit a heading with its times and count, then one line per child (name, age,
age group or class, alerts, what the file lacks) and a box to tick. Health alerts
(PAI, allergies) are printed only for the roles allowed medical data, and the page
then says the sheet holds health data. The printing date and « Page n/N » are on
every page.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO, Protocol
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph, Table, TableStyle

from backoffice.dates import long_day
from backoffice.documents.fonts import BOLD, REGULAR, register_fonts
from backoffice.documents.page_layout import (
    CONTENT_W,
    FOOTER_H,
    GREY_FILL,
    GREY_LINE,
    HEAD_FILL,
    MARGIN_L,
    MARGIN_R,
    MUTED,
    PAGE_H,
    PAGE_W,
    TEXT,
    NumberedCanvas,
    TableCommand,
)

# Registered with reportlab on the first PDF (0.5 s), not at import.
PARIS = ZoneInfo("Europe/Paris")
ALERT = colors.HexColor("#B3261E")
COL_W = [8 * mm, 42 * mm, 14 * mm, 26 * mm, 46 * mm, 22 * mm, 16 * mm]
HEADER = ["N°", "Enfant", "Âge", "Groupe / classe", "Alertes", "Dossier", "Présent"]
TOP = 34 * mm
SIZE, LEADING = 8.5, 10.5
HEALTH_NOTE = "Document contenant des données de santé : ne pas afficher, ne pas laisser traîner."
NO_HEALTH_NOTE = "Alertes santé (PAI, allergies) : visibles par la direction seulement."


class ListedChild(Protocol):
    """One child's line: what the sheet prints of it."""

    @property
    def child_name(self) -> str: ...
    @property
    def age(self) -> str: ...
    @property
    def age_group(self) -> str: ...
    @property
    def school_class(self) -> str: ...
    @property
    def alerts(self) -> tuple[str, ...]: ...  # PAI, allergies: empty unless health data
    @property
    def missing(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class UnitList:
    title: str  # « Périscolaire du Lude — Matin (07:30–08:30) »
    children: tuple[ListedChild, ...]


@dataclass(frozen=True)
class ExpectedList:
    collectivity: str
    site_name: str
    day: date
    printed_at: datetime  # Paris time
    printed_by: str
    units: tuple[UnitList, ...]
    health_data: bool  # alerts shown (the actor may read medical data)

    @property
    def count(self) -> int:
        return sum(len(u.children) for u in self.units)


def _lines(text: str, width: float, font: str = REGULAR) -> str:
    register_fonts()
    return "\n".join(simpleSplit(text, font, SIZE, width)) if text else ""


def _unit_rows(unit: UnitList, style: list[TableCommand], start: int) -> list[list]:
    count = len(unit.children)
    heading = f"{unit.title} · {count} enfant{'s' if count > 1 else ''}"
    rows: list[list] = [[_lines(heading, CONTENT_W - 6, BOLD), "", "", "", "", "", ""]]
    style += [
        ("SPAN", (0, start), (-1, start)),
        ("FONT", (0, start), (-1, start), BOLD, 9, 11),
        ("ALIGN", (0, start), (-1, start), "LEFT"),
        ("BACKGROUND", (0, start), (-1, start), GREY_FILL),
        ("NOSPLIT", (0, start), (-1, start + 1)),
    ]
    if not unit.children:
        rows.append(["", "Aucun enfant attendu.", "", "", "", "", ""])
        style.append(("TEXTCOLOR", (0, start + 1), (-1, start + 1), MUTED))
        return rows
    for i, child in enumerate(unit.children, 1):
        group = " · ".join(p for p in (child.age_group, child.school_class) if p)
        rows.append(
            [
                str(i),
                _lines(child.child_name, COL_W[1] - 6, BOLD),
                child.age,
                _lines(group, COL_W[3] - 6),
                _lines(" ; ".join(child.alerts), COL_W[4] - 6),
                _lines("Incomplet" if child.missing else "Complet", COL_W[5] - 6),
                "",
            ]
        )
        r = start + i
        if child.alerts:
            style.append(("TEXTCOLOR", (4, r), (4, r), ALERT))
        if child.missing:
            style.append(("TEXTCOLOR", (5, r), (5, r), ALERT))
    return rows


def _table(doc: ExpectedList) -> Table:
    style: list[TableCommand] = [
        ("FONT", (0, 0), (-1, -1), REGULAR, SIZE, LEADING),
        ("TEXTCOLOR", (0, 0), (-1, -1), TEXT),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("ALIGN", (0, 0), (0, -1), "RIGHT"),
        ("FONT", (0, 0), (-1, 0), BOLD, 8, 10),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, GREY_LINE),
    ]
    data: list[list] = [HEADER]
    for unit in doc.units:
        data += _unit_rows(unit, style, len(data))
    if len(data) == 1:
        data.append(["", "Aucune unité ne fonctionne ce jour-là.", "", "", "", "", ""])
    # The « Présent » column: an empty box to tick on every child's line.
    for r, row in enumerate(data[1:], 1):
        if row[0].isdigit():
            style.append(("BOX", (6, r), (6, r), 0.6, HEAD_FILL))
    return Table(data, colWidths=COL_W, repeatRows=1, style=TableStyle(style))


def _page(c, doc: ExpectedList) -> None:
    y = PAGE_H - 15 * mm
    c.setFillColor(HEAD_FILL)
    c.setFont(BOLD, 14)
    c.drawString(MARGIN_L, y, "Enfants attendus")
    c.setFont(REGULAR, 9)
    c.drawRightString(PAGE_W - MARGIN_R, y, doc.collectivity)
    c.setFillColor(TEXT)
    c.setFont(BOLD, 10.5)
    y -= 15
    c.drawString(MARGIN_L, y, f"{doc.site_name} — {long_day(doc.day)}")
    c.setFont(REGULAR, 9)
    c.drawRightString(PAGE_W - MARGIN_R, y, f"{doc.count} enfant(s) attendu(s)")
    y -= 12
    c.setFont(REGULAR, 8)
    c.setFillColor(ALERT if doc.health_data else MUTED)
    c.drawString(MARGIN_L, y, HEALTH_NOTE if doc.health_data else NO_HEALTH_NOTE)
    c.setStrokeColor(GREY_LINE)
    c.setLineWidth(0.5)
    c.line(MARGIN_L, y - 5, PAGE_W - MARGIN_R, y - 5)
    # Footer: when and by whom printed (« Page n/N » is added by the canvas).
    fy = FOOTER_H - 4 * mm
    c.line(MARGIN_L, fy, PAGE_W - MARGIN_R, fy)
    c.setFont(REGULAR, 7.5)
    c.setFillColor(MUTED)
    printed = doc.printed_at
    c.drawString(
        MARGIN_L,
        fy - 9,
        f"Imprimé le {printed:%d/%m/%Y} à {printed:%H:%M} par {doc.printed_by} — "
        f"{doc.site_name}, {doc.day:%d/%m/%Y}",
    )
    c.setFillColor(TEXT)


def render_expected_children(doc: ExpectedList, out: BinaryIO | Path | str) -> None:
    """Write the PDF to a file object or a path."""
    register_fonts()
    target = str(out) if isinstance(out, Path | str) else out
    template = BaseDocTemplate(
        target,
        pagesize=A4,
        leftMargin=MARGIN_L,
        rightMargin=MARGIN_R,
        title=f"Enfants attendus — {doc.site_name} — {doc.day:%d/%m/%Y}",
        author=doc.collectivity,
        creator="Portail Famille — back-office",
        invariant=1,
    )
    frame = Frame(MARGIN_L, FOOTER_H, CONTENT_W, PAGE_H - TOP - FOOTER_H, 0, 0, 0, 0)
    template.addPageTemplates(
        [PageTemplate(id="List", frames=[frame], onPage=lambda c, _d: _page(c, doc))]
    )
    legend = Paragraph(
        "Dossier « Incomplet » : des informations obligatoires manquent (voir « Dossiers "
        "incomplets »).",
        ParagraphStyle(
            "legend", fontName=REGULAR, fontSize=7.5, leading=9, textColor=MUTED, spaceBefore=6
        ),  # fmt: skip
    )
    template.build([_table(doc), legend], canvasmaker=NumberedCanvas)


def render_expected_children_bytes(doc: ExpectedList) -> bytes:
    buffer = io.BytesIO()
    render_expected_children(doc, buffer)
    return buffer.getvalue()
