"""The « Planning » area: a child's week (book / cancel on the family's behalf) and the
occupancy of a site on a day with the children expected."""

from __future__ import annotations

from datetime import date

from backoffice.dates import paris_today
from backoffice.services.common.actors import Actor
from backoffice.storage import Database
from backoffice.ui.planning.child_page import ChildPlanningPage
from backoffice.ui.planning.occupancy_page import OccupancyPage
from backoffice.ui.qt import QTabWidget, QVBoxLayout, QWidget, Signal
from backoffice.ui.tasks import TaskRunner


class PlanningArea(QWidget):
    open_family = Signal(int)
    open_child = Signal(int)

    def __init__(
        self,
        db: Database,
        actor: Actor,
        runner: TaskRunner,
        today: date | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.today = today or paris_today()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.child_page = ChildPlanningPage(db, actor, runner, self.today)
        self.occupancy_page = OccupancyPage(db, actor, runner, self.today)
        self.tabs.addTab(self.child_page, "Planning d'un enfant")
        self.tabs.addTab(self.occupancy_page, "Occupation")
        for page in (self.child_page, self.occupancy_page):
            page.open_family.connect(self.open_family)
            page.open_child.connect(self.open_child)
        self.child_page.changed.connect(self._bookings_changed)
        self.tabs.currentChanged.connect(lambda _i: self.reload())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

    def reload(self) -> None:
        """Called by the main window when the area becomes current."""
        self.tabs.currentWidget().reload()

    def show_child(self, child_id: int, day: date | None = None) -> None:
        """Open a child's week (from a family or a request)."""
        self.tabs.setCurrentWidget(self.child_page)
        self.child_page.show_child(child_id, day)

    def _bookings_changed(self) -> None:
        self.occupancy_page.snapshot = None  # reloaded when shown
