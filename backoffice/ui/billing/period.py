"""Choosing what to bill: a régie and a period (a month, or from … to …)."""

from __future__ import annotations

import calendar
from datetime import date

from backoffice.dates import parse_french_date
from backoffice.services.billing import BillingError
from backoffice.services.billing.queries import RegieRow
from backoffice.ui.qt import QComboBox, QHBoxLayout, QLabel, QWidget, Signal
from backoffice.ui.widgets.dates import DateField

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
MONTHS_BACK, MONTHS_AHEAD = 15, 6
CUSTOM = "Période personnalisée…"


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def month_label(year: int, month: int) -> str:
    return f"{MONTHS[month - 1]} {year}"


def period_text(start: date, end: date) -> str:
    if start.day == 1 and (start.year, start.month) == (end.year, end.month):
        if end == month_bounds(start.year, start.month)[1]:
            return month_label(start.year, start.month)
    return f"du {start:%d/%m/%Y} au {end:%d/%m/%Y}"


class RegieCombo(QComboBox):
    """The régies by code and name; ``code()`` of the chosen one."""

    def __init__(self, parent: QWidget | None = None, *, everyone: str = ""):
        super().__init__(parent)
        self.everyone = everyone  # first item meaning "all régies", if given
        self.setAccessibleName("Régie")
        self.setMinimumContentsLength(28)
        self.regies: list[RegieRow] = []

    def set_regies(self, regies: list[RegieRow]) -> None:
        """Fill the list, keeping the choice; one ``currentIndexChanged`` at the end
        (none while the caller blocks signals)."""
        current = self.code()
        blocked = self.blockSignals(True)
        self.clear()
        self.regies = list(regies)
        if self.everyone:
            self.addItem(self.everyone, "")
        for regie in regies:
            self.addItem(regie.label, regie.code)
        index = self.findData(current) if current else -1
        self.setCurrentIndex(max(index, 0))
        self.blockSignals(blocked)
        if not blocked:
            self.currentIndexChanged.emit(self.currentIndex())

    def code(self) -> str:
        return self.currentData() or ""

    def select(self, code: str) -> None:
        index = self.findData(code)
        if index >= 0:
            self.setCurrentIndex(index)

    def regie(self) -> RegieRow | None:
        return next((r for r in self.regies if r.code == self.code()), None)


class PeriodPicker(QWidget):
    """A month of the list, or a custom range typed « jj/mm/aaaa »."""

    changed = Signal()

    def __init__(self, today: date, parent: QWidget | None = None):
        super().__init__(parent)
        self.today = today
        self.month = QComboBox()
        self.month.setAccessibleName("Période à facturer")
        year, month = today.year, today.month
        first = year * 12 + month - 1 - MONTHS_BACK
        for n in range(first, first + MONTHS_BACK + MONTHS_AHEAD + 1):
            y, m = divmod(n, 12)
            self.month.addItem(month_label(y, m + 1), (y, m + 1))
        self.month.addItem(CUSTOM, None)
        self.month.setCurrentIndex(MONTHS_BACK)
        self.start = DateField(today=today)
        self.start.setAccessibleName("Début de la période")
        self.end = DateField(today=today)
        self.end.setAccessibleName("Fin de la période")
        self.from_label = QLabel("du")
        self.to_label = QLabel("au")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.month, self.from_label, self.start, self.to_label, self.end):
            layout.addWidget(widget)
        self.month.currentIndexChanged.connect(self._month_changed)
        self.start.editingFinished.connect(self.changed.emit)
        self.end.editingFinished.connect(self.changed.emit)
        self._month_changed()

    @property
    def custom(self) -> bool:
        return self.month.currentData() is None

    def _month_changed(self) -> None:
        custom = self.custom
        for widget in (self.from_label, self.start, self.to_label, self.end):
            widget.setVisible(custom)
        if custom and not self.start.text():
            start, end = month_bounds(self.today.year, self.today.month)
            self.start.setText(f"{start:%d/%m/%Y}")
            self.end.setText(f"{end:%d/%m/%Y}")
        self.changed.emit()

    def set_month(self, year: int, month: int) -> None:
        for index in range(self.month.count()):
            if self.month.itemData(index) == (year, month):
                self.month.setCurrentIndex(index)
                return

    def set_range(self, start: date, end: date) -> None:
        self.month.setCurrentIndex(self.month.count() - 1)
        self.start.setText(f"{start:%d/%m/%Y}")
        self.end.setText(f"{end:%d/%m/%Y}")
        self.changed.emit()

    def period(self) -> tuple[date, date]:
        """The chosen period; a French :class:`BillingError` when the dates are wrong."""
        if not self.custom:
            return month_bounds(*self.month.currentData())
        try:
            start = parse_french_date(self.start.text(), self.today)
            end = parse_french_date(self.end.text(), self.today)
        except ValueError as exc:
            raise BillingError(f"Période invalide : {exc}.") from None
        if start is None or end is None:
            raise BillingError("Indiquez le début et la fin de la période (jj/mm/aaaa).")
        if end < start:
            raise BillingError("Période invalide : la fin précède le début.")
        return start, end
