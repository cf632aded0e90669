"""« Sites et activités » › the units and the age groups of the activity chosen:
their dialogs (a unit: name, times, weekdays, billing; an age group: ages)."""

from __future__ import annotations

import re
from datetime import time

from backoffice.models import BillingUnit
from backoffice.services.catalogue_edit import activities, units
from backoffice.ui.qt import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)
from backoffice.ui.settings.catalogue_dialogs import Snapshot
from backoffice.ui.settings.catalogue_form import CatalogueDialog

_TIME = re.compile(r"^\s*(\d{1,2})\s*[:hH]\s*(\d{2})?\s*$")


def read_time(text: str, label: str, errors: list[str]) -> time | None:
    """« 7:30 », « 07h30 », « 18h » → a time; a French reason otherwise."""
    match = _TIME.match(text)
    if match and int(match[1]) < 24 and int(match[2] or 0) < 60:
        return time(int(match[1]), int(match[2] or 0))
    errors.append(f"{label} : « {text.strip()} » n'est pas une heure (hh:mm).")
    return None


def weekdays_text(weekdays: str) -> str:
    days = [int(d) for d in weekdays.split(",") if d.strip()]
    if days == [1, 2, 3, 4, 5]:
        return "lundi au vendredi"
    return ", ".join(units.WEEKDAY_LABELS[d - 1][:3] + "." for d in days)


class UnitDialog(CatalogueDialog):
    def __init__(self, db, actor, runner, snap: Snapshot, activity_id: int, parent=None):
        super().__init__("Unité" if snap.id else "Nouvelle unité", db, actor, runner, parent)
        v, self.snap, self.activity_id = snap.values, snap, activity_id
        self.code = QLineEdit(v.get("code", ""))
        self.code.setMaxLength(30)
        self.name = QLineEdit(v.get("name", ""))
        self.name.setMaxLength(80)
        self.name.setPlaceholderText("Matin, Repas, Journée, Soir…")
        start, end = v.get("start_time"), v.get("end_time")
        self.start = QLineEdit(f"{start:%H:%M}" if start else "")
        self.end = QLineEdit(f"{end:%H:%M}" if end else "")
        for edit, name in ((self.start, "Heure de début"), (self.end, "Heure de fin")):
            edit.setPlaceholderText("hh:mm")
            edit.setMaximumWidth(90)
            edit.setAccessibleName(name)
        hours = QWidget()
        row = QHBoxLayout(hours)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("de"))
        row.addWidget(self.start)
        row.addWidget(QLabel("à"))
        row.addWidget(self.end)
        row.addStretch(1)
        wanted = {int(d) for d in v.get("weekdays", "1,2,3,4,5").split(",") if d.strip()}
        self.days = [QCheckBox(label[:3] + ".") for label in units.WEEKDAY_LABELS]
        days_box = QWidget()
        days_row = QHBoxLayout(days_box)
        days_row.setContentsMargins(0, 0, 0, 0)
        for number, box in enumerate(self.days, start=1):
            box.setChecked(number in wanted)
            box.setAccessibleName(units.WEEKDAY_LABELS[number - 1])
            days_row.addWidget(box)
        days_row.addStretch(1)
        self.billing = QComboBox()
        for key, label in units.BILLING_UNIT_LABELS.items():
            self.billing.addItem(label, key)
        self.billing.setCurrentIndex(
            max(self.billing.findData(v.get("billing_unit", BillingUnit.EACH)), 0)
        )
        for label, widget in (
            ("Code :", self.code),
            ("Nom :", self.name),
            ("Horaires :", hours),
            ("Jours :", days_box),
            ("Facturation :", self.billing),
        ):
            self.form.addRow(label, widget)

    def make_work(self, errors):
        start = read_time(self.start.text(), "Heure de début", errors)
        end = read_time(self.end.text(), "Heure de fin", errors)
        if errors:
            return None
        data = units.UnitInput(
            self.code.text(),
            self.name.text(),
            start,
            end,
            [n for n, box in enumerate(self.days, start=1) if box.isChecked()],
            BillingUnit(self.billing.currentData()),
        )
        db, actor, snap, activity_id = self.db, self.actor, self.snap, self.activity_id

        def work():
            with db.session() as s:
                return units.save_unit(s, actor, activity_id, data, snap.id, snap.version).name

        return work


class AgeGroupDialog(CatalogueDialog):
    """Ages in years and months: « 3 ans » to « 5 ans et 11 mois » is 36 to 71 months."""

    def __init__(self, db, actor, runner, snap: Snapshot, activity_id: int, parent=None):
        title = "Groupe d'âge" if snap.id else "Nouveau groupe d'âge"
        super().__init__(title, db, actor, runner, parent)
        v, self.snap, self.activity_id = snap.values, snap, activity_id
        self.code = QLineEdit(v.get("code", ""))
        self.code.setMaxLength(30)
        self.name = QLineEdit(v.get("name", ""))
        self.name.setMaxLength(80)
        self.name.setPlaceholderText("3-5 ans")
        self.min_years, self.min_months = self._age_fields(v.get("min_age_months", 36))
        self.max_years, self.max_months = self._age_fields(v.get("max_age_months", 71))
        for label, widget in (
            ("Code :", self.code),
            ("Libellé :", self.name),
            ("Âge minimum :", self._pair(self.min_years, self.min_months)),
            ("Âge maximum :", self._pair(self.max_years, self.max_months)),
        ):
            self.form.addRow(label, widget)

    @staticmethod
    def _age_fields(months: int) -> tuple[QSpinBox, QSpinBox]:
        years, rest = QSpinBox(), QSpinBox()
        years.setRange(0, 25)
        years.setSuffix(" ans")
        years.setValue(months // 12)
        rest.setRange(0, 11)
        rest.setSuffix(" mois")
        rest.setValue(months % 12)
        return years, rest

    @staticmethod
    def _pair(years: QSpinBox, months: QSpinBox) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(years)
        row.addWidget(months)
        row.addStretch(1)
        return box

    def make_work(self, errors):
        low = self.min_years.value() * 12 + self.min_months.value()
        high = self.max_years.value() * 12 + self.max_months.value()
        code, name = self.code.text(), self.name.text()
        db, actor, snap, activity_id = self.db, self.actor, self.snap, self.activity_id

        def work():
            with db.session() as s:
                group = activities.save_age_group(
                    s, actor, activity_id, code, name, low, high, snap.id
                )
                return group.name

        return work


def ages_text(low: int, high: int) -> str:
    def one(months: int) -> str:
        years, rest = divmod(months, 12)
        return f"{years} ans" + (f" {rest} mois" if rest else "")

    return f"{one(low)} à {one(high)}"


__all__ = ["AgeGroupDialog", "UnitDialog", "ages_text", "read_time", "weekdays_text"]
