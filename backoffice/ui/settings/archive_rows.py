"""Archived rows in the catalogue's lists: greyed and italic, with a state column,
and the one button that archives or brings back the row chosen (« Désarchiver »)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from backoffice.ui.qt import QColor, QPushButton, QTableWidget
from backoffice.ui.settings.catalogue_form import selected_key

GREY = QColor("#8a8f98")


def state_text(archived_on: date | None, feminine: bool = True) -> str:
    if archived_on is None:
        return "En service"
    word = "Archivée" if feminine else "Archivé"
    return f"{word} le {archived_on:%d/%m/%Y}"


def grey_archived(table: QTableWidget, archived: list[bool]) -> None:
    """After ``fill_table``: the archived rows drawn grey and italic."""
    for row, is_archived in enumerate(archived):
        if not is_archived:
            continue
        for column in range(table.columnCount()):
            item = table.item(row, column)
            if item is None:
                continue
            item.setForeground(GREY)
            font = item.font()
            font.setItalic(True)
            item.setFont(font)


class ArchiveButton(QPushButton):
    """« Archiver » or « Désarchiver », whichever fits the row chosen in ``table``."""

    def __init__(
        self,
        table: QTableWidget,
        is_archived: Callable[[Any], bool],
        archive_text: str = "Archiver",
    ):
        super().__init__(archive_text)
        self.table, self.is_archived, self.archive_text = table, is_archived, archive_text
        self.setToolTip(
            "Une ligne archivée n'est plus proposée (listes de choix, portail) ; "
            "ses réservations et ses factures restent."
        )
        table.itemSelectionChanged.connect(self.follow)

    def follow(self) -> None:
        key = selected_key(self.table)
        self.setEnabled(key is not None)
        archived = key is not None and self.is_archived(key)
        self.setText("Désarchiver" if archived else self.archive_text)
