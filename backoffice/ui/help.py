"""« Aide » : one short French page per area (what it is for, its keys), F1 opens the
current area's.

The pages are Markdown files under ``resources/help/`` (bundled with the frozen
build like every resource, see ``packaging/backoffice.spec``), shown in a window
beside the main window so the agent can read while working.
"""

from __future__ import annotations

import logging

from backoffice import paths
from backoffice.ui.qt import QDialog, QDialogButtonBox, Qt, QTextBrowser, QVBoxLayout, QWidget

log = logging.getLogger(__name__)

# Area (as the navigation names it) → its page under resources/help/.
PAGES = {
    "Familles": "familles.md",
    "Demandes": "demandes.md",
    "Planning": "planning.md",
    "Pointage": "pointage.md",
    "Facturation": "facturation.md",
    "Règlements": "reglements.md",
    "Dossiers incomplets": "dossiers-incomplets.md",
    "Synchronisation": "synchronisation.md",
    "Paramètres": "parametres.md",
}


def help_text(area: str) -> str:
    """The Markdown page of ``area``; a French line when it cannot be read."""
    name = PAGES.get(area)
    if name is None:
        return f"# {area}\n\nAucune aide n'est écrite pour cette zone."
    try:
        return paths.resource("help", name).read_text(encoding="utf-8")
    except OSError as exc:
        log.warning("Page d'aide illisible : %s", exc)
        return (
            f"# {area}\n\nLa page d'aide est introuvable dans cette installation ({name}) ; "
            "réinstallez le programme ou transmettez ce message au support."
        )


class HelpWindow(QDialog):
    """The help page of an area, in a window of its own (not modal)."""

    def __init__(self, area: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.area = area
        self.setWindowTitle(f"Aide — {area}")
        self.setModal(False)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(False)
        self.browser.setAccessibleName(f"Aide de la zone {area}")
        self.browser.setMarkdown(help_text(area))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        self.resize(640, 560)

    def text(self) -> str:
        return self.browser.toPlainText()
