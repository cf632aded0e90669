"""A one-page letter answering a parent's request, for families without the portal.

The same sheet as the invoices (:mod:`.invoice_pdf`): the collectivity's header at the
top left, the family's name and address in the right window of a DL envelope, then
place and date, the subject, the answer the portal would have shown, and a polite close.
A plain data snapshot in, bytes out; deterministic (``invariant``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit

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
    MARGIN_L,
    MARGIN_R,
    MUTED,
    PAGE_H,
    PAGE_W,
    TEXT,
    NumberedCanvas,
)

BODY_SIZE = 10.5
LEADING = 14


@dataclass(frozen=True)
class AnswerLetter:
    issuer: Issuer
    family_code: str
    recipient_name: str
    recipient_address_lines: tuple[str, ...]
    place: str  # « Fait à … » (the collectivity's commune), may be empty
    day: date
    subject: str
    request_label: str  # what the parent asked, in words
    decision_label: str  # « Demande acceptée », « Demande refusée »…
    answer_text: str
    signature: str


def _paragraph_lines(text: str, width: float) -> list[str]:
    lines: list[str] = []
    for para in (text or "").splitlines():
        lines.extend(simpleSplit(para, REGULAR, BODY_SIZE, width) or [""])
    return lines


def render_answer_letter_bytes(letter: AnswerLetter) -> bytes:
    out = io.BytesIO()
    register_fonts()  # on the first PDF, not at import
    c = NumberedCanvas(out, pagesize=(PAGE_W, PAGE_H), invariant=1)
    c.setTitle(f"Réponse à votre demande — {letter.family_code}")
    c.setAuthor(letter.issuer.name)
    draw_issuer_header(c, letter.issuer)
    draw_address_window(c, letter.recipient_name, letter.recipient_address_lines)
    c.setFillColor(TEXT)
    c.setFont(REGULAR, 8.5)
    c.drawString(MARGIN_L, PAGE_H - 70 * mm, f"Réf. famille : {letter.family_code}")

    y = PAGE_H - FIRST_FRAME_TOP
    c.setFont(REGULAR, BODY_SIZE)
    where = f"{letter.place}, le " if letter.place else "Le "
    c.drawRightString(PAGE_W - MARGIN_R, y, where + format_date(letter.day))
    y -= 2 * LEADING
    c.setFont(BOLD, BODY_SIZE)
    for line in simpleSplit(f"Objet : {letter.subject}", BOLD, BODY_SIZE, CONTENT_W):
        c.drawString(MARGIN_L, y, line)
        y -= LEADING
    y -= LEADING
    c.setFont(REGULAR, BODY_SIZE)
    body = [
        "Madame, Monsieur,",
        "",
        *_paragraph_lines(
            f"Vous nous avez adressé la demande suivante : {letter.request_label}.", CONTENT_W
        ),
        "",
    ]
    for line in body:
        c.drawString(MARGIN_L, y, line)
        y -= LEADING
    c.setFont(BOLD, BODY_SIZE)
    c.drawString(MARGIN_L, y, letter.decision_label)
    y -= LEADING * 1.5
    c.setFont(REGULAR, BODY_SIZE)
    bottom = 60 * mm
    answer = _paragraph_lines(letter.answer_text, CONTENT_W)
    room = int((y - bottom) // LEADING) - 6
    if len(answer) > room:  # one page: the portal's answer is short; never overflow
        answer = [*answer[: max(room - 1, 0)], "[…]"]
    for line in answer:
        c.drawString(MARGIN_L, y, line)
        y -= LEADING
    y -= LEADING
    closing = _paragraph_lines(
        "Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations distinguées.",
        CONTENT_W,
    )
    for line in closing:
        c.drawString(MARGIN_L, y, line)
        y -= LEADING
    y -= 2 * LEADING
    c.drawRightString(PAGE_W - MARGIN_R, y, letter.signature)
    c.setFont(REGULAR, 7.5)
    c.setFillColor(MUTED)
    c.drawString(MARGIN_L, 22 * mm - 4 * mm - 9, f"{letter.issuer.name}, collectivité territoriale")
    c.showPage()
    c.save()
    return out.getvalue()
