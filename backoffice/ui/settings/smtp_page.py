"""« Paramètres › Messagerie (SMTP) »: the server the invoices are e-mailed through, its
password (to the keyring), and « Envoyer un courriel de test » run off the GUI thread."""

from __future__ import annotations

from email.utils import parseaddr

from backoffice.errors import UserError
from backoffice.services.common.actors import Actor
from backoffice.services.settings import smtp
from backoffice.storage import Database
from backoffice.ui import files
from backoffice.ui.qt import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)
from backoffice.ui.settings.page_parts import PathField, SettingsPageFrame
from backoffice.ui.tasks import TaskRunner

CERTIFICATES = "Certificats PEM (*.pem *.crt *.cer);;Tous les fichiers (*)"


class SmtpPage(SettingsPageFrame):
    def __init__(
        self, db: Database, actor: Actor, runner: TaskRunner, parent: QWidget | None = None
    ):
        super().__init__(
            "Messagerie (SMTP)",
            "Le serveur par lequel partent les factures envoyées par e-mail. Le mot de passe "
            "est rangé dans le trousseau du système, jamais dans la base ni dans un fichier ; "
            "laissez-le vide pour garder celui qui est enregistré.",
            parent,
        )
        self.db, self.actor, self.runner = db, actor, runner
        self.typed_password: str | None = None  # kept in memory when no keyring exists
        self.host = QLineEdit()
        self.host.setAccessibleName("Serveur SMTP")
        self.host.setPlaceholderText("smtp.example.fr")
        self.security = QComboBox()
        self.security.setAccessibleName("Sécurité")
        for mode in smtp.SECURITY_MODES:
            self.security.addItem(smtp.SECURITY_LABELS[mode], mode)
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(smtp.DEFAULT_PORTS["starttls"])
        self.port.setAccessibleName("Port")
        self.port.setMaximumWidth(120)
        self.security.currentIndexChanged.connect(self._security_changed)
        self.user = QLineEdit()
        self.user.setAccessibleName("Utilisateur")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Mot de passe")
        self.sender = QLineEdit()
        self.sender.setAccessibleName("Adresse d'expédition")
        self.sender.setPlaceholderText("Régie enfance <regie@example.fr>")
        self.reply_to = QLineEdit()
        self.reply_to.setAccessibleName("Adresse de réponse")
        self.reply_to.setPlaceholderText("facultative")
        self.ca_bundle = PathField(
            "Autorité de certification",
            lambda parent, start: files.choose_file(
                parent, "Autorité de certification du serveur", start, CERTIFICATES
            ),
            "vide : celles du système",
        )
        server = QGroupBox("Serveur")
        form = QFormLayout(server)
        form.addRow("Serveur :", self.host)
        form.addRow("Sécurité :", self.security)
        form.addRow("Port :", self.port)
        form.addRow("Utilisateur :", self.user)
        form.addRow("Mot de passe :", self.password)
        form.addRow("Autorité de certification :", self.ca_bundle)
        sending = QGroupBox("Expédition")
        sending_form = QFormLayout(sending)
        sending_form.addRow("Expéditeur :", self.sender)
        sending_form.addRow("Adresse de réponse :", self.reply_to)

        self.save_button = QPushButton("Enregistrer")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.test_to = QLineEdit()
        self.test_to.setAccessibleName("Destinataire du courriel de test")
        self.test_to.setPlaceholderText("l'expéditeur")
        self.test_button = QPushButton("Envoyer un courriel de test")
        self.test_button.clicked.connect(self.send_test)
        test_box = QGroupBox("Courriel de test (enregistre d'abord les réglages)")
        test_row = QHBoxLayout(test_box)
        test_row.addWidget(self.test_to, 1)
        test_row.addWidget(self.test_button)
        self.body.addWidget(server)
        self.body.addWidget(sending)
        self.body.addWidget(test_box)
        self.end_form(self.save_button)
        self.load()

    def load(self) -> None:
        with self.db.session() as session:
            stored = smtp.stored_settings(session)
        if stored is None:
            return
        self.host.setText(stored.host)
        index = self.security.findData(stored.security)
        self.security.blockSignals(True)
        self.security.setCurrentIndex(max(index, 0))
        self.security.blockSignals(False)
        self.port.setValue(stored.port)
        self.user.setText(stored.user)
        self.sender.setText(stored.sender)
        self.reply_to.setText(stored.reply_to)
        self.ca_bundle.setText(stored.ca_bundle)
        if stored.user:
            self.password.setPlaceholderText("enregistré dans le trousseau (inchangé si vide)")

    def _security_changed(self) -> None:
        """A default port follows the security (587 ↔ 465 ↔ 25); a custom one stays."""
        if self.port.value() in smtp.DEFAULT_PORTS.values():
            self.port.setValue(smtp.DEFAULT_PORTS[self.security.currentData()])

    def save(self) -> bool:
        try:
            with self.db.session() as session:
                saved = smtp.save_smtp_settings(
                    session,
                    self.actor,
                    host=self.host.text(),
                    port=self.port.value(),
                    security=self.security.currentData(),
                    user=self.user.text(),
                    sender=self.sender.text(),
                    reply_to=self.reply_to.text(),
                    ca_bundle=self.ca_bundle.text(),
                )
        except UserError as exc:
            self.say(str(exc), error=True)
            return False
        note = "Réglages de la messagerie enregistrés."
        password = self.password.text()
        if password and saved.user:
            try:
                smtp.store_password(self.actor, saved, password)
            except UserError as exc:
                self.typed_password = password
                self.password.clear()
                self.say(
                    f"{note} {exc} Il est gardé en mémoire jusqu'à la fermeture du programme.",
                    error=True,
                )
                return True
            self.typed_password = None
            note += " Le mot de passe est rangé dans le trousseau du système."
        self.password.clear()
        self.say(note)
        return True

    def send_test(self) -> bool:
        """Save, then send the test mail in the background; the answer shows below."""
        password = self.password.text() or self.typed_password
        if not self.save():
            return False
        to = self.test_to.text().strip() or parseaddr(self.sender.text())[1]
        db, actor = self.db, self.actor

        def work() -> str:
            with db.session() as session:
                return smtp.send_test_mail(session, actor, to, password=password)

        self.test_button.setEnabled(False)
        self.say(f"Envoi du courriel de test à {to}…")
        self.runner.run(
            work, self._test_sent, self._test_failed, label="Courriel de test", parent=self
        )
        return True

    def _test_sent(self, answer: str) -> None:
        self.test_button.setEnabled(True)
        self.say(answer)

    def _test_failed(self, exc: BaseException) -> None:
        self.test_button.setEnabled(True)
        if isinstance(exc, UserError):
            self.say(str(exc), error=True)
        else:
            self.say(f"Le courriel de test n'a pas pu partir ({exc.__class__.__name__}).", True)
