"""The base of the catalogue pages: loads through the runner, says what waits for the portal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from backoffice.errors import UserError
from backoffice.services.catalogue_edit.common import CatalogueRefused, pending_for_portal
from backoffice.services.common.actors import Actor
from backoffice.storage import Database
from backoffice.ui import crash, dialogs
from backoffice.ui.qt import QLabel, QVBoxLayout, QWidget
from backoffice.ui.settings.catalogue_form import SAVED_NOTE, CatalogueDialog, page_header
from backoffice.ui.tasks import TaskRunner


class CataloguePage(QWidget):
    title = ""
    intro = ""

    def __init__(self, db: Database, actor: Actor, runner: TaskRunner, parent=None):
        super().__init__(parent)
        self.db, self.actor, self.runner = db, actor, runner
        self.dialog: CatalogueDialog | None = None
        self.note = ""  # what the last action did, shown above the portal's state
        self.status = QLabel()
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        self.layout_ = QVBoxLayout(self)
        self.layout_.addWidget(page_header(self.title, self.intro))

    def finish_layout(self) -> None:
        self.layout_.addWidget(self.status)

    # -- loading -------------------------------------------------------------------

    def read(self, session: Session) -> Any:
        raise NotImplementedError

    def show_data(self, data: Any) -> None:
        raise NotImplementedError

    def refresh(self) -> None:
        db = self.db

        def load():
            with db.session() as s:
                return self.read(s), pending_for_portal(s)

        self.runner.run(load, self._loaded, label="Chargement…", parent=self)

    def _loaded(self, result: tuple[Any, int]) -> None:
        data, pending = result
        self.show_data(data)
        portal = (
            f"{pending} envoi(s) du catalogue en attente pour le portail (voir Synchronisation)."
            if pending
            else "Le portail a reçu toutes les modifications du catalogue."
        )
        self.status.setText(f"{self.note}\n{portal}" if self.note else portal)

    # -- dialogs and actions -------------------------------------------------------

    def open_dialog(self, dialog: CatalogueDialog) -> CatalogueDialog:
        self.dialog = dialog
        dialog.accepted.connect(self._dialog_saved)
        dialog.open()
        return dialog

    def _dialog_saved(self) -> None:
        self.note = SAVED_NOTE
        self.refresh()

    def act(self, work: Callable[[Session], Any], done: str) -> None:
        """A one-click action (archive, delete): refused reasons shown in a warning."""
        db = self.db

        def run():
            with db.session() as s:
                return work(s)

        def ok(_value) -> None:
            self.note = done
            self.refresh()

        def refused(exc: BaseException) -> None:
            if isinstance(exc, CatalogueRefused):
                dialogs.warning(self, "\n".join(exc.reasons))
            elif isinstance(exc, UserError):
                dialogs.warning(self, str(exc))
            else:
                crash.report(exc)

        self.runner.run(run, ok, refused, label="Enregistrement…", parent=self)
