"""The SEPA mandate of a family: holder, IBAN, BIC, reference (RUM), signature date.

Opened from « Prélèvements SEPA » and from the family card (« Mandat SEPA… »); the
service (:func:`backoffice.services.billing.sepa.save_mandate`) checks the IBAN and
BIC and says in French what is wrong, shown in the dialog.
"""

from __future__ import annotations

from backoffice.services.billing.sepa import save_mandate
from backoffice.services.common.actors import Actor, bind
from backoffice.storage import Database
from backoffice.ui.qt import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)
from backoffice.ui.widgets.dates import DateField


class MandateDialog(QDialog):
    """A family's signed mandate: holder, IBAN, BIC, reference, signature date."""

    def __init__(self, db: Database, actor: Actor, family_code: str = "", parent=None):
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.setWindowTitle("Mandat de prélèvement SEPA")
        self.family = QLineEdit(family_code)
        self.family.setPlaceholderText("ex. F00042")
        self.holder = QLineEdit()
        self.iban = QLineEdit()
        self.iban.setPlaceholderText("FR76 …")
        self.iban.setMinimumWidth(300)
        self.bic = QLineEdit()
        self.bic.setPlaceholderText("8 ou 11 caractères")
        self.reference = QLineEdit()
        self.reference.setPlaceholderText("laisser vide : attribuée automatiquement")
        self.signed_on = DateField()
        self.error = QLabel()
        self.error.setStyleSheet("color: #B71C1C")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Famille :", self.family)
        form.addRow("Titulaire du compte :", self.holder)
        form.addRow("IBAN :", self.iban)
        form.addRow("BIC :", self.bic)
        form.addRow("Référence (RUM) :", self.reference)
        form.addRow("Signé le :", self.signed_on)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("Enregistrer le mandat")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Annuler")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        note = QLabel(
            "Le nouveau mandat remplace celui en vigueur. Premier prélèvement en FRST, "
            "les suivants en RCUR."
        )
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def save(self) -> bool:
        signed = self.signed_on.date()
        if signed is None:
            self.error.setText("Indiquez la date de signature du mandat (jj/mm/aaaa).")
            return False
        try:
            with self.db.session() as session:
                bind(session, self.actor)
                save_mandate(
                    session,
                    self.actor,
                    self.family.text(),
                    debtor_name=self.holder.text(),
                    iban=self.iban.text(),
                    bic=self.bic.text(),
                    signed_on=signed,
                    reference=self.reference.text(),
                )
        except Exception as exc:  # noqa: BLE001 - a UserError's French message, shown in place
            self.error.setText(str(exc))
            return False
        self.accept()
        return True
