# Long module: one invoice document (page frame, header, lines table, totals, payment box) with the table styles reportlab resolves once per process beside it.
"""PDF of an invoice or a credit note (« FACTURE » / « AVOIR »), A4, reportlab platypus.

Layout (French window envelope, **right window**: DL 110×220 envelope,
window 45×100 mm, 20 mm from the right edge): the billing name and address
are printed in a 85×38 mm box 110 mm from the left edge and 48 mm from the
top of the sheet, so that an A4 sheet folded in three shows it in the window.
The collectivity's header is at the top left, the document title and number
at the top right, the invoice details at the left of the address.

The lines table (grouped by child, then by unit) flows over as many pages as
needed, its header row repeated; every page carries the legal mentions of a
public collectivity and « Page n/N ». The page itself (size, margins, colours,
numbering) is :mod:`backoffice.documents.page_layout`, shared with the other PDFs;
the wording of the payment box is :mod:`backoffice.documents.invoice_instructions`.

Speed: fonts are registered once, styles are module constants, table cells are
plain strings wrapped with :func:`simpleSplit` (no Paragraph at all), the
fixed parts are drawn straight on the canvas. Cell styles (font, colour, padding,
alignment) are resolved once per process for each kind of row and shared by every
table (reportlab would otherwise apply each style command to each cell of each
invoice); wrapped texts are cached, as they repeat from one invoice to the next.
Output is deterministic (``invariant``): the same snapshot gives the same bytes,
hence the same sha256.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import BinaryIO

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    PageTemplate,
    Spacer,
    Table,
)
from reportlab.platypus.tables import CellStyle

from backoffice.documents.fonts import BOLD, REGULAR, register_fonts
from backoffice.documents.formatting import format_date, format_euros, format_quantity
from backoffice.documents.invoice_data import (
    AppliedAmount,
    ChildSection,
    DocumentRow,
    InvoiceDocument,
    Issuer,
    credit_note_document,
    invoice_document,
    invoice_documents,
    logo_exists,
)
from backoffice.documents.invoice_instructions import payment_instructions
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

__all__ = [
    "AppliedAmount",
    "ChildSection",
    "DocumentRow",
    "InvoiceDocument",
    "Issuer",
    "credit_note_document",
    "invoice_document",
    "invoice_documents",
    "render_invoice",
    "render_invoice_bytes",
    "LEGAL_VAT",
]

# Registered with reportlab on the first PDF (0.5 s), not at import.

FIRST_FRAME_TOP = 92 * mm  # from the top of the sheet, under the address window
LATER_FRAME_TOP = 24 * mm

# Window envelope (right window), measured from the top-left corner of the sheet.
WINDOW_X = 110 * mm
WINDOW_TOP = 48 * mm
WINDOW_W = 85 * mm
WINDOW_H = 38 * mm

LEGAL_VAT = "TVA non applicable, article 256 B du CGI."

BODY_SIZE = 8.5
LEADING = 10.5
PAD = 3

# Désignation | Dates | Tranche QF | Qté | Prix unitaire | Montant
COL_W = [42 * mm, 60 * mm, 24 * mm, 10 * mm, 18 * mm, 20 * mm]
assert abs(sum(COL_W) - CONTENT_W) < 0.5
HEADER = ["Désignation", "Dates", "Tranche QF", "Qté", "Prix unit.", "Montant"]

BASE_STYLE: list[TableCommand] = [
    ("FONT", (0, 0), (-1, -1), REGULAR, BODY_SIZE, LEADING),
    ("TEXTCOLOR", (0, 0), (-1, -1), TEXT),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), PAD),
    ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
    ("TOPPADDING", (0, 0), (-1, -1), 2),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ("ALIGN", (3, 0), (-1, -1), "RIGHT"),
    ("FONT", (0, 0), (-1, 0), BOLD, 8, 10),
    ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
    ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
    ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
    ("LINEBELOW", (0, 1), (-1, -1), 0.25, GREY_LINE),
]

TOTALS_STYLE: list[TableCommand] = [
    ("FONT", (0, 0), (-1, -1), REGULAR, 9, 11),
    ("ALIGN", (1, 0), (1, -1), "RIGHT"),
    ("LEFTPADDING", (0, 0), (-1, -1), PAD),
    ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
    ("TOPPADDING", (0, 0), (-1, -1), 2.5),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ("LINEABOVE", (0, 0), (-1, 0), 0.8, HEAD_FILL),
    ("FONT", (0, 0), (-1, 0), BOLD, 9.5, 11.5),
    ("FONT", (0, -1), (-1, -1), BOLD, 10.5, 12.5),
    ("BACKGROUND", (0, -1), (-1, -1), GREY_FILL),
    ("LINEABOVE", (0, -1), (-1, -1), 0.5, GREY_LINE),
]

INFO_PAD = 7
INFO_W = CONTENT_W - 2 * INFO_PAD
INFO_TEXT_SIZE, INFO_TEXT_LEADING = 8.5, 11
INFO_SMALL_SIZE, INFO_SMALL_LEADING = 7.5, 9.5
INFO_BASE_STYLE: list[TableCommand] = [
    ("BOX", (0, 0), (-1, -1), 0.6, HEAD_FILL),
    ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#F7F9FB")),
    ("LEFTPADDING", (0, 0), (-1, -1), INFO_PAD),
    ("RIGHTPADDING", (0, 0), (-1, -1), INFO_PAD),
    ("TOPPADDING", (0, 0), (-1, -1), 1),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
    ("TOPPADDING", (0, 0), (-1, 0), 5),
    ("BOTTOMPADDING", (0, -1), (-1, -1), 6),
    ("FONT", (0, 0), (-1, -1), REGULAR, INFO_TEXT_SIZE, INFO_TEXT_LEADING),
    ("TEXTCOLOR", (0, 0), (-1, -1), TEXT),
    ("FONT", (0, 0), (-1, 0), BOLD, 9.5, 12),
    ("TEXTCOLOR", (0, 0), (-1, 0), HEAD_FILL),
    ("BOTTOMPADDING", (0, 0), (-1, 0), 3),
]


@lru_cache(maxsize=1024)
def _split(text: str, font: str, size: float, width: float) -> tuple[str, ...]:
    """:func:`simpleSplit`, cached: the issuer's and the régie's names, the dates recur."""
    return tuple(simpleSplit(text, font, size, width))


@lru_cache(maxsize=4096)
def _wrap(text: str, width: float, font: str = REGULAR, size: float = BODY_SIZE) -> str:
    register_fonts()
    if not text:
        return ""
    if stringWidth(text, font, size) <= width:
        return text
    return "\n".join(simpleSplit(text, font, size, width))


@lru_cache(maxsize=4096)
def _wrap_list(text: str, width: float, sep: str = ", ") -> str:
    """Wrap a list (compact dates) between its items only: never "mar." / "10/03"."""
    register_fonts()
    if not text or stringWidth(text, REGULAR, BODY_SIZE) <= width:
        return text
    lines: list[str] = []
    current = ""
    for item in text.split(sep):
        candidate = f"{current}{sep}{item}" if current else item
        if current and stringWidth(candidate + sep.rstrip(), REGULAR, BODY_SIZE) > width:
            lines.append(current + sep.rstrip())
            current = item
        else:
            current = candidate
    lines.append(current)
    return "\n".join(lines)


# -- cell styles, resolved once per process ----------------------------------------------

# The commands that draw (backgrounds, lines) or shape the table (spans, no-split ranges);
# every other command sets the style of the cells in its range.
_TABLE_OPS = {"BACKGROUND", "ROWBACKGROUNDS", "COLBACKGROUNDS", "SPAN", "NOSPLIT",
              "ROUNDEDCORNERS", "GRID", "BOX", "OUTLINE", "INNERGRID", "LINEBELOW",
              "LINEABOVE", "LINEBEFORE", "LINEAFTER"}  # fmt: skip

CellRow = list[CellStyle]


def _split_commands(
    commands: Iterable[TableCommand],
) -> tuple[list[TableCommand], list[TableCommand]]:
    """(cell style commands, table commands), each in its original order."""
    cells: list[TableCommand] = []
    table: list[TableCommand] = []
    for command in commands:
        (table if command[0] in _TABLE_OPS else cells).append(command)
    return cells, table


def _resolved_cells(commands: list[TableCommand], nrows: int, ncols: int) -> list[CellRow]:
    """The cell styles of an ``nrows`` × ``ncols`` table once ``commands`` are applied, by
    reportlab itself (a blank table styling the cells it is given); cells of equal style
    share one object (reportlab then skips comparing the colour and font of neighbours)."""
    rows = [[CellStyle(repr((i, j))) for j in range(ncols)] for i in range(nrows)]
    Table([[""] * ncols for _ in range(nrows)], cellStyles=rows, style=commands)
    distinct: list[tuple[dict, CellStyle]] = []
    for row in rows:
        for j, style in enumerate(row):
            attributes = {k: v for k, v in vars(style).items() if k != "name"}
            for known, shared in distinct:
                if known == attributes:
                    row[j] = shared
                    break
            else:
                distinct.append((attributes, style))
    return rows


def _section_commands(r: int) -> list[TableCommand]:
    return [
        ("SPAN", (0, r), (-1, r)),
        ("FONT", (0, r), (-1, r), BOLD, 9, 11),
        ("BACKGROUND", (0, r), (-1, r), GREY_FILL),
        ("TOPPADDING", (0, r), (-1, r), 3.5),
    ]


def _subtotal_commands(r: int) -> list[TableCommand]:
    return [
        ("SPAN", (0, r), (4, r)),
        ("ALIGN", (0, r), (4, r), "RIGHT"),
        ("FONT", (0, r), (-1, r), BOLD, BODY_SIZE, LEADING),
        ("LINEBELOW", (0, r), (-1, r), 0.6, HEAD_FILL),
    ]


@cache
def _line_rows() -> tuple[CellRow, CellRow, CellRow, CellRow]:
    """Cell styles of the lines table's header, child, line and subtotal rows."""
    commands = [*BASE_STYLE, *_section_commands(1), *_subtotal_commands(3)]
    header, section, line, subtotal = _resolved_cells(_split_commands(commands)[0], 4, len(COL_W))
    return header, section, line, subtotal


