"""« Paramètres › Portail et synchronisation »: the portal's address and token (the sync
area's own :class:`SetupPanel`), the automatic interval and the portal's CA file.

The page works on the window's :class:`SyncController` (``window().sync``) so the status
bar and « Synchronisation » learn the new portal at once; shown outside a main window
(a test, a dialog) it makes its own.
"""

from __future__ import annotations

from backoffice.errors import UserError
from backoffice.services.common.actors import Actor
from backoffice.storage import Database
from backoffice.sync import settings as sync_settings
from backoffice.ui import files
from backoffice.ui.qt import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QWidget,
)
from backoffice.ui.settings.page_parts import PathField, SettingsPageFrame
from backoffice.ui.sync import status
from backoffice.ui.sync.area import SetupPanel
from backoffice.ui.sync.controller import SyncController
from backoffice.ui.tasks import TaskRunner

CERTIFICATES = "Certificats PEM (*.pem *.crt *.cer);;Tous les fichiers (*)"


class PortalPage(SettingsPageFrame):
    def __init__(
        self, db: Database, actor: Actor, runner: TaskRunner, parent: QWidget | None = None
    ):
        super().__init__(
            "Portail et synchronisation",
            "L'adresse du portail famille, le jeton du back-office (rangé dans le trousseau "
            "du système) et la fréquence de la synchronisation automatique. L'état des "
            "synchronisations se suit dans « Synchronisation ».",
            parent,
        )
        self.db, self.actor, self.runner = db, actor, runner
        self.controller: SyncController | None = None
        self.setup: SetupPanel | None = None

    def refresh(self) -> None:
        """Built when first shown, on the window's controller."""
        if self.controller is None:
            self._build(self._find_controller())
        assert self.controller is not None
        self.interval.blockSignals(True)
        self.interval.setValue(self.controller.interval)
        self.interval.blockSignals(False)

    def showEvent(self, event) -> None:  # noqa: N802
        if self.controller is None:
            self.refresh()
        super().showEvent(event)

    def _find_controller(self) -> SyncController:
        window = self.window()
        controller = getattr(window, "sync", None)
        if isinstance(controller, SyncController):
            return controller
        return SyncController(self.db, self.runner, parent=self)

    def _build(self, controller: SyncController) -> None:
        self.controller = controller
        self.setup = SetupPanel(controller)
        self.setup.setTitle("Adresse et jeton")
        self.setup.cancel.setVisible(False)
        self.setup.saved.connect(lambda _in_keyring: self._token_note())

        self.interval = QSpinBox()
        self.interval.setRange(0, status.MAX_INTERVAL_MINUTES)
        self.interval.setSuffix(" min")
        self.interval.setSpecialValueText("jamais")
        self.interval.setAccessibleName("Intervalle de synchronisation automatique")
        self.interval.valueChanged.connect(self._interval_changed)
        interval_row = QHBoxLayout()
        interval_row.addWidget(self.interval)
        interval_row.addWidget(QLabel("(0 = jamais)"))
        interval_row.addStretch(1)
        self.ca_bundle = PathField(
            "Autorité de certification du portail",
            lambda parent, start: files.choose_file(
                parent, "Autorité de certification du portail", start, CERTIFICATES
            ),
            "vide : celles du système",
        )
        with self.db.session() as session:
            self.ca_bundle.setText(sync_settings.ca_bundle(session) or "")
        self.save_ca = QPushButton("Enregistrer le certificat")
        self.save_ca.clicked.connect(self.save_ca_bundle)
        self.token_label = QLabel()
        self.token_label.setWordWrap(True)
        sync_box = QGroupBox("Synchronisation")
        form = QFormLayout(sync_box)
        form.addRow("Jeton :", self.token_label)
        form.addRow("Synchroniser automatiquement toutes les :", interval_row)
        form.addRow("Autorité de certification :", self.ca_bundle)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.save_ca)
        ca_row.addStretch(1)
        form.addRow(ca_row)
        self.body.addWidget(self.setup)
        self.body.addWidget(sync_box)
        self.end_form()
        for part in (self.setup, sync_box):
            part.show()  # added after the page was shown: Qt would show them only later
        controller.changed.connect(self._controller_changed)
        self._token_note()

    def _controller_changed(self) -> None:
        if self.controller is not None and self.interval.value() != self.controller.interval:
            self.interval.blockSignals(True)
            self.interval.setValue(self.controller.interval)
            self.interval.blockSignals(False)

    def _token_note(self) -> None:
        c = self.controller
        assert c is not None
        if not c.configured:
            text = "aucun portail n'est configuré"
        elif c.session_token is not None:
            text = "gardé en mémoire jusqu'à la fermeture du programme (aucun trousseau)"
        elif sync_settings.keyring_available():
            text = "rangé dans le trousseau du système (saisissez-le à nouveau pour le changer)"
        else:
            text = "aucun trousseau sur cet ordinateur : à saisir à chaque démarrage"
        self.token_label.setText(text)

    def _interval_changed(self, minutes: int) -> None:
        assert self.controller is not None
        try:
            self.controller.set_interval(minutes)
        except UserError as exc:
            self.say(str(exc), error=True)
            return
        self.say(
            "Synchronisation automatique désactivée."
            if minutes == 0
            else f"Synchronisation automatique toutes les {minutes} min."
        )

    def save_ca_bundle(self) -> bool:
        try:
            with self.db.session() as session:
                sync_settings.save_settings(session, ca_file=self.ca_bundle.text())
        except UserError as exc:
            self.say(str(exc), error=True)
            return False
        self.say(
            "Autorité de certification du portail enregistrée."
            if self.ca_bundle.text()
            else "Le portail est vérifié avec les autorités du système."
        )
        return True
