"""``tresor pes`` (a PES V2 file for the Trésor public) and ``sepa run`` / ``sepa reject``
(direct debits): the same services as « Règlements », for the régisseur's scripts.

The acting agent is this computer's login (``BACKOFFICE_USER`` in tests), checked by
the services like at the desk (régisseur or administrator).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from backoffice.services.billing.common import euros, parse_period
from backoffice.services.common.actors import bind, current_actor
from backoffice.storage import Database


def cmd_tresor_pes(db: Database, args) -> int:
    from backoffice.services.billing.pes import export_pes

    start, end = parse_period(args.period)
    with db.session() as session:
        actor = current_actor(session)
        bind(session, actor)
        report = export_pes(
            session, actor, args.regie, start, end, Path(args.out), on_date=args.date
        )
    debits = f", dont {report.debits} en prélèvement" if report.debits else ""
    print(
        f"{report.path} : bordereau n° {report.bordereau}, {report.invoice_count} titre(s){debits}, "
        f"{euros(report.total)}, SHA-256 {report.sha256}"
    )
    return 0


def cmd_sepa_run(db: Database, args) -> int:
    from backoffice.services.billing.sepa import debit_run

    period = parse_period(args.period) if args.period else None
    with db.session() as session:
        actor = current_actor(session)
        bind(session, actor)
        report = debit_run(session, actor, args.regie, args.due, Path(args.out), period=period)
    print(
        f"{report.path} : {report.count} prélèvement(s) ({report.first} FRST, "
        f"{report.recurrent} RCUR), {euros(report.total)}, SHA-256 {report.sha256}"
    )
    return 0


def cmd_sepa_reject(db: Database, args) -> int:
    from backoffice.services.billing.sepa import record_reject

    with db.session() as session:
        actor = current_actor(session)
        bind(session, actor)
        record_reject(session, actor, args.payment, args.reason, on_date=args.date)
    print(f"Rejet {args.reason.upper()} enregistré : la facture est de nouveau à régler.")
    return 0


def register(subparsers) -> None:
    """Add ``tresor`` and ``sepa`` to the CLI's sub-commands."""
    parser_class = subparsers._parser_class  # FrenchParser: French usage errors
    day = date.fromisoformat

    tresor = subparsers.add_parser("tresor", help="Trésor public : fichier PES V2 (Hélios)")
    sub = tresor.add_subparsers(
        dest="action", required=True, metavar="ACTION", parser_class=parser_class
    )
    p = sub.add_parser("pes", help="écrit le fichier PES V2 « ORMC » d'une régie et d'une période")
    p.add_argument("--regie", required=True, metavar="CODE", help="PERI, MAC…")
    p.add_argument("--period", required=True, help="AAAA-MM (le mois) ou AAAA-MM-JJ:AAAA-MM-JJ")
    p.add_argument("--out", required=True, help="dossier du fichier")
    p.add_argument("--date", type=day, default=None, metavar="AAAA-MM-JJ", help="date d'émission")
    p.set_defaults(func=cmd_tresor_pes)

    sepa = subparsers.add_parser("sepa", help="prélèvements SEPA : fichier pain.008, rejets")
    sub = sepa.add_subparsers(
        dest="action", required=True, metavar="ACTION", parser_class=parser_class
    )
    p = sub.add_parser("run", help="écrit le fichier de prélèvement d'une régie")
    p.add_argument("--regie", required=True, metavar="CODE", help="ALSH, JEUN…")
    p.add_argument("--due", required=True, type=day, metavar="AAAA-MM-JJ", help="échéance")
    p.add_argument("--period", default="", help="factures de cette période seulement (AAAA-MM)")
    p.add_argument("--out", required=True, help="dossier du fichier")
    p.set_defaults(func=cmd_sepa_run)
    p = sub.add_parser("reject", help="enregistre le rejet d'un prélèvement par la banque")
    p.add_argument("payment", type=int, help="n° du règlement (prélèvement)")
    p.add_argument("--reason", required=True, help="code du motif : AM04, MD06…")
    p.add_argument("--date", type=day, default=None, metavar="AAAA-MM-JJ", help="date du rejet")
    p.set_defaults(func=cmd_sepa_reject)


__all__ = ["register"]