BASE_TABLE_COMMANDS = _split_commands(BASE_STYLE)[1]


def _totals_commands(credit_note: bool) -> list[TableCommand]:
    if credit_note:  # one row: the total, bold on grey
        return [*TOTALS_STYLE[:5], ("FONT", (0, 0), (-1, -1), BOLD, 10.5, 12.5),
                ("BACKGROUND", (0, 0), (-1, -1), GREY_FILL)]  # fmt: skip
    return list(TOTALS_STYLE)


def _box_commands(precisions: bool) -> list[TableCommand]:
    commands = list(INFO_BASE_STYLE)
    if precisions:
        commands.append(("FONT", (0, -1), (-1, -1), REGULAR, INFO_SMALL_SIZE, INFO_SMALL_LEADING))
        commands.append(("TEXTCOLOR", (0, -1), (-1, -1), MUTED))
        commands.append(("TOPPADDING", (0, -1), (-1, -1), 3))
    return commands


@lru_cache(maxsize=64)
def _totals_styles(credit_note: bool, nrows: int) -> tuple[list[CellRow], list[TableCommand]]:
    """(cell styles, table commands) of a totals table of ``nrows`` rows."""
    cells, table = _split_commands(_totals_commands(credit_note))
    return _resolved_cells(cells, nrows, 2), table


