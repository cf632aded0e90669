"""The one-page letter shared by the régie's papers (reminders, receipts, attestations).

The same sheet as the invoices (:mod:`.invoice_pdf`): the collectivity's header at the
top left, the recipient in the right window of a DL envelope, the family's reference,
place and date, a title, paragraphs, an optional table (amounts right-aligned), closing
paragraphs and a signature. Several letters go into one PDF (a batch to print): each
starts on a new page; a long table flows onto a continuation page.
A plain data snapshot in, bytes out; deterministic (``invariant``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from backoffice.documents.fonts import BOLD, REGULAR, register_fonts
from backoffice.documents.formatting import format_date
from backoffice.documents.invoice_data import Issuer
from backoffice.documents.invoice_pdf import (
    FIRST_FRAME_TOP,
    draw_address_window,
    draw_issuer_header,
)
from backoffice.documents.page_layout import (
    CONTENT_W,
    GREY_FILL,
    GREY_LINE,
    HEAD_FILL,
    MARGIN_L,
    MARGIN_R,
    MUTED,
    PAGE_H,
    PAGE_W,
    TEXT,
)

BODY_SIZE = 10
LEADING = 13.5
TABLE_SIZE = 8.5
TABLE_LEADING = 12
BOTTOM = 30 * mm


@dataclass(frozen=True)
class LetterTable:
    header: tuple[str, ...]
    widths: tuple[float, ...]  # in points, summing to at most CONTENT_W
    rows: tuple[tuple[str, ...], ...]
    right: frozenset[int] = frozenset()  # right-aligned columns (amounts)
    total: tuple[str, ...] | None = None  # a bold last row


@dataclass(frozen=True)
class Letter:
    issuer: Issuer
    recipient_name: str
    recipient_address_lines: tuple[str, ...]
    reference: str  # « Réf. famille : F00137 »
    place: str
    day: date
    title: str  # « RELANCE », « REÇU », « ATTESTATION »…
    subject: str
    paragraphs: tuple[str, ...] = ()
    table: LetterTable | None = None
    closing: tuple[str, ...] = ()
    signature: str = ""
    footer: str = ""
    doc_title: str = ""  # the PDF's title (metadata)
    extra: dict = field(default_factory=dict, compare=False)


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of ``text`` fitting ``width``, broken at plain spaces only: the no-break
    spaces of French amounts (« 1 234,50 € ») never end a line (reportlab's
    ``simpleSplit`` breaks at any whitespace)."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and stringWidth(candidate, font, size) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    lines.append(current)
    return lines


def place_of(address_lines: Sequence[str]) -> str:
    """The commune of the collectivity's last address line (« 72800 Le Lude » → Le Lude)."""
    if not address_lines:
        return ""
    words = address_lines[-1].split()
    return " ".join(words[1:]) if words and words[0].isdigit() and len(words) > 1 else ""


