"""Who is at the keyboard, before the main window: the login dialog (shared database, or
the « mot de passe » setting) and the first-run wizard creating the first administrator.

:func:`sign_in` decides: a new empty database → :class:`FirstRunDialog`; passwords →
:class:`LoginDialog`; otherwise the Windows session (``current_actor``). The demo and the
tests (SQLite, ``BACKOFFICE_USER`` set) start without any dialog.
"""

from __future__ import annotations

import os

from backoffice import __version__
from backoffice.errors import UserError
from backoffice.services.common.actors import Actor, current_actor, os_login
from backoffice.services.staff.accounts import create_first_admin, has_staff
from backoffice.services.staff.passwords import (
    IDENTIFICATION_LABELS,
    Identification,
    authenticate,
    identification,
    set_identification,
)
from backoffice.storage import Database
from backoffice.ui.qt import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFont,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)
from backoffice.ui.widgets.labels import ErrorLabel, muted_label

TITLE = "Portail Famille — connexion"
WIZARD_TITLE = "Portail Famille — premier démarrage"


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * 1.35)
    font.setBold(True)
    label.setFont(font)
    return label


class LoginDialog(QDialog):
    """Identifiant + mot de passe; a wrong pair is told without saying which part."""

    def __init__(self, db: Database, login: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.actor: Actor | None = None
        self.setWindowTitle(TITLE)
        self.setMinimumWidth(420)
        self.login_edit = QLineEdit(login)
        self.login_edit.setAccessibleName("Identifiant")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setAccessibleName("Mot de passe")
        self.error = ErrorLabel()
        form = QFormLayout()
        form.addRow("Identifiant :", self.login_edit)
        form.addRow("Mot de passe :", self.password_edit)
        buttons = QDialogButtonBox()
        self.ok_button = buttons.addButton("Se connecter", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("Quitter", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.try_login)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(_heading("Connexion au back-office"))
        layout.addWidget(muted_label(f"Base de données : {db.description}"))
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(
            muted_label(
                "Mot de passe oublié ? Demandez à la direction ou à un administrateur de vous "
                f"en donner un nouveau (Paramètres › Personnel). Version {__version__}."
            )
        )
        layout.addWidget(buttons)
        (self.password_edit if login else self.login_edit).setFocus()

    def try_login(self) -> None:
        login, password = self.login_edit.text().strip(), self.password_edit.text()
        if not login or not password:
            self.error.show_error("Indiquez votre identifiant et votre mot de passe.")
            return
        try:
            with self.db.session() as session:
                self.actor = authenticate(session, login, password)
        except UserError as exc:
            self.password_edit.clear()
            self.password_edit.setFocus()
            self.error.show_error(str(exc))
            return
        self.accept()


class FirstRunDialog(QDialog):
    """A new database has no staff: its first administrator is created here."""

    def __init__(self, db: Database, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.actor: Actor | None = None
        self.setWindowTitle(WIZARD_TITLE)
        self.setMinimumWidth(520)
        self.login_edit = QLineEdit(os_login())
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("Prénom Nom")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm_edit = QLineEdit()
        self.confirm_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow("Identifiant :", self.login_edit)
        form.addRow("Prénom et nom :", self.name_edit)
        form.addRow("Mot de passe :", self.password_edit)
        form.addRow("Confirmation :", self.confirm_edit)

        self.windows_radio = QRadioButton(
            IDENTIFICATION_LABELS[Identification.WINDOWS] + " (un seul poste)"
        )
        self.password_radio = QRadioButton(
            IDENTIFICATION_LABELS[Identification.PASSWORD] + " demandé à chaque démarrage"
        )
        group = QButtonGroup(self)
        group.addButton(self.windows_radio)
        group.addButton(self.password_radio)
        self.password_radio.setChecked(True)
        self.error = ErrorLabel()
        buttons = QDialogButtonBox()
        buttons.addButton("Créer le compte administrateur", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("Quitter", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.create)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(_heading("Bienvenue dans le back-office Portail Famille"))
        layout.addWidget(
            muted_label(
                "Cette base de données est neuve : aucun membre du personnel n'y est encore "
                "enregistré. Créez le compte du premier administrateur ; il ajoutera ensuite "
                "les autres agents dans Paramètres › Personnel."
            )
        )
        layout.addWidget(muted_label(f"Base de données : {db.description}"))
        layout.addSpacing(6)
        layout.addLayout(form)
        if db.is_sqlite:
            layout.addWidget(QLabel("Identification des agents :"))
            layout.addWidget(self.password_radio)
            layout.addWidget(self.windows_radio)
        else:
            layout.addWidget(
                muted_label("Base partagée : chaque agent se connecte avec son mot de passe.")
            )
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.name_edit.setFocus()

    def create(self) -> None:
        if self.password_edit.text() != self.confirm_edit.text():
            self.error.show_error("Les deux mots de passe ne sont pas identiques.")
            return
        try:
            with self.db.session() as session:
                self.actor = create_first_admin(
                    session,
                    self.login_edit.text(),
                    self.name_edit.text(),
                    self.password_edit.text(),
                )
                set_identification(
                    session,
                    Identification.WINDOWS
                    if self.db.is_sqlite and self.windows_radio.isChecked()
                    else Identification.PASSWORD,
                )
        except UserError as exc:
            self.actor = None
            self.error.show_error(str(exc))
            return
        self.accept()


def sign_in(db: Database, parent: QWidget | None = None) -> Actor | None:
    """The agent at the keyboard, or None when they gave up (Quitter).
    Raises ``PermissionDenied`` for an unknown or disabled Windows login."""
    with db.session() as session:
        empty = not has_staff(session)
        mode = identification(session)
    preset = bool(os.environ.get("BACKOFFICE_USER"))
    if empty and not (preset and db.is_sqlite):
        dialog: FirstRunDialog | LoginDialog = FirstRunDialog(db, parent)
    elif mode is Identification.PASSWORD and not empty:
        dialog = LoginDialog(db, os_login(), parent)
    else:
        with db.session() as session:
            return current_actor(session)
    dialog.exec()
    return dialog.actor