@lru_cache(maxsize=64)
def _box_styles(precisions: bool, nrows: int) -> tuple[list[CellRow], list[TableCommand]]:
    """(cell styles, table commands) of a payment box of ``nrows`` rows."""
    cells, table = _split_commands(_box_commands(precisions))
    return _resolved_cells(cells, nrows, 1), table


# -- page decorations ----------------------------------------------------------------


def _title(doc: InvoiceDocument) -> str:
    return "AVOIR" if doc.is_credit_note else "FACTURE"


def _meta_rows(doc: InvoiceDocument) -> list[tuple[str, str]]:
    rows = [("Date d'émission", format_date(doc.issue_date))]
    if doc.due_date and not doc.is_credit_note:
        rows.append(("Date d'échéance", format_date(doc.due_date)))
    rows.append(("Régie", doc.regie_name))
    if doc.period_start and doc.period_end:
        rows.append(
            ("Période", f"du {format_date(doc.period_start)} au {format_date(doc.period_end)}")
        )
    if doc.family_code:
        rows.append(("Réf. famille", doc.family_code))
    if doc.is_credit_note:
        rows.append(("Facture d'origine", doc.related_number))
    return rows


def draw_issuer_header(c: Canvas, issuer: Issuer) -> None:
    """The collectivity's header, top left (invoices, answer letters)."""
    top = PAGE_H - 15 * mm
    x = MARGIN_L
    y = top
    if logo_exists(issuer):
        c.drawImage(
            issuer.logo_path, x, y - 18 * mm, width=40 * mm, height=18 * mm,
            preserveAspectRatio=True, anchor="sw", mask="auto",
        )  # fmt: skip
        y -= 22 * mm
    c.setFillColor(HEAD_FILL)
    c.setFont(BOLD, 11.5)
    for line in _split(issuer.name, BOLD, 11.5, 105 * mm):
        y -= 12
        c.drawString(x, y, line)
    c.setFillColor(TEXT)
    c.setFont(REGULAR, 8.5)
    y -= 1.5
    for line in issuer.address_lines:
        y -= 10.5
        c.drawString(x, y, line)
    contact = " · ".join(
        p for p in (f"Tél. {issuer.phone}" if issuer.phone else "", issuer.email) if p
    )
    if contact:
        y -= 10.5
        c.drawString(x, y, contact)
    if issuer.siret:
        y -= 10.5
        c.drawString(x, y, f"SIRET {issuer.siret_display}")


