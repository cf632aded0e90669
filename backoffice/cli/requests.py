"""``backoffice-cli requests …``: the requests desk without its window.

- ``list``: the pending requests, oldest first (the desk's queue), narrowed by kind or
  by words of the family's search text;
- ``accept``: within the units' capacity, a full day per the activity's rule (waiting
  list, or refused as full), cancellations asked late billed or not as told
  (``--billed`` / ``--not-billed``, mandatory when there are some);
- ``refuse``: with a reason (parents read it), typed or one of the desk's reasons by
  its number (``requests refuse --help`` lists them);
- ``undo``: the last decision on each request, as long as the portal has not been told.

The same service functions as the desk (:mod:`backoffice.services.requests`), acting as
this computer's agent (``BACKOFFICE_USER`` or the system login), whose role is checked.
``--json`` prints what became of each request; an error prints a French message and
exits with status 1, nothing changed.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from backoffice.cli.output import print_json
from backoffice.dates import PARIS
from backoffice.errors import UserError
from backoffice.models import REQUEST_KIND_LABELS, PortalRequest, RequestKind
from backoffice.storage import Database

KINDS = {
    "inscription": RequestKind.REGISTRATION,
    "reservation": RequestKind.BOOKING,
    "annulation": RequestKind.CANCELLATION,
}
STATE_WORDS = {
    "pending": "en attente",
    "accepted": "acceptée",
    "refused": "refusée",
    "partial": "acceptée en partie",
}


def _actor(session):
    from backoffice.services.common.actors import bind, current_actor

    actor = current_actor(session)
    bind(session, actor)
    return actor


def to_paris(moment: datetime) -> datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(PARIS)


def _day(value) -> str:
    return f"{value:%d/%m/%Y}" if value is not None else ""


def cmd_requests_list(db: Database, args) -> int:
    from backoffice.services.requests.queue import RequestFilter, pending_requests
    from backoffice.services.requests.side_panel import request_notes

    flt = RequestFilter(kind=KINDS[args.kind] if args.kind else None, text=args.search or "")
    with db.session() as session:
        _actor(session)
        rows = pending_requests(session, flt)
        if args.limit is not None:
            rows = rows[: max(args.limit, 0)]
        notes = {row.id: request_notes(session, row.id) for row in rows}
    if args.json:
        print_json(
            [
                {
                    "id": r.id,
                    "kind": r.kind.value,
                    "received_at": to_paris(r.received_at).isoformat(),
                    "family": r.family_code,
                    "family_name": r.family_name,
                    "child": " ".join(p for p in (r.child_first_name, r.child_last_name) if p),
                    "activity": r.activity_name,
                    "period": r.period_name,
                    "first_day": r.first_day.isoformat() if r.first_day else None,
                    "last_day": r.last_day.isoformat() if r.last_day else None,
                    "days": r.days,
                    "waiting": r.waiting,
                    "notes": list(notes[r.id]),
                }
                for r in rows
            ]
        )
        return 0
    if not rows:
        print("Aucune demande en attente.")
        return 0
    print(f"{'N°':>6}  {'Sorte':<12}  {'Reçue le':<10}  {'Famille':<28}  {'Enfant':<18}  Jours")
    for r in rows:
        family = f"{r.family_code} {r.family_name}"[:28]
        child = (r.child_first_name or "")[:18]
        days = _day(r.first_day)
        if r.last_day is not None and r.last_day != r.first_day:
            days += f" → {_day(r.last_day)}"
        if r.waiting:
            days += f" ({r.waiting} en liste d'attente)"
        label = REQUEST_KIND_LABELS[r.kind]
        print(
            f"{r.id:>6}  {label[:12]:<12}  {_day(to_paris(r.received_at)):<10}  "
            f"{family:<28}  {child:<18}  {days}"
        )
        for note in notes[r.id]:
            print(f"{'':>8}{note}")
    print(f"{len(rows)} demande(s) en attente.")
    return 0


def _report(requests: list[PortalRequest], headline: str, args) -> int:
    rows = [
        {
            "id": r.id,
            "ref": r.portal_ref,
            "kind": r.kind.value,
            "state": r.state.value,
            "answer": r.answer_text,
        }
        for r in requests
    ]
    if args.json:
        print_json({"message": headline, "requests": rows})
        return 0
    print(headline)
    for row in rows:
        answer = " ".join(str(row["answer"]).split())
        line = f"  {row['id']} : {STATE_WORDS.get(str(row['state']), row['state'])}"
        print(f"{line} — {answer}" if answer else line)
    return 0


def _ids(args) -> list[int]:
    return list(dict.fromkeys(args.ids))


def cmd_requests_accept(db: Database, args) -> int:
    from backoffice.services.requests.desk import Decision, decide_requests
    from backoffice.services.requests.side_panel import late_cancellations

    ids = _ids(args)
    with db.session() as session:
        actor = _actor(session)
        late = late_cancellations(session, ids)
        if late and args.billed is None:
            numbers = ", ".join(str(i) for i in sorted(late))
            raise UserError(
                f"Annulation(s) demandée(s) après le délai : {numbers}. Indiquez si la journée "
                "reste facturée (--billed, absence non justifiée) ou non (--not-billed)."
            )
        outcome = decide_requests(
            session, actor, ids, Decision(True, args.answer or "", args.billed), late
        )
        decided = _decided(session, ids)
        return _report(decided, outcome.text().split(" Ctrl+Z")[0], args)


def _reason(text: str) -> str:
    from backoffice.services.requests.side_panel import REFUSAL_REASONS

    if text.strip().isdigit():
        number = int(text)
        if not 1 <= number <= len(REFUSAL_REASONS):
            raise UserError(
                f"Motif n° {number} inconnu : choisissez de 1 à {len(REFUSAL_REASONS)} "
                "(voir requests refuse --help) ou écrivez le motif."
            )
        return REFUSAL_REASONS[number - 1]
    return text


def cmd_requests_refuse(db: Database, args) -> int:
    from backoffice.services.requests.desk import Decision, decide_requests

    ids = _ids(args)
    reason = _reason(args.reason)
    with db.session() as session:
        actor = _actor(session)
        outcome = decide_requests(session, actor, ids, Decision(False, reason, None))
        return _report(_decided(session, ids), outcome.text().split(" Ctrl+Z")[0], args)


def cmd_requests_undo(db: Database, args) -> int:
    from backoffice.services.requests.undo import undo_decisions

    ids = _ids(args)
    with db.session() as session:
        actor = _actor(session)
        restored = undo_decisions(session, actor, ids)
        headline = f"Décision annulée : {len(restored)} demande(s) de nouveau comme avant."
        return _report(restored, headline, args)


def _decided(session, ids: list[int]) -> list[PortalRequest]:
    session.flush()
    by_id = {
        r.id: r for r in session.scalars(select(PortalRequest).where(PortalRequest.id.in_(ids)))
    }
    return [by_id[i] for i in ids if i in by_id]


def register(sub) -> None:
    """Add ``requests`` and its actions."""
    from backoffice.services.requests.side_panel import REFUSAL_REASONS

    parser_class = sub._parser_class  # FrenchParser: French usage errors
    req = sub.add_parser("requests", help="demandes des familles (accepter, refuser, annuler)")
    req_sub = req.add_subparsers(
        dest="action", required=True, metavar="ACTION", parser_class=parser_class
    )
    p = req_sub.add_parser("list", help="liste les demandes en attente, les plus anciennes d'abord")
    p.add_argument("--kind", choices=sorted(KINDS), help="seulement cette sorte de demande")
    p.add_argument(
        "--search", metavar="MOTS", help="mots cherchés dans la famille (nom, identifiant, enfants)"
    )
    p.add_argument("--limit", type=int, default=None, help="nombre maximal de lignes")
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_requests_list)

    p = req_sub.add_parser(
        "accept",
        help="accepte des demandes dans la limite des places (liste d'attente ou refus si "
        "complet, selon l'activité)",
    )
    p.add_argument("ids", type=int, nargs="+", metavar="N°", help="numéros des demandes")
    p.add_argument("--answer", metavar="RÉPONSE", help="réponse lue par les parents (facultative)")
    billed = p.add_mutually_exclusive_group()
    billed.add_argument(
        "--billed",
        dest="billed",
        action="store_const",
        const=True,
        default=None,
        help="annulations hors délai : la journée reste facturée (absence non justifiée)",
    )
    billed.add_argument(
        "--not-billed",
        dest="billed",
        action="store_const",
        const=False,
        help="annulations hors délai : la journée n'est pas facturée (justificatif)",
    )
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_requests_accept)

    reasons = " ; ".join(f"{i} = {r}" for i, r in enumerate(REFUSAL_REASONS, start=1))
    p = req_sub.add_parser("refuse", help="refuse des demandes avec un motif")
    p.add_argument("ids", type=int, nargs="+", metavar="N°", help="numéros des demandes")
    p.add_argument(
        "--reason",
        required=True,
        metavar="MOTIF",
        help=f"motif lu par les parents, écrit ou par son numéro : {reasons}",
    )
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_requests_refuse)

    p = req_sub.add_parser(
        "undo", help="annule la dernière décision sur ces demandes (avant son envoi au portail)"
    )
    p.add_argument("ids", type=int, nargs="+", metavar="N°", help="numéros des demandes")
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_requests_undo)
