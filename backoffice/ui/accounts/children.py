"""A family's children after the opening: « Ajouter un enfant… » (the opening's child
row, its checks and its duplicate search) and « Enfant parti… » (kept in history; the
bookings ahead shown, cancelled only when the agent asks, billed or not).

Both dialogs call :mod:`backoffice.services.families.children`; the family card and the
Familles menu open them through :func:`add_child_dialog` and :func:`child_left_dialog`.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from backoffice.dates import date_error, paris_today
from backoffice.errors import UserError
from backoffice.models import BOOKING_STATE_LABELS, Family, Unit
from backoffice.services.common.actors import Actor
from backoffice.services.common.validation import FieldErrors
from backoffice.services.families import children as service
from backoffice.storage import Database
from backoffice.ui import dialogs
from backoffice.ui.accounts.sections import ChildrenSection
from backoffice.ui.qt import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QVBoxLayout,
    QWidget,
    Signal,
)

AHEAD_SHOWN = 8  # bookings listed before « … et N autres »


class AddChildDialog(QDialog):
    """One child row, as in « Ouvrir un compte famille… »."""

    child_added = Signal(int)

    def __init__(
        self,
        db: Database,
        actor: Actor,
        family_id: int,
        parent: QWidget | None = None,
        today: date | None = None,
    ):
        super().__init__(parent)
        self.db, self.actor, self.family_id = db, actor, family_id
        self.today = today or paris_today()
        with db.session() as session:
            family = session.get(Family, family_id)
            if family is None:
                raise UserError(f"Aucune famille n'a l'identifiant {family_id}.")
            self.family_label = f"{family.name} ({family.code})"
            family_name = family.name
        self.setWindowTitle(f"Ajouter un enfant — {self.family_label}")
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"Nouvel enfant de la famille {self.family_label} (naissance, enfant d'un "
            "nouveau conjoint…). Les champs marqués * sont obligatoires."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.section = ChildrenSection(self.today)
        self.section.setTitle("Enfant")
        self.section.family_name = family_name
        self.row = self.section.add_row()
        self.row.remove_button.hide()
        self.section.add_button.hide()
        layout.addWidget(self.section)
        self.duplicates = QLabel()
        self.duplicates.setWordWrap(True)
        self.duplicates.setStyleSheet("color: #8a5a00;")
        self.duplicates.hide()
        layout.addWidget(self.duplicates)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton(
            "Ajouter l'enfant", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.force_button = buttons.addButton(
            "Ajouter quand même", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.force_button.hide()
        buttons.addButton("Annuler", QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.clicked.connect(lambda: self.save(allow_duplicate=False))
        self.force_button.clicked.connect(lambda: self.save(allow_duplicate=True))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(860)

    def save(self, *, allow_duplicate: bool = False) -> None:
        self.section.clear_errors()
        row = self.row
        if not row.birth_date.is_valid():
            row.set_error(
                "birth_date", date_error(row.birth_date.text(), "date de naissance de l'enfant")
            )
            return
        form = row.form()
        try:
            with self.db.session() as session:
                service.check_new_child(session, self.family_id, form, self.today)
                found = [] if allow_duplicate else service.child_duplicates(
                    session, self.family_id, form
                )  # fmt: skip
        except FieldErrors as exc:
            for key, message in exc.errors.items():
                row.set_error(key.split(".", 1)[-1], message)
            return
        if found:
            lines = "\n".join(f"• {d.code} {d.name} : {d.reason}" for d in found)
            self.duplicates.setText(
                f"Cet enfant semble déjà enregistré :\n{lines}\n"
                "Vérifiez, puis « Ajouter quand même » s'il s'agit d'un autre enfant."
            )
            self.duplicates.show()
            self.force_button.show()
            return
        try:
            with self.db.session() as session:
                child = service.add_child(
                    session, self.actor, self.family_id, form, self.today, allow_duplicate=True
                )
                child_id, name = child.id, child.full_name
        except UserError as exc:
            dialogs.warning(self, str(exc))
            return
        dialogs.information(
            self, f"{name} est ajouté(e) à la famille {self.family_label}.", title="Enfant ajouté"
        )
        self.child_added.emit(child_id)
        self.done(QDialog.DialogCode.Accepted)


class ChildLeftDialog(QDialog):
    """Pick a current child; its bookings ahead are listed before anything is cancelled."""

    child_left = Signal(int)

    def __init__(
        self,
        db: Database,
        actor: Actor,
        family_id: int,
        parent: QWidget | None = None,
        today: date | None = None,
        child_id: int | None = None,
    ):
        super().__init__(parent)
        self.db, self.actor, self.family_id = db, actor, family_id
        self.today = today or paris_today()
        with db.session() as session:
            family = session.get(Family, family_id)
            if family is None:
                raise UserError(f"Aucune famille n'a l'identifiant {family_id}.")
            current = [(c.id, c.full_name) for c in service.current_children(family.children)]
            label = f"{family.name} ({family.code})"
        self.setWindowTitle(f"Enfant parti — {label}")
        layout = QVBoxLayout(self)
        intro = QLabel(
            "L'enfant ne fait plus partie des enfants accueillis : il n'apparaît plus parmi "
            "les enfants actuels, mais ses factures et son historique sont conservés."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.child = QComboBox()
        self.child.setAccessibleName("Enfant")
        for cid, name in current:
            self.child.addItem(name, cid)
        if child_id is not None and self.child.findData(child_id) >= 0:
            self.child.setCurrentIndex(self.child.findData(child_id))
        layout.addWidget(self.child)
        self.ahead = QLabel()
        self.ahead.setWordWrap(True)
        layout.addWidget(self.ahead)
        self.cancel_bookings = QCheckBox("Annuler les réservations à venir")
        self.billed = QCheckBox("Annulations facturées (selon la règle d'annulation)")
        self.billed.setEnabled(False)
        self.cancel_bookings.toggled.connect(self.billed.setEnabled)
        layout.addWidget(self.cancel_bookings)
        layout.addWidget(self.billed)
        buttons = QDialogButtonBox()
        self.confirm_button = buttons.addButton(
            "Confirmer le départ", QDialogButtonBox.ButtonRole.AcceptRole
        )
        cancel = buttons.addButton("Annuler", QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setDefault(True)
        self.confirm_button.clicked.connect(self.confirm)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.child.currentIndexChanged.connect(self._show_ahead)
        self.confirm_button.setEnabled(bool(current))
        self._show_ahead()
        self.setMinimumWidth(520)

    def _show_ahead(self) -> None:
        child_id = self.child.currentData()
        if child_id is None:
            self.ahead.setText("Aucun enfant actuel dans cette famille.")
            self.cancel_bookings.hide()
            self.billed.hide()
            return
        with self.db.session() as session:
            ahead = service.bookings_ahead(session, child_id, self.today)
            units = {uid: name for uid, name in session.execute(select(Unit.id, Unit.name))}
        self.cancel_bookings.setVisible(bool(ahead))
        self.billed.setVisible(bool(ahead))
        if not ahead:
            self.ahead.setText("Aucune réservation à venir.")
            return
        lines = [
            f"• {b.day:%d/%m/%Y} — {units.get(b.unit_id, '?')} ({BOOKING_STATE_LABELS[b.state]})"
            for b in ahead[:AHEAD_SHOWN]
        ]
        if len(ahead) > AHEAD_SHOWN:
            lines.append(f"… et {len(ahead) - AHEAD_SHOWN} autre(s)")
        self.ahead.setText(f"{len(ahead)} réservation(s) à venir :\n" + "\n".join(lines))

    def confirm(self) -> None:
        child_id = self.child.currentData()
        if child_id is None:
            return
        try:
            with self.db.session() as session:
                result = service.mark_child_left(
                    session, self.actor, child_id, self.today,
                    cancel_bookings=self.cancel_bookings.isChecked(),
                    billed=self.billed.isChecked(),
                )  # fmt: skip
                name = result.child.full_name
        except UserError as exc:
            dialogs.warning(self, str(exc))
            self._show_ahead()
            return
        cancelled = f" ; {result.cancelled} réservation(s) annulée(s)" if result.cancelled else ""
        dialogs.information(
            self,
            f"{name} ne fait plus partie des enfants actuels de la famille{cancelled}.",
            title="Enfant parti",
        )
        self.child_left.emit(child_id)
        self.done(QDialog.DialogCode.Accepted)


def add_child_dialog(
    parent: QWidget | None, db: Database, actor: Actor, family_id: int, today: date | None = None
) -> AddChildDialog:
    dialog = AddChildDialog(db, actor, family_id, parent, today)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog


def child_left_dialog(
    parent: QWidget | None, db: Database, actor: Actor, family_id: int, today: date | None = None
) -> ChildLeftDialog:
    dialog = ChildLeftDialog(db, actor, family_id, parent, today)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog
