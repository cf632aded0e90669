"""The « Établissement » and « Activité » pickers of the occupancy and pointage views.

:class:`SiteActivityPicker` fills both combo boxes from the catalogue through the
runner — the sites once, the activities of the site chosen each time it changes —
and calls ``on_change`` when the choice is complete (then on each change of the
activity). ``preferred_site`` may name, at the first load, the site to open on
(e.g. where children are expected today).

:class:`SharedSite` carries the site chosen from one area to the other: the
occupancy (« Planning ») and the pointage open on the site the agent last chose in
either (:meth:`SiteActivityPicker.share`).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from backoffice.services.bookings import occupancy
from backoffice.services.bookings.occupancy import Choice
from backoffice.storage import Database
from backoffice.ui.qt import QComboBox, QObject, QWidget
from backoffice.ui.tasks import TaskRunner

ALL_ACTIVITIES = "Toutes les activités"


def fill(combo: QComboBox, choices: list[Choice], first: str | None = None) -> None:
    """Replace the items without emitting a change (``first``: an item « all »)."""
    combo.blockSignals(True)
    combo.clear()
    if first is not None:
        combo.addItem(first, None)
    for choice in choices:
        combo.addItem(choice.name, choice.id)
    combo.blockSignals(False)


class SharedSite(QObject):
    """The site last chosen in any picker sharing it (None: none chosen yet)."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.site_id: int | None = None


class SiteActivityPicker:
    def __init__(
        self,
        db: Database,
        runner: TaskRunner,
        owner: QWidget,
        on_change: Callable[[], None],
        preferred_site: Callable[[Session], int | None] | None = None,
    ):
        self.db, self.runner, self.owner = db, runner, owner
        self.on_change, self.preferred_site = on_change, preferred_site
        self.loaded = False
        self.shared: SharedSite | None = None
        self.site = QComboBox()
        self.activity = QComboBox()
        self.activity.addItem(ALL_ACTIVITIES, None)
        self.site.currentIndexChanged.connect(lambda _i: self._site_changed())
        self.activity.currentIndexChanged.connect(lambda _i: self.on_change())

    def site_id(self) -> int | None:
        return self.site.currentData()

    def activity_id(self) -> int | None:
        return self.activity.currentData()

    def share(self, shared: SharedSite) -> None:
        """Follow (and tell) the site chosen in the other pickers sharing ``shared``."""
        self.shared = shared

    def load(self) -> None:
        """The sites (first time only; afterwards ``on_change`` at once), on the shared
        site when another area chose one."""
        if self.loaded:
            wanted = self.shared.site_id if self.shared is not None else None
            index = self.site.findData(wanted) if wanted is not None else -1
            if index >= 0 and wanted != self.site_id():
                self.site.setCurrentIndex(index)  # activities, then on_change
            else:
                self.on_change()
            return
        prefer = self.preferred_site
        shared = self.shared.site_id if self.shared is not None else None

        def work() -> tuple[list[Choice], int | None]:
            with self.db.session() as s:
                if shared is not None:
                    return occupancy.sites(s), shared
                return occupancy.sites(s), prefer(s) if prefer else None

        self.runner.run(work, self._sites, label="Chargement…", parent=self.owner)

    def _sites(self, result: tuple[list[Choice], int | None]) -> None:
        sites, preferred = result
        self.loaded = True
        fill(self.site, sites)
        if preferred is not None:
            self.site.blockSignals(True)
            self.site.setCurrentIndex(max(self.site.findData(preferred), 0))
            self.site.blockSignals(False)
        self._site_changed()

    def _site_changed(self) -> None:
        site_id = self.site_id()
        if site_id is None:
            return
        if self.shared is not None:
            self.shared.site_id = site_id

        def work() -> list[Choice]:
            with self.db.session() as s:
                return occupancy.activities_of_site(s, site_id)

        self.runner.run(work, self._activities, label="Chargement…", parent=self.owner)

    def _activities(self, activities: list[Choice]) -> None:
        fill(self.activity, activities, ALL_ACTIVITIES)
        self.on_change()
