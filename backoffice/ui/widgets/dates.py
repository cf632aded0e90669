"""A date typed as the agent reads it on paper: "03/05/2018", "3.5.18", "03052018"."""

from __future__ import annotations

import re
from datetime import date

from backoffice.ui.qt import QLineEdit, QWidget

_SEPARATED = re.compile(r"^(\d{1,2})\s*[/.\- ]\s*(\d{1,2})\s*[/.\- ]\s*(\d{2}|\d{4})$")
_DIGITS = re.compile(r"^(\d{2})(\d{2})(\d{2}|\d{4})$")


def parse_french_date(text: str, today: date | None = None) -> date | None:
    """The date in ``text`` (day first), None when empty; ValueError when not a date.

    A two-digit year is read in this century unless that puts it more than 20
    years ahead of ``today``.
    """
    text = text.strip()
    if not text:
        return None
    match = _SEPARATED.match(text) or _DIGITS.match(text)
    if not match:
        raise ValueError(f"« {text} » n'est pas une date (jj/mm/aaaa)")
    day, month, year = (int(part) for part in match.groups())
    if len(match.group(3)) == 2:
        this_year = (today or date.today()).year
        year += 2000 if 2000 + year <= this_year + 20 else 1900
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"« {text} » n'est pas une date valide") from None


class DateField(QLineEdit):
    """A line edit for a date, empty allowed; shown as jj/mm/aaaa once typed."""

    def __init__(self, parent: QWidget | None = None, today: date | None = None):
        super().__init__(parent)
        self.today = today
        self.setPlaceholderText("jj/mm/aaaa")
        self.setMaxLength(12)
        # Wide enough for "00/00/0000" and its frame, no wider.
        self.setMaximumWidth(self.fontMetrics().horizontalAdvance("00/00/00000") + 24)
        self.editingFinished.connect(self.reformat)

    def date(self) -> date | None:
        """The typed date; None when empty or not a date (see :meth:`is_valid`)."""
        try:
            return parse_french_date(self.text(), self.today)
        except ValueError:
            return None

    def is_valid(self) -> bool:
        try:
            parse_french_date(self.text(), self.today)
        except ValueError:
            return False
        return True

    def set_date(self, value: date | None) -> None:
        self.setText(f"{value:%d/%m/%Y}" if value else "")

    def reformat(self) -> None:
        value = self.date()
        if value is not None:
            formatted = f"{value:%d/%m/%Y}"
            if formatted != self.text():
                self.setText(formatted)
