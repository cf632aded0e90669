"""Files the agent opens or chooses: PDFs in the system viewer, output folders.

Both go through a guard tied to the "no dialogs" switch (:mod:`.dialogs`): with
dialogs switched off (tests, screenshots) no viewer is launched and no folder
chooser is shown — the PDF is recorded in :data:`opened`, and the folder is taken
from :data:`scripted_folders` (first in, first out) or the proposed default.

The default folders themselves are resolved by :mod:`backoffice.paths`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from backoffice.ui import dialogs
from backoffice.ui.qt import QDesktopServices, QFileDialog, QUrl, QWidget

log = logging.getLogger(__name__)

opened: list[Path] = []
scripted_folders: list[Path | None] = []  # None: the agent cancels
scripted_files: list[Path | None] = []  # files "chosen" with dialogs off; None: cancelled


def open_file(path: Path) -> bool:
    """Open ``path`` in the system viewer (PDF reader); False when it could not be."""
    path = Path(path)
    if dialogs.no_dialogs():
        log.info("Document non ouvert (dialogues désactivés) : %s", path)
        opened.append(path)
        return True
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.resolve())))


def choose_folder(parent: QWidget | None, title: str, default: Path) -> Path | None:
    """The folder the agent picks (None if cancelled), starting at ``default``."""
    if dialogs.no_dialogs():
        return scripted_folders.pop(0) if scripted_folders else default
    try:
        default.mkdir(parents=True, exist_ok=True)
    except OSError:
        # The chooser opens all the same; writing into a bad folder says why (UserError).
        log.info("Dossier proposé non créé : %s", default)
    chosen = QFileDialog.getExistingDirectory(parent, title, str(default))
    return Path(chosen) if chosen else None


def choose_file(
    parent: QWidget | None, title: str, default: Path, name_filter: str = "PDF (*.pdf)"
) -> Path | None:
    """The file the agent picks to open (None if cancelled), starting in ``default``."""
    if dialogs.no_dialogs():
        return scripted_files.pop(0) if scripted_files else None
    chosen, _ = QFileDialog.getOpenFileName(parent, title, str(default), name_filter)
    return Path(chosen) if chosen else None


def choose_save_file(
    parent: QWidget | None, title: str, default: Path, name_filter: str
) -> Path | None:
    """Where the agent saves a file (None if cancelled), ``default`` proposed."""
    if dialogs.no_dialogs():
        return scripted_files.pop(0) if scripted_files else default
    chosen, _ = QFileDialog.getSaveFileName(parent, title, str(default), name_filter)
    return Path(chosen) if chosen else None