class _Writer:
    def __init__(self, c: Canvas, letter: Letter):
        self.c, self.letter = c, letter
        self.y = 0.0

    def first_page(self) -> None:
        c, letter = self.c, self.letter
        draw_issuer_header(c, letter.issuer)
        c.setFillColor(TEXT)
        draw_address_window(c, letter.recipient_name, letter.recipient_address_lines)
        c.setFont(REGULAR, 8.5)
        c.drawString(MARGIN_L, PAGE_H - 70 * mm, letter.reference)
        self.y = PAGE_H - FIRST_FRAME_TOP
        c.setFont(REGULAR, BODY_SIZE)
        where = f"{letter.place}, le " if letter.place else "Le "
        c.drawRightString(PAGE_W - MARGIN_R, self.y, where + format_date(letter.day))
        self.y -= 1.6 * LEADING
        c.setFillColor(HEAD_FILL)
        c.setFont(BOLD, 14)
        c.drawString(MARGIN_L, self.y, letter.title)
        c.setFillColor(TEXT)
        self.y -= 1.4 * LEADING
        c.setFont(BOLD, BODY_SIZE)
        for line in wrap(f"Objet : {letter.subject}", BOLD, BODY_SIZE, CONTENT_W):
            c.drawString(MARGIN_L, self.y, line)
            self.y -= LEADING
        self.y -= LEADING * 0.5

    def footer(self) -> None:
        c = self.c
        c.setFont(REGULAR, 7.5)
        c.setFillColor(MUTED)
        text = self.letter.footer or f"{self.letter.issuer.name}, collectivité territoriale"
        c.drawString(MARGIN_L, 14 * mm, text)
        c.setFillColor(TEXT)

    def new_page(self) -> None:
        self.footer()
        self.c.showPage()
        self.c.setFillColor(TEXT)
        self.c.setFont(REGULAR, 8.5)
        self.c.drawString(
            MARGIN_L, PAGE_H - 18 * mm, f"{self.letter.title} — {self.letter.reference} (suite)"
        )
        self.y = PAGE_H - 28 * mm

    def room(self, height: float) -> None:
        if self.y - height < BOTTOM:
            self.new_page()

    def paragraphs(self, texts: Sequence[str]) -> None:
        c = self.c
        for text in texts:
            lines = wrap(text, REGULAR, BODY_SIZE, CONTENT_W) if text else [""]
            for line in lines:
                self.room(LEADING)
                c.setFont(REGULAR, BODY_SIZE)
                c.drawString(MARGIN_L, self.y, line)
                self.y -= LEADING
            self.y -= LEADING * 0.35

    def _row(self, table: LetterTable, cells: Sequence[str], *, bold=False, head=False) -> None:
        c = self.c
        font = BOLD if (bold or head) else REGULAR
        wrapped = [
            wrap(cell, font, TABLE_SIZE, w - 6) or [""]
            for cell, w in zip(cells, table.widths, strict=True)
        ]
        height = max(len(w) for w in wrapped) * TABLE_LEADING + 4
        self.room(height)
        top = self.y
        width = sum(table.widths)
        if head:
            c.setFillColor(HEAD_FILL)
            c.rect(MARGIN_L, top - height + TABLE_LEADING - 2, width, height, stroke=0, fill=1)
            c.setFillColor(GREY_FILL)
        elif bold:
            c.setFillColor(GREY_FILL)
            c.rect(MARGIN_L, top - height + TABLE_LEADING - 2, width, height, stroke=0, fill=1)
        c.setFillColor(GREY_FILL if head else TEXT)
        c.setFont(font, TABLE_SIZE)
        x = MARGIN_L
        for index, (lines, w) in enumerate(zip(wrapped, table.widths, strict=True)):
            y = top
            for line in lines:
                if index in table.right:
                    c.drawRightString(x + w - 3, y, line)
                else:
                    c.drawString(x + 3, y, line)
                y -= TABLE_LEADING
            x += w
        c.setStrokeColor(GREY_LINE)
        c.setLineWidth(0.4)
        c.line(
            MARGIN_L,
            top - height + TABLE_LEADING - 2,
            MARGIN_L + width,
            top - height + TABLE_LEADING - 2,
        )
        c.setFillColor(TEXT)
        self.y = top - height

    def table(self, table: LetterTable) -> None:
        self.y -= 2
        self._row(table, table.header, head=True)
        for row in table.rows:
            if self.y - TABLE_LEADING * 2 < BOTTOM:
                self.new_page()
                self._row(table, table.header, head=True)
            self._row(table, row)
        if table.total is not None:
            self._row(table, table.total, bold=True)
        self.y -= LEADING

    def write(self) -> None:
        letter = self.letter
        self.first_page()
        self.paragraphs(letter.paragraphs)
        if letter.table is not None:
            self.table(letter.table)
        self.paragraphs(letter.closing)
        if letter.signature:
            self.room(3 * LEADING)
            self.y -= LEADING
            self.c.setFont(REGULAR, BODY_SIZE)
            self.c.drawRightString(PAGE_W - MARGIN_R, self.y, letter.signature)
        self.footer()
        self.c.showPage()


def render_letters_bytes(letters: Sequence[Letter], title: str = "") -> bytes:
    """One PDF: every letter from a new page, in the given order."""
    if not letters:
        raise ValueError("no letter to render")
    out = io.BytesIO()
    register_fonts()  # on the first PDF, not at import
    c = Canvas(out, pagesize=(PAGE_W, PAGE_H), invariant=1)
    c.setTitle(title or letters[0].doc_title or letters[0].title)
    c.setAuthor(letters[0].issuer.name)
    for letter in letters:
        _Writer(c, letter).write()
    c.save()
    return out.getvalue()
