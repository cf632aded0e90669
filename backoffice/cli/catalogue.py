"""``backoffice-cli catalogue import|export``: the catalogue as a TOML file."""

from __future__ import annotations

from pathlib import Path

from backoffice.cli.output import print_json
from backoffice.storage import Database


def cmd_catalogue_import(db: Database, args) -> int:
    from backoffice.services.catalogue.import_export import import_catalogue_file

    with db.session() as session:
        report = import_catalogue_file(session, Path(args.file))
    if args.json:
        print_json(report.as_dict())
    else:
        print(report.summary())
    return 0


def cmd_catalogue_export(db: Database, args) -> int:
    from backoffice.services.catalogue.import_export import export_catalogue_file

    with db.session() as session:
        export_catalogue_file(session, Path(args.file))
    print(f"Catalogue exporté dans {args.file}.")
    return 0


def register(sub) -> None:
    """Add ``catalogue import`` and ``catalogue export``."""
    parser_class = sub._parser_class  # FrenchParser: French usage errors
    cat = sub.add_parser("catalogue", help="importe ou exporte le catalogue (TOML)")
    cat_sub = cat.add_subparsers(
        dest="action", required=True, metavar="ACTION", parser_class=parser_class
    )
    p = cat_sub.add_parser("import", help="valide puis applique un fichier catalogue")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_catalogue_import)
    p = cat_sub.add_parser("export", help="écrit le catalogue dans un fichier TOML")
    p.add_argument("file")
    p.set_defaults(func=cmd_catalogue_export)
