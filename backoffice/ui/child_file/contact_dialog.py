"""The person window: add or change an emergency contact / authorised pick-up person."""

from __future__ import annotations

from collections.abc import Callable

from backoffice.errors import UserError
from backoffice.services.child_file.contacts import ContactForm
from backoffice.services.child_file.editing import ContactLine
from backoffice.services.child_file.reference import RELATIONSHIPS
from backoffice.services.common.validation import FieldErrors
from backoffice.ui.child_file.fields import (
    MANDATORY_LEGEND,
    FieldErrorsView,
    PhoneEdit,
    PostcodeCommuneField,
    mandatory,
    muted_label,
)
from backoffice.ui.qt import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
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
        self.phone1 = PhoneEdit()
        self.phone2 = PhoneEdit()
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

        def row(label: str, widget: QWidget, key: str | None, focus: QWidget | None = None):
            if key is None:
                form.addRow(label, widget)
                return
            box = QWidget()
            inner = QVBoxLayout(box)
            inner.setContentsMargins(0, 0, 0, 0)
            inner.setSpacing(2)
            inner.addWidget(widget)
            inner.addWidget(self.errors.add(key, focus or widget))
            form.addRow(label, box)

        row(mandatory("Nom"), self.last_name, "last_name")
        row(mandatory("Prénom"), self.first_name, "first_name")
        row(mandatory("Lien avec l'enfant"), self.relationship, "relationship")
        row("Adresse", self.address, None)
        row("Code postal, commune", self.town, "address", self.town.postcode)
        row(mandatory("Téléphone 1"), self.phone1, "phone1")
        row("Téléphone 2", self.phone2, "phone2")
        roles = QWidget()
        roles_layout = QVBoxLayout(roles)
        roles_layout.setContentsMargins(0, 0, 0, 0)
        roles_layout.addWidget(self.emergency)
        roles_layout.addWidget(self.pickup)
        roles_layout.addWidget(self.errors.add("roles", self.emergency))
        form.addRow("Rôles", roles)

        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("Enregistrer", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = buttons.addButton("Annuler", QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.setDefault(True)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)

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
            self.town.set_values(contact.postcode, contact.commune)
            self.phone1.setText(contact.phone1)
            self.phone2.setText(contact.phone2)
        self.emergency.setChecked(emergency_contact)
        self.pickup.setChecked(authorised_pickup)
        self.last_name.setFocus()

    def form(self) -> ContactForm:
        postcode, commune = self.town.values()
        return ContactForm(
            last_name=self.last_name.text(),
            first_name=self.first_name.text(),
            relationship=self.relationship.currentText(),
            address_line1=self.address.text(),
            postcode=postcode,
            commune=commune,
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
