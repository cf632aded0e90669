"""The two lists an agent works through after a sync: conflicts and quarantine.

Both are short (a handful of rows), loaded whole from the services on each
refresh; each action is one service call (STYLE §12).
"""

from __future__ import annotations

import json

from backoffice.errors import UserError
from backoffice.models import QuarantinedChange
from backoffice.services.common.actors import Actor
from backoffice.services.families.history import ENTITY_LABELS, FIELD_LABELS
from backoffice.storage import Database
from backoffice.sync import dismiss_quarantined, open_conflicts, quarantined, resolve_conflict
from backoffice.sync.conflicts import ConflictRow
from backoffice.ui import dialogs
from backoffice.ui.qt import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from backoffice.ui.sync.status import day_text, now_utc

EMPTY = "—"
CELL_MAX = 80  # longer values are cut in the cell, whole in the tooltip


def _cell(text: str | None) -> QTableWidgetItem:
    full = EMPTY if text in (None, "") else str(text)
    shown = full if len(full) <= CELL_MAX else full[: CELL_MAX - 1] + "…"
    item = QTableWidgetItem(shown)
    item.setToolTip(full)
    item.setFlags(Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled)
    return item


def _empty(text: str) -> QLabel:
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    return label


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.setWordWrap(False)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setHighlightSections(False)
    return table


# Conflicts that are not about a field of the family's file.
OTHER_FIELDS = {("portal_request", "decision"): "Demande — décision de l'agent (sans objet)"}


def field_text(row: ConflictRow) -> str:
    """« Famille F00012 — Téléphone du foyer »."""
    if (row.entity, row.field) in OTHER_FIELDS:
        return OTHER_FIELDS[(row.entity, row.field)]
    entity = ENTITY_LABELS.get(row.entity, row.entity)
    field = FIELD_LABELS.get(row.entity, {}).get(row.field, row.field)
    return f"{entity} — {field}"


class ConflictsList(QWidget):
    """Each row: the field, the agent's value, the portal's; the agent keeps one."""

    changed = Signal()  # a conflict was resolved

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.rows: list[ConflictRow] = []
        self.empty = _empty("Aucun conflit à trancher.")
        self.table = _table(
            ["Famille", "Champ", "Valeur de l'agent", "Valeur du portail", "Détecté"]
        )
        self.table.setAccessibleName("Conflits")
        self.keep_agent = QPushButton("Garder la valeur de l'agent")
        self.keep_portal = QPushButton("Garder la valeur du portail")
        self.keep_agent.clicked.connect(lambda: self.resolve("agent"))
        self.keep_portal.clicked.connect(lambda: self.resolve("portal"))
        self.table.itemSelectionChanged.connect(self._selection_changed)
        buttons = QHBoxLayout()
        buttons.addWidget(self.keep_agent)
        buttons.addWidget(self.keep_portal)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    def reload(self) -> None:
        with self.db.session() as session:
            self.rows = open_conflicts(session)
        now = now_utc()
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            for c, text in enumerate(
                (
                    row.family_code,
                    field_text(row),
                    row.agent_value,
                    row.portal_value,
                    day_text(row.detected_at, now),
                )
            ):
                self.table.setItem(r, c, _cell(text))
        self.table.resizeColumnsToContents()
        self.empty.setVisible(not self.rows)
        self.table.setVisible(bool(self.rows))
        if self.rows:
            self.table.selectRow(0)
        self._selection_changed()

    def selected(self) -> ConflictRow | None:
        r = self.table.currentRow()
        return self.rows[r] if 0 <= r < len(self.rows) and self.table.selectedItems() else None

    def _selection_changed(self) -> None:
        enabled = self.selected() is not None
        self.keep_agent.setEnabled(enabled)
        self.keep_portal.setEnabled(enabled)

    def resolve(self, keep: str) -> None:
        row = self.selected()
        if row is None:
            return
        try:
            with self.db.session() as session:
                resolve_conflict(session, self.actor, row.id, keep)
        except UserError as exc:
            dialogs.warning(self, str(exc))
        self.reload()
        self.changed.emit()


class QuarantineList(QWidget):
    """Changes the back-office could not apply: reason, when, content on demand."""

    changed = Signal()  # a change was dismissed

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.rows: list[QuarantinedChange] = []
        self.empty = _empty("Aucun changement en quarantaine.")
        self.table = _table(["N°", "Reçu", "Sorte", "Raison"])
        self.table.setAccessibleName("Quarantaine")
        self.show_payload = QPushButton("Voir le contenu")
        self.show_payload.setCheckable(True)
        self.dismiss = QPushButton("Écarter")
        self.dismiss.setToolTip(
            "Retirer ce changement de la liste une fois traité à la main (rien n'est appliqué)."
        )
        self.payload = QPlainTextEdit()
        self.payload.setReadOnly(True)
        self.payload.setAccessibleName("Contenu du changement")
        self.payload.setVisible(False)
        self.show_payload.toggled.connect(self._show_payload)
        self.dismiss.clicked.connect(self.dismiss_selected)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        buttons = QHBoxLayout()
        buttons.addWidget(self.show_payload)
        buttons.addWidget(self.dismiss)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.table, 2)
        layout.addLayout(buttons)
        layout.addWidget(self.payload, 1)

    def reload(self) -> None:
        with self.db.session() as session:
            self.rows = quarantined(session)
            session.expunge_all()
        now = now_utc()
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            kind = row.payload.get("kind", "") if isinstance(row.payload, dict) else ""
            for c, text in enumerate(
                (str(row.feed_position), day_text(row.received_at, now), kind, row.reason)
            ):
                self.table.setItem(r, c, _cell(text))
        self.table.resizeColumnsToContents()
        self.empty.setVisible(not self.rows)
        self.table.setVisible(bool(self.rows))
        if self.rows:
            self.table.selectRow(0)
        self._selection_changed()

    def selected(self) -> QuarantinedChange | None:
        r = self.table.currentRow()
        return self.rows[r] if 0 <= r < len(self.rows) and self.table.selectedItems() else None

    def _selection_changed(self) -> None:
        row = self.selected()
        self.dismiss.setEnabled(row is not None)
        self.show_payload.setEnabled(row is not None)
        if row is None:
            self.show_payload.setChecked(False)
        self._show_payload(self.show_payload.isChecked())

    def _show_payload(self, shown: bool) -> None:
        row = self.selected()
        self.payload.setVisible(shown and row is not None)
        self.show_payload.setText("Masquer le contenu" if shown else "Voir le contenu")
        if shown and row is not None:
            self.payload.setPlainText(
                json.dumps(row.payload, ensure_ascii=False, indent=2, sort_keys=True)
            )

    def dismiss_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        try:
            with self.db.session() as session:
                dismiss_quarantined(session, self.actor, row.id)
        except UserError as exc:
            dialogs.warning(self, str(exc))
        self.reload()
        self.changed.emit()
