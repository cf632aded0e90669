"""``portal`` command: serve the API, manage staff tokens, write the OpenAPI document,
serve a fake PayFiP (tests, demo)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from sqlalchemy.exc import OperationalError

from portal.settings import Settings, SettingsError

OPENAPI_PATH = Path(__file__).resolve().parent / "openapi.json"


def openapi_text(settings: Settings | None = None) -> str:
    """The OpenAPI document as committed: sorted keys, two-space indent, final newline."""
    from portal.app import create_app

    if settings is None:
        settings = Settings(database_url="sqlite://")
    app = create_app(settings)
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def _settings(args) -> Settings:
    return Settings.from_env(database_url=getattr(args, "database_url", None))


def cmd_serve(args) -> int:
    import uvicorn

    from portal.app import create_app

    # The app reads X-Forwarded-* itself, from PORTAL_TRUSTED_PROXIES only (portal.protection).
    common = {"host": args.host, "port": args.port, "log_level": args.log_level}
    if args.workers > 1:
        # Several processes: each builds its app from the environment (sessions, throttle
        # counters and idempotency keys live in the database, shared by all).
        settings = _settings(args)
        os.environ["PORTAL_DATABASE_URL"] = settings.resolved_database_url()
        uvicorn.run(
            "portal.app:create_app",
            factory=True,
            workers=args.workers,
            proxy_headers=False,
            **common,
        )
        return 0
    app = create_app(_settings(args))
    uvicorn.run(app, proxy_headers=False, **common)
    return 0


def cmd_create_staff_token(args) -> int:
    from sqlalchemy import select

    from portal.db import open_database
    from portal.models import StaffToken, utcnow
    from portal.security import new_token, token_hash

    db = open_database(_settings(args).resolved_database_url())
    token = new_token()
    try:
        with db.session() as session:
            existing = session.scalars(
                select(StaffToken).where(StaffToken.name == args.name)
            ).first()
            if existing is not None and existing.revoked_at is None:
                print(
                    f"Un jeton nommé « {args.name} » existe déjà : révoquez-le d'abord "
                    "(portal revoke-staff-token).",
                    file=sys.stderr,
                )
                return 1
            if existing is not None:
                session.delete(existing)
                session.flush()
            session.add(
                StaffToken(name=args.name, token_hash=token_hash(token), created_at=utcnow())
            )
    finally:
        db.dispose()
    print(token)
    print(
        "Copiez ce jeton maintenant dans le back-office : il ne sera plus jamais affiché "
        "(seule son empreinte est conservée).",
        file=sys.stderr,
    )
    return 0


def cmd_revoke_staff_token(args) -> int:
    from sqlalchemy import select

    from portal.db import open_database
    from portal.models import StaffToken, utcnow

    db = open_database(_settings(args).resolved_database_url())
    try:
        with db.session() as session:
            row = session.scalars(select(StaffToken).where(StaffToken.name == args.name)).first()
            if row is None or row.revoked_at is not None:
                print(f"Aucun jeton actif nommé « {args.name} ».", file=sys.stderr)
                return 1
            row.revoked_at = utcnow()
    finally:
        db.dispose()
    print(f"Jeton « {args.name} » révoqué.", file=sys.stderr)
    return 0


def cmd_openapi(args) -> int:
    text = openapi_text()
    if args.check:
        if not OPENAPI_PATH.exists() or OPENAPI_PATH.read_text(encoding="utf-8") != text:
            print(
                "portal/openapi.json n'est pas à jour : lancez « portal openapi ».", file=sys.stderr
            )
            return 1
        return 0
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"Document OpenAPI écrit : {args.output}", file=sys.stderr)
    return 0


def cmd_payfip_fake(args) -> int:
    from portal.payfip_fake import serve

    serve(args.host, args.port, args.numcli)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="portal", description="API du Portail Famille.")
    sub = parser.add_subparsers(dest="command", required=True)

    def db_option(p):
        p.add_argument(
            "--database-url",
            help="URL SQLAlchemy (sqlite:///…, postgresql://…) ; sinon PORTAL_DATABASE_URL "
            "ou le fichier SQLite du dossier de données.",
        )

    serve = sub.add_parser("serve", help="Servir l'API avec uvicorn.")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8085)
    serve.add_argument("--log-level", default="info")
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="Nombre de processus (un par cœur du serveur ; 1 par défaut).",
    )
    db_option(serve)
    serve.set_defaults(func=cmd_serve)

    create = sub.add_parser(
        "create-staff-token", help="Créer un jeton pour le back-office (affiché une seule fois)."
    )
    create.add_argument("--name", default="back-office", help="Nom du jeton (ex. poste d'accueil).")
    db_option(create)
    create.set_defaults(func=cmd_create_staff_token)

    revoke = sub.add_parser("revoke-staff-token", help="Révoquer un jeton du back-office.")
    revoke.add_argument("name")
    db_option(revoke)
    revoke.set_defaults(func=cmd_revoke_staff_token)

    # The spelling: ``portal token create --name NOM`` / ``portal token revoke NOM``.
    token = sub.add_parser("token", help="Jetons du back-office : create, revoke.")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    token_create = token_sub.add_parser("create", help="Comme create-staff-token.")
    token_create.add_argument("--name", default="back-office")
    db_option(token_create)
    token_create.set_defaults(func=cmd_create_staff_token)
    token_revoke = token_sub.add_parser("revoke", help="Comme revoke-staff-token.")
    token_revoke.add_argument("name")
    db_option(token_revoke)
    token_revoke.set_defaults(func=cmd_revoke_staff_token)

    fake = sub.add_parser(
        "payfip-fake",
        help="Servir un PayFiP factice (tests, démo) : service web SOAP et page de paiement.",
    )
    fake.add_argument("--host", default="127.0.0.1")
    fake.add_argument("--port", type=int, default=8091)
    fake.add_argument(
        "--numcli", default="", help="Seul numéro client accepté (6 chiffres) ; vide : tous."
    )
    fake.set_defaults(func=cmd_payfip_fake)

    openapi = sub.add_parser("openapi", help="Écrire portal/openapi.json (le contrat HTTP).")
    openapi.add_argument(
        "--output", default=str(OPENAPI_PATH), help="Fichier, ou - pour la sortie."
    )
    openapi.add_argument("--check", action="store_true", help="Vérifier qu'il est à jour.")
    openapi.set_defaults(func=cmd_openapi)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        return args.func(args)
    except SettingsError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except OperationalError as exc:
        # No URL in the message: it may hold a password.
        print(f"Impossible d'ouvrir la base de données du portail : {exc.orig}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
