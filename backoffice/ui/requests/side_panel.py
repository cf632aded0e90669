"""Beside the selection: places per unit and day (with « si accepté »), the child's
alerts, the family's unpaid balance.

The panel is narrow (about 290 px of a 1280 px window): the places table gives each
unit its own full-width row (« Journée (repas compris) · 3–5 ans », wrapped if
need be, never cut to « J… »), its four figures on the row below. Filled from a
:class:`~backoffice.services.requests.side_panel.SideData` computed off the GUI thread
by the area (:func:`backoffice.services.requests.side_panel.side_data`)."""

from __future__ import annotations

import html

from backoffice.documents.formatting import format_euros
from backoffice.models import WhenFull
from backoffice.services.requests.decisions import day_label
from backoffice.services.requests.side_panel import ALL_AGES, CapacityLine, ChildAlerts, SideData
from backoffice.ui.qt import (
    QAbstractItemView,
    QBrush,
    QColor,
    QGroupBox,
    QHeaderView,
    QLabel,
    QSizePolicy,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

MAX_LINES = 40
CAPACITY_COLUMNS = ("Places", "Prises", "Attente", "Si accepté")
# Row kinds of the places table (UserRole of its first cell).
DAY_ROW, UNIT_ROW, FIGURES_ROW = "day", "unit", "figures"
ROW_KIND = Qt.ItemDataRole.UserRole + 1
OVERFULL = QColor(178, 34, 34)
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def overflow_text(line: CapacityLine) -> str:
    if line.when_full is WhenFull.WAITING_LIST:
        return "les demandes en trop iront en liste d'attente, dans l'ordre d'arrivée."
    return "les demandes en trop seront refusées (règle de l'activité : pas de liste d'attente)."


def unit_text(line: CapacityLine) -> str:
    """« Journée (repas compris) · 3–5 ans » (the age group only when capacity has one)."""
    if line.group_name == ALL_AGES:
        return line.unit_name
    return f"{line.unit_name} · {line.group_name}"


def _number(value: int | None) -> QTableWidgetItem:
    item = QTableWidgetItem("—" if value is None else str(value))
    item.setTextAlignment(RIGHT)
    return item


class SidePanel(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.data = SideData()
        self.places_box = QGroupBox("Places")
        self.places_hint = QLabel("Sélectionnez des demandes pour voir les places.")
        self.places_hint.setWordWrap(True)
        self.table = QTableWidget(0, len(CAPACITY_COLUMNS))
        self.table.setHorizontalHeaderLabels(CAPACITY_COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.verticalHeader().hide()
        self.table.setAccessibleName("Places par unité et par jour")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setDefaultAlignment(RIGHT)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setWordWrap(True)  # a unit row wider than the panel wraps, never « … »
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.table.setMinimumHeight(90)
        self.places_hint.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        # Room for the longest hint (4 lines): a crowded panel must not clip it.
        self.places_hint.setMinimumHeight(self.places_hint.fontMetrics().lineSpacing() * 4 + 4)
        self.places_hint.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        places = QVBoxLayout(self.places_box)
        places.addWidget(self.places_hint)
        places.addWidget(self.table, 1)

        self.child_box = QGroupBox("Enfant")
        self.child_label = QLabel()
        self.child_label.setWordWrap(True)
        self.child_label.setTextFormat(Qt.TextFormat.RichText)
        self.child_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        QVBoxLayout(self.child_box).addWidget(self.child_label)

        self.family_box = QGroupBox("Famille")
        self.family_label = QLabel()
        self.family_label.setWordWrap(True)
        self.family_label.setTextFormat(Qt.TextFormat.RichText)
        QVBoxLayout(self.family_box).addWidget(self.family_label)

        # Never narrower than the four figures' headers: the splitter cannot squeeze
        # the panel back to « Si ac… » (the list gives way instead).
        metrics = self.table.horizontalHeader().fontMetrics()
        headers = sum(metrics.horizontalAdvance(title) + 16 for title in CAPACITY_COLUMNS)
        self.setMinimumWidth(headers + 30)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.places_box, 1)
        layout.addWidget(self.child_box)
        layout.addWidget(self.family_box)
        self.show_data(SideData())

    def show_data(self, data: SideData) -> None:
        self.data = data
        self._show_capacity(data)
        self._show_child(data.alerts)
        self._show_family(data)

    def _show_capacity(self, data: SideData) -> None:
        lines = data.capacity[:MAX_LINES]
        self.table.clearSpans()
        rows: list[tuple[str, CapacityLine | str]] = []
        for line in lines:
            label = day_label(line.day)
            if (DAY_ROW, label) not in rows:
                rows.append((DAY_ROW, label))
            rows.append((UNIT_ROW, line))
            rows.append((FIGURES_ROW, line))
        self.table.setRowCount(len(rows))
        for row, (kind, entry) in enumerate(rows):
            if isinstance(entry, str):
                self._spanning(row, kind, entry, bold=True)
                continue
            line = entry
            if kind == UNIT_ROW:
                name = unit_text(line)
                self._spanning(row, kind, name).setToolTip(f"{line.activity_name} — {name}")
                continue
            cells = [
                _number(line.places),
                _number(line.taken),
                _number(line.waiting),
                _number(line.projected),
            ]
            cells[0].setData(ROW_KIND, FIGURES_ROW)
            if line.overfull:
                projected = cells[-1]
                projected.setForeground(QBrush(OVERFULL))
                font = projected.font()
                font.setBold(True)
                projected.setFont(font)
                projected.setToolTip("Dépasse la capacité : " + overflow_text(line))
            for column, item in enumerate(cells):
                self.table.setItem(row, column, item)
        self.table.resizeRowsToContents()
        more = data.more_days + max(len(data.capacity) - MAX_LINES, 0)
        if not data.capacity:
            self.places_hint.setText(
                "Aucun jour réservé dans la sélection."
                if data.selected
                else "Sélectionnez des demandes pour voir les places."
            )
        else:
            if data.selected == 1:
                text = "« Si accepté » : places prises si la demande sélectionnée était acceptée."
            else:
                text = (
                    f"« Si accepté » : places prises si les {data.selected} demandes "
                    "sélectionnées étaient acceptées."
                )
            overfull = [line for line in data.capacity if line.overfull]
            if overfull:
                text += " En rouge : complet — " + overflow_text(overfull[0])
            if more:
                text += f" ({more} autres lignes non affichées.)"
            self.places_hint.setText(text)

    def _spanning(self, row: int, kind: str, text: str, bold: bool = False) -> QTableWidgetItem:
        """A row of one cell across the table (a day, or a unit's name)."""
        item = QTableWidgetItem(text)
        item.setData(ROW_KIND, kind)
        if bold:
            font = item.font()
            font.setBold(True)
            item.setFont(font)
        self.table.setItem(row, 0, item)
        self.table.setSpan(row, 0, 1, len(CAPACITY_COLUMNS))
        return item

    def _show_child(self, alerts: ChildAlerts | None) -> None:
        if alerts is None:
            self.child_label.setText("<i>Aucun enfant pour la demande courante.</i>")
            return
        parts = [f"<b>{html.escape(alerts.child_name)}</b>"]
        if alerts.flags:
            flags = " · ".join(html.escape(f) for f in alerts.flags)
            parts.append(f"<span style='color:#b22222'><b>⚠ {flags}</b></span>")
            if alerts.medical_details is None:
                parts.append(
                    "<i>Détails dans la fiche sanitaire (réservée aux rôles autorisés).</i>"
                )
            else:
                parts += [html.escape(d) for d in alerts.medical_details]
        else:
            parts.append("Aucune allergie ni PAI signalés.")
        if alerts.missing:
            missing = " · ".join(html.escape(m) for m in alerts.missing)
            parts.append(f"<span style='color:#a05200'><b>Dossier incomplet :</b> {missing}</span>")
        else:
            parts.append("Dossier complet.")
        pickups = ", ".join(html.escape(p) for p in alerts.pickups) or "aucune"
        parts.append(f"<b>Autorisés à venir chercher :</b> {pickups}")
        self.child_label.setText("<br>".join(parts))

    def _show_family(self, data: SideData) -> None:
        if not data.family_label:
            self.family_label.setText("<i>Aucune demande courante.</i>")
            return
        text = f"<b>{html.escape(data.family_label)}</b><br>"
        if data.balance is None:
            text += "Solde indisponible."
        elif data.balance > 0:
            text += (
                "<span style='color:#b22222'>Solde impayé : "
                f"<b>{format_euros(data.balance)}</b></span>"
            )
        elif data.balance < 0:
            text += f"Aucun impayé (avoir de {format_euros(-data.balance)})"
        else:
            text += "Aucun impayé."
        for note in data.notes:
            text += f"<br><i>{html.escape(note)}</i>"
        self.family_label.setText(text)
