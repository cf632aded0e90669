"""``backoffice-cli init`` (create or upgrade the database) and ``demo`` (demo data)."""

from __future__ import annotations

from datetime import date

from backoffice.cli.output import print_json, progress_printer
from backoffice.storage import Database


def cmd_init(db: Database, args) -> int:
    print(f"Base de données prête ({db.description}).")
    return 0


def cmd_demo(db: Database, args) -> int:
    from backoffice.demo.load import load_demo

    report = load_demo(
        db,
        families=args.families,
        seed=args.seed,
        today=args.today,
        progress=progress_printer("Familles"),
        billing=not args.no_billing,
    )
    if args.json:
        print_json(report.as_dict())
    else:
        print(report.summary())
    return 0


def register(sub) -> None:
    """Add ``init`` and ``demo``."""
    p = sub.add_parser("init", help="crée ou met à jour la base de données")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("demo", help="charge des données de démonstration (base vide)")
    p.add_argument("--families", type=int, default=200, help="nombre de familles (défaut 200)")
    p.add_argument("--seed", type=int, default=1, help="graine du générateur (défaut 1)")
    p.add_argument(
        "--today", type=date.fromisoformat, default=None, help="date de référence AAAA-MM-JJ"
    )
    p.add_argument(
        "--no-billing",
        action="store_true",
        help="sans la facturation du mois dernier (factures, règlements)",
    )
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_demo)
