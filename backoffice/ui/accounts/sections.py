"""The blocks of the account form: guardians, children, allowances and QF.

Each block builds its widgets in the order of the paper form (that order is the
tab order), reads itself into the service's form dataclasses and shows the
errors the service reports, keyed like ``guardians[0].first_name``.
"""

from __future__ import annotations

from datetime import date

from backoffice.models import AllowanceScheme, Sex
from backoffice.services.child_file.reference import RELATIONSHIPS, SCHOOL_CLASSES
from backoffice.services.families.accounts import ChildForm, GuardianForm
from backoffice.ui.qt import (
    QButtonGroup,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QIntValidator,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from backoffice.ui.widgets import (
    LANDLINE_PLACEHOLDER,
    DateField,
    ErrorLabel,
    FormField,
    PhoneField,
    set_invalid,
)

CIVILITIES = ("", "Mme", "M.")
SEXES = (("", None), ("Fille", Sex.FEMALE), ("Garçon", Sex.MALE))
SCHEMES = (
    ("CAF", AllowanceScheme.CAF),
    ("MSA", AllowanceScheme.MSA),
    ("Aucun", AllowanceScheme.NONE),
)


def editable_combo(items: tuple[str, ...]) -> QComboBox:
    """A combo proposing ``items`` that still accepts free text (nothing is added to the list)."""
    combo = QComboBox()
    combo.setEditable(True)
    combo.addItems(["", *items])
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    combo.completer().setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    return combo


class GuardianBox(QGroupBox):
    """One responsable légal: identity, link, who pays, phones, e-mail, profession."""

    def __init__(self, rank: int, payer_group: QButtonGroup, parent: QWidget | None = None):
        title = "Responsable légal 1" if rank == 1 else "Responsable légal 2 (facultatif)"
        super().__init__(title, parent)
        self.rank = rank
        self.civility = QComboBox()
        self.civility.addItems(CIVILITIES)
        self.last_name = QLineEdit()
        self.first_name = QLineEdit()
        self.relationship = editable_combo(RELATIONSHIPS)
        self.email = QLineEdit()
        self.email.setPlaceholderText("prenom.nom@exemple.fr")
        self.mobile_phone = PhoneField()
        self.home_phone = PhoneField(placeholder=LANDLINE_PLACEHOLDER)
        self.work_phone = PhoneField(placeholder=LANDLINE_PLACEHOLDER)
        self.profession = QLineEdit()
        self.payer = QRadioButton("Responsable payeur (reçoit les factures)")
        payer_group.addButton(self.payer, rank)
        self.fields: dict[str, FormField] = {
            "civility": FormField("Civilité", self.civility),
            "last_name": FormField("Nom", self.last_name, required=rank == 1),
            "first_name": FormField("Prénom", self.first_name, required=rank == 1),
            "relationship": FormField("Lien avec l'enfant", self.relationship),
            "email": FormField("E-mail", self.email),
            "mobile_phone": FormField("Portable", self.mobile_phone),
            "home_phone": FormField("Téléphone fixe", self.home_phone),
            "work_phone": FormField("Téléphone professionnel", self.work_phone),
            "profession": FormField("Profession", self.profession),
        }
        grid = QGridLayout(self)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(6)
        f = self.fields
        grid.addWidget(f["civility"], 0, 0)
        grid.addWidget(f["last_name"], 0, 1)
        grid.addWidget(f["first_name"], 0, 2)
        grid.addWidget(f["relationship"], 1, 0)
        grid.addWidget(f["email"], 1, 1, 1, 2)
        grid.addWidget(f["mobile_phone"], 2, 0)
        grid.addWidget(f["home_phone"], 2, 1)
        grid.addWidget(f["work_phone"], 2, 2)
        grid.addWidget(f["profession"], 3, 0)
        grid.addWidget(self.payer, 3, 1, 1, 2, Qt.AlignmentFlag.AlignBottom)
        for column in range(3):
            grid.setColumnStretch(column, 1)
        # The two guardians stand side by side: extra height (an error shown in the
        # other box) goes below the fields instead of spreading them apart.
        grid.setRowStretch(4, 1)
        if rank == 2:
            self.last_name.setPlaceholderText("si deux responsables")

    def focus_chain(self) -> list[QWidget]:
        return [
            self.civility,
            self.last_name,
            self.first_name,
            self.relationship,
            self.email,
            self.mobile_phone,
            self.home_phone,
            self.work_phone,
            self.profession,
            self.payer,
        ]

    def is_blank(self) -> bool:
        """Nothing typed (who pays does not count): the second guardian is then left out."""
        form = self.form()
        form.is_payer = False
        return form == GuardianForm()

    def form(self) -> GuardianForm:
        return GuardianForm(
            last_name=self.last_name.text(),
            first_name=self.first_name.text(),
            civility=self.civility.currentText(),
            relationship=self.relationship.currentText(),
            is_payer=self.payer.isChecked(),
            mobile_phone=self.mobile_phone.text(),
            home_phone=self.home_phone.text(),
            work_phone=self.work_phone.text(),
            email=self.email.text(),
            profession=self.profession.text(),
        )

    def show_clean(self, form: GuardianForm) -> None:
        """What the check normalised (phones, e-mail), back in the fields."""
        self.mobile_phone.setText(form.mobile_phone)
        self.home_phone.setText(form.home_phone)
        self.work_phone.setText(form.work_phone)
        self.email.setText(form.email)


class ChildRow:
    """The widgets of one child, placed by :class:`ChildrenSection` on its grid."""

    FIELDS = ("first_name", "last_name", "sex", "birth_date")

    def __init__(self, section: ChildrenSection, family_name: str, today: date):
        self.first_name = QLineEdit()
        self.last_name = QLineEdit(family_name)
        self.sex = QComboBox()
        for text, value in SEXES:
            self.sex.addItem(text, value)
        self.birth_date = DateField(today=today)
        self.school = QLineEdit()
        self.school.setPlaceholderText("nom de l'école")
        self.school_class = editable_combo(SCHOOL_CLASSES)
        self.remove_button = QPushButton("Retirer")
        self.remove_button.setAutoDefault(False)
        self.remove_button.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # not in the typing path
        self.remove_button.clicked.connect(lambda: section.remove_row(self))
        self.error = ErrorLabel()
        for name, widget in (
            ("Prénom", self.first_name),
            ("Nom", self.last_name),
            ("Sexe", self.sex),
            ("Date de naissance", self.birth_date),
            ("École", self.school),
            ("Classe", self.school_class),
        ):
            widget.setAccessibleName(name)
        self._messages: dict[str, str] = {}

    def widgets(self) -> list[QWidget]:
        return [
            self.first_name,
            self.last_name,
            self.sex,
            self.birth_date,
            self.school,
            self.school_class,
            self.remove_button,
        ]

    def focus_chain(self) -> list[QWidget]:
        return self.widgets()[:-1]

    def field(self, name: str) -> QWidget:
        return getattr(self, name)

    def is_blank(self) -> bool:
        form = self.form()
        form.last_name = ""
        return form == ChildForm() and not self.birth_date.text().strip()

    def form(self) -> ChildForm:
        return ChildForm(
            last_name=self.last_name.text(),
            first_name=self.first_name.text(),
            # Qt hands the enum back as its plain string value.
            sex=Sex(self.sex.currentData()) if self.sex.currentData() else None,
            birth_date=self.birth_date.date(),
            school=self.school.text(),
            school_class=self.school_class.currentText(),
        )

    def set_error(self, name: str, message: str) -> None:
        """Shown under the whole row, so it names its column: "Sexe : champ obligatoire."."""
        column = self.field(name).accessibleName()
        self._messages[name] = f"{column} : {message[:1].lower()}{message[1:]}"
        set_invalid(self.field(name), True)
        self.error.show_error("\n".join(self._messages.values()))

    def clear_errors(self) -> None:
        for name in self.FIELDS:
            set_invalid(self.field(name), False)
        self._messages.clear()
        self.error.show_error("")

    def delete(self) -> None:
        for widget in [*self.widgets(), self.error]:
            widget.hide()
            widget.deleteLater()


class ChildrenSection(QGroupBox):
    """The children, one row each; rows can be added and removed."""

    HEADERS = (
        ("Prénom", True),
        ("Nom", True),
        ("Sexe", True),
        ("Date de naissance", True),
        ("École", False),
        ("Classe", False),
    )
    rowsChanged = Signal()

    def __init__(self, today: date, parent: QWidget | None = None):
        super().__init__("Enfants", parent)
        self.today = today
        self.family_name = ""
        self.rows: list[ChildRow] = []
        layout = QVBoxLayout(self)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(10)
        self.grid.setVerticalSpacing(4)
        for column, (text, required) in enumerate(self.HEADERS):
            self.grid.addWidget(QLabel(text + (" *" if required else "")), 0, column)
        for column, stretch in enumerate((3, 3, 0, 0, 4, 0, 0)):
            self.grid.setColumnStretch(column, stretch)
        layout.addLayout(self.grid)
        self.error = ErrorLabel()
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("&Ajouter un enfant")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self.add_row)
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

    def add_row(self) -> ChildRow:
        row = ChildRow(self, self.family_name, self.today)
        self.rows.append(row)
        self._place_rows()
        for widget in row.widgets():  # now, not at the next event loop pass: it takes the focus
            widget.show()
        self.rowsChanged.emit()
        row.first_name.setFocus()
        return row

    def remove_row(self, row: ChildRow) -> None:
        self.rows.remove(row)
        for widget in [*row.widgets(), row.error]:
            self.grid.removeWidget(widget)
        row.delete()
        self._place_rows()
        self.rowsChanged.emit()
        (self.rows[-1].first_name if self.rows else self.add_button).setFocus()

    def _place_rows(self) -> None:
        for index, row in enumerate(self.rows):
            for column, widget in enumerate(row.widgets()):
                self.grid.addWidget(widget, 1 + 2 * index, column)
            self.grid.addWidget(row.error, 2 + 2 * index, 0, 1, len(self.HEADERS))
            row.remove_button.setToolTip(f"Retirer l'enfant {index + 1} du formulaire")

    def follow_family_name(self, old: str, new: str) -> None:
        """A child's last name is the family's, until the agent types another one."""
        self.family_name = new
        for row in self.rows:
            if row.last_name.text() == old:
                row.last_name.setText(new)

    def filled_rows(self) -> list[ChildRow]:
        return [row for row in self.rows if not row.is_blank()]

    def focus_chain(self) -> list[QWidget]:
        return [w for row in self.rows for w in row.focus_chain()] + [self.add_button]

    def clear_errors(self) -> None:
        self.error.show_error("")
        for row in self.rows:
            row.clear_errors()


