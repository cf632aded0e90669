"""The planning's state icons and colours, drawn (no image files), and their legend.

The same states and words as the parents' planning on the portal (guide §6.1):
each gets a small coloured badge with a sign, and a light cell background.
"""

from __future__ import annotations

from functools import cache

from backoffice.models import BookingState
from backoffice.services.bookings.week_cells import CELL_LABELS
from backoffice.ui.qt import (
    QColor,
    QFont,
    QHBoxLayout,
    QIcon,
    QLabel,
    QPainter,
    QPixmap,
    Qt,
    QWidget,
)

# state → (badge colour, sign, cell background, short text shown in the cell)
STYLES: dict[str, tuple[str, str, str, str]] = {
    "booked": ("#2E7D32", "✓", "#DCEFDC", "Réservé"),
    "requested": ("#E08600", "?", "#FFF0D6", "Demandé"),
    "waiting_list": ("#1565C0", "…", "#DDE9F7", "Liste d'attente"),
    "cancel_requested": ("#B35C00", "×", "#FBE3CF", "Annulation demandée"),
    "refused": ("#B3261E", "✗", "#F6DCDA", "Refusé"),
    "full": ("#6B4FA0", "!", "#ECE6F4", "Complet"),
    "open": ("#8A939C", "+", "#FFFFFF", "Libre"),
    "closed": ("#B0B6BC", "–", "#ECEEF0", "Fermé"),
    # A past day, from the pointage (not in the legend: the cell says it in words).
    "present": ("#2E7D32", "✓", "#DCEFDC", "Présent"),
    "absent_justified": ("#B35C00", "J", "#FFF0D6", "Absent justifié"),
    "absent": ("#B3261E", "✗", "#F6DCDA", "Absent"),
    "past": ("#8A939C", "·", "#F4F5F6", ""),
    # Invoices on the family card: their own signs, never a booking's (a waiting-list
    # « … » for « Envoyée au Trésor public » read as a booking state).
    "invoice_to_pay": ("#E08600", "€", "#FFF0D6", "À payer"),
    "invoice_partly_paid": ("#B35C00", "€", "#FBE3CF", "Partiellement réglée"),
    "invoice_paid": ("#2E7D32", "✓", "#DCEFDC", "Réglée"),
    "invoice_tresor": ("#455A64", "T", "#E3E7EA", "Envoyée au Trésor public"),
    "invoice_cancelled": ("#8A939C", "A", "#ECEEF0", "Annulée par avoir"),
}
ORDER = ("booked", "requested", "waiting_list", "cancel_requested", "refused", "open", "full",
         "closed")  # fmt: skip
SIZE = 16


@cache
def state_icon(state: str) -> QIcon:
    colour, sign, _bg, _text = STYLES[state]
    pixmap = QPixmap(SIZE, SIZE)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    painter.drawRoundedRect(0, 0, SIZE, SIZE, 4, 4)
    font = QFont()
    font.setBold(True)
    font.setPixelSize(12)
    painter.setFont(font)
    painter.setPen(QColor("#FFFFFF"))
    painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, sign)
    painter.end()
    return QIcon(pixmap)


def display_state(cell) -> str:
    """The style of a cell: its state, or on a past day what the pointage says."""
    if cell.happened is None:
        return cell.state
    if cell.attendance is not None and cell.booking_state in (
        BookingState.ACCEPTED,
        BookingState.CANCEL_REQUESTED,
    ):
        return cell.attendance.value if cell.attendance.value in STYLES else "past"
    return "past"


def cell_text(cell) -> str:
    """What the cell shows in words (a past day: « Présent », « Non pointé »…)."""
    return cell.happened or short_text(cell.state)


def background(state: str) -> QColor:
    return QColor(STYLES[state][2])


def short_text(state: str) -> str:
    return STYLES[state][3]


class Legend(QWidget):
    """« Légende » : every state's badge and the portal's words."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        title = QLabel("<b>Légende :</b>")
        layout.addWidget(title)
        for state in ORDER:
            icon = QLabel()
            icon.setPixmap(state_icon(state).pixmap(SIZE, SIZE))
            icon.setToolTip(CELL_LABELS[state])
            text = QLabel(short_text(state))
            text.setToolTip(CELL_LABELS[state])
            pair = QHBoxLayout()
            pair.setSpacing(4)
            pair.addWidget(icon)
            pair.addWidget(text)
            layout.addLayout(pair)
        layout.addStretch(1)
