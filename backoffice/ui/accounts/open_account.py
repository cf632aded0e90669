# Long module: the account-opening dialog (family, guardians, children, duplicates, paper-only note, loading a filled PDF form) and its French checks in one window.
"""Opening a family account from the form the parents mailed in.

The dialog follows the paper form top to bottom; Tab and Enter go to the next
field (Enter never saves half a form). "Enregistrer" checks the whole form
(service), shows every error under its field plus a summary, then looks for
look-alike families and shows them before anything is created.
"""

from __future__ import annotations

import copy
import re
from datetime import date
from html import escape

from backoffice.dates import date_error
from backoffice.errors import UserError
from backoffice.models import AllowanceScheme
from backoffice.services.common.actors import Actor
from backoffice.services.common.validation import FieldErrors
from backoffice.services.families.accounts import (
    PAPER_ONLY_NOTE,
    AccountForm,
    check_account_form,
    find_duplicates,
    open_account,
)
from backoffice.storage import Database
from backoffice.ui import dialogs
from backoffice.ui.accounts import form_pdf_loader
from backoffice.ui.accounts.duplicates import DuplicatesPanel
from backoffice.ui.accounts.sections import (
    AllowanceSection,
    ChildrenSection,
    ChildRow,
    GuardianBox,
    paper_only_note,
)
from backoffice.ui.qt import (
    QAbstractButton,
    QButtonGroup,
    QDialog,
    QFrame,
    QGroupBox,
    QGuiApplication,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QShortcut,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from backoffice.ui.widgets import (
    ERROR_BACKGROUND,
    ERROR_COLOUR,
    LANDLINE_PLACEHOLDER,
    ErrorLabel,
    FormField,
    PhoneField,
    PostcodeCommuneField,
)

TITLE = "Ouvrir un compte famille"
_REQUIRED = re.compile(r"^Le champ « [^»]* » est obligatoire\.$")
_TRAILING_LABEL = re.compile(r" \((?:[^()]|\([^()]*\))*\)\.$")
SUMMARY_LIMIT = 8
PREFERRED_SIZE = (1220, 740)


def field_message(message: str) -> str:
    """The message as shown under its field, where the label is right above it:
    "Le champ « Nom du responsable 1 » est obligatoire." → "Champ obligatoire.";
    "« 12 » n'est pas un numéro … valide (Portable du responsable 1)." loses its
    last parenthesis. The summary keeps the full messages."""
    if _REQUIRED.match(message):
        return "Champ obligatoire."
    match = _TRAILING_LABEL.search(message)
    if match and "," not in match.group(0):  # a list of communes is kept
        return message[: match.start()] + "."
    return message


class ErrorSummary(QLabel):
    """The list of what is wrong, at the top, above the scrolled form."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("errorSummary")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setStyleSheet(
            f"#errorSummary {{ color: {ERROR_COLOUR}; background-color: {ERROR_BACKGROUND};"
            f" border: 1px solid {ERROR_COLOUR}; border-radius: 4px; padding: 6px; }}"
        )
        self.messages: list[str] = []
        self.hide()

    def show_messages(self, messages: list[str]) -> None:
        self.messages = list(messages)
        if not messages:
            self.hide()
            return
        count = len(messages)
        head = "1 erreur à corriger" if count == 1 else f"{count} erreurs à corriger"
        items = "".join(f"<li>{escape(m, quote=False)}</li>" for m in messages[:SUMMARY_LIMIT])
        more = f"<li>… et {count - SUMMARY_LIMIT} autres</li>" if count > SUMMARY_LIMIT else ""
        self.setText(
            f"<b>Le compte n'est pas encore enregistré : {head}.</b>"
            f"<ul style='margin-top:2px; margin-bottom:0px'>{items}{more}</ul>"
        )
        self.show()


class OpenAccountDialog(QDialog):
    account_opened = Signal(int)  # the new family's id, after a successful save
    open_existing = Signal(int)  # a look-alike family the agent chose to open instead

    def __init__(
        self,
        db: Database,
        actor: Actor,
        parent: QWidget | None = None,
        today: date | None = None,
    ):
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.today = today or date.today()
        self.family_id: int | None = None
        self.setWindowTitle(TITLE)
        self.setModal(True)
        self._build()
        self._family_name_shown = ""
        self.family_name.textChanged.connect(self._family_name_changed)
        self.children_section.add_row()
        self.children_section.rowsChanged.connect(self._set_tab_order)
        self._set_tab_order()
        self._initial_form = self.collect()[0]
        self._size_to_screen()
        self.family_name.setFocus()

    # --- building ------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Saisissez le formulaire d'ouverture de compte dans l'ordre du papier : Tab ou Entrée"
            " passent au champ suivant. Les champs marqués d'un astérisque (*) sont obligatoires."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.summary = ErrorSummary()
        layout.addWidget(self.summary)
        self.duplicates = DuplicatesPanel()
        self.duplicates.openRequested.connect(self._open_existing)
        self.duplicates.createAnyway.connect(lambda: self._create(check_duplicates=False))
        layout.addWidget(self.duplicates)

        content = QWidget()
        form_layout = QVBoxLayout(content)
        form_layout.setContentsMargins(0, 0, 6, 0)
        form_layout.addWidget(self._build_family())
        self.payer_group = QButtonGroup(self)
        self.guardian1 = GuardianBox(1, self.payer_group)
        self.guardian2 = GuardianBox(2, self.payer_group)
        self.guardian1.payer.setChecked(True)
        guardians = QHBoxLayout()
        guardians.addWidget(self.guardian1, 1)
        guardians.addWidget(self.guardian2, 1)
        form_layout.addLayout(guardians)
        self.guardians_error = ErrorLabel()
        form_layout.addWidget(self.guardians_error)
        self.children_section = ChildrenSection(self.today)
        form_layout.addWidget(self.children_section)
        self.allowance = AllowanceSection(self.today)
        form_layout.addWidget(self.allowance)
        form_layout.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes from field to field
        self.scroll.setWidget(content)
        layout.addWidget(self.scroll, 1)

        buttons = QHBoxLayout()
        note = QLabel(
            "Le compte est créé « en attente d'activation » ; le portail enverra le lien"
            " d'activation aux parents à la prochaine synchronisation (sans e-mail : courrier)."
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #555555;")
        buttons.addWidget(note, 1)
        self.load_pdf_button = form_pdf_loader.install(self, buttons)  # the mailed PDF form
        self.cancel_button = QPushButton("Annuler")
        self.cancel_button.clicked.connect(self.reject)
        self.save_button = QPushButton("&Enregistrer")
        self.save_button.setToolTip("Vérifier puis créer le compte (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        for button in (self.cancel_button, self.save_button):
            button.setAutoDefault(False)
            button.setDefault(False)
            buttons.addWidget(button)
        layout.addLayout(buttons)
        save = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self)
        save.activated.connect(self.save)

    def _build_family(self) -> QGroupBox:
        box = QGroupBox("Famille")
        self.family_name = QLineEdit()
        self.family_name.setMaxLength(120)
        self.address_line1 = QLineEdit()
        self.address_line1.setPlaceholderText("12 rue du Mail")
        self.address_line2 = QLineEdit()
        self.address_line2.setPlaceholderText("Bâtiment, lieu-dit… (facultatif)")
        self.commune = PostcodeCommuneField()
        self.phone = PhoneField(placeholder=LANDLINE_PLACEHOLDER)
        self.login_email = QLineEdit()
        self.login_email.setPlaceholderText(
            "adresse des parents : le lien d'activation y sera envoyé"
        )
        self.billing_email = QLineEdit()
        self.billing_email.setPlaceholderText("si différent de l'identifiant")
        self.paper_note = paper_only_note(self.login_email)
        self.family_fields = {
            "family_name": FormField("Nom de la famille", self.family_name, required=True),
            "address": FormField("Adresse", self.address_line1, required=True),
            "address_line2": FormField("Complément d'adresse", self.address_line2),
            "postcode": FormField("Code postal et commune", self.commune, required=True),
            "phone": FormField("Téléphone du foyer", self.phone),
            "login_email": FormField("E-mail (identifiant du portail)", self.login_email),
            "billing_email": FormField("E-mail de facturation", self.billing_email),
        }
        # Two independent columns (address, then contact), so an error shown in one
        # does not push the fields of the other apart.
        columns = QHBoxLayout(box)
        columns.setSpacing(16)
        for keys in (
            ("family_name", "address", "address_line2", "postcode"),
            ("phone", "login_email", "billing_email"),
        ):
            column = QVBoxLayout()
            column.setSpacing(6)
            for key in keys:
                column.addWidget(self.family_fields[key])
                if key == "login_email":
                    column.addWidget(self.paper_note)
            column.addStretch(1)
            columns.addLayout(column, 1)
        return box

    def _focus_chain(self) -> list[QWidget]:
        return [
            self.duplicates.table,
            self.duplicates.open_button,
            self.duplicates.create_button,
            self.family_name,
            self.address_line1,
            self.address_line2,
            self.commune.postcode_edit,
            self.commune.commune_edit,
            self.phone,
            self.login_email,
            self.billing_email,
            *self.guardian1.focus_chain(),
            *self.guardian2.focus_chain(),
            *self.children_section.focus_chain(),
            *self.allowance.focus_chain(),
            self.save_button,
            self.cancel_button,
        ]

    def _set_tab_order(self) -> None:
        chain = self._focus_chain()
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def _size_to_screen(self) -> None:
        width, height = PREFERRED_SIZE
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is not None:
            available = screen.availableGeometry()
            width = min(width, max(available.width() - 40, 640))
            height = min(height, max(available.height() - 40, 480))
        self.resize(width, height)

    def _family_name_changed(self, text: str) -> None:
        old, self._family_name_shown = self._family_name_shown, text
        self.children_section.follow_family_name(old, text)
        if self.guardian1.last_name.text() == old:
            self.guardian1.last_name.setText(text)

    # --- reading the form ----------------------------------------------------------

    def collect(self) -> tuple[AccountForm, dict[str, str], list[ChildRow]]:
        """The form as typed, what cannot even be read (dates), and the children rows used."""
        unreadable: dict[str, str] = {}
        guardians = [self.guardian1.form()]
        if not self.guardian2.is_blank():
            guardians.append(self.guardian2.form())
        rows = self.children_section.filled_rows()
        for i, row in enumerate(rows):
            if not row.birth_date.is_valid():
                unreadable[f"children[{i}].birth_date"] = date_error(
                    row.birth_date.text(), f"date de naissance de l'enfant {i + 1}"
                )
        a = self.allowance
        for key, field, label in (
            ("quotient_from", a.quotient_from, "QF valable du"),
            ("quotient_to", a.quotient_to, "QF valable jusqu'au"),
        ):
            if not field.is_valid():
                unreadable[key] = date_error(field.text(), label)
        quotient_text = a.quotient.text().strip()
        form = AccountForm(
            family_name=self.family_name.text(),
            address_line1=self.address_line1.text(),
            address_line2=self.address_line2.text(),
            postcode=self.commune.postcode(),
            commune=self.commune.commune(),
            phone=self.phone.text(),
            login_email=self.login_email.text(),
            billing_email=self.billing_email.text(),
            allowance_scheme=a.scheme(),
            allowance_number=a.number.text() if a.scheme() is not AllowanceScheme.NONE else "",
            quotient=int(quotient_text) if quotient_text.isdigit() else None,
            quotient_from=a.quotient_from.date(),
            quotient_to=a.quotient_to.date(),
            notes=a.notes.text(),
            guardians=guardians,
            children=[row.form() for row in rows],
        )
        return form, unreadable, rows

    def is_dirty(self) -> bool:
        return self.collect()[0] != self._initial_form

    # --- errors --------------------------------------------------------------------

    def _error_targets(self, rows: list[ChildRow]) -> list[tuple[str, object, QWidget]]:
        """(field key, how to show its error, widget to focus), in the form's order."""
        f = self.family_fields
        targets: list[tuple[str, object, QWidget]] = [
            (key, f[key].set_error, f[key].field)
            for key in (
                "family_name",
                "address",
                "postcode",
                "phone",
                "login_email",
                "billing_email",
            )
        ]
        for i, box in enumerate((self.guardian1, self.guardian2)):
            for name in (
                "last_name",
                "first_name",
                "email",
                "mobile_phone",
                "home_phone",
                "work_phone",
            ):
                targets.append(
                    (f"guardians[{i}].{name}", box.fields[name].set_error, box.fields[name].field)
                )
        targets.append(("guardians", self.guardians_error.show_error, self.guardian1.payer))
        for i, row in enumerate(rows):
            for name in ChildRow.FIELDS:
                targets.append(
                    (
                        f"children[{i}].{name}",
                        lambda m, r=row, n=name: r.set_error(n, m),
                        row.field(name),
                    )
                )
        children = self.children_section
        targets.append(("children", children.error.show_error, children.add_button))
        for key in ("allowance_number", "quotient", "quotient_from", "quotient_to"):
            field = self.allowance.fields[key]
            targets.append((key, field.set_error, field.field))
        return targets

    def clear_errors(self) -> None:
        self.summary.show_messages([])
        for field in self.family_fields.values():
            field.clear_error()
        for box in (self.guardian1, self.guardian2):
            for field in box.fields.values():
                field.clear_error()
        self.guardians_error.show_error("")
        self.children_section.clear_errors()
        for field in self.allowance.fields.values():
            field.clear_error()

    def show_errors(self, errors: dict[str, str], rows: list[ChildRow]) -> None:
        """Each message under its field, all of them in the summary; focus the first."""
        messages: list[str] = []
        first: QWidget | None = None
        known = set()
        for key, show, widget in self._error_targets(rows):
            known.add(key)
            if key in errors:
                show(field_message(errors[key]))
                messages.append(errors[key])
                first = first or widget
        messages += [message for key, message in errors.items() if key not in known]
        self.summary.show_messages(messages)
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)
            self.scroll.ensureWidgetVisible(first, 50, 80)

    def _show_clean(self, form: AccountForm) -> None:
        """The normalised values (phones, e-mails, commune spelling) back in the fields."""
        self.commune.set_value(form.postcode, form.commune)
        self.phone.setText(form.phone)
        self.login_email.setText(form.login_email)
        for box, clean in zip((self.guardian1, self.guardian2), form.guardians, strict=False):
            box.show_clean(clean)

    # --- saving --------------------------------------------------------------------

    def save(self) -> None:
        """Check, look for duplicates, then create (the "Enregistrer" button)."""
        self._create(check_duplicates=True)

    def _create(self, *, check_duplicates: bool) -> None:
        self.clear_errors()
        form, unreadable, rows = self.collect()
        try:
            clean = check_account_form(copy.deepcopy(form), self.today).form
        except FieldErrors as exc:
            self.show_errors({**exc.errors, **unreadable}, rows)
            return
        if unreadable:
            self.show_errors(unreadable, rows)
            return
        self._show_clean(clean)
        if check_duplicates:
            with self.db.session() as session:
                duplicates = find_duplicates(session, clean)
            if duplicates:
                self.duplicates.show_duplicates(duplicates)
                self.duplicates.create_button.setFocus()
                return
        self.duplicates.clear()
        try:
            with self.db.session() as session:
                family = open_account(session, self.actor, copy.deepcopy(form), self.today)
                family_id, code, name = family.id, family.code, family.name
        except FieldErrors as exc:
            self.show_errors(exc.errors, rows)
            return
        except UserError as exc:
            dialogs.warning(self, str(exc))
            return
        self.family_id = family_id
        message = (
            f"Le compte de la famille {name} ({code}) est créé, en attente d'activation.\n"
            "Le portail enverra le lien d'activation aux parents à la prochaine synchronisation."
            if clean.login_email
            else f"La famille {name} ({code}) est créée.\n{PAPER_ONLY_NOTE}"
        )
        dialogs.information(self, message, title="Compte famille créé")
        self.account_opened.emit(family_id)
        self.done(QDialog.DialogCode.Accepted)

    def _open_existing(self, family_id: int) -> None:
        self.open_existing.emit(family_id)
        self.done(QDialog.DialogCode.Rejected)

    # --- keyboard and closing ------------------------------------------------------

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        """Enter goes to the next field; on a button it presses it. It never saves the form."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            focused = self.focusWidget()
            if isinstance(focused, QAbstractButton) and not isinstance(focused, QRadioButton):
                focused.click()
            else:
                self.focusNextChild()
            return
        super().keyPressEvent(event)

    def reject(self) -> None:
        """Closing with something typed asks first: a half-typed form is not lost by accident."""
        if self.family_id is None and self.is_dirty():
            abandon = dialogs.ask(
                self,
                "Abandonner la saisie de ce compte ? Ce qui a été saisi sera perdu.",
                yes="Abandonner la saisie",
                no="Continuer la saisie",
                unattended=True,
                title=TITLE,
            )
            if not abandon:
                return
        super().reject()
