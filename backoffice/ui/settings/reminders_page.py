"""Paramètres › « Relances »: per level, the delay and the wording of the reminders
(settings ``reminders.*``, checked and stored by :mod:`backoffice.services.billing.reminders`)."""

from __future__ import annotations

from backoffice.services.billing.reminders import reminder_settings, save_reminder_settings
from backoffice.services.common.actors import Actor, bind
from backoffice.storage import Database
from backoffice.ui import dialogs
from backoffice.ui.qt import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from backoffice.ui.tasks import TaskRunner

FIELDS_HELP = (
    "Champs possibles : {numero}, {date_facture}, {echeance}, {montant}, {reste}, {regie}, "
    "{date_relance1} (date de la 1re relance, pour la 2e)."
)


class RemindersSettingsPage(QWidget):
    def __init__(self, db: Database, actor: Actor, runner: TaskRunner, parent=None):
        super().__init__(parent)
        self.db, self.actor, self.runner = db, actor, runner
        self.level = QComboBox()
        self.level.setAccessibleName("Niveau de relance")
        self.level.addItem("1re relance", 1)
        self.level.addItem("2e relance", 2)
        self.level.currentIndexChanged.connect(lambda _i: self.refresh())
        self.delay = QSpinBox()
        self.delay.setRange(0, 365)
        self.delay.setSuffix(" jours")
        self.delay.setMaximumWidth(120)
        self.delay_label = QLabel()
        self.subject = QLineEdit()
        self.subject.setAccessibleName("Objet de la relance")
        self.text = QPlainTextEdit()
        self.text.setAccessibleName("Texte de la relance")
        self.save_button = QPushButton("Enregistrer")
        self.save_button.clicked.connect(self.save)
        form = QFormLayout()
        form.addRow("Niveau :", self.level)
        delay_row = QHBoxLayout()
        delay_row.addWidget(self.delay)
        delay_row.addWidget(self.delay_label, 1)
        form.addRow("Délai :", delay_row)
        form.addRow("Objet :", self.subject)
        form.addRow("Texte :", self.text)
        hint = QLabel(FIELDS_HELP)
        hint.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>Relances des factures impayées</b>"))
        layout.addLayout(form, 1)
        layout.addWidget(hint)
        layout.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        level = self.level.currentData()
        with self.db.session() as session:
            wording = reminder_settings(session)[level]
        self.delay.setValue(wording.delay_days)
        self.delay_label.setText(
            "après l'échéance de la facture" if level == 1 else "après la 1re relance"
        )
        self.subject.setText(wording.subject)
        self.text.setPlainText(wording.text)

    def save(self) -> bool:
        level = self.level.currentData()
        try:
            with self.db.session() as session:
                bind(session, self.actor)
                save_reminder_settings(
                    session, self.actor, level, delay_days=self.delay.value(),
                    subject=self.subject.text(), text=self.text.toPlainText(),
                )  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - the service's French message
            dialogs.warning(self, str(exc))
            return False
        dialogs.information(self, "Relances enregistrées.")
        return True
