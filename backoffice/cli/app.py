"""``backoffice-cli``: the parser of every command group, and the entry point.

Every listing accepts ``--json``; expected errors print a French message on
stderr and exit with status 1 (2 for bad usage).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from backoffice import __version__, collector, machine_settings
from backoffice.cli import (
    backup,
    billing,
    bookings,
    catalogue,
    collection,
    database,
    families,
    paper,
    registrations,
    requests,
    staff,
    sync,
)
from backoffice.cli.french import FrenchParser
from backoffice.errors import UserError
from backoffice.services.database import open_database


def build_parser() -> argparse.ArgumentParser:
    parser = FrenchParser(
        prog="backoffice-cli", description="Back-office Portail Famille en ligne de commande."
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"%(prog)s {__version__}",
        help="affiche la version et quitte",  # Python 3.11 does not translate this default
    )
    parser.add_argument(
        "--database-url", help="URL de la base (défaut : BACKOFFICE_DATABASE_URL ou fichier SQLite)"
    )
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMANDE", parser_class=FrenchParser
    )

    for group in (
        database,
        catalogue,
        families,
        requests,
        sync,
        billing,
        bookings,
        registrations,
        paper,
        collection,
        staff,
        backup,
    ):
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    if list(sys.argv[1:] if argv is None else argv) == ["--self-test"]:
        # The checks that need no Qt, printed on the console (backoffice --self-test
        # adds Qt's); no database of the agent is opened.
        from backoffice import selftest

        return selftest.report(selftest.run_checks(selftest.CORE_CHECKS.items()), logged=False)
    args = build_parser().parse_args(argv)
    try:
        machine_settings.load()  # a wrong settings file stops here, in French
        if getattr(args, "without_database", False):  # restore: the target stays untouched
            return args.func(None, args)
        db = open_database(args.database_url)
        collector.settle()  # started (when backoffice.cli.main paused the collector)
        try:
            return args.func(db, args)
        finally:
            db.dispose()
    except UserError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrompu.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into a command that stopped reading (`| head`): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
