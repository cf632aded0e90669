"""Qt's own French: the standard buttons and dialogs (file dialog, message boxes).

Qt's ``qtbase_fr`` catalogue (shipped with PySide6) is loaded for the French locale.
It lags behind Qt: Qt 6.11's file dialog writes « &Look in: » and « Files of &type: »
(with a mnemonic) where the catalogue only knows « Look in: » and « Files of type: »,
so the dialog showed English. :class:`MnemonicFallback` answers for those: the text
looked up without its « & », the mnemonic put back on the first letter of the French.
"""

from __future__ import annotations

import logging

from backoffice.ui.qt import QCoreApplication, QLibraryInfo, QLocale, QObject, QTranslator

log = logging.getLogger(__name__)

CATALOGUES = ("qtbase",)


class MnemonicFallback(QTranslator):
    """Asked only when the catalogues found nothing (installed before them)."""

    def __init__(self, catalogue: QTranslator, parent: QObject | None = None):
        super().__init__(parent)
        self.catalogue = catalogue

    def isEmpty(self) -> bool:  # noqa: N802 - Qt API
        return False

    def translate(self, context, source, disambiguation=None, n=-1) -> str:
        if not source or source.count("&") != 1:
            return ""
        french = self.catalogue.translate(context, source.replace("&", ""), disambiguation, n)
        return f"&{french}" if french else ""


def install_french(app) -> list[QTranslator]:
    """French locale and Qt's French translations; returns the installed translators
    (keep them referenced)."""
    french = QLocale(QLocale.Language.French, QLocale.Country.France)
    QLocale.setDefault(french)
    directory = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    translators: list[QTranslator] = []
    for name in CATALOGUES:
        catalogue = QTranslator(app)
        if not catalogue.load(french, name, "_", directory):
            log.warning("Traductions Qt introuvables : %s_fr dans %s", name, directory)
            continue
        fallback = MnemonicFallback(catalogue, app)
        # The last installed is asked first: the catalogue, then the fallback.
        app.installTranslator(fallback)
        app.installTranslator(catalogue)
        translators += [fallback, catalogue]
    return translators


def french_installed() -> bool:
    """Whether Qt's dialogs speak French now (the file dialog's « &Look in: »)."""
    return QCoreApplication.translate("QFileDialog", "&Look in:") != "&Look in:"
