"""The editable blocks of a family: its information and its guardians.

Each block fills itself from the loaded rows, reads itself into the service's
change dataclasses and shows the errors the service reports next to the fields.
"""

from __future__ import annotations

from backoffice.models import AllowanceScheme, Family, Guardian
from backoffice.services.child_file.reference import RELATIONSHIPS
from backoffice.services.families.accounts import is_paper_only
from backoffice.services.families.edit import FamilyChanges
from backoffice.services.families.guardians import GuardianChanges
from backoffice.ui.qt import (
    QButtonGroup,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from backoffice.ui.widgets import (
    LANDLINE_PLACEHOLDER,
    ErrorLabel,
    FormField,
    PhoneField,
    PostcodeCommuneField,
)
from backoffice.ui.widgets.labels import REQUIRED_MARK

CIVILITIES = ("", "Mme", "M.")
SCHEMES = (
    ("CAF", AllowanceScheme.CAF),
    ("MSA", AllowanceScheme.MSA),
    ("Non allocataire", AllowanceScheme.NONE),
)
HINT_STYLE = "color: #555555;"


def editable_combo(items: tuple[str, ...]) -> QComboBox:
    """Suggestions that still accept free text."""
    combo = QComboBox()
    combo.setEditable(True)
    combo.addItems(["", *items])
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    combo.completer().setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    return combo


def hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(HINT_STYLE)
    return label


def show_starts(widget: QWidget) -> None:
    """Long values show their beginning, not their end, once filled in."""
    for edit in widget.findChildren(QLineEdit):
        edit.setCursorPosition(0)


def _grid(parent: QWidget, columns: int) -> QGridLayout:
    grid = QGridLayout(parent)
    grid.setHorizontalSpacing(12)
    grid.setVerticalSpacing(6)
    for column in range(columns):
        grid.setColumnStretch(column, 1)
    return grid


class FamilySection(QWidget):
    """Name, address, phone, e-mails, allowance and notes."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.name = QLineEdit()
        self.address_line1 = QLineEdit()
        self.address_line1.setPlaceholderText("N° et rue")
        self.address_line2 = QLineEdit()
        self.address_line2.setPlaceholderText("Bâtiment, lieu-dit…")
        self.place = PostcodeCommuneField()
        self.phone = PhoneField(placeholder=LANDLINE_PLACEHOLDER)
        self.login_email = QLineEdit()
        self.billing_email = QLineEdit()
        self.billing_email.setPlaceholderText("vide : l'identifiant du portail")
        self.scheme = QComboBox()
        for label, value in SCHEMES:
            self.scheme.addItem(label, value)
        self.allowance_number = QLineEdit()
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(self.notes.fontMetrics().lineSpacing() * 4 + 12)
        self.login_hint = hint("")
        self.fields: dict[str, FormField] = {
            "name": FormField("Nom de la famille", self.name, required=True),
            "address_line1": FormField("Adresse", self.address_line1, required=True),
            "address_line2": FormField("Complément d'adresse", self.address_line2),
            "address": FormField("Code postal et commune", self.place, required=True),
            "phone": FormField("Téléphone du foyer", self.phone),
            "login_email": FormField(
                "E-mail (identifiant du portail)", self.login_email, required=True
            ),
            "billing_email": FormField("E-mail de facturation", self.billing_email),
            "allowance_scheme": FormField("Régime allocataire", self.scheme),
            "allowance_number": FormField("N° allocataire", self.allowance_number),
            "notes": FormField("Notes internes (non visibles des parents)", self.notes),
        }
        f = self.fields
        grid = _grid(self, 2)
        grid.addWidget(f["name"], 0, 0)
        grid.addWidget(f["address_line1"], 1, 0, 1, 2)
        grid.addWidget(f["address_line2"], 2, 0, 1, 2)
        grid.addWidget(f["address"], 3, 0, 1, 2)
        grid.addWidget(f["phone"], 4, 0)
        grid.addWidget(f["login_email"], 5, 0)
        grid.addWidget(f["billing_email"], 5, 1)
        grid.addWidget(self.login_hint, 6, 0, 1, 2)
        grid.addWidget(f["allowance_scheme"], 7, 0)
        grid.addWidget(f["allowance_number"], 7, 1)
        grid.addWidget(f["notes"], 8, 0, 1, 2)
        grid.setRowStretch(9, 1)
        self.scheme.currentIndexChanged.connect(self._scheme_changed)

    def set_family(self, family: Family) -> None:
        self.name.setText(family.name)
        self.address_line1.setText(family.address_line1)
        self.address_line2.setText(family.address_line2)
        self.place.set_value(family.postcode, family.commune)
        self.phone.setText(family.phone)
        self.login_email.setText(family.pending_login_email or family.login_email)
        self.billing_email.setText(family.billing_email)
        self.scheme.setCurrentIndex(self.scheme.findData(family.allowance_scheme))
        self.allowance_number.setText(family.allowance_number)
        self.notes.setPlainText(family.notes)
        text = (
            "Le parent confirme tout changement d'identifiant par un lien envoyé par le portail ; "
            "l'identifiant actuel reste valable en attendant."
        )
        paper = is_paper_only(family)
        self.fields["login_email"].required = not paper
        if self.fields["login_email"].label is not None:
            self.fields["login_email"].label.setText(
                "E-mail (identifiant du portail)" + ("" if paper else REQUIRED_MARK)
            )
        if paper:
            text = (
                "Famille sans portail (papier seulement) : indiquez un e-mail pour lui créer "
                "son compte ; le portail lui enverra le lien d'activation."
            )
        if family.pending_login_email:
            text = (
                f"Identifiant actuel : {family.login_email}. Changement vers "
                f"{family.pending_login_email} en attente de confirmation par le parent."
            )
        self.login_hint.setText(text)
        self._scheme_changed()
        show_starts(self)

    def _scheme_changed(self) -> None:
        allocataire = self.scheme.currentData() is not AllowanceScheme.NONE
        self.allowance_number.setEnabled(allocataire)

    def changes(self) -> FamilyChanges:
        scheme = self.scheme.currentData()
        return FamilyChanges(
            name=self.name.text(),
            address_line1=self.address_line1.text(),
            address_line2=self.address_line2.text(),
            postcode=self.place.postcode(),
            commune=self.place.commune(),
            phone=self.phone.text(),
            login_email=self.login_email.text(),
            billing_email=self.billing_email.text(),
            allowance_scheme=scheme,
            allowance_number=self.allowance_number.text()
            if scheme is not AllowanceScheme.NONE
            else "",
            notes=self.notes.toPlainText(),
        )

    def show_errors(self, errors: dict[str, str]) -> list[FormField]:
        """Show ``errors`` next to their fields; the fields shown, in form order."""
        errors = dict(errors)
        if "address" in errors and not self.address_line1.text().strip():
            errors["address_line1"] = errors.pop("address")
        shown = []
        for key, field in self.fields.items():
            field.set_error(errors.get(key, ""))
            if key in errors:
                shown.append(field)
        return shown


class GuardianBox(QGroupBox):
    """One guardian: identity, link, payer, phones, e-mail, work, own address."""

    removeRequested = Signal(object)

    def __init__(self, payer_group: QButtonGroup, parent: QWidget | None = None):
        super().__init__(parent)
        self.guardian_id: int | None = None
        self.version: int | None = None
        self.civility = QComboBox()
        self.civility.addItems(CIVILITIES)
        self.last_name = QLineEdit()
        self.first_name = QLineEdit()
        self.relationship = editable_combo(RELATIONSHIPS)
        self.mobile_phone = PhoneField()
        self.home_phone = PhoneField(placeholder=LANDLINE_PLACEHOLDER)
        self.work_phone = PhoneField(placeholder=LANDLINE_PLACEHOLDER)
        self.email = QLineEdit()
        self.email.setPlaceholderText("prenom.nom@exemple.fr")
        self.profession = QLineEdit()
        self.employer = QLineEdit()
        self.address_line1 = QLineEdit()
        self.address_line1.setPlaceholderText("vide : même adresse que la famille")
        self.place = PostcodeCommuneField()
        self.place.postcode_edit.setPlaceholderText("")
        self.payer = QRadioButton("Responsable payeur")
        payer_group.addButton(self.payer)
        self.remove_button = QPushButton("Retirer ce responsable")
        self.remove_button.clicked.connect(lambda: self.removeRequested.emit(self))
        self.fields: dict[str, FormField] = {
            "civility": FormField("Civilité", self.civility),
            "last_name": FormField("Nom", self.last_name, required=True),
            "first_name": FormField("Prénom", self.first_name, required=True),
            "relationship_label": FormField("Lien avec l'enfant", self.relationship),
            "mobile_phone": FormField("Portable", self.mobile_phone),
            "home_phone": FormField("Téléphone fixe", self.home_phone),
            "work_phone": FormField("Téléphone professionnel", self.work_phone),
            "email": FormField("E-mail", self.email),
            "profession": FormField("Profession", self.profession),
            "employer": FormField("Employeur", self.employer),
            "address_line1": FormField("Adresse, si différente", self.address_line1),
            "address": FormField("Code postal et commune", self.place),
        }
        f = self.fields
        grid = _grid(self, 4)
        grid.addWidget(f["civility"], 0, 0)
        grid.addWidget(f["last_name"], 0, 1)
        grid.addWidget(f["first_name"], 0, 2)
        grid.addWidget(f["relationship_label"], 0, 3)
        grid.addWidget(f["mobile_phone"], 1, 0)
        grid.addWidget(f["home_phone"], 1, 1)
        grid.addWidget(f["work_phone"], 1, 2)
        grid.addWidget(f["email"], 1, 3)
        grid.addWidget(f["profession"], 2, 0)
        grid.addWidget(f["employer"], 2, 1)
        grid.addWidget(f["address_line1"], 2, 2, 1, 2)
        grid.addWidget(f["address"], 3, 2, 1, 2)
        self.payer_error = ErrorLabel()
        bottom = QVBoxLayout()
        bottom.addWidget(self.payer)
        bottom.addWidget(self.payer_error)
        bottom.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        bottom.addLayout(buttons)
        grid.addLayout(bottom, 3, 0, 1, 2)

    @property
    def is_new(self) -> bool:
        return self.guardian_id is None

    def set_title(self, rank: int) -> None:
        self.setTitle(f"Responsable légal {rank}")

    def set_guardian(self, guardian: Guardian) -> None:
        self.guardian_id, self.version = guardian.id, guardian.version
        index = self.civility.findText(guardian.civility)
        if index < 0:
            self.civility.addItem(guardian.civility)
            index = self.civility.count() - 1
        self.civility.setCurrentIndex(index)
        self.last_name.setText(guardian.last_name)
        self.first_name.setText(guardian.first_name)
        self.relationship.setCurrentText(guardian.relationship_label)
        self.mobile_phone.setText(guardian.mobile_phone)
        self.home_phone.setText(guardian.home_phone)
        self.work_phone.setText(guardian.work_phone)
        self.email.setText(guardian.email)
        self.profession.setText(guardian.profession)
        self.employer.setText(guardian.employer)
        self.address_line1.setText(guardian.address_line1)
        self.place.set_value(guardian.postcode, guardian.commune)
        self.payer.setChecked(guardian.is_payer)
        show_starts(self)

    def changes(self) -> GuardianChanges:
        return GuardianChanges(
            civility=self.civility.currentText(),
            last_name=self.last_name.text(),
            first_name=self.first_name.text(),
            relationship_label=self.relationship.currentText(),
            # Only "this one pays" is sent: the service takes the flag from the other.
            is_payer=True if self.payer.isChecked() else None,
            mobile_phone=self.mobile_phone.text(),
            home_phone=self.home_phone.text(),
            work_phone=self.work_phone.text(),
            email=self.email.text(),
            profession=self.profession.text(),
            employer=self.employer.text(),
            address_line1=self.address_line1.text(),
            postcode=self.place.postcode(),
            commune=self.place.commune(),
        )

    def show_errors(self, errors: dict[str, str]) -> list[FormField]:
        shown = []
        for key, field in self.fields.items():
            field.set_error(errors.get(key, ""))
            if key in errors:
                shown.append(field)
        self.payer_error.show_error(errors.get("is_payer", ""))
        return shown


class GuardiansSection(QWidget):
    """One or two guardian boxes; exactly one of them pays."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.payer_group = QButtonGroup(self)
        self.boxes: list[GuardianBox] = []
        self.removed: list[tuple[int, int]] = []  # (guardian id, version) to remove on save
        self.add_button = QPushButton("Ajouter un second responsable")
        self.add_button.clicked.connect(lambda: self.add_box().last_name.setFocus())
        self.rules = hint(
            "Deux responsables légaux au plus ; un seul est payeur (il reçoit les factures)."
        )
        self._layout = QVBoxLayout(self)
        self._layout.addWidget(self.rules)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        self._buttons = buttons
        self._layout.addLayout(buttons)
        self._layout.addStretch(1)

    def set_guardians(self, guardians: list[Guardian]) -> None:
        for guardian in guardians:
            self.add_box().set_guardian(guardian)
        if not guardians:
            self.add_box().payer.setChecked(True)
        self._refresh()

    def add_box(self) -> GuardianBox:
        box = GuardianBox(self.payer_group)
        box.removeRequested.connect(self.remove_box)
        self.boxes.append(box)
        self._layout.insertWidget(len(self.boxes), box)
        self._refresh()
        return box

    def remove_box(self, box: GuardianBox) -> None:
        if len(self.boxes) <= 1:
            return
        was_payer = box.payer.isChecked()
        self.boxes.remove(box)
        self.payer_group.removeButton(box.payer)
        if not box.is_new:
            self.removed.append((box.guardian_id, box.version))
        box.hide()
        box.deleteLater()
        if was_payer:
            self.boxes[0].payer.setChecked(True)
        self._refresh()

    def _refresh(self) -> None:
        for rank, box in enumerate(self.boxes, start=1):
            box.set_title(rank)
            box.remove_button.setVisible(len(self.boxes) > 1)
        self.add_button.setVisible(len(self.boxes) < 2)
        self.changed.emit()
