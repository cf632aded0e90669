"""Paramètres › Personnel: the staff accounts (direction, administrateur).

A list of accounts, and below it the chosen one (or a new one): name, role, medical
right, régies of a régisseur, password. Accounts are disabled, never deleted (the audit
trail names them). Every change goes through :mod:`backoffice.services.staff.accounts`,
which checks the role again.
"""

from __future__ import annotations

from backoffice.errors import UserError
from backoffice.models import ROLE_LABELS, Role
from backoffice.services.common.actors import Actor
from backoffice.services.staff.accounts import (
    StaffRow,
    create_staff,
    list_staff,
    regie_choices,
    reset_password,
    set_active,
    set_roles,
)
from backoffice.services.staff.passwords import (
    IDENTIFICATION_LABELS,
    Identification,
    identification,
    set_identification,
)
from backoffice.storage import Database
from backoffice.ui.qt import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from backoffice.ui.widgets.labels import ErrorLabel, muted_label

COLUMNS = ("Identifiant", "Nom", "Rôle", "Droit médical", "Régies", "Mot de passe", "État")
ROLE_ORDER = (Role.AGENT, Role.ACCOUNTANT, Role.DIRECTOR, Role.ADMIN)
ROLE_HINTS = {
    Role.AGENT: "familles, dossiers, demandes, planning, présences",
    Role.ACCOUNTANT: "facturation et paiements des régies attribuées",
    Role.DIRECTOR: "tout l'accueil, catalogue, tarifs, paramètres, personnel",
    Role.ADMIN: "tout",
}


