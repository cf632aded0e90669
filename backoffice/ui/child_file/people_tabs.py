"""« Personnes à contacter en cas d'urgence » and « Personnes autorisées à venir
chercher l'enfant »: lists with Ajouter / Modifier / Supprimer, saved at once."""

from __future__ import annotations

from typing import Protocol

from backoffice.errors import UserError
from backoffice.services.child_file.contacts import (
    ContactForm,
    add_contact,
    delete_contact,
    link_contact,
    set_authorised_pickup,
    update_contact,
)
from backoffice.services.child_file.editing import ChildFile, ContactLine
from backoffice.services.common.actors import Actor
from backoffice.storage import Database
from backoffice.ui import dialogs
from backoffice.ui.child_file.contact_dialog import ContactDialog
from backoffice.ui.qt import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from backoffice.ui.widgets import muted_label


class FileEditor(Protocol):
    """What the tabs need of the child-file dialog that holds them."""

    db: Database
    actor: Actor
    child_id: int
    file: ChildFile

    def people_changed(self) -> None: ...


PERSON_ID_ROLE = Qt.ItemDataRole.UserRole + 1


def _table(headers: tuple[str, ...], name: str) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setTabKeyNavigation(False)
    table.verticalHeader().hide()
    table.setAccessibleName(name)
    header = table.horizontalHeader()
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, people: tuple[ContactLine, ...], cells) -> None:
    current = table.currentRow()
    table.setRowCount(len(people))
    for row, person in enumerate(people):
        for column, text in enumerate(cells(person)):
            item = QTableWidgetItem(text)
            item.setData(PERSON_ID_ROLE, person.person_id)
            table.setItem(row, column, item)
    if people:
        table.selectRow(min(max(current, 0), len(people) - 1))


class _PeopleTab(QWidget):
    def __init__(self, editor: FileEditor):
        super().__init__()
        self.editor = editor
        self.contact_dialog: ContactDialog | None = None
        self.people: tuple[ContactLine, ...] = ()

    def selected(self) -> ContactLine | None:
        row = self.table.currentRow()
        return self.people[row] if 0 <= row < len(self.people) else None

    def select_person(self, person_id: int) -> None:
        for row, person in enumerate(self.people):
            if person.person_id == person_id:
                self.table.selectRow(row)

    def _run(self, action) -> bool:
        """A service call in its own transaction; a refusal is shown, not raised."""
        editor = self.editor
        try:
            with editor.db.session() as session:
                action(session)
        except UserError as exc:
            dialogs.warning(self, str(exc))
            return False
        editor.people_changed()
        return True

    def _open_person(self, contact: ContactLine | None, emergency: bool, pickup: bool) -> None:
        editor = self.editor
        child_id = editor.child_id

        def save(form: ContactForm, emergency_contact: bool, authorised_pickup: bool) -> None:
            with editor.db.session() as session:
                if contact is None:
                    add_contact(
                        session,
                        editor.actor,
                        child_id,
                        form,
                        emergency_contact=emergency_contact,
                        authorised_pickup=authorised_pickup,
                    )
                else:
                    update_contact(
                        session,
                        editor.actor,
                        child_id,
                        contact.person_id,
                        form,
                        contact.version,
                        emergency_contact=emergency_contact,
                        authorised_pickup=authorised_pickup,
                    )

        dialog = ContactDialog(
            save,
            editor.file.full_name,
            contact,
            emergency_contact=emergency,
            authorised_pickup=pickup,
            parent=self,
        )
        dialog.accepted.connect(editor.people_changed)
        dialog.finished.connect(dialog.deleteLater)
        self.contact_dialog = dialog
        dialog.open()  # window-modal, without blocking (tests type into it)


