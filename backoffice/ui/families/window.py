"""A family's card in a window of its own, beside the area the agent works in.

Opened from an area whose work should stay on screen (e.g. the billing preview):
the same :class:`~backoffice.ui.families.family_view.FamilyView` as the
« Familles » tab, without leaving the area.
"""

from __future__ import annotations

from datetime import date

from backoffice.services.common.actors import Actor
from backoffice.storage import Database
from backoffice.ui.families.family_view import FamilyView
from backoffice.ui.qt import QDialog, Qt, QVBoxLayout, QWidget
from backoffice.ui.tasks import TaskRunner


class FamilyWindow(QDialog):
    def __init__(
        self,
        db: Database,
        runner: TaskRunner,
        actor: Actor,
        family_id: int,
        parent: QWidget | None = None,
        today: date | None = None,
    ):
        super().__init__(parent)
        self.family_id = family_id
        self.setModal(False)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle("Famille")
        self.view = FamilyView(db, runner, family_id, actor, today=today)
        self.view.loaded.connect(lambda: self.setWindowTitle(f"Famille — {self.view.title}"))
        self.view.closeRequested.connect(self.close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.view)
        self.resize(1000, 720)

    def load(self) -> None:
        self.view.load()
