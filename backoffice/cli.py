"""``backoffice-cli``: headless commands calling the same services as the GUI.

Every listing accepts ``--json``; expected errors print a French message on
stderr and exit with status 1 (2 for bad usage).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from backoffice import __version__, cli_french
from backoffice.errors import UserError
from backoffice.storage import Database, open_database


def _print_json(data) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def _progress_printer(label: str) -> Callable[[int, int], None]:
    last = {"pct": -1}

    def report(done: int, total: int) -> None:
        pct = 100 * done // total if total else 100
        if pct != last["pct"] and (pct % 10 == 0 or done == total):
            last["pct"] = pct
            print(f"{label} : {done}/{total} ({pct} %)", file=sys.stderr, flush=True)

    return report


def cmd_init(db: Database, args) -> int:
    print(f"Base de données prête ({db.description}).")
    return 0


def cmd_demo(db: Database, args) -> int:
    from backoffice.services.demo import load_demo

    report = load_demo(
        db,
        families=args.families,
        seed=args.seed,
        today=args.today,
        progress=_progress_printer("Familles"),
        billing=not args.no_billing,
    )
    if args.json:
        _print_json(report.as_dict())
    else:
        print(report.summary())
    return 0


def cmd_catalogue_import(db: Database, args) -> int:
    from backoffice.services.catalogue import import_catalogue_file

    with db.session() as session:
        report = import_catalogue_file(session, Path(args.file))
    if args.json:
        _print_json(report.as_dict())
    else:
        print(report.summary())
    return 0


def cmd_catalogue_export(db: Database, args) -> int:
    from backoffice.services.catalogue import export_catalogue_file

    with db.session() as session:
        export_catalogue_file(session, Path(args.file))
    print(f"Catalogue exporté dans {args.file}.")
    return 0


def cmd_families_list(db: Database, args) -> int:
    from backoffice.services.families import search_families

    with db.session() as session:
        rows = search_families(session, args.search or "", limit=args.limit)
    if args.json:
        _print_json([row.as_dict() for row in rows])
        return 0
    if not rows:
        print("Aucune famille ne correspond.")
        return 0
    print(f"{'Identifiant':<11}  {'Nom':<24}  {'Commune':<24}  {'Compte':<24}  Enfants")
    for row in rows:
        print(
            f"{row.code:<11}  {row.name[:24]:<24}  {row.commune[:24]:<24}  "
            f"{row.account_state_label:<24}  {row.children}"
        )
    print(f"{len(rows)} famille(s).")
    return 0


def cmd_families_show(db: Database, args) -> int:
    from backoffice.services.families import find_family_id, get_family_detail

    with db.session() as session:
        detail = get_family_detail(session, find_family_id(session, args.id))
        family = detail.family
        data = {
            "id": family.id,
            "code": family.code,
            "name": family.name,
            "account_state": family.account_state.value,
            "address": [
                family.address_line1,
                family.address_line2,
                f"{family.postcode} {family.commune}",
            ],
            "insee_code": family.insee_code,
            "phone": family.phone,
            "login_email": family.login_email,
            "billing_email": family.billing_email,
            "allowance": {
                "scheme": family.allowance_scheme.value,
                "number": family.allowance_number,
            },
            "quotient": detail.quotient,
            "missing": detail.missing,
            "guardians": [
                {
                    "name": g.full_name,
                    "relationship": g.relationship_label,
                    "payer": g.is_payer,
                    "mobile_phone": g.mobile_phone,
                    "email": g.email,
                }
                for g in detail.guardians
            ],
            "children": [
                {
                    "id": c.id,
                    "name": c.full_name,
                    "birth_date": c.birth_date.isoformat(),
                    "age": c.age,
                    "school": c.school,
                    "class": c.school_class,
                    "alerts": c.alerts,
                    "missing": c.missing,
                    "emergency_contacts": c.emergency_contacts,
                    "authorised_pickups": c.authorised_pickups,
                }
                for c in detail.children
            ],
        }
    if args.json:
        _print_json(data)
        return 0
    print(f"Famille {data['name']} ({data['code']}) — compte : {family.account_state.value}")
    print("Adresse : " + ", ".join(part for part in data["address"] if part.strip()))
    print(f"Téléphone : {data['phone'] or '—'}    E-mail : {data['login_email'] or '—'}")
    print(f"QF en cours : {data['quotient'] if data['quotient'] is not None else 'aucun'}")
    for g in data["guardians"]:
        payer = " — payeur" if g["payer"] else ""
        print(f"  Responsable : {g['name']} ({g['relationship'] or '—'}){payer}")
    for c in data["children"]:
        state = "complet" if not c["missing"] else "incomplet : " + "; ".join(c["missing"])
        alerts = f" [{', '.join(c['alerts'])}]" if c["alerts"] else ""
        print(
            f"  Enfant : {c['name']}, {c['age']} ans, {c['school'] or 'école ?'}{alerts} — dossier {state}"
        )
    if data["missing"]:
        print("Manque au dossier famille : " + "; ".join(data["missing"]))
    return 0


def _paris_today() -> date:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Europe/Paris")).date()


def cmd_families_import(db: Database, args) -> int:
    from backoffice.services.actors import current_actor
    from backoffice.services.families_csv import CsvImportError, import_families_csv

    try:
        with db.session() as session:
            actor = current_actor(session)
            report = import_families_csv(
                session, actor, Path(args.file), _paris_today(), dry_run=args.dry_run
            )
    except CsvImportError as exc:
        if args.json:
            _print_json(
                {
                    "ok": False,
                    "rows": exc.rows,
                    "bad_lines": exc.bad_lines,
                    "errors": [{"line": line, "message": message} for line, message in exc.errors],
                }
            )
        else:
            for line, message in exc.errors:
                print(f"ligne {line} : {message}", file=sys.stderr)
        print(
            f"Erreur : {len(exc.bad_lines)} ligne(s) en erreur"
            + (f" sur {exc.rows}" if exc.rows else "")
            + " : rien n'a été importé.",
            file=sys.stderr,
        )
        return 1
    if args.json:
        _print_json(report.as_dict())
    else:
        print(report.summary())
    return 0


def cmd_families_export(db: Database, args) -> int:
    from backoffice.services.families_csv import export_families_csv

    with db.session() as session:
        count = export_families_csv(session, Path(args.file))
    print(f"{count} famille(s) exportée(s) dans {args.file}.")
    return 0


def cmd_families_export_personal_data(db: Database, args) -> int:
    from backoffice.services.actors import current_actor
    from backoffice.services.families import find_family_id
    from backoffice.services.personal_data import export_personal_data

    with db.session() as session:
        actor = current_actor(session)
        family_id = find_family_id(session, args.id)
        data = export_personal_data(session, actor, family_id, destination=args.output or "")
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        if args.output:
            try:
                Path(args.output).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise UserError(
                    f"Impossible d'écrire « {args.output} » : {exc.strerror or exc}."
                ) from exc
        else:
            sys.stdout.write(text)
        code = data["family"]["code"]
    if args.output:
        print(
            f"Données personnelles de la famille {code} exportées dans {args.output} "
            "(export inscrit dans l'historique).",
            file=sys.stderr,
        )
    return 0


def cmd_families_anonymise(db: Database, args) -> int:
    from backoffice.services.actors import current_actor
    from backoffice.services.personal_data import anonymise_inactive

    with db.session() as session:
        actor = current_actor(session)
        report = anonymise_inactive(
            session, actor, args.inactive_years, args.today or _paris_today(), dry_run=args.dry_run
        )
    if args.json:
        _print_json(report.as_dict())
    else:
        print(report.summary())
    if report.refused:
        print(
            f"Erreur : {len(report.refused)} famille(s) refusée(s) (facture impayée) ; "
            "les autres ont été traitées.",
            file=sys.stderr,
        )
        return 1
    return 0


cli_french.install()


class FrenchParser(argparse.ArgumentParser):
    def error(self, message: str):  # noqa: D102 - argparse hook
        self.print_usage(sys.stderr)
        self.exit(2, f"Erreur : {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = FrenchParser(
        prog="backoffice-cli", description="Back-office Portail Famille en ligne de commande."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--database-url", help="URL de la base (défaut : BACKOFFICE_DATABASE_URL ou fichier SQLite)"
    )
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMANDE", parser_class=FrenchParser
    )

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

    cat = sub.add_parser("catalogue", help="importe ou exporte le catalogue (TOML)")
    cat_sub = cat.add_subparsers(
        dest="action", required=True, metavar="ACTION", parser_class=FrenchParser
    )
    p = cat_sub.add_parser("import", help="valide puis applique un fichier catalogue")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_catalogue_import)
    p = cat_sub.add_parser("export", help="écrit le catalogue dans un fichier TOML")
    p.add_argument("file")
    p.set_defaults(func=cmd_catalogue_export)

    fam = sub.add_parser("families", help="familles")
    fam_sub = fam.add_subparsers(
        dest="action", required=True, metavar="ACTION", parser_class=FrenchParser
    )
    p = fam_sub.add_parser("list", help="liste les familles")
    p.add_argument("--search", help="nom, prénom d'un enfant, commune ou identifiant")
    p.add_argument("--limit", type=int, default=None, help="nombre maximal de lignes")
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_families_list)
    p = fam_sub.add_parser("show", help="affiche une famille")
    p.add_argument("id", help="identifiant (F00042) ou numéro interne")
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_families_show)
    p = fam_sub.add_parser(
        "import",
        help="importe des familles depuis un CSV (tout ou rien ; voir docs/families-csv.md)",
    )
    p.add_argument("file", help="fichier CSV (UTF-8 ou Windows-1252, séparateur ; ou ,)")
    p.add_argument("--dry-run", action="store_true", help="vérifie le fichier sans rien importer")
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_families_import)
    p = fam_sub.add_parser("export", help="exporte toutes les familles en CSV (format de l'import)")
    p.add_argument("file")
    p.set_defaults(func=cmd_families_export)
    p = fam_sub.add_parser(
        "export-personal-data",
        help="exporte en JSON tout ce que nous détenons sur une famille (droit d'accès RGPD)",
    )
    p.add_argument("id", help="identifiant (F00042) ou numéro interne")
    p.add_argument("--output", help="fichier JSON à écrire (défaut : sortie standard)")
    p.set_defaults(func=cmd_families_export_personal_data)
    p = fam_sub.add_parser(
        "anonymise", help="anonymise les familles sans activité depuis N ans (RGPD)"
    )
    p.add_argument(
        "--inactive-years",
        type=int,
        default=3,
        metavar="N",
        help="années sans réservation, facture ni règlement (défaut 3)",
    )
    p.add_argument(
        "--dry-run", action="store_true", help="montre ce qui serait fait, sans rien modifier"
    )
    p.add_argument(
        "--today", type=date.fromisoformat, default=None, help="date de référence AAAA-MM-JJ"
    )
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_families_anonymise)
    from backoffice.cli_billing import register as register_billing
    from backoffice.cli_sync import register as register_sync

    register_sync(sub)
    register_billing(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        db = open_database(args.database_url)
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


if __name__ == "__main__":
    sys.exit(main())
