"""Qt part of ``backoffice --self-test``: the platform plugin and a rendered widget
(``Qt``), Qt's French translations (``Traductions``) — what a frozen build most often
loses."""

from __future__ import annotations

from backoffice.ui.qt import (
    QApplication,
    QCoreApplication,
    QLabel,
    QLibraryInfo,
    QLocale,
    QTranslator,
)


def check_qt() -> str:
    app = QApplication.instance() or QApplication(["backoffice-self-test"])
    platform = app.platformName()
    if not platform:
        raise RuntimeError("aucun greffon de plate-forme Qt chargé")
    label = QLabel("Réservation acceptée : 12,50 €")
    label.adjustSize()
    image = label.grab().toImage()
    label.deleteLater()
    if image.isNull() or image.width() == 0:
        raise RuntimeError("Qt n'a pas pu dessiner un libellé")
    return f"greffon « {platform} », rendu d'un libellé {image.width()}×{image.height()}"


def check_translations() -> str:
    """Qt's French catalogue is bundled and translates its standard buttons."""
    app = QApplication.instance() or QApplication(["backoffice-self-test"])
    translator = QTranslator(app)
    directory = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not translator.load(QLocale(QLocale.Language.French), "qtbase", "_", directory):
        raise RuntimeError(f"traductions françaises de Qt introuvables dans {directory}")
    app.installTranslator(translator)
    cancel = QCoreApplication.translate("QPlatformTheme", "Cancel")
    app.removeTranslator(translator)
    if cancel != "Annuler":
        raise RuntimeError(f"traduction inattendue de « Cancel » : {cancel!r}")
    return f"traductions françaises de Qt chargées depuis {directory}"