class StaffPage(QWidget):
    def __init__(self, db: Database, actor: Actor, runner=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.rows: list[StaffRow] = []
        self.current: StaffRow | None = None

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setAccessibleName("Membres du personnel")
        self.table.itemSelectionChanged.connect(self._selected)

        self.new_button = QPushButton("Nouveau membre du personnel")
        self.new_button.clicked.connect(self.start_new)

        # -- the account form -------------------------------------------------------
        self.form_box = QGroupBox("Nouveau membre du personnel")
        self.login_edit = QLineEdit()
        self.login_edit.setPlaceholderText("compte Windows ou identifiant de connexion")
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("Prénom Nom")
        self.role_combo = QComboBox()
        for role in ROLE_ORDER:
            self.role_combo.addItem(f"{ROLE_LABELS[role]} — {ROLE_HINTS[role]}", role)
        self.role_combo.currentIndexChanged.connect(self._role_changed)
        self.medical_check = QCheckBox(
            "Droit médical : voit et modifie la fiche sanitaire (chaque consultation est tracée)"
        )
        self.regies_list = QListWidget()
        self.regies_list.setMaximumHeight(90)
        self.regies_list.setAccessibleName("Régies attribuées")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("8 caractères au moins")
        form = QFormLayout()
        form.addRow("Identifiant :", self.login_edit)
        form.addRow("Prénom et nom :", self.name_edit)
        form.addRow("Rôle :", self.role_combo)
        form.addRow("", self.medical_check)
        form.addRow("Régies (régisseur) :", self.regies_list)
        form.addRow("", muted_label("Aucune régie cochée : le régisseur les gère toutes."))
        self.password_label = QLabel("Mot de passe :")
        form.addRow(self.password_label, self.password_edit)
        self.save_button = QPushButton("Créer le compte")
        self.save_button.clicked.connect(self.save)
        self.password_button = QPushButton("Donner ce nouveau mot de passe")
        self.password_button.clicked.connect(self.give_password)
        self.active_button = QPushButton("Désactiver le compte")
        self.active_button.clicked.connect(self.toggle_active)
        self.error = ErrorLabel()
        self.done = QLabel()
        self.done.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.password_button)
        buttons.addStretch(1)
        buttons.addWidget(self.active_button)
        box = QVBoxLayout(self.form_box)
        box.addLayout(form)
        box.addWidget(self.error)
        box.addWidget(self.done)
        box.addLayout(buttons)

        self.mode_combo = QComboBox()
        for mode in Identification:
            self.mode_combo.addItem(IDENTIFICATION_LABELS[mode], mode)
        self.mode_combo.setEnabled(db.is_sqlite)
        self.mode_combo.activated.connect(self._mode_chosen)
        mode_row = QHBoxLayout()
        mode_row.addWidget(QLabel("Identification des agents :"))
        mode_row.addWidget(self.mode_combo)
        mode_row.addWidget(
            muted_label("" if db.is_sqlite else "base partagée : toujours par mot de passe"), 1
        )

        top = QHBoxLayout()
        top.addWidget(
            muted_label(
                "Les comptes ne sont jamais supprimés : un agent qui part est désactivé, "
                "son nom reste dans l'historique."
            ),
            1,
        )
        top.addWidget(self.new_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.form_box)
        layout.addLayout(mode_row)
        self.refresh()
        self.start_new()

    # -- loading ---------------------------------------------------------------------
    def refresh(self) -> None:
        with self.db.session() as session:
            self.rows = list_staff(session, self.actor)
            regies = regie_choices(session)
            mode = identification(session)
        self.mode_combo.setCurrentIndex(self.mode_combo.findData(mode))
        self.regies_list.clear()
        for regie_id, label in regies:
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, regie_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.regies_list.addItem(item)
        if not regies:
            self.regies_list.addItem("Aucune régie : elles se créent dans le catalogue.")
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            values = (
                row.login,
                row.full_name,
                row.role_label,
                "oui" if row.medical_access else "non",
                (", ".join(row.regies) or "toutes") if row.role is Role.ACCOUNTANT else "",
                "défini" if row.has_password else "aucun",
                "actif" if row.active else "désactivé",
            )
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if not row.active:
                    item.setForeground(Qt.GlobalColor.gray)
                self.table.setItem(r, c, item)
        self.table.blockSignals(False)
        if self.current is not None:
            self.select(self.current.login)

    def select(self, login: str) -> None:
        for r, row in enumerate(self.rows):
            if row.login == login:
                self.table.selectRow(r)
                self._show(row)
                return

    def _selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self._show(self.rows[rows[0].row()])

    def _show(self, row: StaffRow) -> None:
        self.current = row
        self.form_box.setTitle(f"Compte de {row.full_name or row.login}")
        self.login_edit.setText(row.login)
        self.login_edit.setReadOnly(True)
        self.name_edit.setText(row.full_name)
        self.role_combo.setCurrentIndex(self.role_combo.findData(row.role))
        self.medical_check.setChecked(row.medical_access)
        self._check_regies(row.regies)
        self.password_edit.clear()
        self.password_label.setText("Nouveau mot de passe :")
        self.save_button.setText("Enregistrer les modifications")
        self.password_button.setVisible(True)
        self.active_button.setVisible(True)
        self.active_button.setText("Désactiver le compte" if row.active else "Réactiver le compte")
        self.error.show_error("")
        self.done.setText("")
        self._role_changed()

    def _check_regies(self, codes) -> None:
        for i in range(self.regies_list.count()):
            item = self.regies_list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) is None:
                continue  # the « no régie » line
            code = item.text().split(" — ")[0]
            item.setCheckState(Qt.CheckState.Checked if code in codes else Qt.CheckState.Unchecked)

    def start_new(self) -> None:
        self.current = None
        self.table.clearSelection()
        self.form_box.setTitle("Nouveau membre du personnel")
        self.login_edit.clear()
        self.login_edit.setReadOnly(False)
        self.name_edit.clear()
        self.role_combo.setCurrentIndex(0)
        self.medical_check.setChecked(False)
        self._check_regies(())
        self.password_edit.clear()
        self.password_label.setText("Mot de passe :")
        self.save_button.setText("Créer le compte")
        self.password_button.setVisible(False)
        self.active_button.setVisible(False)
        self.error.show_error("")
        self.done.setText("")
        self._role_changed()

    def _role_changed(self) -> None:
        self.regies_list.setEnabled(self.role_combo.currentData() == Role.ACCOUNTANT)

    def _chosen_regies(self) -> list[int]:
        return [
            self.regies_list.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.regies_list.count())
            if self.regies_list.item(i).data(Qt.ItemDataRole.UserRole) is not None
            and self.regies_list.item(i).checkState() == Qt.CheckState.Checked
        ]

    # -- actions ---------------------------------------------------------------------
    def _run(self, action, done: str) -> bool:
        self.error.show_error("")
        self.done.setText("")
        try:
            with self.db.session() as session:
                login = action(session)
        except UserError as exc:
            self.error.show_error(str(exc))
            return False
        self.current = None
        self.refresh()
        self.select(login)
        self.done.setText(done)
        return True

    def save(self) -> None:
        role = Role(self.role_combo.currentData())
        regies = self._chosen_regies() if role is Role.ACCOUNTANT else []
        if self.current is None:
            password = self.password_edit.text() or None

            def create(session) -> str:
                return create_staff(
                    session, self.actor, self.login_edit.text(), self.name_edit.text(), role,
                    medical_access=self.medical_check.isChecked(), regies=regies,
                    password=password,
                ).login  # fmt: skip

            self._run(create, "Compte créé.")
            return
        login = self.current.login

        def update(session) -> str:
            user = set_roles(
                session, self.actor, login, role=role,
                medical_access=self.medical_check.isChecked(), regies=regies,
                full_name=self.name_edit.text(),
            )  # fmt: skip
            if self.password_edit.text():
                reset_password(session, self.actor, login, self.password_edit.text())
            return user.login

        self._run(update, "Modifications enregistrées.")

    def give_password(self) -> None:
        if self.current is None:
            return
        login, password = self.current.login, self.password_edit.text()
        if not password:
            self.error.show_error(
                "Tapez le nouveau mot de passe dans le champ « Nouveau mot de passe »."
            )
            return
        self._run(
            lambda s: reset_password(s, self.actor, login, password).login,
            "Nouveau mot de passe enregistré : communiquez-le à l'agent.",
        )

    def toggle_active(self) -> None:
        if self.current is None:
            return
        login, active = self.current.login, not self.current.active
        self._run(
            lambda s: set_active(s, self.actor, login, active).login,
            "Compte réactivé." if active else "Compte désactivé (il reste dans l'historique).",
        )

    def _mode_chosen(self) -> None:
        mode = Identification(self.mode_combo.currentData())
        from backoffice.services.common.permissions import Permission, require

        def save(session) -> str:
            require(session, self.actor, Permission.SETTINGS, "changer le mode d'identification")
            set_identification(session, mode)
            return self.current.login if self.current else ""

        without = [r.login for r in self.rows if r.active and not r.has_password]
        warning = (
            f" Sans mot de passe, ces comptes ne pourront plus se connecter : {', '.join(without)}."
            if mode is Identification.PASSWORD and without
            else ""
        )
        self._run(save, f"Identification des agents : {IDENTIFICATION_LABELS[mode]}.{warning}")
