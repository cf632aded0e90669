"""``backoffice-cli invoices …`` and ``backoffice-cli payments …``: billing from the command line.

Registered by :func:`register` from :func:`backoffice.cli.app.build_parser`. Output in
French; expected errors exit 1.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from backoffice.cli.output import print_json, progress_printer
from backoffice.errors import UserError
from backoffice.storage import Database


def _actor(session):
    from backoffice.services.common.actors import bind, current_actor

    actor = current_actor(session)
    bind(session, actor)
    return actor


def _day(args) -> date | None:
    return getattr(args, "date", None)


# ---------------------------------------------------------------------------
# invoices


def cmd_invoices_preview(db: Database, args) -> int:
    from backoffice.services.billing import parse_period, preview_run
    from backoffice.services.billing.common import euros

    start, end = parse_period(args.period)
    with db.session() as session:
        preview = preview_run(session, args.regie, start, end, as_of=_day(args))
    if args.json:
        print_json(preview.as_dict())
        return 0
    for line in preview.summary_lines():
        print(line)
    if preview.families:
        print(f"  {'Famille':<8}  {'Nom':<28}  {'Lignes':>6}  {'Total':>12}  Anomalies")
        for f in preview.families:
            print(
                f"  {f.code:<8}  {f.name[:28]:<28}  {f.lines:>6}  {euros(f.total):>12}  "
                + "; ".join(f.anomalies)
            )
    if preview.anomalies:
        print("Anomalies :")
        for a in preview.anomalies:
            print(f"  - {a.text()}")
    return 0


def cmd_invoices_issue(db: Database, args) -> int:
    from backoffice.services.billing import issue_run, parse_period

    start, end = parse_period(args.period)
    with db.session() as session:
        actor = _actor(session)
        report = issue_run(
            session, args.regie, start, end, issue_date=_day(args), actor=actor, label=args.label
        )
    if args.json:
        print_json(report.as_dict())
    else:
        print(report.summary())
        warnings = [a for a in report.anomalies if not a.blocking]
        if warnings and report.invoices:
            print(f"{len(warnings)} anomalie(s) signalée(s) (voir « invoices preview »).")
    return 0


def cmd_invoices_pdf(db: Database, args) -> int:
    from backoffice.services.billing.invoice_pdfs import email_run, render_run

    out_dir = Path(args.out)
    report = render_run(db, args.run, out_dir=out_dir, progress=progress_printer("PDF"))
    for error in report.errors:
        print(f"Erreur : {error}", file=sys.stderr)
    print(
        f"{report.count} PDF écrit(s) dans {report.out_dir} en {report.seconds:.1f} s ; "
        f"{report.queued} envoi(s) au portail en attente de synchronisation."
    )
    if args.email:
        sent = email_run(db, args.run, out_dir=out_dir, progress=progress_printer("E-mails"))
        print(
            f"{len(sent.sent)} facture(s) envoyée(s) par e-mail, {len(sent.already_sent)} déjà "
            f"envoyée(s), {len(sent.without_email)} sans adresse, {len(sent.failed)} en échec."
        )
    return 1 if report.errors else 0


def cmd_invoices_credit_note(db: Database, args) -> int:
    from backoffice.services.billing import issue_credit_note, parse_line_spec
    from backoffice.services.billing.common import euros

    lines = parse_line_spec(args.lines) if args.lines else None
    with db.session() as session:
        actor = _actor(session)
        note = issue_credit_note(
            session, args.number, args.reason, lines=lines, issue_date=_day(args), actor=actor
        )
        data = {
            "number": note.number,
            "invoice": note.invoice.number,
            "total": format(note.total, "f"),
            "invoice_state": note.invoice.state.value,
            "lines": [{"label": li.label, "amount": format(li.amount, "f")} for li in note.lines],
        }
    if args.json:
        print_json(data)
    else:
        print(
            f"Avoir {data['number']} établi sur la facture {data['invoice']} : "
            f"{euros(note.total)} ({len(data['lines'])} ligne(s))."
        )
    return 0


def cmd_invoices_export_csv(db: Database, args) -> int:
    from backoffice.services.billing import parse_period
    from backoffice.services.billing.export import export_invoices_csv

    start, end = parse_period(args.period) if args.period else (None, None)
    with db.session() as session:
        count = export_invoices_csv(
            session, Path(args.file), regie_code=args.regie, start=start, end=end, lines=args.lines
        )
    what = "ligne(s) de facture" if args.lines else "facture(s)"
    print(f"{count} {what} exportée(s) dans {args.file}.")
    return 0


def cmd_invoices_close(db: Database, args) -> int:
    from backoffice.services.billing import close_period, parse_period

    start, end = parse_period(args.period)
    with db.session() as session:
        actor = _actor(session)
        report = close_period(session, args.regie, start, end, actor=actor, force=args.force)
    print(report.summary())
    return 0


def cmd_invoices_tresor(db: Database, args) -> int:
    from backoffice.services.billing import mark_sent_to_tresor

    if not args.run and not args.numbers:
        raise UserError("Indiquez --run ID ou des numéros de facture.")
    with db.session() as session:
        actor = _actor(session)
        count = mark_sent_to_tresor(
            session,
            invoice_numbers=args.numbers or None,
            run_id=args.run,
            on_date=_day(args),
            actor=actor,
        )
    print(f"{count} facture(s) transmise(s) au Trésor public (soldées pour la régie).")
    return 0


# ---------------------------------------------------------------------------
# payments


def _parse_allocations(items: list[str] | None) -> dict[str, object] | None:
    from backoffice.services.billing import parse_amount

    if not items:
        return None
    result = {}
    for item in items:
        number, sep, amount = item.partition("=")
        if not sep or not number.strip():
            raise UserError(f"Affectation invalide : « {item} » (attendu FACTURE=MONTANT).")
        result[number.strip().upper()] = parse_amount(amount)
    return result


def cmd_payments_record(db: Database, args) -> int:
    from backoffice.services.billing import record_payment

    with db.session() as session:
        actor = _actor(session)
        report = record_payment(
            session,
            args.family,
            args.regie,
            args.mode,
            args.amount,
            received_on=_day(args),
            bank=args.bank or "",
            number=args.number or "",
            payer_name=args.payer or "",
            allocations=_parse_allocations(args.allocate),
            actor=actor,
        )
        data = report.as_dict()
        text = report.summary()
    if args.json:
        print_json(data)
    else:
        print(text)
    return 0


def cmd_payments_list(db: Database, args) -> int:
    from backoffice.services.billing import list_payments, parse_period
    from backoffice.services.billing.common import euros

    start, end = parse_period(args.period) if args.period else (None, None)
    with db.session() as session:
        rows = list_payments(
            session, regie_code=args.regie, family_ref=args.family, start=start, end=end
        )
    if args.json:
        print_json([r.as_dict() for r in rows])
        return 0
    if not rows:
        print("Aucun règlement.")
        return 0
    print(
        f"{'N°':>5}  {'Date':<10}  {'Famille':<8}  {'Régie':<5}  {'Mode':<22}  {'Montant':>11}  État"
    )
    for r in rows:
        d = r.as_dict()
        print(
            f"{r.id:>5}  {r.received_on:%d/%m/%Y}  {r.family:<8}  {r.regie:<5}  "
            f"{d['mode_label'][:22]:<22}  {euros(r.amount):>11}  {d['state_label']}"
            + (f" — reste en avoir {euros(r.unallocated)}" if r.unallocated > 0 else "")
        )
    print(f"{len(rows)} règlement(s).")
    return 0


def cmd_payments_unpaid(db: Database, args) -> int:
    from backoffice.services.billing import unpaid_invoices
    from backoffice.services.billing.common import ZERO, euros

    with db.session() as session:
        rows = unpaid_invoices(
            session, args.regie, as_of=_day(args), include_not_due=args.include_not_due
        )
    if args.json:
        print_json([r.as_dict() for r in rows])
        return 0
    if not rows:
        print(f"Aucune facture impayée pour la régie {args.regie.upper()}.")
        return 0
    print(
        f"{'Facture':<16}  {'Famille':<8}  {'Échéance':<10}  {'Total':>11}  {'Reste dû':>11}  Retard"
    )
    for r in rows:
        print(
            f"{r.number:<16}  {r.family:<8}  {r.due_date:%d/%m/%Y}  {euros(r.total):>11}  "
            f"{euros(r.balance):>11}  {r.days_overdue} j"
        )
    total = sum((r.balance for r in rows), ZERO)
    print(f"{len(rows)} facture(s) impayée(s), reste dû {euros(total)}.")
    return 0


def cmd_payments_balance(db: Database, args) -> int:
    from backoffice.services.billing import family_balance
    from backoffice.services.billing.common import euros

    with db.session() as session:
        balance = family_balance(session, args.family, args.regie)
    if args.json:
        print_json(balance.as_dict())
        return 0
    print(f"Famille {balance.name} ({balance.family}) :")
    for r in balance.regies:
        state = "à payer" if r.balance > 0 else ("en avoir" if r.balance < 0 else "soldé")
        print(
            f"  {r.regie:<5} facturé {euros(r.invoiced)}, avoirs {euros(r.credited)}, "
            f"réglé {euros(r.paid)} → {euros(abs(r.balance))} {state}"
            + (f" (en attente banque : {euros(r.pending_online)})" if r.pending_online else "")
        )
    return 0


def cmd_payments_slip(db: Database, args) -> int:
    from backoffice.services.billing import (
        cheques_to_deposit,
        create_deposit_slip,
        deposit_slip_data,
    )
    from backoffice.services.billing.common import euros
    from backoffice.services.billing.slip_pdfs import create_deposit_slip_pdf, write_slip_pdf
    from backoffice.services.common.actors import current_actor

    folder = Path(args.pdf) if args.pdf else None  # "--pdf" alone: the slips folder
    if args.number and args.create:
        raise UserError("--create établit un nouveau bordereau : indiquez --regie, pas --number.")
    if args.pdf is not None and not (args.create or args.number):
        raise UserError(
            "Le PDF est celui d'un bordereau établi : ajoutez --create (nouveau bordereau) "
            "ou indiquez --number BR-… (réimpression)."
        )
    path, error = None, ""
    if args.number:  # a recorded slip: shown, its PDF written again with --pdf
        with db.session() as session:
            data = deposit_slip_data(session, args.number)
            actor = current_actor(session) if args.pdf is not None else None
        if actor is not None:
            path = write_slip_pdf(db, actor, data.number, folder)
    elif args.create and args.pdf is not None:  # recorded, then its PDF (as in the GUI)
        with db.session() as session:
            actor = current_actor(session)
        new = create_deposit_slip_pdf(db, actor, args.regie, deposit_date=_day(args), folder=folder)
        data, path, error = new.slip, new.path, new.error
    else:
        with db.session() as session:
            if args.create:
                actor = _actor(session)
                data = create_deposit_slip(
                    session, args.regie, deposit_date=_day(args), actor=actor
                )
            else:
                data = cheques_to_deposit(session, args.regie)
    if args.json:
        result = data.as_dict()
        if args.pdf is not None:
            result["pdf"] = str(path) if path else None
        print_json(result)
    else:
        title = f"Bordereau {data.number}" if data.number else "Chèques à remettre en banque"
        print(f"{title} — régie {data.regie} : {data.count} chèque(s), total {euros(data.total)}")
        for c in data.cheques:
            print(
                f"  {c.received_on:%d/%m/%Y}  {c.family:<8}  {c.payer_name[:24]:<24}  "
                f"{c.bank[:20]:<20}  n° {c.number:<12}  {euros(c.amount):>11}"
            )
        if path is not None:
            print(f"PDF du bordereau écrit : {path}")
    if error:
        print(
            f"Erreur : {error} Réimprimez-le ensuite : backoffice-cli payments slip "
            f"--number {data.number} --pdf [DOSSIER]",
            file=sys.stderr,
        )
        return 1
    return 0


# ---------------------------------------------------------------------------


def register(subparsers) -> None:
    """Add ``invoices`` and ``payments`` to the CLI's sub-commands."""
    parser_class = subparsers._parser_class  # FrenchParser: French usage errors

    def day_option(p: argparse.ArgumentParser, what: str) -> None:
        p.add_argument(
            "--date", type=date.fromisoformat, default=None, metavar="AAAA-MM-JJ", help=what
        )

    period_help = "AAAA-MM (le mois) ou AAAA-MM-JJ:AAAA-MM-JJ"
    inv = subparsers.add_parser("invoices", help="factures : lots, avoirs, clôture, export")
    inv_sub = inv.add_subparsers(
        dest="action", required=True, metavar="ACTION", parser_class=parser_class
    )
    p = inv_sub.add_parser("preview", help="aperçu d'un lot : total par famille et anomalies")
    p.add_argument("--regie", required=True, metavar="CODE", help="ALSH, PERI, JEUN, MAC…")
    p.add_argument("--period", required=True, help=period_help)
    day_option(p, "date de référence : pointages attendus jusqu'à ce jour (défaut : aujourd'hui)")
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_invoices_preview)

    p = inv_sub.add_parser("issue", help="émet le lot (tout ou rien, numéros sans trou)")
    p.add_argument("--regie", required=True, metavar="CODE")
    p.add_argument("--period", required=True, help=period_help)
    p.add_argument("--label", default="", help="libellé du lot")
    day_option(p, "date d'émission (défaut : aujourd'hui)")
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_invoices_issue)

    p = inv_sub.add_parser("credit-note", help="établit un avoir sur une facture")
    p.add_argument("number", help="numéro de la facture (ALSH-2026-00042)")
    p.add_argument("--reason", required=True, help="motif de l'avoir")
    p.add_argument(
        "--lines",
        help="lignes à créditer : « 1,3 » (en entier) ou « 2:5.00 » (montant) ; défaut : toute la facture",
    )
    day_option(p, "date de l'avoir (défaut : aujourd'hui)")
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_invoices_credit_note)

    p = inv_sub.add_parser("pdf", help="écrit les PDF d'un lot (et les envoie par e-mail)")
    p.add_argument("--run", type=int, required=True, metavar="ID", help="numéro du lot")
    p.add_argument("--out", required=True, metavar="DOSSIER", help="dossier de sortie")
    p.add_argument("--email", action="store_true", help="envoie aussi chaque facture par e-mail")
    p.set_defaults(func=cmd_invoices_pdf)

    p = inv_sub.add_parser("export-csv", help="exporte les factures en CSV (;)")
    p.add_argument("file")
    p.add_argument("--regie", metavar="CODE", help="une seule régie")
    p.add_argument("--period", help="dates d'émission : " + period_help)
    p.add_argument("--lines", action="store_true", help="une ligne par ligne de facture")
    p.set_defaults(func=cmd_invoices_export_csv)

    p = inv_sub.add_parser("close", help="clôture une période : plus rien n'y changera")
    p.add_argument("--regie", required=True, metavar="CODE")
    p.add_argument("--period", required=True, help=period_help)
    p.add_argument(
        "--force", action="store_true", help="clôture même si des prestations restent à facturer"
    )
    p.set_defaults(func=cmd_invoices_close)

    p = inv_sub.add_parser("tresor", help="transmet des factures au Trésor public (soldées)")
    p.add_argument("numbers", nargs="*", help="numéros de facture")
    p.add_argument("--run", type=int, metavar="ID", help="toutes les factures d'un lot")
    day_option(p, "date de transmission (défaut : aujourd'hui)")
    p.set_defaults(func=cmd_invoices_tresor)

    pay = subparsers.add_parser("payments", help="règlements, impayés, soldes, remises de chèques")
    pay_sub = pay.add_subparsers(
        dest="action", required=True, metavar="ACTION", parser_class=parser_class
    )
    p = pay_sub.add_parser("record", help="enregistre un règlement au guichet")
    p.add_argument("--family", required=True, metavar="F00042")
    p.add_argument("--regie", required=True, metavar="CODE")
    p.add_argument("--mode", required=True, help="cheque, especes, carte, ancv, cesu, virement")
    p.add_argument("--amount", required=True, help="montant en euros (42.50)")
    p.add_argument("--bank", help="banque (chèque)")
    p.add_argument("--number", help="numéro du chèque")
    p.add_argument("--payer", help="nom du payeur (défaut : la famille)")
    p.add_argument(
        "--allocate",
        action="append",
        metavar="FACTURE=MONTANT",
        help="affectation explicite (répétable) ; défaut : factures les plus anciennes d'abord",
    )
    day_option(p, "date de réception (défaut : aujourd'hui)")
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_payments_record)

    p = pay_sub.add_parser("list", help="liste les règlements")
    p.add_argument("--regie", metavar="CODE")
    p.add_argument("--family", metavar="F00042")
    p.add_argument("--period", help="dates de réception : " + period_help)
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_payments_list)

    p = pay_sub.add_parser("unpaid", help="factures impayées d'une régie")
    p.add_argument("--regie", required=True, metavar="CODE")
    day_option(p, "date de référence des retards (défaut : aujourd'hui)")
    p.add_argument(
        "--non-echues",
        dest="include_not_due",
        action="store_true",
        help="inclure les factures dont l'échéance n'est pas passée",
    )
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_payments_unpaid)

    p = pay_sub.add_parser("balance", help="solde d'une famille par régie")
    p.add_argument("--family", required=True, metavar="F00042")
    p.add_argument("--regie", metavar="CODE")
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_payments_balance)

    p = pay_sub.add_parser("slip", help="bordereau de remise des chèques d'une régie")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--regie", metavar="CODE", help="chèques à remettre de la régie")
    which.add_argument(
        "--number", metavar="BR-…", help="un bordereau déjà établi (BR-ALSH-2026-00001)"
    )
    p.add_argument(
        "--create", action="store_true", help="numérote le bordereau et marque les chèques remis"
    )
    p.add_argument(
        "--pdf",
        nargs="?",
        const="",
        default=None,
        metavar="DOSSIER",
        help="écrit le PDF du bordereau (avec --create ou --number) dans DOSSIER "
        "(défaut : le dossier des bordereaux du back-office)",
    )
    day_option(p, "date de remise (défaut : aujourd'hui)")
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_payments_slip)
