"""Bordereau de remise de chèques: the cheques a régie deposits, as a PDF (A4).

The régisseur lists the cheques (drawer, bank, number, amount), their count
and total, dates and signs the slip. Built from a plain snapshot
(:class:`DepositSlip`), like the invoices; :func:`deposit_slip_document`
reads the ORM.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    KeepTogether,
    PageTemplate,
    Spacer,
    Table,
    TableStyle,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.documents.fonts import BOLD, REGULAR, register_fonts
from backoffice.documents.formatting import format_date, format_euros
from backoffice.documents.invoice_data import Issuer, issuer_from_settings, logo_exists
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
from backoffice.errors import UserError
from backoffice.models import Payment, PaymentMode, Regie

# Registered with reportlab on the first PDF (0.5 s), not at import.
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class DepositCheque:
    drawer: str  # tireur
    bank: str
    number: str
    amount: Decimal


@dataclass(frozen=True)
class DepositSlip:
    issuer: Issuer
    regie_name: str
    deposit_date: date
    cheques: tuple[DepositCheque, ...]
    reference: str = ""  # N° de bordereau
    depositor: str = ""  # le régisseur

    @property
    def count(self) -> int:
        return len(self.cheques)

    @property
    def total(self) -> Decimal:
        return sum((c.amount for c in self.cheques), ZERO)


def deposit_slip_document(
    session: Session,
    regie_id: int,
    payment_ids: list[int],
    deposit_date: date,
    *,
    reference: str = "",
    depositor: str = "",
) -> DepositSlip:
    """Snapshot of the cheque payments ``payment_ids`` of a régie for the slip."""
    regie = session.get(Regie, regie_id)
    if regie is None:
        raise UserError(f"Régie introuvable (identifiant {regie_id}).")
    payments = session.scalars(
        select(Payment).where(Payment.id.in_(payment_ids)).order_by(Payment.received_on, Payment.id)
    ).all()
    if len(payments) != len(set(payment_ids)):
        raise UserError("Un des règlements du bordereau est introuvable.")
    if not payments:
        raise UserError("Le bordereau ne contient aucun chèque.")
    for p in payments:
        if p.mode != PaymentMode.CHEQUE:
            raise UserError(
                f"Le règlement n° {p.id} n'est pas un chèque : il ne va pas sur ce bordereau."
            )
        if p.regie_id != regie_id:
            raise UserError(f"Le chèque n° {p.reference or p.id} appartient à une autre régie.")
    cheques = tuple(
        DepositCheque(
            drawer=p.payer_name,
            bank=p.bank,
            number=p.reference,
            amount=p.amount,
        )
        for p in payments
    )
    return DepositSlip(
        issuer=issuer_from_settings(session),
        regie_name=regie.name,
        deposit_date=deposit_date,
        cheques=cheques,
        reference=reference,
        depositor=depositor,
    )


def deposit_slip_document_for(session: Session, number: str, *, depositor: str = "") -> DepositSlip:
    """Snapshot of a recorded slip (``BR-ALSH-2026-00001``) with the cheques it took, to (re)print."""
    from backoffice.models import DepositSlip as DepositSlipRow

    row = session.scalar(select(DepositSlipRow).where(DepositSlipRow.number == number))
    if row is None:
        raise UserError(f"Bordereau de remise introuvable : {number}.")
    ids = list(session.scalars(select(Payment.id).where(Payment.deposit_slip_id == row.id)))
    return deposit_slip_document(
        session, row.regie_id, ids, row.deposit_date, reference=row.number, depositor=depositor
    )


def from_slip_data(session: Session, data, *, depositor: str = "") -> DepositSlip:
    """Adapter for the billing engine's ``SlipData`` (regie_name, number, deposit_date,
    cheques with payer_name, bank, number, amount): a preview before the slip is recorded."""
    return DepositSlip(
        issuer=issuer_from_settings(session),
        regie_name=data.regie_name,
        deposit_date=data.deposit_date or date.today(),
        cheques=tuple(
            DepositCheque(c.payer_name or getattr(c, "family", ""), c.bank, c.number, c.amount)
            for c in data.cheques
        ),
        reference=data.number or "",
        depositor=depositor,
    )


# -- rendering -----------------------------------------------------------------------

COL_W = [10 * mm, 52 * mm, 58 * mm, 26 * mm, 28 * mm]
HEADER = ["N°", "Tireur (émetteur)", "Banque", "N° de chèque", "Montant"]
TABLE_STYLE: list[TableCommand] = [
    ("FONT", (0, 0), (-1, -1), REGULAR, 8.5, 10.5),
    ("TEXTCOLOR", (0, 0), (-1, -1), TEXT),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), 3),
    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ("TOPPADDING", (0, 0), (-1, -1), 2.5),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ("ALIGN", (0, 0), (0, -1), "RIGHT"),
    ("ALIGN", (-1, 0), (-1, -1), "RIGHT"),
    ("FONT", (0, 0), (-1, 0), BOLD, 8, 10),
    ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
    ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
    ("LINEBELOW", (0, 1), (-1, -1), 0.25, GREY_LINE),
    ("FONT", (0, -1), (-1, -1), BOLD, 9.5, 11.5),
    ("BACKGROUND", (0, -1), (-1, -1), GREY_FILL),
    ("SPAN", (0, -1), (3, -1)),
    ("ALIGN", (0, -1), (3, -1), "RIGHT"),
    ("LINEABOVE", (0, -1), (-1, -1), 0.8, HEAD_FILL),
]
FIRST_TOP = 88 * mm
LATER_TOP = 24 * mm


def _clip(text: str, width: float, font: str = REGULAR, size: float = 8.5) -> str:
    register_fonts()
    return "\n".join(simpleSplit(text, font, size, width)) if text else ""


def _header(c, slip: DepositSlip) -> None:
    issuer = slip.issuer
    x, y = MARGIN_L, PAGE_H - 15 * mm
    if logo_exists(issuer):
        c.drawImage(
            issuer.logo_path, x, y - 18 * mm, width=40 * mm, height=18 * mm,
            preserveAspectRatio=True, anchor="sw", mask="auto",
        )  # fmt: skip
        y -= 22 * mm
    c.setFillColor(HEAD_FILL)
    c.setFont(BOLD, 11.5)
    y -= 12
    c.drawString(x, y, issuer.name)
    c.setFillColor(TEXT)
    c.setFont(REGULAR, 8.5)
    for line in issuer.address_lines:
        y -= 10.5
        c.drawString(x, y, line)
    if issuer.siret:
        y -= 10.5
        c.drawString(x, y, f"SIRET {issuer.siret_display}")

    c.setFillColor(HEAD_FILL)
    c.setFont(BOLD, 15)
    y = PAGE_H - 62 * mm
    c.drawString(x, y, "BORDEREAU DE REMISE DE CHÈQUES")
    c.setFillColor(TEXT)
    rows = [
        ("Régie", slip.regie_name),
        ("Date de remise", format_date(slip.deposit_date)),
    ]
    if slip.reference:
        rows.append(("N° de bordereau", slip.reference))
    rows.append(("Nombre de chèques", str(slip.count)))
    rows.append(("Montant total", format_euros(slip.total)))
    y -= 16
    for i, (label, value) in enumerate(rows):
        col = i % 2
        if i and col == 0:
            y -= 12
        cx = x + col * (CONTENT_W / 2)
        c.setFont(BOLD, 9)
        c.drawString(cx, y, label)
        c.setFont(REGULAR, 9)
        c.drawString(cx + 40 * mm, y, value)


def _later(c, slip: DepositSlip) -> None:
    y = PAGE_H - 14 * mm
    c.setFont(BOLD, 9.5)
    c.setFillColor(HEAD_FILL)
    c.drawString(MARGIN_L, y, "Bordereau de remise de chèques (suite)")
    c.setFont(REGULAR, 8.5)
    c.setFillColor(TEXT)
    c.drawRightString(PAGE_W - MARGIN_R, y, f"{slip.regie_name} · {format_date(slip.deposit_date)}")
    c.setStrokeColor(GREY_LINE)
    c.line(MARGIN_L, y - 4, PAGE_W - MARGIN_R, y - 4)


def _footer(c, slip: DepositSlip) -> None:
    y = FOOTER_H - 4 * mm
    c.setStrokeColor(GREY_LINE)
    c.setLineWidth(0.5)
    c.line(MARGIN_L, y, PAGE_W - MARGIN_R, y)
    c.setFont(REGULAR, 7)
    c.setFillColor(MUTED)
    c.drawString(MARGIN_L, y - 9, f"{slip.issuer.name} — régie de recettes « {slip.regie_name} »")
    c.setFillColor(TEXT)


def _signature_boxes(slip: DepositSlip) -> Table:
    left = (
        "Le régisseur\n"
        + (f"{slip.depositor}\n" if slip.depositor else "Nom :\n")
        + f"Date : {format_date(slip.deposit_date)}\nSignature :"
    )
    right = "Cadre réservé au comptable public\nReçu le :\nVisa :"
    return Table(
        [[left, "", right]],
        colWidths=[CONTENT_W / 2 - 3 * mm, 6 * mm, CONTENT_W / 2 - 3 * mm],
        rowHeights=[38 * mm],
        style=TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), REGULAR, 9, 13),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOX", (0, 0), (0, 0), 0.6, HEAD_FILL),
                ("BOX", (2, 0), (2, 0), 0.6, HEAD_FILL),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
            ]
        ),
        hAlign="LEFT",
        spaceBefore=0,
    )


def render_deposit_slip(slip: DepositSlip, out: BinaryIO | Path | str) -> None:
    """Write the PDF of the deposit slip to a file object or a path."""
    register_fonts()
    data: list[list[str]] = [HEADER]
    for i, cheque in enumerate(slip.cheques, 1):
        data.append(
            [
                str(i),
                _clip(cheque.drawer, COL_W[1] - 6),
                _clip(cheque.bank, COL_W[2] - 6),
                cheque.number,
                format_euros(cheque.amount),
            ]
        )
    plural = "s" if slip.count > 1 else ""
    data.append([f"Total : {slip.count} chèque{plural}", "", "", "", format_euros(slip.total)])
    table = Table(data, colWidths=COL_W, repeatRows=1, style=TableStyle(TABLE_STYLE))

    target = str(out) if isinstance(out, Path | str) else out
    template = BaseDocTemplate(
        target,
        pagesize=A4,
        leftMargin=MARGIN_L,
        rightMargin=MARGIN_R,
        title=f"Bordereau de remise de chèques {slip.reference}".strip(),
        author=slip.issuer.name,
        subject=slip.regie_name,
        creator="Portail Famille — back-office",
        invariant=1,
    )
    first = Frame(MARGIN_L, FOOTER_H, CONTENT_W, PAGE_H - FIRST_TOP - FOOTER_H, 0, 0, 0, 0)
    later = Frame(MARGIN_L, FOOTER_H, CONTENT_W, PAGE_H - LATER_TOP - FOOTER_H, 0, 0, 0, 0)

    def on_first(c, _d):
        _header(c, slip)
        _footer(c, slip)

    def on_later(c, _d):
        _later(c, slip)
        _footer(c, slip)

    template.addPageTemplates(
        [
            PageTemplate(id="First", frames=[first], onPage=on_first, autoNextPageTemplate="Later"),
            PageTemplate(id="Later", frames=[later], onPage=on_later),
        ]
    )
    template.build(
        [table, Spacer(1, 10 * mm), KeepTogether([_signature_boxes(slip)])],
        canvasmaker=NumberedCanvas,
    )


def render_deposit_slip_bytes(slip: DepositSlip) -> bytes:
    buffer = io.BytesIO()
    render_deposit_slip(slip, buffer)
    return buffer.getvalue()