def draw_address_window(c: Canvas, name: str, address_lines: Sequence[str]) -> None:
    """Name and address in the right window of a DL envelope (see the module docstring)."""
    wx = WINDOW_X
    wy = PAGE_H - WINDOW_TOP - 6 * mm
    c.setFont(BOLD, 10)
    c.drawString(wx + 4 * mm, wy, name)
    c.setFont(REGULAR, 10)
    for line in address_lines[:5]:
        wy -= 12.5
        c.drawString(wx + 4 * mm, wy, line)


def _draw_first_page(c: Canvas, doc: InvoiceDocument) -> None:
    draw_issuer_header(c, doc.issuer)
    top = PAGE_H - 15 * mm
    x = MARGIN_L

    # Title and number, top right.
    right = PAGE_W - MARGIN_R
    c.setFillColor(HEAD_FILL)
    c.setFont(BOLD, 22)
    c.drawRightString(right, top - 20, _title(doc))
    c.setFont(BOLD, 11)
    c.setFillColor(TEXT)
    c.drawRightString(right, top - 36, f"N° {doc.number}")

    # Details, left of the address window.
    y = PAGE_H - 58 * mm
    for label, value in _meta_rows(doc):
        c.setFont(BOLD, 8.5)
        c.drawString(x, y, label)
        c.setFont(REGULAR, 8.5)
        lines = _split(value, REGULAR, 8.5, 58 * mm) or ("",)
        for line in lines:
            c.drawString(x + 31 * mm, y, line)
            y -= 11.5

    # Billing name and address in the window.
    draw_address_window(c, doc.billing_name, doc.billing_address_lines)


