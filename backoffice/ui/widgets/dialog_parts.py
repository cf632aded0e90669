"""The French OK / cancel buttons of a form dialog (its error line is a ``labels.ErrorLabel``)."""

from __future__ import annotations

from collections.abc import Callable

from backoffice.ui.qt import QDialog, QDialogButtonBox, QPushButton


def ok_cancel(
    dialog: QDialog,
    ok_text: str,
    cancel_text: str = "Annuler",
    on_ok: Callable[[], object] | None = None,
) -> tuple[QDialogButtonBox, QPushButton]:
    """The buttons, wired to ``on_ok`` (default ``dialog.submit``) and ``dialog.reject``;
    returns them and the OK button (to enable it or not)."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(ok_text)
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(cancel_text)
    buttons.accepted.connect(on_ok or dialog.submit)
    buttons.rejected.connect(dialog.reject)
    return buttons, ok
