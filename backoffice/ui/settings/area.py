"""« Paramètres »: a list of pages on the left, the chosen page on the right."""

from __future__ import annotations

import importlib

from backoffice.services.common.actors import Actor
from backoffice.storage import Database
from backoffice.ui.qt import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStackedWidget,
    Qt,
    QVBoxLayout,
    QWidget,
)
from backoffice.ui.settings.pages import PAGES, SettingsPage
from backoffice.ui.tasks import TaskRunner
from backoffice.ui.widgets.area_toolbar import AreaToolbar

LIST_WIDTH = 230


class SettingsArea(QWidget):
    def __init__(
        self, db: Database, actor: Actor, runner: TaskRunner, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.db, self.actor, self.runner = db, actor, runner
        self.pages: list[SettingsPage] = [
            page for page in PAGES if not page.roles or actor.role.value in page.roles
        ]
        self.built: dict[str, QWidget] = {}

        self.toolbar = AreaToolbar("Paramètres")
        self.toolbar.add_stretch()
        self.list = QListWidget()
        self.list.setFixedWidth(LIST_WIDTH)
        self.list.setAccessibleName("Rubriques des paramètres")
        self.stack = QStackedWidget()
        for page in self.pages:
            self.list.addItem(QListWidgetItem(page.title))
            self.stack.addWidget(QWidget())  # placeholder until first shown
        if not self.pages:
            empty = QLabel("Aucune rubrique des paramètres n'est ouverte à votre rôle.")
            empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.stack.addWidget(empty)
        self.list.currentRowChanged.connect(self._show_row)

        body = QHBoxLayout()
        body.addWidget(self.list)
        body.addWidget(self.stack, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toolbar)
        layout.addLayout(body, 1)
        if self.pages:
            self.list.setCurrentRow(0)

    def page(self, key: str) -> QWidget:
        """The page ``key``, built if needed (tests and other areas open pages by key)."""
        row = next(i for i, page in enumerate(self.pages) if page.key == key)
        return self._build(row)

    def show_page(self, key: str) -> QWidget:
        row = next(i for i, page in enumerate(self.pages) if page.key == key)
        self.list.setCurrentRow(row)
        return self._build(row)

    def _build(self, row: int) -> QWidget:
        page = self.pages[row]
        widget = self.built.get(page.key)
        if widget is None:
            cls = getattr(importlib.import_module(page.module), page.attr)
            widget = cls(self.db, self.actor, self.runner)
            self.built[page.key] = widget
            placeholder = self.stack.widget(row)
            current = self.stack.currentIndex()
            self.stack.insertWidget(row, widget)
            self.stack.removeWidget(placeholder)
            placeholder.deleteLater()
            self.stack.setCurrentIndex(current)
        return widget

    def reload(self) -> None:
        """The main window shows the area: the current page reads its data again."""
        row = self.list.currentRow()
        if row >= 0:
            self._show_row(row)

    def _show_row(self, row: int) -> None:
        if row < 0:
            return
        widget = self._build(row)
        self.stack.setCurrentIndex(row)
        refresh = getattr(widget, "refresh", None)
        if callable(refresh):
            refresh()
