"""Two kinds of errors (STYLE §7).

- Expected problems (:class:`~backoffice.errors.UserError`) get a plain French
  warning.
- Anything else is a bug: the traceback goes to the log file and a details
  dialog shows it with the log file path and a "Copier" button — once per
  distinct traceback, so an error repeated on every repaint does not bury the
  agent under dialogs.
"""

from __future__ import annotations

import hashlib
import logging
import sys
import traceback
from pathlib import Path
from types import TracebackType

from backoffice.errors import UserError
from backoffice.ui import dialogs
from backoffice.ui.qt import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFont,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger(__name__)

CRASH_TEXT = (
    "Une erreur inattendue s'est produite. Le travail déjà enregistré n'est pas perdu ; "
    "si l'erreur se reproduit, envoyez le fichier journal ci-dessous au support."
)


def traceback_key(exc_type: type[BaseException], tb: TracebackType | None) -> str:
    """Identity of a traceback: the exception type and its frames, not its message.

    The same bug raised with different values (another family id…) gives the
    same key.
    """
    frames = traceback.extract_tb(tb)
    parts = [f"{exc_type.__module__}.{exc_type.__qualname__}"]
    parts += [f"{f.filename}:{f.name}:{f.lineno}" for f in frames]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


class CrashDialog(QDialog):
    """Details of an unexpected error, with the log file and a copy button."""

    def __init__(self, details: str, log_path: Path | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Erreur inattendue — Portail Famille")
        self.resize(720, 460)
        self.details = details

        message = QLabel(CRASH_TEXT)
        message.setWordWrap(True)
        self.log_label = QLabel(
            f"Fichier journal : {log_path}" if log_path else "Aucun fichier journal."
        )
        self.log_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.log_label.setWordWrap(True)

        self.details_edit = QPlainTextEdit(details)
        self.details_edit.setReadOnly(True)
        # The platform's fixed-pitch font (Consolas on Windows, which has no DejaVu).
        mono = QFont()
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setFixedPitch(True)
        mono.setFamilies(["Consolas", "DejaVu Sans Mono", "monospace"])
        mono.setPointSize(9)
        self.details_edit.setFont(mono)
        self.details_edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)

        self.copy_button = QPushButton("Copier")
        self.copy_button.setToolTip("Copier les détails de l'erreur dans le presse-papiers")
        self.copy_button.clicked.connect(self.copy_details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("Fermer")

        row = QHBoxLayout()
        row.addWidget(self.copy_button)
        row.addStretch(1)
        row.addWidget(buttons)

        layout = QVBoxLayout(self)
        layout.addWidget(message)
        layout.addWidget(QLabel("Détails :"))
        layout.addWidget(self.details_edit, 1)
        layout.addWidget(self.log_label)
        layout.addLayout(row)

    def copy_details(self) -> None:
        QApplication.clipboard().setText(self.details)


class CrashHandler:
    """A ``sys.excepthook`` replacement; :meth:`install` / :meth:`uninstall`."""

    def __init__(self, log_path: Path | None = None, parent: QWidget | None = None):
        self.log_path = log_path
        self.parent = parent
        self.seen: set[str] = set()
        self._previous_hook = None

    def install(self) -> CrashHandler:
        self._previous_hook = sys.excepthook
        sys.excepthook = self.handle
        return self

    def uninstall(self) -> None:
        if sys.excepthook == self.handle and self._previous_hook is not None:
            sys.excepthook = self._previous_hook
        self._previous_hook = None

    def handle(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            log.info("Interruption demandée (Ctrl+C)")
            QApplication.quit()
            return
        if isinstance(exc, UserError):
            log.info("Erreur signalée à l'agent : %s", exc)
            dialogs.warning(self.parent, str(exc), modal=False)
            return
        key = traceback_key(exc_type, tb)
        log.error("Erreur inattendue (empreinte %s)", key, exc_info=(exc_type, exc, tb))
        if key in self.seen:
            return
        self.seen.add(key)
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        dialogs.show(
            dialogs.DialogRecord("crash", "Erreur inattendue", CRASH_TEXT, details),
            lambda: CrashDialog(details, self.log_path, self.parent),
            modal=False,
        )

    def report(self, exc: BaseException) -> None:
        """Handle an exception caught elsewhere (e.g. in a background task)."""
        self.handle(type(exc), exc, exc.__traceback__)


# Used by :func:`report` when no handler is installed (tests, scripts): same behaviour.
_fallback = CrashHandler()
_current: CrashHandler | None = None


def install(log_path: Path | None = None) -> CrashHandler:
    global _current
    _current = CrashHandler(log_path).install()
    return _current


def uninstall() -> None:
    global _current
    if _current is not None:
        _current.uninstall()
    _current = None


def report(exc: BaseException) -> None:
    """Route an exception caught by the app (e.g. in a background task) to the handler."""
    (_current or _fallback).report(exc)
