"""Familles ▸ « Formulaire d'ouverture de compte (PDF)… »: the blank fillable form,
written where the agent chooses (to print or e-mail) and published on the portal's
home page at the next synchronisation. Rendered off the GUI thread."""

from __future__ import annotations

from pathlib import Path

from backoffice import paths
from backoffice.errors import UserError
from backoffice.services.common.actors import Actor
from backoffice.services.common.files import write_atomically
from backoffice.services.families.form_pdf import FILE_NAME, blank_form, publish_form
from backoffice.storage import Database
from backoffice.ui import dialogs, files
from backoffice.ui.qt import QWidget
from backoffice.ui.tasks import TaskRunner

ACTION_TEXT = "Formulaire d'ouverture de compte (&PDF)…"
TITLE = "Formulaire d'ouverture de compte"


def export_form(parent: QWidget | None, db: Database, actor: Actor, runner: TaskRunner) -> None:
    folder = files.choose_folder(parent, TITLE, paths.pdf_root() / "Formulaires")
    if folder is None:
        return

    def work() -> Path:
        with db.session() as session:
            path = write_atomically(folder / FILE_NAME, blank_form(session, actor))
            publish_form(session, actor)
        return path

    def done(path: Path) -> None:
        files.open_file(path)
        dialogs.information(
            parent,
            f"Formulaire écrit dans {path}.\nIl sera publié sur la page d'accueil du portail"
            " à la prochaine synchronisation.",
            title=TITLE,
        )

    def failed(exc: BaseException) -> None:
        dialogs.warning(parent, str(exc) if isinstance(exc, UserError) else repr(exc), title=TITLE)

    runner.run(work, done, failed, label="Formulaire PDF…", parent=parent)
