"""``backoffice-cli sync``: one sync round with the portal; ``sync configure``: its settings.

Wired into :mod:`backoffice.cli` by :func:`register`; :func:`main` runs the
same commands on their own (tests, scripts).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import TYPE_CHECKING

from backoffice.errors import UserError

if TYPE_CHECKING:
    from backoffice.storage import Database

# The sync package (the portal client, its HTTP and keyring libraries) is imported by
# the sync commands only: other commands start without it.

TOKEN_PROMPT = "Jeton du back-office (donné par « portal create-staff-token ») : "


def _progress(stage: str, done: int, total: int) -> None:
    if total and done == total:
        print(f"{stage} : {done}", file=sys.stderr, flush=True)


def _token_for_run(url: str) -> str | None:
    """None lets the client read the keyring; without one, ask (never stored)."""
    from backoffice.sync import settings as sync_settings

    try:
        sync_settings.read_token(url)
        return None
    except sync_settings.NoKeyring as exc:
        if not sys.stdin.isatty():
            raise UserError(
                f"{exc} Lancez la commande dans un terminal pour saisir le jeton."
            ) from exc
        print(str(exc), file=sys.stderr)
        return getpass.getpass(TOKEN_PROMPT).strip() or None


def cmd_sync(db: Database, args) -> int:
    if getattr(args, "sync_action", None) == "configure":
        return cmd_configure(db, args)
    from backoffice.sync import client_from_settings, run_round
    from backoffice.sync import settings as sync_settings
    from backoffice.sync.client import PortalError

    url = args.portal
    if url is None:
        with db.session() as session:
            url = sync_settings.portal_url(session)
    if not url:
        raise PortalError(
            "Aucun portail n'est configuré : backoffice-cli sync configure --portal URL"
        )
    token = _token_for_run(url)
    with client_from_settings(db, portal_url=url, token=token) as client:
        report = run_round(db, client, None if args.json else _progress)
    if args.json:
        json.dump(report.as_dict(), sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        print(report.summary())
    return 0 if report.ok else 1


def cmd_configure(db: Database, args) -> int:
    from backoffice.sync import settings as sync_settings
    from backoffice.sync.client import check_portal_url

    url = check_portal_url(args.portal)
    with db.session() as session:
        sync_settings.save_settings(
            session, url=url, ca_file=args.ca_bundle, interval=args.interval
        )
    print(f"Portail enregistré : {url}")
    if args.no_token:
        return 0
    token = getpass.getpass(TOKEN_PROMPT).strip()
    if not token:
        raise UserError("Aucun jeton saisi : rien n'a été enregistré dans le trousseau.")
    sync_settings.store_token(url, token)
    print(
        f"Jeton enregistré dans le trousseau du système (service « {sync_settings.KEYRING_SERVICE} »)."
    )
    return 0


def register(subparsers) -> argparse.ArgumentParser:
    """Add ``sync`` (and ``sync configure``) to the CLI's sub-commands."""
    p = subparsers.add_parser("sync", help="synchronise avec le portail famille (un passage)")
    p.add_argument("--portal", metavar="URL", help="adresse du portail (défaut : celle configurée)")
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_sync, sync_action=None)
    actions = p.add_subparsers(dest="sync_action", metavar="ACTION", parser_class=type(p))
    c = actions.add_parser(
        "configure", help="enregistre l'adresse du portail et le jeton (trousseau du système)"
    )
    c.add_argument("--portal", required=True, metavar="URL", help="https://portail.exemple.fr")
    c.add_argument("--ca-bundle", metavar="FICHIER", help="autorités de certification du portail")
    c.add_argument("--interval", type=int, metavar="MIN", help="synchronisation auto (minutes)")
    c.add_argument(
        "--no-token", action="store_true", help="n'enregistre que les réglages, pas le jeton"
    )
    c.set_defaults(func=cmd_sync)
    return p
