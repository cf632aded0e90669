"""DejaVu fonts for reportlab: the built-in PDF fonts have no € sign in all encodings
and no narrow no-break space; DejaVu has both, and every French accent."""

from __future__ import annotations

from functools import cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from backoffice import paths

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"


@cache
def register_fonts() -> tuple[str, str]:
    """Register DejaVu (regular, bold) once; returns their reportlab names."""
    for name in (REGULAR, BOLD):
        pdfmetrics.registerFont(TTFont(name, str(paths.resource("fonts", f"{name}.ttf"))))
    pdfmetrics.registerFontFamily(
        REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD
    )
    return REGULAR, BOLD
