"""The person window: add or change an emergency contact / authorised pick-up person."""

from __future__ import annotations

from collections.abc import Callable

from backoffice.errors import UserError
from backoffice.services.child_file.contacts import ContactForm
from backoffice.services.child_file.editing import ContactLine
from backoffice.services.child_file.reference import RELATIONSHIPS
from backoffice.services.common.validation import FieldErrors
from backoffice.ui.qt import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)
from backoffice.ui.widgets import (
    LANDLINE_PLACEHOLDER,
    MANDATORY_LEGEND,
    FieldErrorsView,
    PhoneField,
    PostcodeCommuneField,
    mandatory,
    muted_label,
    ok_cancel,
)

# save(form, emergency_contact, authorised_pickup) raises FieldErrors / UserError.
SaveContact = Callable[[ContactForm, bool, bool], None]


class ContactDialog(QDialog):
    """Fields of the parents' "Ajouter une nouvelle personne" window, plus the roles.

    ``save`` does the work (a service call); its errors are shown next to the
    fields and the dialog stays open with everything typed.
    """

    def __init__(
        self,
        save: SaveContact,
        child_name: str,
        contact: ContactLine | None = None,
        *,
        emergency_contact: bool = True,
        authorised_pickup: bool = False,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self._save = save
        self.setWindowTitle(
            f"Modifier {contact.full_name}" if contact else f"Nouvelle personne pour {child_name}"
        )
        self.setMinimumWidth(560)
        self.errors = FieldErrorsView()

        self.last_name = QLineEdit()
        self.first_name = QLineEdit()
        self.relationship = QComboBox()
        self.relationship.setEditable(True)
        self.relationship.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.relationship.addItems(RELATIONSHIPS)
        self.relationship.setCurrentIndex(-1)
        self.relationship.lineEdit().setPlaceholderText("Choisissez ou saisissez le lien")
        self.address = QLineEdit()
        self.address.setPlaceholderText("N° et rue")
        self.town = PostcodeCommuneField()
        self.phone1 = PhoneField(placeholder=LANDLINE_PLACEHOLDER)
        self.phone2 = PhoneField(placeholder=LANDLINE_PLACEHOLDER)
        self.emergency = QCheckBox("Personne à contacter en cas d'urgence")
        self.pickup = QCheckBox("Personne autorisée à venir chercher l'enfant")
        for widget, name in (
            (self.last_name, "Nom"),
            (self.first_name, "Prénom"),
            (self.relationship, "Lien avec l'enfant"),
            (self.address, "Adresse"),
            (self.phone1, "Téléphone 1"),
            (self.phone2, "Téléphone 2"),
        ):
            widget.setAccessibleName(name)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        field = self.errors.field
        form.addRow(mandatory("Nom"), field("last_name", self.last_name))
        form.addRow(mandatory("Prénom"), field("first_name", self.first_name))
        form.addRow(mandatory("Lien avec l'enfant"), field("relationship", self.relationship))
        form.addRow("Adresse", self.address)
        form.addRow("Code postal, commune", field("address", self.town, self.town.postcode_edit))
        form.addRow(mandatory("Téléphone 1"), field("phone1", self.phone1))
        form.addRow("Téléphone 2", field("phone2", self.phone2))
        roles = QWidget()
        roles_layout = QVBoxLayout(roles)
        roles_layout.setContentsMargins(0, 0, 0, 0)
        roles_layout.addWidget(self.emergency)
        roles_layout.addWidget(self.pickup)
        roles_layout.addWidget(self.errors.add("roles", self.emergency))
        form.addRow("Rôles", roles)

        buttons, self.save_button = ok_cancel(self, "Enregistrer")
        self.save_button.setDefault(True)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.errors.unplaced)
        layout.addWidget(muted_label(MANDATORY_LEGEND))
        layout.addWidget(buttons)

        if contact is not None:
            self.last_name.setText(contact.last_name)
            self.first_name.setText(contact.first_name)
            self.relationship.setCurrentText(contact.relationship)
            self.address.setText(contact.address_line1)
            self.town.set_value(contact.postcode, contact.commune)
            self.phone1.setText(contact.phone1)
            self.phone2.setText(contact.phone2)
        self.emergency.setChecked(emergency_contact)
        self.pickup.setChecked(authorised_pickup)
        self.last_name.setFocus()

    def form(self) -> ContactForm:
        return ContactForm(
            last_name=self.last_name.text(),
            first_name=self.first_name.text(),
            relationship=self.relationship.currentText(),
            address_line1=self.address.text(),
            postcode=self.town.postcode(),
            commune=self.town.commune(),
            phone1=self.phone1.text(),
            phone2=self.phone2.text(),
        )

    def submit(self) -> None:
        try:
            self._save(self.form(), self.emergency.isChecked(), self.pickup.isChecked())
        except FieldErrors as exc:
            self.errors.show(exc.errors)
            return
        except UserError as exc:
            self.errors.show({"": str(exc)})
            return
        self.accept()
