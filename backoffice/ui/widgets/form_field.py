"""A field with its label above and its error message under it.

Labels never wrap or get cut: a grid column grows to the widest label. A
mandatory field carries an asterisk. ``set_error`` shows a red message under
the field and highlights the field itself (``invalid`` property, red border).
"""

from __future__ import annotations

from backoffice.ui.qt import QComboBox, QLabel, QLineEdit, QVBoxLayout, QWidget

ERROR_COLOUR = "#b3261e"
ERROR_BACKGROUND = "#fdecea"
REQUIRED_MARK = " *"

_INVALID_STYLES = {
    QLineEdit: (
        f"QLineEdit {{ border: 1px solid {ERROR_COLOUR}; border-radius: 2px;"
        f" background-color: {ERROR_BACKGROUND}; padding: 1px 2px; }}"
    ),
    QComboBox: (
        f"QComboBox {{ border: 1px solid {ERROR_COLOUR}; border-radius: 2px;"
        f" background-color: {ERROR_BACKGROUND}; padding: 1px 18px 1px 3px; }}"
    ),
}


def set_invalid(widget: QWidget, invalid: bool) -> None:
    """Highlight ``widget`` as wrong (or not). Composite fields decide for themselves."""
    custom = getattr(widget, "set_invalid", None)
    if callable(custom):
        custom(invalid)
        return
    widget.setProperty("invalid", invalid)
    style = ""
    if invalid:
        style = next((s for kind, s in _INVALID_STYLES.items() if isinstance(widget, kind)), "")
    widget.setStyleSheet(style)


class FormField(QWidget):
    """``label`` (optional) above ``field``, and a hidden error message below."""

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
        self.error_label = QLabel()
        self.error_label.setObjectName("fieldError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {ERROR_COLOUR};")
        # Its height is set from its width in _fit_error: nested layouts in a scroll
        # area do not ask a wrapped label for its height-for-width, and cut it.
        policy = self.error_label.sizePolicy()
        policy.setHeightForWidth(False)
        self.error_label.setSizePolicy(policy)
        self.error_label.hide()
        layout.addWidget(self.error_label)
        layout.addStretch(1)
        self.setFocusProxy(field)

    @property
    def error(self) -> str:
        return self.error_label.text() if not self.error_label.isHidden() else ""

    def set_error(self, message: str) -> None:
        if not message:
            self.clear_error()
            return
        self.error_label.setText(message)
        self.error_label.show()
        self._fit_error()
        set_invalid(self.field, True)

    def clear_error(self) -> None:
        self.error_label.clear()
        self.error_label.setMinimumHeight(0)
        self.error_label.hide()
        set_invalid(self.field, False)

    def _fit_error(self) -> None:
        if not self.error_label.isHidden():
            height = self.error_label.heightForWidth(max(self.width(), 80))
            self.error_label.setMinimumHeight(max(height, 0))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._fit_error()