def _draw_later_page(c: Canvas, doc: InvoiceDocument) -> None:
    y = PAGE_H - 14 * mm
    c.setFont(BOLD, 9.5)
    c.setFillColor(HEAD_FILL)
    c.drawString(MARGIN_L, y, f"{_title(doc).capitalize()} N° {doc.number} (suite)")
    c.setFont(REGULAR, 8.5)
    c.setFillColor(TEXT)
    c.drawRightString(PAGE_W - MARGIN_R, y, f"{doc.billing_name} · {doc.regie_name}")
    c.setStrokeColor(GREY_LINE)
    c.setLineWidth(0.5)
    c.line(MARGIN_L, y - 4, PAGE_W - MARGIN_R, y - 4)


def _draw_footer(c: Canvas, doc: InvoiceDocument) -> None:
    issuer = doc.issuer
    c.setStrokeColor(GREY_LINE)
    c.setLineWidth(0.5)
    y = FOOTER_H - 4 * mm
    c.line(MARGIN_L, y, PAGE_W - MARGIN_R, y)
    c.setFont(REGULAR, 7)
    c.setFillColor(MUTED)
    siret = f" — SIRET {issuer.siret_display}" if issuer.siret else ""
    c.drawString(MARGIN_L, y - 9, f"{issuer.name}, collectivité territoriale{siret}")
    c.drawString(
        MARGIN_L,
        y - 18,
        f"Régie de recettes « {doc.regie_name} » — {LEGAL_VAT}",
    )
    if issuer.legal_mentions:
        width = PAGE_W - MARGIN_L - MARGIN_R
        c.drawString(MARGIN_L, y - 27, _split(issuer.legal_mentions, REGULAR, 7, width)[0])
    c.setFillColor(TEXT)


# -- the body --------------------------------------------------------------------------


def _lines_table(doc: InvoiceDocument) -> Table:
    head_cells, section_cells, line_cells, subtotal_cells = _line_rows()
    data: list[list[str]] = [list(HEADER)]
    cells = [head_cells]
    # Only what draws or shapes the table: the cells' own styles are the shared rows above.
    style = list(BASE_TABLE_COMMANDS)
    w_label = COL_W[0] - 2 * PAD
    w_dates = COL_W[1] - 2 * PAD
    w_qf = COL_W[2] - 2 * PAD
    for section in doc.sections:
        r = len(data)
        data.append([section.name, "", "", "", "", ""])
        cells.append(section_cells)
        style.extend(_split_commands(_section_commands(r))[1])
        # Never a child's name alone at the foot of a page, nor a subtotal alone at the top.
        style.append(("NOSPLIT", (0, r), (-1, r + 1)))
        style.append(("NOSPLIT", (0, r + len(section.rows)), (-1, r + len(section.rows) + 1)))
        for row in section.rows:
            data.append(
                [
                    _wrap(row.label, w_label),
                    _wrap_list(row.dates, w_dates),
                    _wrap(row.qf_bracket, w_qf),
                    format_quantity(row.quantity),
                    format_euros(row.unit_price),
                    format_euros(row.amount),
                ]
            )
        cells.extend([line_cells] * len(section.rows))
        r = len(data)
        data.append([f"Sous-total {section.name}", "", "", "", "", format_euros(section.subtotal)])
        cells.append(subtotal_cells)
        style.extend(_split_commands(_subtotal_commands(r))[1])
    return Table(
        data, colWidths=COL_W, repeatRows=1, style=style, cellStyles=cells, normalizedData=1
    )


def _totals_table(doc: InvoiceDocument) -> tuple[Table, list[list[str]]]:
    """The totals, and their rows of plain strings (to estimate their height)."""
    if doc.is_credit_note:
        rows = [["Total de l'avoir", format_euros(doc.total)]]
    else:
        rows = [["Total de la facture", format_euros(doc.total)]]
        for applied in doc.settlements:
            rows.append([applied.label, format_euros(-applied.amount)])
        if not doc.settlements:
            rows.append(["Règlements reçus", format_euros(Decimal("0.00"))])
        rows.append(["Reste à payer", format_euros(doc.balance)])
        rows = [[_wrap(a, 62 * mm - 2 * PAD, REGULAR, 9), b] for a, b in rows]
    cells, style = _totals_styles(doc.is_credit_note, len(rows))
    table = Table(
        rows, colWidths=[62 * mm, 28 * mm], style=style, hAlign="RIGHT",
        cellStyles=list(cells), normalizedData=1,
    )  # fmt: skip
    return table, rows


