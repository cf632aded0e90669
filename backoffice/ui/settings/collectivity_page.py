"""« Paramètres › Collectivité »: the documents' header and the default folders."""

from __future__ import annotations

from backoffice import paths
from backoffice.errors import UserError
from backoffice.services.common.actors import Actor
from backoffice.services.common.validation import FieldErrors
from backoffice.services.settings import collectivity
from backoffice.services.settings.collectivity import Collectivity
from backoffice.storage import Database
from backoffice.ui import files
from backoffice.ui.qt import (
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)
from backoffice.ui.settings.page_parts import PathField, SettingsPageFrame, mark
from backoffice.ui.tasks import TaskRunner

IMAGES = "Images PNG ou JPEG (*.png *.jpg *.jpeg)"


def _text_box(name: str, lines: int) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setAccessibleName(name)
    box.setTabChangesFocus(True)
    box.setFixedHeight(box.fontMetrics().lineSpacing() * lines + 14)
    return box


class CollectivityPage(SettingsPageFrame):
    def __init__(
        self, db: Database, actor: Actor, runner: TaskRunner, parent: QWidget | None = None
    ):
        super().__init__(
            "Collectivité",
            "L'en-tête des factures, des courriers et des listes imprimées, et les dossiers "
            "où le back-office propose d'enregistrer les PDF et les exports. Réservé aux "
            "administrateurs.",
            parent,
        )
        self.db, self.actor = db, actor
        self.name = QLineEdit()
        self.name.setAccessibleName("Nom de la collectivité")
        self.address = _text_box("Adresse", 3)
        self.siret = QLineEdit()
        self.siret.setAccessibleName("SIRET")
        self.siret.setPlaceholderText("14 chiffres, par exemple 217 200 352 00011")
        self.phone = QLineEdit()
        self.phone.setAccessibleName("Téléphone de contact")
        self.email = QLineEdit()
        self.email.setAccessibleName("Courriel de contact")
        self.logo = PathField(
            "Logo",
            lambda parent, start: files.choose_file(
                parent, "Logo de la collectivité", start, IMAGES
            ),
            "aucun logo",
        )
        self.legal = _text_box("Mentions légales", 2)
        self.legal.setPlaceholderText(
            "Imprimées au pied des factures, par exemple la délibération créant la régie."
        )
        header = QGroupBox("En-tête des documents")
        form = QFormLayout(header)
        form.addRow("Nom :", self.name)
        form.addRow("Adresse :", self.address)
        form.addRow("SIRET :", self.siret)
        form.addRow("Téléphone :", self.phone)
        form.addRow("Courriel :", self.email)
        form.addRow("Logo (PNG ou JPEG) :", self.logo)
        form.addRow("Mentions légales :", self.legal)

        self.pdf_folder = PathField(
            "Dossier des PDF",
            lambda parent, start: files.choose_folder(parent, "Dossier des PDF", start),
        )
        self.exports_folder = PathField(
            "Dossier des exports",
            lambda parent, start: files.choose_folder(parent, "Dossier des exports", start),
        )
        folders = QGroupBox("Dossiers par défaut")
        folders_form = QFormLayout(folders)
        folders_form.addRow("PDF (factures, bordereaux, listes) :", self.pdf_folder)
        folders_form.addRow("Exports (catalogue, fichiers CSV) :", self.exports_folder)

        self.save_button = QPushButton("Enregistrer")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.body.addWidget(header)
        self.body.addWidget(folders)
        self.end_form(self.save_button)
        self.fields: dict[str, QWidget] = {
            "name": self.name,
            "address": self.address,
            "siret": self.siret,
            "phone": self.phone,
            "email": self.email,
            "logo": self.logo,
            "legal_mentions": self.legal,
            "pdf_folder": self.pdf_folder,
            "exports_folder": self.exports_folder,
        }
        self.load()

    def load(self) -> None:
        with self.db.session() as session:
            c = collectivity.load(session)
        self.show_values(c)
        self.pdf_folder.edit.setPlaceholderText(f"par défaut : {paths.data_dir()}")
        self.exports_folder.edit.setPlaceholderText(f"par défaut : {paths.data_dir() / 'exports'}")

    def show_values(self, c: Collectivity) -> None:
        self.name.setText(c.name)
        self.address.setPlainText(c.address)
        digits = c.siret
        self.siret.setText(
            f"{digits[:3]} {digits[3:6]} {digits[6:9]} {digits[9:]}"
            if len(digits) == 14
            else digits
        )
        self.phone.setText(c.phone)
        self.email.setText(c.email)
        self.logo.setText(c.logo)
        self.legal.setPlainText(c.legal_mentions)
        self.pdf_folder.setText(c.pdf_folder)
        self.exports_folder.setText(c.exports_folder)

    def values(self) -> Collectivity:
        return Collectivity(
            name=self.name.text(),
            address=self.address.toPlainText(),
            siret=self.siret.text(),
            logo=self.logo.text(),
            email=self.email.text(),
            phone=self.phone.text(),
            legal_mentions=self.legal.toPlainText(),
            pdf_folder=self.pdf_folder.text(),
            exports_folder=self.exports_folder.text(),
        )

    def save(self) -> bool:
        try:
            with self.db.session() as session:
                saved = collectivity.save(session, self.actor, self.values())
        except FieldErrors as exc:
            mark(self.fields, exc.errors)
            self.say("Rien n'a été enregistré :\n" + str(exc), error=True)
            return False
        except UserError as exc:
            mark(self.fields, {})
            self.say(str(exc), error=True)
            return False
        mark(self.fields, {})
        self.show_values(saved)
        self.say(
            "Paramètres de la collectivité enregistrés ; les prochains documents les utilisent."
        )
        return True
