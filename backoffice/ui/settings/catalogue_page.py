"""« Paramètres › Catalogue (fichier TOML) »: import and export of the catalogue file,
off the GUI thread, the import's report (or every error found) shown in French."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from backoffice import paths
from backoffice.errors import UserError
from backoffice.services.catalogue.import_export import CatalogueReport
from backoffice.services.common.actors import Actor
from backoffice.services.common.files import ensure_folder
from backoffice.services.settings import catalogue_file
from backoffice.storage import Database
from backoffice.ui import files
from backoffice.ui.qt import QPlainTextEdit, QPushButton, QWidget
from backoffice.ui.settings.page_parts import SettingsPageFrame
from backoffice.ui.tasks import TaskRunner

TOML = "Catalogue TOML (*.toml)"


class CataloguePage(SettingsPageFrame):
    def __init__(
        self, db: Database, actor: Actor, runner: TaskRunner, parent: QWidget | None = None
    ):
        super().__init__(
            "Catalogue (fichier TOML)",
            "Le catalogue entier (régies, sites, activités, périodes, règles, tarifs, "
            "fermetures, autorisations) dans un seul fichier texte : exportez-le pour le "
            "relire ou le garder, importez-le pour préparer une année. L'import vérifie tout "
            "le fichier d'abord : à la moindre erreur, rien n'est changé. Le format est décrit "
            "dans l'aide (F1).",
            parent,
        )
        self.db, self.actor, self.runner = db, actor, runner
        self.import_button = QPushButton("Importer un fichier…")
        self.import_button.clicked.connect(self.import_file)
        self.export_button = QPushButton("Exporter vers un fichier…")
        self.export_button.clicked.connect(self.export_file)
        self.report = QPlainTextEdit()
        self.report.setReadOnly(True)
        self.report.setAccessibleName("Compte rendu de l'import")
        self.report.setPlaceholderText("Le compte rendu du dernier import s'affichera ici.")
        self.end_form(self.import_button, self.export_button, stretch=False)
        self.body.addWidget(self.report, 1)

    def _busy(self, busy: bool) -> None:
        self.import_button.setEnabled(not busy)
        self.export_button.setEnabled(not busy)

    def import_file(self) -> bool:
        path = files.choose_file(self, "Importer le catalogue", paths.exports_dir(), TOML)
        if path is None:
            return False
        db, actor = self.db, self.actor

        def work() -> CatalogueReport:
            with db.session() as session:
                return catalogue_file.import_file(session, actor, path)

        self._busy(True)
        self.say(f"Import de {path.name}…")
        self.runner.run(
            work, self._imported, self._failed, label="Import du catalogue", parent=self
        )
        return True

    def _imported(self, report: CatalogueReport) -> None:
        self._busy(False)
        self.report.setPlainText(report.summary())
        self.say(
            "Catalogue importé." if report.changed else "Catalogue importé : aucun changement."
        )

    def export_file(self) -> bool:
        default = paths.exports_dir() / f"catalogue-{date.today().isoformat()}.toml"
        path = files.choose_save_file(self, "Exporter le catalogue", default, TOML)
        if path is None:
            return False
        db, actor = self.db, self.actor

        def work() -> Path:
            ensure_folder(path.parent)
            with db.session() as session:
                return catalogue_file.export_file(session, actor, path)

        self._busy(True)
        self.runner.run(
            work, self._exported, self._failed, label="Export du catalogue", parent=self
        )
        return True

    def _exported(self, path: Path) -> None:
        self._busy(False)
        self.say(f"Catalogue exporté dans {path}.")

    def _failed(self, exc: BaseException) -> None:
        self._busy(False)
        text = str(exc) if isinstance(exc, UserError) else f"Échec ({exc.__class__.__name__})."
        self.report.setPlainText(text)
        self.say(text.splitlines()[0], error=True)
