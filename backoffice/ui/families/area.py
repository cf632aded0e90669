"""The families area: the list in the first tab, one closable tab per opened family."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from backoffice.services.common.actors import Actor
from backoffice.storage import Database
from backoffice.ui.families.list_page import FamiliesListPage
from backoffice.ui.qt import QKeySequence, QShortcut, Qt, QTabWidget, QWidget, Signal
from backoffice.ui.tasks import TaskRunner

if TYPE_CHECKING:  # imported when the first family is opened (start-up, issue #21)
    from backoffice.ui.families.family_view import FamilyView


class FamiliesArea(QTabWidget):
    familyOpened = Signal(object)  # the FamilyView, once created
    planningRequested = Signal(int)  # a child's id, from a family view
    # From a family's card: a child's week, a request, an invoice, a payment.
    planningWeekRequested = Signal(int, object)
    requestRequested = Signal(int)
    invoiceRequested = Signal(int, int)
    paymentRequested = Signal(int, int)

    def __init__(
        self,
        db: Database,
        runner: TaskRunner,
        actor: Actor,
        parent: QWidget | None = None,
        today: date | None = None,
    ):
        super().__init__(parent)
        self.db = db
        self.runner = runner
        self.actor = actor
        self.today = today
        self.setDocumentMode(True)
        self.setTabsClosable(True)
        self.setMovable(False)
        self.list_page = FamiliesListPage(db)
        self.addTab(self.list_page, "Liste des familles")
        # The list tab cannot be closed.
        self.tabBar().setTabButton(0, self.tabBar().ButtonPosition.RightSide, None)
        self.tabCloseRequested.connect(self.close_tab)
        self.list_page.familyActivated.connect(self.open_family)
        close = QShortcut(QKeySequence(QKeySequence.StandardKey.Close), self)
        close.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        close.activated.connect(lambda: self.close_tab(self.currentIndex()))

    def family_views(self) -> list[FamilyView]:
        return [self.widget(i) for i in range(1, self.count())]

    def open_family(self, family_id: int) -> FamilyView:
        """Show the family's tab, creating and loading it if needed."""
        for view in self.family_views():
            if view.family_id == family_id:
                self.setCurrentWidget(view)
                return view
        from backoffice.ui.families.family_view import FamilyView

        view = FamilyView(self.db, self.runner, family_id, self.actor, today=self.today)
        view.loaded.connect(lambda: self._retitle(view))
        view.closeRequested.connect(lambda: self.close_tab(self.indexOf(view)))
        view.planningRequested.connect(self.planningRequested)
        view.planningWeekRequested.connect(self.planningWeekRequested)
        view.requestRequested.connect(self.requestRequested)
        view.invoiceRequested.connect(self.invoiceRequested)
        view.paymentRequested.connect(self.paymentRequested)
        index = self.addTab(view, view.title)
        self.setCurrentIndex(index)
        view.setFocus()
        self.familyOpened.emit(view)
        view.load()
        return view

    def _retitle(self, view: FamilyView) -> None:
        index = self.indexOf(view)
        if index > 0:
            self.setTabText(index, view.title)

    def close_tab(self, index: int) -> None:
        if index <= 0:
            return
        view = self.widget(index)
        self.removeTab(index)
        view.deleteLater()
        self.setCurrentIndex(0)
        self.list_page.view.setFocus()

    def show_list(self) -> None:
        self.setCurrentIndex(0)

    def focus_search(self) -> None:
        self.setCurrentIndex(0)
        self.list_page.focus_search()
