"""The phone field: what the parent wrote, reformatted as a French number on leaving it."""

from __future__ import annotations

from backoffice.services.common.validation import format_phone
from backoffice.ui.qt import QLineEdit, QWidget

LANDLINE_PLACEHOLDER = "02 43 00 00 00"
MOBILE_PLACEHOLDER = "06 12 34 56 78"


class PhoneField(QLineEdit):
    """Accepts what the parent wrote ("0612345678", "+33 6 12…"); shows "06 12 34 56 78".

    A number that is not valid is left as typed: the form's check names it.
    """

    def __init__(self, parent: QWidget | None = None, placeholder: str = MOBILE_PLACEHOLDER):
        super().__init__(parent)
        self.setMaxLength(25)
        self.setPlaceholderText(placeholder)
        self.editingFinished.connect(self.reformat)

    def is_valid(self) -> bool:
        """Empty or a valid number."""
        text = self.text().strip()
        if not text:
            return True
        try:
            format_phone(text)
        except ValueError:
            return False
        return True

    def reformat(self) -> None:
        text = self.text().strip()
        if not text:
            if self.text():
                self.clear()
            return
        try:
            formatted = format_phone(text)
        except ValueError:
            return
        if formatted != self.text():
            self.setText(formatted)
