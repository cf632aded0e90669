"""``backoffice-cli families …``: list, show, CSV import/export, RGPD export and anonymisation."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

from backoffice.cli import family_children, family_forms
from backoffice.cli.output import print_json
from backoffice.dates import paris_today
from backoffice.storage import Database


def cmd_families_list(db: Database, args) -> int:
    from backoffice.services.families.queries import search_families

    with db.session() as session:
        rows = search_families(session, args.search or "", limit=args.limit)
    if args.json:
        print_json([row.as_dict() for row in rows])
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
    from backoffice.services.families.queries import find_family_id, get_family_detail

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
        print_json(data)
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


def cmd_families_import(db: Database, args) -> int:
    from backoffice.services.common.actors import current_actor
    from backoffice.services.families.csv_import import CsvImportError, import_families_csv

    try:
        with db.session() as session:
            actor = current_actor(session)
            report = import_families_csv(
                session, actor, Path(args.file), paris_today(), dry_run=args.dry_run
            )
    except CsvImportError as exc:
        if args.json:
            print_json(
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
        print_json(report.as_dict())
    else:
        print(report.summary())
    return 0


def cmd_families_export(db: Database, args) -> int:
    from backoffice.services.families.csv_export import export_families_csv

    with db.session() as session:
        count = export_families_csv(session, Path(args.file))
    print(f"{count} famille(s) exportée(s) dans {args.file}.")
    return 0


def cmd_families_export_personal_data(db: Database, args) -> int:
    from backoffice.services.common.actors import current_actor
    from backoffice.services.common.files import write_atomically
    from backoffice.services.families.personal_data_export import export_personal_data
    from backoffice.services.families.queries import find_family_id

    with db.session() as session:
        actor = current_actor(session)
        family_id = find_family_id(session, args.id)
        data = export_personal_data(session, actor, family_id, destination=args.output or "")
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        if args.output:  # refused (French UserError): rolled back, the export is not recorded
            write_atomically(Path(args.output), text.encode("utf-8"))
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
    from backoffice.services.common.actors import current_actor
    from backoffice.services.families.anonymisation import anonymise_inactive

    with db.session() as session:
        actor = current_actor(session)
        report = anonymise_inactive(
            session, actor, args.inactive_years, args.today or paris_today(), dry_run=args.dry_run
        )
    if args.json:
        print_json(report.as_dict())
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


def register(sub) -> None:
    """Add ``families`` and its actions."""
    parser_class = sub._parser_class  # FrenchParser: French usage errors
    fam = sub.add_parser("families", help="familles")
    fam_sub = fam.add_subparsers(
        dest="action", required=True, metavar="ACTION", parser_class=parser_class
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
    family_children.register(fam_sub)  # add-child, child-left
    family_forms.add_commands(fam_sub)