class EmergencyContactsTab(_PeopleTab):
    def __init__(self, editor: FileEditor):
        super().__init__(editor)
        self.table = _table(
            ("Nom", "Lien avec l'enfant", "Téléphones", "Adresse", "Vient chercher l'enfant"),
            "Personnes à contacter en cas d'urgence",
        )
        self.table.doubleClicked.connect(lambda _index: self.edit())
        self.add_button = QPushButton("Ajouter…")
        self.edit_button = QPushButton("Modifier…")
        self.delete_button = QPushButton("Supprimer")
        self.add_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self.edit)
        self.delete_button.clicked.connect(self.delete)
        # People the family already named for a brother or sister.
        self.family_persons = QComboBox()
        self.family_persons.setAccessibleName("Personnes de la famille")
        self.family_persons.setMinimumWidth(260)
        self.reuse_button = QPushButton("Ajouter à cette fiche")
        self.reuse_button.clicked.connect(self.reuse)
        self.reuse_row = QWidget()
        reuse = QHBoxLayout(self.reuse_row)
        reuse.setContentsMargins(0, 0, 0, 0)
        reuse.addWidget(QLabel("Personne déjà connue de la famille :"))
        reuse.addWidget(self.family_persons)
        reuse.addWidget(self.reuse_button)
        reuse.addStretch(1)

        buttons = QVBoxLayout()
        for button in (self.add_button, self.edit_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.table, 1)
        row.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(
            muted_label(
                "Personnes joignables en cas d'urgence si les responsables légaux ne le sont pas. "
                "Au moins une personne est attendue."
            )
        )
        layout.addLayout(row, 1)
        layout.addWidget(self.reuse_row)

    def set_file(self, file: ChildFile) -> None:
        self.people = file.emergency_contacts
        _fill(
            self.table,
            self.people,
            lambda p: (
                p.full_name,
                p.relationship,
                p.phones,
                p.address,
                "Oui" if p.authorised_pickup else "Non",
            ),
        )
        self.edit_button.setEnabled(bool(self.people))
        self.delete_button.setEnabled(bool(self.people))
        self.family_persons.clear()
        for person in file.family_persons:
            label = (
                f"{person.full_name} ({person.relationship})"
                if person.relationship
                else person.full_name
            )
            self.family_persons.addItem(label, person.person_id)
        self.reuse_row.setVisible(bool(file.family_persons))

    def add(self) -> None:
        self._open_person(None, emergency=True, pickup=False)

    def edit(self) -> None:
        person = self.selected()
        if person is not None:
            self._open_person(person, person.emergency_contact, person.authorised_pickup)

    def delete(self) -> None:
        person = self.selected()
        if person is None:
            return
        also = (
            " Elle ne sera plus non plus autorisée à venir chercher l'enfant."
            if person.authorised_pickup
            else ""
        )
        question = (
            f"Supprimer {person.full_name} des personnes à contacter en cas d'urgence "
            f"de {self.editor.file.full_name} ?{also}"
        )
        if not dialogs.ask(self, question, yes="Supprimer", no="Annuler", unattended=False):
            return
        editor = self.editor
        self._run(lambda s: delete_contact(s, editor.actor, editor.child_id, person.person_id))

    def reuse(self) -> None:
        person_id = self.family_persons.currentData()
        if person_id is None:
            return
        editor = self.editor
        self._run(lambda s: link_contact(s, editor.actor, editor.child_id, person_id))


class PickupTab(_PeopleTab):
    def __init__(self, editor: FileEditor):
        super().__init__(editor)
        self.table = _table(
            ("Nom", "Lien avec l'enfant", "Téléphones", "Adresse"),
            "Personnes autorisées à venir chercher l'enfant",
        )
        self.table.doubleClicked.connect(lambda _index: self.edit())
        self.candidates = QComboBox()
        self.candidates.setAccessibleName("Personnes à contacter en cas d'urgence")
        self.candidates.setMinimumWidth(280)
        self.authorise_button = QPushButton("Autoriser")
        self.authorise_button.clicked.connect(self.authorise)
        self.add_button = QPushButton("Ajouter une autre personne…")
        self.edit_button = QPushButton("Modifier…")
        self.remove_button = QPushButton("Retirer")
        self.add_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self.edit)
        self.remove_button.clicked.connect(self.remove)

        self.choose_row = QWidget()
        choose = QHBoxLayout(self.choose_row)
        choose.setContentsMargins(0, 0, 0, 0)
        choose.addWidget(QLabel("Choisir parmi les personnes à contacter en cas d'urgence :"))
        choose.addWidget(self.candidates)
        choose.addWidget(self.authorise_button)
        choose.addStretch(1)
        buttons = QVBoxLayout()
        for button in (self.add_button, self.edit_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.table, 1)
        row.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(
            muted_label(
                "Personnes autres que les responsables légaux autorisées à venir chercher "
                "l'enfant (une pièce d'identité peut leur être demandée)."
            )
        )
        layout.addWidget(self.choose_row)
        layout.addLayout(row, 1)

    def set_file(self, file: ChildFile) -> None:
        self.people = file.authorised_pickups
        _fill(
            self.table,
            self.people,
            lambda p: (p.full_name, p.relationship, p.phones, p.address),
        )
        self.edit_button.setEnabled(bool(self.people))
        self.remove_button.setEnabled(bool(self.people))
        self.candidates.clear()
        for person in file.emergency_contacts:
            if not person.authorised_pickup:
                label = (
                    f"{person.full_name} ({person.relationship})"
                    if person.relationship
                    else person.full_name
                )
                self.candidates.addItem(label, person.person_id)
        has_candidates = self.candidates.count() > 0
        self.candidates.setEnabled(has_candidates)
        self.authorise_button.setEnabled(has_candidates)
        if not has_candidates:
            self.candidates.addItem("(aucune autre personne à contacter)")

    def authorise(self) -> None:
        person_id = self.candidates.currentData()
        if person_id is None:
            return
        editor = self.editor
        if self._run(
            lambda s: set_authorised_pickup(s, editor.actor, editor.child_id, person_id, True)
        ):
            self.select_person(person_id)

    def add(self) -> None:
        self._open_person(None, emergency=False, pickup=True)

    def edit(self) -> None:
        person = self.selected()
        if person is not None:
            self._open_person(person, person.emergency_contact, person.authorised_pickup)

    def remove(self) -> None:
        person = self.selected()
        if person is None:
            return
        question = (
            f"{person.full_name} ne sera plus autorisé·e à venir chercher "
            f"{self.editor.file.full_name}. Continuer ?"
        )
        if not dialogs.ask(self, question, yes="Retirer", no="Annuler", unattended=False):
            return
        editor = self.editor
        self._run(
            lambda s: set_authorised_pickup(
                s, editor.actor, editor.child_id, person.person_id, False
            )
        )
