"""The requests list's columns sized to what they show, so nothing is cut to « … ».

At 1280 px the list gets about 800 px beside the places panel. Fixed widths gave each
of family, child and activity about 110 px, so « Accueil de loisirs Pontvallain » became
« Accueil de lois… » while the family column, with names of 60 px, was half empty.

Each time the rows or the view's width change, every column is given the width of its
longest text (distinct texts only: a few hundred at most for a real queue), and what
is left goes to the family, child and activity columns. Only when even that does not
fit (a screen narrower than 1280 px, the panel widened by hand) are the family, then
the child column narrowed — their full text stays in the tooltip and the side panel.

Group headers (« Lambert (F00012) — Tiago Lambert · 3 demandes ») span the whole row.
"""

from __future__ import annotations

from backoffice.services.requests.queue import Group
from backoffice.ui.qt import QEvent, QHeaderView, QObject, QTableView, isValid
from backoffice.ui.requests.model import COLUMNS, RequestsModel

# Extra width a cell needs beyond its text: the item's margins (the focus frame's
# margin + 1 on each side) and a little air.
PADDING = 8
# Columns that take what is left, in the order they give it back when space is short.
SHARING = (3, 1, 0)  # activity, child, family
SHRINK_ORDER = (0, 1)  # family first (also in the group header), then the child
MIN_WIDTH = 60
SLACK = 2  # the grid's last line: without it a 1-pixel sideways scroll bar appears
INDENT = 16  # a column the group headers say: an indent under the header line


class ColumnFitter(QObject):
    """Keeps the view's columns fitted to its model (see the module's docstring)."""

    def __init__(self, view: QTableView, model: RequestsModel) -> None:
        super().__init__(view)
        self.view = view
        self.model = model
        self._needs: list[int] = [MIN_WIDTH] * len(COLUMNS)
        header = view.horizontalHeader()
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(INDENT)  # the floor is MIN_WIDTH, but for indents
        for column in range(len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
        view.viewport().installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Resize and isValid(self.view):
            self.apply()  # the only watched object is the view's viewport
        return super().eventFilter(watched, event)

    def rows_changed(self) -> None:
        """After the model got new rows: measure them, span the group headers, fit."""
        metrics = self.view.fontMetrics()
        header_metrics = self.view.horizontalHeader().fontMetrics()
        needs = []
        for column, title in enumerate(COLUMNS):
            if not self.model.column_shown(column):
                needs.append(INDENT)
                continue
            texts = self.model.column_texts(column)
            widest = max((metrics.horizontalAdvance(t) for t in texts), default=0)
            title_width = header_metrics.horizontalAdvance(title) + PADDING
            needs.append(max(widest + PADDING, title_width, MIN_WIDTH))
        self._needs = needs
        self._span_groups()
        self.apply()

    def _span_groups(self) -> None:
        self.view.clearSpans()
        for row, entry in enumerate(self.model.entries):
            if isinstance(entry, Group):
                self.view.setSpan(row, 0, 1, len(COLUMNS))

    def widths(self, available: int) -> list[int]:
        """The columns' widths for ``available`` pixels (pure: tested directly)."""
        widths = list(self._needs)
        spare = available - sum(widths)
        if spare >= 0:
            sharing = [c for c in SHARING if self.model.column_shown(c)]
            shared = sum(widths[c] for c in sharing)
            for column in sharing:
                widths[column] += spare * widths[column] // shared
            widths[sharing[0]] += available - sum(widths)  # rounding goes to the activity
            return widths
        for column in SHRINK_ORDER:
            give = min(-spare, max(widths[column] - MIN_WIDTH, 0))
            widths[column] -= give
            spare += give
            if spare >= 0:
                break
        return widths

    def apply(self) -> None:
        available = self.view.viewport().width() - SLACK
        if available <= 0:
            return
        header = self.view.horizontalHeader()
        for column, width in enumerate(self.widths(available)):
            if header.sectionSize(column) != width:
                header.resizeSection(column, width)
