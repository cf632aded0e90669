"""Parts every form dialog has: the French OK/cancel buttons and the error line."""

from __future__ import annotations

from backoffice.ui.qt import QDialog, QDialogButtonBox, QLabel, QPushButton

ERROR_STYLE = "color: #a40000;"


def ok_cancel(
    dialog: QDialog, ok_text: str, cancel_text: str = "Annuler"
) -> tuple[QDialogButtonBox, QPushButton]:
    """The buttons, wired to ``dialog.submit`` (OK) and ``dialog.reject``; returns them
    and the OK button (to enable it or not)."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(ok_text)
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(cancel_text)
    buttons.accepted.connect(dialog.submit)
    buttons.rejected.connect(dialog.reject)
    return buttons, ok


def error_label() -> QLabel:
    """A red, wrapped line, hidden until a refusal is shown in it."""
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE)
    label.setVisible(False)
    return label
