"""A field with its error line: label above (or beside, in a form layout), red message under.

Labels never wrap or get cut: a grid column grows to the widest label. A
mandatory field carries an asterisk. ``set_error`` shows a red message under
the field and highlights the field itself (``invalid`` property, red border).
:class:`FieldErrorsView` maps the keys of a service's ``FieldErrors`` to the
fields of a form, shows a save's errors and brings the first one into view.
"""

from __future__ import annotations

from dataclasses import dataclass

from backoffice.ui.qt import (
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    Qt,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from backoffice.ui.widgets.labels import (
    ERROR_BACKGROUND,
    ERROR_COLOUR,
    REQUIRED_MARK,
    ErrorLabel,
)

_INVALID_STYLES = {
    QLineEdit: (
        f"QLineEdit {{ border: 1px solid {ERROR_COLOUR}; border-radius: 2px;"
        f" background-color: {ERROR_BACKGROUND}; padding: 2px 2px; }}"
    ),
    QComboBox: (
        f"QComboBox {{ border: 1px solid {ERROR_COLOUR}; border-radius: 2px;"
        f" background-color: {ERROR_BACKGROUND}; padding: 2px 18px 2px 3px; }}"
    ),
    QPlainTextEdit: (
        f"QPlainTextEdit {{ border: 1px solid {ERROR_COLOUR}; border-radius: 2px;"
        f" background-color: {ERROR_BACKGROUND}; }}"
    ),
}


def set_invalid(widget: QWidget, invalid: bool) -> None:
    """Highlight ``widget`` as wrong (or not). Composite fields decide for themselves;
    widgets without a highlight style (radio buttons, check boxes) only get the property."""
    custom = getattr(widget, "set_invalid", None)
    if callable(custom):
        custom(invalid)
        return
    widget.setProperty("invalid", invalid)
    style = next((s for kind, s in _INVALID_STYLES.items() if isinstance(widget, kind)), None)
    if style is not None:
        widget.setStyleSheet(style if invalid else "")


class FormField(QWidget):
    """``label`` (optional) above ``field``, and a hidden error message below.

    Without a label, the field and its error line go beside a label of a
    ``QFormLayout`` row (the child file's layout).
    """

    def __init__(
        self,
        label: str | None,
        field: QWidget,
        *,
        required: bool = False,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.field = field
        self.required = required
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.label: QLabel | None = None
        if label is not None:
            text = label + (REQUIRED_MARK if required else "")
            self.label = QLabel(text)
            self.label.setBuddy(field.focusProxy() or field)
            layout.addWidget(self.label)
            if not field.accessibleName():
                field.setAccessibleName(label)
        layout.addWidget(field)
        self.error_label = ErrorLabel()
        self.error_label.setObjectName("fieldError")
        # Its height is set from its width in _fit_error: nested layouts in a scroll
        # area do not ask a wrapped label for its height-for-width, and cut it.
        policy = self.error_label.sizePolicy()
        policy.setHeightForWidth(False)
        self.error_label.setSizePolicy(policy)
        layout.addWidget(self.error_label)
        if label is not None:
            # In a grid, a neighbour's error makes the row taller: this one stays on top.
            layout.addStretch(1)
        self.setFocusProxy(field)

    @property
    def error(self) -> str:
        return self.error_label.text() if not self.error_label.isHidden() else ""

    def set_error(self, message: str) -> None:
        if not message:
            self.clear_error()
            return
        self.error_label.show_error(message)
        self._fit_error()
        set_invalid(self.field, True)

    def clear_error(self) -> None:
        self.error_label.show_error("")
        self.error_label.setMinimumHeight(0)
        set_invalid(self.field, False)

    def _fit_error(self) -> None:
        if not self.error_label.isHidden():
            height = self.error_label.heightForWidth(max(self.width(), 80))
            self.error_label.setMinimumHeight(max(height, 0))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._fit_error()


# -- a form's errors, by key -------------------------------------------------------


@dataclass
class FieldSlot:
    """Where a field's error shows, what gets the focus, and the tab holding it."""

    error: ErrorLabel
    focus: QWidget
    tabs: QTabWidget | None = None
    tab: QWidget | None = None
    field: FormField | None = None  # set: the field is highlighted too


class FieldErrorsView:
    """Field key → its error line; shows a save's errors and focuses the first."""

    def __init__(self) -> None:
        self.slots: dict[str, FieldSlot] = {}
        self.unplaced = ErrorLabel()  # messages of keys without a field of their own

    def field(
        self,
        key: str,
        widget: QWidget,
        focus: QWidget | None = None,
        tabs: QTabWidget | None = None,
        tab: QWidget | None = None,
    ) -> FormField:
        """``widget`` with its error line under it (no label: the form layout has it)."""
        row = FormField(None, widget)
        self.slots[key] = FieldSlot(row.error_label, focus or widget, tabs, tab, row)
        return row

    def add(
        self,
        key: str,
        focus: QWidget,
        tabs: QTabWidget | None = None,
        tab: QWidget | None = None,
    ) -> ErrorLabel:
        """An error line the caller places itself (under a group of widgets)."""
        error = ErrorLabel()
        self.slots[key] = FieldSlot(error, focus, tabs, tab)
        return error

    def clear(self) -> None:
        for slot in self.slots.values():
            self._show(slot, "")
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
            self._show(slot, message)
            first = first or slot
        self.unplaced.show_error("\n".join(rest))
        if first is not None:
            if first.tabs is not None and first.tab is not None:
                first.tabs.setCurrentWidget(first.tab)
            first.focus.setFocus(Qt.FocusReason.OtherFocusReason)

    @staticmethod
    def _show(slot: FieldSlot, message: str) -> None:
        if slot.field is not None:
            slot.field.set_error(message)
        else:  # a line placed apart: the widget to correct is highlighted all the same
            slot.error.show_error(message)
            set_invalid(slot.focus, bool(message))

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