def _instructions_box(doc: InvoiceDocument) -> tuple[Table, list[list[str]]]:
    """A framed box of plain strings (one row per sentence): no Paragraph needed; and
    its rows (to estimate its height)."""
    title, sentences, precisions = payment_instructions(doc)
    if doc.is_credit_note and doc.reason:
        sentences = [*sentences, f"Motif : {doc.reason}"]
    rows = [[title]]
    rows.extend([_wrap(text, INFO_W, REGULAR, INFO_TEXT_SIZE)] for text in sentences)
    if precisions:
        rows.append(
            [_wrap(f"Précisions de la régie : {precisions}", INFO_W, REGULAR, INFO_SMALL_SIZE)]
        )
    cells, style = _box_styles(bool(precisions), len(rows))
    table = Table(
        rows, colWidths=[CONTENT_W], style=style, cellStyles=list(cells), normalizedData=1
    )
    return table, rows


def _text_height(table_rows: list[list[str]], leading: float, padding: float) -> float:
    return sum((cell[0].count("\n") + 1) * leading + padding for cell in table_rows)


def _flowables(doc: InvoiceDocument) -> list:
    totals, totals_rows = _totals_table(doc)
    box, box_rows = _instructions_box(doc)
    # Totals and payment box stay together: a page break before them if they do not fit
    # (estimated from their rows, cheaper than KeepTogether's repeated wrapping).
    needed = (
        _text_height(totals_rows, 12.5, 5.5)
        + 6 * mm
        + _text_height(box_rows, INFO_TEXT_LEADING, 2)
        + 16
    )
    return [
        _lines_table(doc),
        Spacer(1, 4 * mm),
        CondPageBreak(needed),
        totals,
        Spacer(1, 6 * mm),
        box,
    ]


class _Template(BaseDocTemplate):
    def __init__(self, out, doc: InvoiceDocument):
        super().__init__(
            out,
            pagesize=A4,
            leftMargin=MARGIN_L,
            rightMargin=MARGIN_R,
            topMargin=LATER_FRAME_TOP,
            bottomMargin=FOOTER_H,
            title=f"{_title(doc).capitalize()} {doc.number}",
            author=doc.issuer.name,
            subject=doc.regie_name,
            creator="Portail Famille — back-office",
            invariant=1,
        )
        first = Frame(
            MARGIN_L, FOOTER_H, CONTENT_W, PAGE_H - FIRST_FRAME_TOP - FOOTER_H,
            leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="first",
        )  # fmt: skip
        later = Frame(
            MARGIN_L, FOOTER_H, CONTENT_W, PAGE_H - LATER_FRAME_TOP - FOOTER_H,
            leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="later",
        )  # fmt: skip

        def on_first(c, _d):
            _draw_first_page(c, doc)
            _draw_footer(c, doc)

        def on_later(c, _d):
            _draw_later_page(c, doc)
            _draw_footer(c, doc)

        self.addPageTemplates(
            [
                PageTemplate(
                    id="First", frames=[first], onPage=on_first, autoNextPageTemplate="Later"
                ),
                PageTemplate(id="Later", frames=[later], onPage=on_later),
            ]
        )


def render_invoice(invoice_data: InvoiceDocument, out: BinaryIO | Path | str) -> None:
    """Write the PDF of an invoice or credit note snapshot to a file object or a path."""
    register_fonts()
    target = str(out) if isinstance(out, Path | str) else out
    template = _Template(target, invoice_data)
    template.build(_flowables(invoice_data), canvasmaker=NumberedCanvas)


def render_invoice_bytes(invoice_data: InvoiceDocument) -> bytes:
    buffer = io.BytesIO()
    render_invoice(invoice_data, buffer)
    return buffer.getvalue()
