"""Small input widgets of the child file: dates, phones, postcode → commune, yes/no,
and the red message shown under a field that is wrong.

(A shared postcode/phone widget may later live in ``ui/widgets``; these stay
small so swapping them is easy.)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from backoffice.services.common import postcodes
from backoffice.services.common.validation import format_phone
from backoffice.ui.qt import (
    QButtonGroup,
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QStringListModel,
    Qt,
    QTabWidget,
    QWidget,
    Signal,
)

ERROR_COLOUR = "#b3261e"
MUTED_COLOUR = "#666666"
MANDATORY_LEGEND = "Les champs suivis d'un astérisque (*) sont obligatoires."


def mandatory(label: str) -> str:
    return f"{label} *"


def muted_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {MUTED_COLOUR};")
    return label


class ErrorLabel(QLabel):
    """The French message under a wrong field; hidden while there is none."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def show_error(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))


# -- dates ----------------------------------------------------------------------

_DATE = re.compile(r"^\s*(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{2}|\d{4})\s*$")
_DIGITS = re.compile(r"^\s*(\d{2})(\d{2})(\d{4})\s*$")


def parse_french_date(text: str) -> date | None:
    """ "03/02/2014", "3/2/14", "03.02.2014" or "03022014"; None when empty;
    ValueError when not a date."""
    if not text.strip():
        return None
    match = _DATE.match(text) or _DIGITS.match(text)
    if not match:
        raise ValueError(text)
    day, month, year = (int(part) for part in match.groups())
    if year < 100:
        year += 2000 if year <= date.today().year % 100 else 1900
    return date(year, month, day)


def date_error(text: str, label: str) -> str:
    return f"« {text.strip()} » n'est pas une date valide ({label}) : saisissez-la sous la forme jj/mm/aaaa."


class DateEdit(QLineEdit):
    """A date typed the French way; shown back as jj/mm/aaaa once typed."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setPlaceholderText("jj/mm/aaaa")
        self.setMaxLength(10)
        self.setMaximumWidth(110)
        self.editingFinished.connect(self._normalise)

    def set_date(self, value: date | None) -> None:
        self.setText(f"{value:%d/%m/%Y}" if value else "")

    def date_or_error(self, errors: dict[str, str], key: str, label: str) -> date | None:
        try:
            return parse_french_date(self.text())
        except ValueError:
            errors.setdefault(key, date_error(self.text(), label))
            return None

    def _normalise(self) -> None:
        try:
            value = parse_french_date(self.text())
        except ValueError:
            return
        if value is not None:
            self.set_date(value)


class PhoneEdit(QLineEdit):
    """A phone number, formatted as a French number once typed (when valid)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setPlaceholderText("02 43 00 00 00")
        self.setMaxLength(20)
        self.editingFinished.connect(self._normalise)

    def _normalise(self) -> None:
        if self.text().strip():
            try:
                self.setText(format_phone(self.text()))
            except ValueError:
                pass  # the message comes with the save


# -- yes / no -------------------------------------------------------------------


class YesNo(QWidget):
    """« Oui » / « Non » radio buttons; ``value`` is None while neither is chosen."""

    changed = Signal()

    def __init__(self, label: str, default: bool | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.yes = QRadioButton("Oui")
        self.no = QRadioButton("Non")
        self.yes.setAccessibleName(f"{label} : oui")
        self.no.setAccessibleName(f"{label} : non")
        self.group = QButtonGroup(self)
        self.group.addButton(self.yes)
        self.group.addButton(self.no)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.yes)
        layout.addWidget(self.no)
        layout.addStretch(1)
        self.group.buttonToggled.connect(lambda *_: self.changed.emit())
        self.set_value(default)

    @property
    def value(self) -> bool | None:
        if self.yes.isChecked():
            return True
        if self.no.isChecked():
            return False
        return None

    def set_value(self, value: bool | None) -> None:
        if value is None:
            # An exclusive group cannot uncheck its last button.
            self.group.setExclusive(False)
            self.yes.setChecked(False)
            self.no.setChecked(False)
            self.group.setExclusive(True)
        else:
            (self.yes if value else self.no).setChecked(True)


# -- postcode → commune ---------------------------------------------------------


def _label(commune: postcodes.Commune) -> str:
    return f"{commune.postcode} {commune.name}"


