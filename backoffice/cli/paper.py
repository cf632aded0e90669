"""``backoffice-cli paper invoices|letter``: paper for the families without the portal —
their invoices in one PDF for the post (window envelopes), the answer to a request as a
letter. Errors: French message, exit status 1."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from backoffice.cli.output import print_json
from backoffice.dates import paris_today
from backoffice.storage import Database


def cmd_paper_invoices(db: Database, args) -> int:
    from backoffice.services.billing.paper_batch import write_paper_batch
    from backoffice.services.common.actors import current_actor

    with db.session() as session:
        actor = current_actor(session)
    batch = write_paper_batch(db, actor, Path(args.output), args.run, duplex=args.duplex)
    if args.json:
        print_json(
            {"path": str(batch.path), "invoices": batch.invoices, "pages": batch.pages,
             "numbers": list(batch.numbers)}
        )  # fmt: skip
    else:
        print(
            f"{batch.invoices} facture(s) de familles sans portail, {batch.pages} page(s) "
            f"à imprimer : {batch.path}"
        )
    return 0


def cmd_paper_letter(db: Database, args) -> int:
    from backoffice.services.common.actors import current_actor
    from backoffice.services.requests.answer_letters import write_answer_letter

    with db.session() as session:
        actor = current_actor(session)
        path = write_answer_letter(
            session, actor, args.request, Path(args.output), args.today or paris_today()
        )
    if args.json:
        print_json({"path": str(path), "request": args.request})
    else:
        print(f"Lettre de réponse à la demande n° {args.request} : {path}")
    return 0


def register(sub) -> None:
    parser_class = sub._parser_class
    grp = sub.add_parser("paper", help="courrier des familles sans portail")
    grp_sub = grp.add_subparsers(
        dest="action", required=True, metavar="ACTION", parser_class=parser_class
    )
    p = grp_sub.add_parser(
        "invoices", help="factures des familles sans portail en un seul PDF à imprimer"
    )
    p.add_argument("--run", type=int, default=None, help="n° du lot (défaut : factures à payer)")
    p.add_argument("--output", required=True, help="fichier PDF à écrire")
    p.add_argument("--duplex", action="store_true", help="recto verso : une feuille par facture")
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_paper_invoices)
    p = grp_sub.add_parser("letter", help="réponse à une demande en lettre PDF")
    p.add_argument("request", type=int, help="numéro de la demande")
    p.add_argument("--output", required=True, help="fichier PDF à écrire")
    p.add_argument(
        "--today", type=date.fromisoformat, default=None, help="date de la lettre AAAA-MM-JJ"
    )
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_paper_letter)