class AllowanceSection(QGroupBox):
    """CAF, MSA or none, the allocataire number, the QF and its validity."""

    def __init__(self, today: date, parent: QWidget | None = None):
        super().__init__("Prestations familiales et quotient familial", parent)
        self.scheme_group = QButtonGroup(self)
        schemes = QWidget()
        schemes_layout = QHBoxLayout(schemes)
        schemes_layout.setContentsMargins(0, 0, 0, 0)
        self.scheme_buttons: dict[AllowanceScheme, QRadioButton] = {}
        for text, scheme in SCHEMES:
            button = QRadioButton(text)
            self.scheme_group.addButton(button)
            self.scheme_buttons[scheme] = button
            schemes_layout.addWidget(button)
        schemes_layout.addStretch(1)
        self.scheme_buttons[AllowanceScheme.CAF].setChecked(True)
        schemes.setFocusProxy(self.scheme_buttons[AllowanceScheme.CAF])
        self.number = QLineEdit()
        self.number.setMaxLength(20)
        self.quotient = QLineEdit()
        self.quotient.setValidator(QIntValidator(0, 99999, self.quotient))
        self.quotient.setPlaceholderText("ex. 712")
        self.quotient_from = DateField(today=today)
        self.quotient_from.set_date(date(today.year, 1, 1))
        self.quotient_to = DateField(today=today)
        self.notes = QLineEdit()
        self.fields: dict[str, FormField] = {
            "allowance_scheme": FormField("Régime", schemes),
            "allowance_number": FormField("N° allocataire", self.number, required=True),
            "quotient": FormField("Quotient familial (QF)", self.quotient),
            "quotient_from": FormField("QF valable du", self.quotient_from),
            "quotient_to": FormField("au (facultatif)", self.quotient_to),
            "notes": FormField("Remarques (usage interne)", self.notes),
        }
        grid = QGridLayout(self)
        grid.setHorizontalSpacing(12)
        for column, key in enumerate(
            ("allowance_scheme", "allowance_number", "quotient", "quotient_from", "quotient_to")
        ):
            grid.addWidget(self.fields[key], 0, column)
        grid.addWidget(self.fields["notes"], 1, 0, 1, 5)
        for column, stretch in enumerate((2, 2, 1, 0, 0)):
            grid.setColumnStretch(column, stretch)
        self.scheme_group.buttonToggled.connect(self._scheme_changed)
        self._scheme_changed()

    def scheme(self) -> AllowanceScheme:
        return next(s for s, b in self.scheme_buttons.items() if b.isChecked())

    def _scheme_changed(self) -> None:
        scheme = self.scheme()
        self.number.setEnabled(scheme is not AllowanceScheme.NONE)
        label = self.fields["allowance_number"].label
        if label is not None:
            name = (
                "N° allocataire"
                if scheme is AllowanceScheme.NONE
                else f"N° allocataire {scheme.value.upper()}"
            )
            label.setText(name + (" *" if scheme is not AllowanceScheme.NONE else ""))

    def focus_chain(self) -> list[QWidget]:
        return [
            *self.scheme_buttons.values(),
            self.number,
            self.quotient,
            self.quotient_from,
            self.quotient_to,
            self.notes,
        ]


def paper_only_note(login_email: QLineEdit) -> QLabel:
    """What an empty login e-mail means, shown while the field is empty."""
    note = QLabel(
        "Sans e-mail : famille sans portail (papier seulement). Aucun compte n'est créé "
        "sur le portail ; factures et réponses lui sont envoyées par courrier. Le compte "
        "pourra être créé plus tard depuis « Modifier la famille »."
    )
    note.setWordWrap(True)
    note.setStyleSheet("color: #8a5a00;")
    login_email.textChanged.connect(lambda text: note.setVisible(not text.strip()))
    return note
