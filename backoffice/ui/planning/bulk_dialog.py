"""« Réservation groupée » : book or cancel a unit over the whole period or the week shown,
on all its days or chosen weekdays (guide §6.1's bulk selections, at the desk)."""

from __future__ import annotations

from dataclasses import dataclass

from backoffice.dates import WEEKDAYS
from backoffice.services.bookings.planning import PlanningRow
from backoffice.ui.qt import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)


@dataclass(frozen=True)
class BulkChoice:
    unit_id: int
    book: bool  # False: cancel
    whole_period: bool  # False: the week shown
    weekdays: tuple[int, ...]  # ISO weekdays kept (1 = lundi)


class BulkDialog(QDialog):
    def __init__(
        self, rows: tuple[PlanningRow, ...], week_label: str, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.setWindowTitle("Réservation groupée")
        self.rows = rows
        form = QFormLayout()
        self.unit = QComboBox()
        for row in rows:
            self.unit.addItem(
                f"{row.unit_name} — {row.activity_name} ({row.period_name})", row.unit_id
            )
        form.addRow("&Unité :", self.unit)

        self.book = QRadioButton("&Réserver")
        self.cancel = QRadioButton("A&nnuler les réservations")
        self.book.setChecked(True)
        actions = QButtonGroup(self)
        for button in (self.book, self.cancel):
            actions.addButton(button)
        action_box = QHBoxLayout()
        action_box.addWidget(self.book)
        action_box.addWidget(self.cancel)
        action_box.addStretch(1)
        form.addRow("Action :", action_box)

        self.period = QRadioButton("Tous les jours de la &période")
        self.week = QRadioButton(f"Les jours &affichés ({week_label})")
        self.period.setChecked(True)
        scopes = QButtonGroup(self)
        for button in (self.period, self.week):
            scopes.addButton(button)
        scope_box = QVBoxLayout()
        scope_box.addWidget(self.period)
        scope_box.addWidget(self.week)
        form.addRow("Jours :", scope_box)

        self.days: list[QCheckBox] = []
        days_box = QHBoxLayout()
        for i, name in enumerate(WEEKDAYS, start=1):
            box = QCheckBox(name.capitalize())
            box.setChecked(i <= 5)
            box.setProperty("weekday", i)
            self.days.append(box)
            days_box.addWidget(box)
        form.addRow("Seulement les :", days_box)

        hint = QLabel(
            "Les jours fermés, passés ou hors période sont ignorés ; un jour complet va en "
            "liste d'attente ou est refusé selon la règle de l'activité."
        )
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Appliquer")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Fermer")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(buttons)

    def select_unit(self, unit_id: int) -> None:
        index = self.unit.findData(unit_id)
        if index >= 0:
            self.unit.setCurrentIndex(index)

    def choice(self) -> BulkChoice:
        return BulkChoice(
            unit_id=self.unit.currentData(),
            book=self.book.isChecked(),
            whole_period=self.period.isChecked(),
            weekdays=tuple(b.property("weekday") for b in self.days if b.isChecked()),
        )
