"""The date field: a date typed as the agent reads it on paper, « 03/05/2018 », « 3.5.18 ».

Parsing (and its one century rule for two-digit years) is
:func:`backoffice.dates.parse_french_date`; this module only adds the line edit.
"""

from __future__ import annotations

from datetime import date

from backoffice.dates import date_error, paris_today, parse_french_date
from backoffice.ui.qt import QLineEdit, QWidget


class DateField(QLineEdit):
    """A line edit for a date, empty allowed; shown as jj/mm/aaaa once typed.

    ``today`` anchors two-digit years (default: today in Paris, when read).
    """

    def __init__(self, parent: QWidget | None = None, today: date | None = None):
        super().__init__(parent)
        self.today = today
        self.setPlaceholderText("jj/mm/aaaa")
        self.setMaxLength(12)
        # Wide enough for "00/00/0000" and its frame, no wider.
        self.setMaximumWidth(self.fontMetrics().horizontalAdvance("00/00/00000") + 24)
        self.editingFinished.connect(self.reformat)

    def _parse(self) -> date | None:
        return parse_french_date(self.text(), self.today or paris_today())

    def date(self) -> date | None:
        """The typed date; None when empty or not a date (see :meth:`is_valid`)."""
        try:
            return self._parse()
        except ValueError:
            return None

    def is_valid(self) -> bool:
        """Empty or a date."""
        try:
            self._parse()
        except ValueError:
            return False
        return True

    def date_or_error(self, errors: dict[str, str], key: str, label: str) -> date | None:
        """The typed date; when it does not read, None and ``errors[key]`` says why."""
        try:
            return self._parse()
        except ValueError:
            errors.setdefault(key, date_error(self.text(), label))
            return None

    def set_date(self, value: date | None) -> None:
        self.setText(f"{value:%d/%m/%Y}" if value else "")

    def reformat(self) -> None:
        """« 3.5.18 » → « 03/05/2018 » (a text that is not a date is left as typed)."""
        value = self.date()
        if value is not None:
            formatted = f"{value:%d/%m/%Y}"
            if formatted != self.text():
                self.setText(formatted)
