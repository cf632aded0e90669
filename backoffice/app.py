"""Entry point of the desktop back-office (``backoffice`` command).

``main`` stays thin: arguments, logging, crash handler, French locale and Qt
translations, database, the agent at the keyboard (:func:`backoffice.ui.login.sign_in`:
login dialog or first-run wizard when needed), main window. Tests build the window with :func:`create_main_window`.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from backoffice import APP_NAME, APP_ORG, __version__, collector, logs, machine_settings, paths
from backoffice.errors import UserError

if TYPE_CHECKING:  # imported by main() once the collector is paused (cold start)
    from backoffice.services.common.actors import Actor
    from backoffice.storage import Database

log = logging.getLogger(__name__)

STARTUP_FAILED_TITLE = "Portail Famille — démarrage impossible"


def parse_args(argv: Sequence[str] | None) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(
        prog="backoffice", description="Back-office Portail Famille (interface graphique)"
    )
    parser.add_argument(
        "--database-url",
        help="base de données (sinon BACKOFFICE_DATABASE_URL, sinon le fichier SQLite local)",
    )
    parser.add_argument("--debug", action="store_true", help="journal détaillé")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="vérifie l'installation (migrations, ressources, PDF, trousseau, Qt) puis quitte",
    )
    # Unknown arguments are left to Qt (-style, -platform…).
    return parser.parse_known_args(argv)


def install_french(app) -> list:
    """French locale and Qt's own French translations (standard buttons, dialogs),
    see :mod:`backoffice.ui.translations`. Returns the installed translators (keep
    them referenced)."""
    from backoffice.ui.translations import install_french as install

    return install(app)


# Translators installed by ensure_french, kept referenced for the application's life.
_kept_translators: list = []


def ensure_french(app) -> None:
    """French locale and Qt's translations unless already installed: every way of
    opening the main window (``backoffice``, scripts, tests) gets French dialogs."""
    from backoffice.ui.translations import french_installed

    if not french_installed():
        _kept_translators.extend(install_french(app))


def set_window_icon(app) -> None:
    from backoffice.ui.qt import QIcon

    try:
        app.setWindowIcon(QIcon(str(paths.resource("icons", "app.png"))))
    except FileNotFoundError as exc:
        log.info("Icône de l'application absente : %s", exc)


def resolve_actor(db: Database) -> Actor:
    """The staff user of this computer's login (``BACKOFFICE_USER`` overrides it);
    :class:`~backoffice.services.common.actors.PermissionDenied` when unknown or disabled."""
    from backoffice.services.common.actors import current_actor

    with db.session() as session:
        return current_actor(session)


def apply_stored_folders(db: Database) -> None:
    """The PDF and export folders chosen in « Paramètres › Collectivité »."""
    from backoffice.services.settings import collectivity

    with db.session() as session:
        collectivity.apply_folders(collectivity.load(session))


def create_main_window(
    db: Database, actor: Actor | None = None, runner=None, today: date | None = None
):
    """The main window on ``db`` for ``actor`` (default: :func:`resolve_actor`),
    with its first page of families loaded."""
    from backoffice.ui.main_window import MainWindow
    from backoffice.ui.qt import QApplication

    ensure_french(QApplication.instance())
    window = MainWindow(db, actor or resolve_actor(db), runner=runner, today=today)
    window.load()
    return window


def close_after_delay(window) -> None:
    """``BACKOFFICE_EXIT_AFTER_MS=N``: close the window after N ms (smoke tests of
    ``tasks.py run`` and the demo, offscreen); unset in normal use."""
    value = os.environ.get("BACKOFFICE_EXIT_AFTER_MS", "").strip()
    if value.isdigit():
        from backoffice.ui.qt import QTimer

        log.info("Fermeture automatique dans %s ms (BACKOFFICE_EXIT_AFTER_MS)", value)
        QTimer.singleShot(int(value), window.close)


def self_test() -> int:
    """Run every check, print one French line each; non-zero exit when one fails."""
    from backoffice import selftest
    from backoffice.ui.selftest import check_qt, check_translations

    gui = [("Qt", check_qt), ("Traductions", check_translations)]
    return selftest.report(selftest.run_checks([*selftest.CORE_CHECKS.items(), *gui]))


def check_setup() -> tuple[machine_settings.Settings | None, str]:
    """The settings files and the data folder, read before anything else: the settings,
    or the French reason the program cannot start (a wrong settings file, portable mode
    where the folder is read-only)."""
    try:
        settings = machine_settings.load()
        paths.data_dir()
    except UserError as exc:
        return None, str(exc)
    return settings, ""


def refuse_start(reason: str, qt_args: list[str]) -> int:
    """Say why the program cannot start (console and dialog); exit code 1."""
    print(reason, file=sys.stderr, flush=True)
    from backoffice.ui import dialogs
    from backoffice.ui.qt import QApplication

    _app = QApplication.instance() or QApplication([sys.argv[0], *qt_args])
    dialogs.critical(None, reason, title=STARTUP_FAILED_TITLE)
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    # No cyclic collection while the program starts; settled once the window has
    # painted (backoffice.ui.first_paint). See backoffice.collector.
    collector.pause()
    try:
        return _main(argv)
    finally:
        collector.release()


def _main(argv: Sequence[str] | None) -> int:
    args, qt_args = parse_args(sys.argv[1:] if argv is None else argv)
    settings, reason = check_setup()
    if settings is None:
        return refuse_start(reason, qt_args)
    log_path = logs.setup_logging(logging.DEBUG if args.debug else logging.INFO)
    for line in settings.describe():
        log.info("%s", line)
    if args.self_test:
        try:
            return self_test()
        finally:
            logs.shutdown_logging()
    log.info("Démarrage du back-office %s", __version__)

    # The database layer before Qt: the Qt binding reads the source of every module
    # imported after it (its ``__feature__`` check); these thousands of lines need not.
    from backoffice.services.common.actors import PermissionDenied
    from backoffice.services.database import open_database
    from backoffice.storage import StorageError
    from backoffice.ui import crash, dialogs
    from backoffice.ui.qt import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0], *qt_args])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_ORG)
    app.setApplicationVersion(__version__)
    set_window_icon(app)
    translators = install_french(app)
    crash.install(log_path)
    db = None
    try:
        try:
            db = open_database(args.database_url)
        except StorageError as exc:
            log.error("Base de données inaccessible : %s", exc)
            dialogs.critical(None, str(exc), title=STARTUP_FAILED_TITLE)
            return 1
        except Exception as exc:  # noqa: BLE001 - no event loop yet: say it, then stop
            log.exception("Erreur inattendue à l'ouverture de la base de données")
            dialogs.critical(
                None,
                f"La base de données n'a pas pu être ouverte : {exc}\n\n"
                f"Les détails sont dans le fichier journal : {log_path}",
                title=STARTUP_FAILED_TITLE,
                details=traceback.format_exc(),
            )
            return 1
        log.info("Base de données : %s", db.description)
        try:
            from backoffice.ui.login import sign_in

            signed_in = sign_in(db)  # login dialog / first-run wizard when needed
        except PermissionDenied as exc:
            log.error("Agent refusé : %s", exc)
            dialogs.critical(None, str(exc), title=STARTUP_FAILED_TITLE)
            return 1
        if signed_in is None:
            log.info("Connexion abandonnée")
            return 0
        actor = signed_in
        log.info("Agent : %s (%s)", actor.login, actor.role.value)
        apply_stored_folders(db)
        window = create_main_window(db, actor)
        from backoffice.ui.first_paint import after_first_paint

        after_first_paint(window)
        window.show()
        close_after_delay(window)
        return app.exec()
    finally:
        crash.uninstall()
        for translator in translators:
            app.removeTranslator(translator)
        if db is not None:
            db.dispose()
        log.info("Arrêt du back-office")
        logs.shutdown_logging()


if __name__ == "__main__":
    sys.exit(main())