class PostcodeCommuneField(QWidget):
    """Postcode and commune (BAN data): typing the first digits of a postcode or the
    first letters of a commune lists the matching communes; a full postcode fills
    the commune list with its communes."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.postcode = QLineEdit()
        self.postcode.setPlaceholderText("Code postal")
        self.postcode.setAccessibleName("Code postal")
        self.postcode.setMaxLength(5)
        self.postcode.setMaximumWidth(95)
        self.commune = QComboBox()
        self.commune.setEditable(True)
        self.commune.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.commune.setAccessibleName("Commune")
        self.commune.lineEdit().setPlaceholderText("Commune")
        self.commune.setMinimumWidth(220)
        self._suggested: list[str] = []
        self._postcode_completer = self._completer(self.postcode, self._apply_suggestion)
        self._commune_completer = self._completer(self.commune.lineEdit(), self._apply_suggestion)
        self.commune.setCompleter(self._commune_completer)
        self.postcode.textEdited.connect(self._postcode_edited)
        self.commune.lineEdit().textEdited.connect(self._commune_edited)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.postcode)
        layout.addWidget(self.commune, 1)
        self.setFocusProxy(self.postcode)

    def _completer(self, edit: QLineEdit, on_pick: Callable[[str], None]) -> QCompleter:
        completer = QCompleter(QStringListModel(self), self)
        # The list is already filtered (accents and case folded) by the postcodes service.
        completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        completer.setWidget(edit)
        completer.activated.connect(on_pick)
        return completer

    def set_values(self, postcode: str, commune: str) -> None:
        self.postcode.setText(postcode)
        self._fill_communes(postcode)
        self.commune.setCurrentText(commune)

    def values(self) -> tuple[str, str]:
        return self.postcode.text().strip(), self.commune.currentText().strip()

    def suggestions(self) -> list[str]:
        """What the last completion list offered ("72800 Le Lude"…)."""
        return list(self._suggested)

    def _suggest(self, completer: QCompleter, prefix: str) -> None:
        found = [_label(c) for c in postcodes.complete(prefix, limit=15)]
        self._suggested = found
        completer.model().setStringList(found)
        if found and prefix.strip():
            completer.complete()
        else:
            completer.popup().hide()

    def _postcode_edited(self, text: str) -> None:
        if len(text) == 5 and text.isdigit():
            self._postcode_completer.popup().hide()
            self._fill_communes(text)
            return
        self._suggest(self._postcode_completer, text)

    def _commune_edited(self, text: str) -> None:
        if len(text.strip()) >= 2 and not text.strip().isdigit():
            self._suggest(self._commune_completer, text)

    def _fill_communes(self, postcode: str) -> None:
        typed = self.commune.currentText()
        names = [c.name for c in postcodes.communes_for_postcode(postcode)]
        self.commune.blockSignals(True)
        self.commune.clear()
        self.commune.addItems(names)
        self.commune.blockSignals(False)
        if typed in names:
            self.commune.setCurrentText(typed)
        elif len(names) == 1:
            self.commune.setCurrentIndex(0)
        else:
            self.commune.setCurrentIndex(-1)
            self.commune.setCurrentText("")

    def _apply_suggestion(self, text: str) -> None:
        postcode, _, name = text.partition(" ")
        self.postcode.setText(postcode)
        self._fill_communes(postcode)
        self.commune.setCurrentText(name)


# -- errors next to fields ------------------------------------------------------


@dataclass
class FieldSlot:
    """Where a field's error shows and what gets the focus."""

    error: ErrorLabel
    focus: QWidget
    tabs: QTabWidget | None = None
    tab: QWidget | None = None


class FieldErrorsView:
    """Field key → its error label; shows a save's errors and focuses the first."""

    def __init__(self) -> None:
        self.slots: dict[str, FieldSlot] = {}
        self.unplaced = ErrorLabel()  # messages of keys without a field of their own

    def add(
        self,
        key: str,
        focus: QWidget,
        tabs: QTabWidget | None = None,
        tab: QWidget | None = None,
    ) -> ErrorLabel:
        error = ErrorLabel()
        self.slots[key] = FieldSlot(error, focus, tabs, tab)
        return error

    def clear(self) -> None:
        for slot in self.slots.values():
            slot.error.show_error("")
        self.unplaced.show_error("")

    def show(self, errors: dict[str, str]) -> None:
        self.clear()
        rest = []
        first: FieldSlot | None = None
        for key, message in errors.items():
            slot = self.slots.get(key)
            if slot is None:
                rest.append(message)
                continue
            slot.error.show_error(message)
            first = first or slot
        self.unplaced.show_error("\n".join(rest))
        if first is not None:
            if first.tabs is not None and first.tab is not None:
                first.tabs.setCurrentWidget(first.tab)
            first.focus.setFocus(Qt.FocusReason.OtherFocusReason)

    def tabs_with_errors(self, errors: dict[str, str]) -> list[QWidget]:
        tabs: list[QWidget] = []
        for key in errors:
            slot = self.slots.get(key)
            if slot is not None and slot.tab is not None and slot.tab not in tabs:
                tabs.append(slot.tab)
        return tabs

    def messages(self) -> dict[str, str]:
        """Errors now shown, by key (tests)."""
        return {key: slot.error.text() for key, slot in self.slots.items() if slot.error.text()}
