""" "Modifier la famille…": information, guardians and QF history of one family.

The family and guardians are saved together by "Enregistrer", in one
transaction, with the versions loaded when the dialog opened (a colleague's
save in between is refused, never overwritten). Every problem is shown next to
its field and the dialog stays open with what the agent typed. A QF is added
from its own small dialog and saved at once (``add_quotient``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from backoffice.errors import UserError
from backoffice.models import AllowanceScheme, Family
from backoffice.services.common.actors import Actor
from backoffice.services.common.validation import FieldErrors
from backoffice.services.families.edit import StaleRecord, family_for_edit
from backoffice.services.families.family_form import save_family_form
from backoffice.services.families.quotients import QuotientRow, quotient_history
from backoffice.storage import Database
from backoffice.ui.family_edit.quotients import QuotientDialog, QuotientsSection
from backoffice.ui.family_edit.sections import FamilySection, GuardiansSection
from backoffice.ui.qt import (
    QDialog,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    Signal,
)
from backoffice.ui.tasks import TaskRunner
from backoffice.ui.widgets import ERROR_BACKGROUND, ERROR_COLOUR, ok_cancel

BANNER_STYLE = (
    f"QLabel {{ background-color: {ERROR_BACKGROUND}; color: {ERROR_COLOUR};"
    f" border: 1px solid {ERROR_COLOUR}; border-radius: 3px; padding: 6px; }}"
)


@dataclass(frozen=True)
class EditData:
    family: Family
    quotients: list[QuotientRow]


def _load(db: Database, family_id: int) -> EditData:
    with db.session() as session:
        family = family_for_edit(session, family_id)
        return EditData(family, quotient_history(session, family_id))


class FamilyEditDialog(QDialog):
    """Edit one family; ``familyChanged`` after each save (family or QF)."""

    familyChanged = Signal()

    def __init__(
        self,
        db: Database,
        runner: TaskRunner,
        actor: Actor,
        family_id: int,
        today: date | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.db, self.runner, self.actor = db, runner, actor
        self.family_id, self.today = family_id, today
        self.version: int | None = None
        self.scheme = AllowanceScheme.CAF
        self.changed = False
        self.quotient_dialog: QuotientDialog | None = None
        self.setWindowTitle("Modifier la famille")
        self.resize(940, 700)

        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.hide()
        self.family_section = FamilySection()
        self.guardians_section = GuardiansSection()
        self.quotients_section = QuotientsSection()
        self.quotients_section.addRequested.connect(self.add_quotient)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.family_section, "Famille")
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.guardians_section)
        self.tabs.addTab(scroll, "Responsables légaux")
        self.tabs.addTab(self.quotients_section, "Quotient familial")

        self.buttons, self._save_button = ok_cancel(self, "Enregistrer", "Fermer", self.save)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.buttons)
        self.save_button.setEnabled(False)

    @property
    def save_button(self) -> QPushButton:
        return self._save_button

    # -- loading -------------------------------------------------------------

    def load(self) -> None:
        db, family_id = self.db, self.family_id
        self.runner.run(
            lambda: _load(db, family_id), self._fill, label="Chargement de la famille…", parent=self
        )

    def _fill(self, data: EditData) -> None:
        family = data.family
        self.version = family.version
        self.scheme = family.allowance_scheme
        self.setWindowTitle(f"Modifier la famille {family.name} ({family.code})")
        self.family_section.set_family(family)
        self.guardians_section.set_guardians(list(family.guardians))
        self.quotients_section.set_rows(data.quotients)
        self.save_button.setEnabled(True)
        self.family_section.name.setFocus()

    def _reload_quotients(self) -> None:
        db, family_id = self.db, self.family_id

        def fetch() -> list[QuotientRow]:
            with db.session() as session:
                return quotient_history(session, family_id)

        self.runner.run(fetch, self.quotients_section.set_rows, parent=self)

    # -- saving --------------------------------------------------------------

    def save(self) -> None:
        self._clear_errors()
        db, actor, family_id, version = self.db, self.actor, self.family_id, self.version
        changes = self.family_section.changes()
        boxes = self.guardians_section.boxes
        guardians = [(b.guardian_id, b.version, b.changes()) for b in boxes]
        removed = list(self.guardians_section.removed)

        def save_all() -> None:
            # The whole form in one transaction; a refusal rolls it all back.
            with db.session() as session:
                save_family_form(session, actor, family_id, version, changes, guardians, removed)

        self.save_button.setEnabled(False)
        self.runner.run(
            save_all,
            self._saved,
            self._failed,
            label="Enregistrement de la famille…",
            parent=self,
        )

    def _saved(self, _result) -> None:
        self.changed = True
        self.familyChanged.emit()
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(exc, FieldErrors):
            self.show_errors(exc.errors)
        elif isinstance(exc, UserError):
            if isinstance(exc, StaleRecord):
                self.changed = True  # the family view reloads when this dialog closes
            self._show_banner(str(exc))
        else:
            from backoffice.ui import crash

            crash.report(exc)

    def _clear_errors(self) -> None:
        self.banner.hide()
        self.family_section.show_errors({})
        for box in self.guardians_section.boxes:
            box.show_errors({})

    def _show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.show()

    def show_errors(self, errors: dict[str, str]) -> None:
        """Each message next to its field; the first tab with an error comes forward."""
        family = {
            k.removeprefix("family."): m for k, m in errors.items() if k.startswith("family.")
        }
        shown = self.family_section.show_errors(family)
        first_tab = 0 if shown else None
        for index, box in enumerate(self.guardians_section.boxes):
            prefix = f"guardians[{index}]."
            own = {k.removeprefix(prefix): m for k, m in errors.items() if k.startswith(prefix)}
            box_shown = box.show_errors(own)
            if own and first_tab is None:
                first_tab = 1
            shown += box_shown
        count = len(errors)
        self._show_banner(
            "Rien n'a été enregistré : "
            + ("un champ est à corriger." if count == 1 else f"{count} champs sont à corriger.")
        )
        if first_tab is not None:
            self.tabs.setCurrentIndex(first_tab)
        if shown:
            shown[0].setFocus()

    # -- QF ------------------------------------------------------------------

    def add_quotient(self) -> QuotientDialog:
        dialog = QuotientDialog(
            self.db, self.runner, self.actor, self.family_id, self.scheme, self.today, self
        )
        dialog.saved.connect(self._quotient_saved)
        self.quotient_dialog = dialog
        dialog.open()
        dialog.quotient.setFocus()
        return dialog

    def _quotient_saved(self) -> None:
        self.changed = True
        self._reload_quotients()
        self.familyChanged.emit()
