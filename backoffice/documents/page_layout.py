"""The page shared by the PDFs (invoices, deposit slips, expected children): A4 size,
margins, footer height, colours, and the canvas that prints « Page n/N » on every page."""

from __future__ import annotations

from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from backoffice.documents.fonts import REGULAR

# Registered with reportlab on the first PDF (0.5 s), not at import.

PAGE_W, PAGE_H = A4
MARGIN_L = 18 * mm
MARGIN_R = 18 * mm
CONTENT_W = PAGE_W - MARGIN_L - MARGIN_R
FOOTER_H = 22 * mm

GREY_LINE = colors.HexColor("#9AA3AD")
GREY_FILL = colors.HexColor("#EEF1F4")
HEAD_FILL = colors.HexColor("#2F4A63")
TEXT = colors.HexColor("#1A1A1A")
MUTED = colors.HexColor("#555F69")

# One command of a table's style: opcode, first cell, last cell, then its arguments
# (``("FONT", (0, 0), (-1, 0), BOLD, 8, 10)``), as reportlab's TableStyle takes them.
TableCommand = tuple[str, tuple[int, int], tuple[int, int], *tuple[Any, ...]]


class NumberedCanvas(Canvas):
    """Keeps the pages until the end to print « Page n/N » on each."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self):  # noqa: N802 - reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for number, state in enumerate(self._pages, 1):
            self.__dict__.update(state)
            self.setFont(REGULAR, 7.5)
            self.setFillColor(MUTED)
            self.drawRightString(PAGE_W - MARGIN_R, FOOTER_H - 4 * mm - 9, f"Page {number}/{total}")
            super().showPage()
        super().save()
