"""``backoffice-cli registrations add|remove``: a child registered at the desk, or
unregistered (issue #15 item 1), without the window.

- ``add CHILD --activity CODE (--period CODE… | --year)``: the portal's rules (complete
  file, age groups) with the portal's sentence; told to the portal only for a family
  with a portal account;
- ``remove CHILD --activity CODE --period CODE``: the bookings ahead cancelled (those
  past the notice billed with ``--billed``, not with ``--not-billed``; one of the two is
  required when there are some), then the registration.

The same service functions as the desk (:mod:`backoffice.services.bookings.registrations`, ``.unregistration``),
acting as this computer's agent, whose role is checked. ``--json`` prints what was
done; an error prints a French message and exits with status 1, nothing changed.
"""

from __future__ import annotations

from datetime import date

from backoffice.cli.output import print_json
from backoffice.dates import paris_today
from backoffice.errors import UserError
from backoffice.storage import Database


def _actor(session):
    from backoffice.services.common.actors import bind, current_actor

    actor = current_actor(session)
    bind(session, actor)
    return actor


def cmd_add(db: Database, args) -> int:
    from backoffice.models import Child
    from backoffice.services.bookings import registrations as regs

    today = args.today or paris_today()
    if not args.year and not args.period:
        raise UserError("Indiquez la période (--period CODE) ou toute l'année (--year).")
    with db.session() as session:
        actor = _actor(session)
        activity = regs.activity_by_code(session, args.activity)
        period_ids = None if args.year else regs.period_ids_by_code(activity, args.period)
        result = regs.register_child(session, actor, args.child, activity.id, period_ids, today)
        child = session.get_one(Child, args.child)
        message = result.summary(child.full_name, activity.name)
        data = {
            "message": message,
            "child": args.child,
            "activity": activity.code,
            "registered": result.registered,
            "already": result.already,
            "registration_ids": result.registration_ids,
            "pushed": result.pushed,
        }
    if args.json:
        print_json(data)
    else:
        print(message)
    return 0


def cmd_remove(db: Database, args) -> int:
    from backoffice.services.bookings import registrations as regs
    from backoffice.services.bookings import unregistration

    today = args.today or paris_today()
    with db.session() as session:
        actor = _actor(session)
        reg = regs.registration_by_codes(session, actor, args.child, args.activity, args.period)
        ahead = unregistration.bookings_ahead(session, actor, reg.id, today)
        if ahead.late_count and args.billed is None:
            raise UserError(
                f"{ahead.late_count} jour(s) réservé(s) à annuler après le délai d'annulation. "
                "Indiquez s'ils restent facturés (--billed, absence non justifiée) ou non "
                "(--not-billed)."
            )
        result = unregistration.unregister_child(
            session, actor, reg.id, today, bill_late=bool(args.billed), reason=args.reason or ""
        )
        data = {
            "message": result.summary(),
            "registration_id": reg.id,
            "days": [
                {"date": d.day.isoformat(), "unit": d.unit, "late": d.late} for d in ahead.days
            ],
            "cancelled": result.cancelled,
            "billed": result.billed,
            "pushed": result.pushed,
        }
    if args.json:
        print_json(data)
    else:
        if ahead.days:
            print("Jours réservés annulés :")
            for d in ahead.days:
                print(f"  {d.label}")
        print(data["message"])
    return 0


def register(sub) -> None:
    """Add ``registrations`` and its actions."""
    parser_class = sub._parser_class  # FrenchParser: French usage errors
    grp = sub.add_parser("registrations", help="inscriptions des enfants aux activités (accueil)")
    grp_sub = grp.add_subparsers(
        dest="action", required=True, metavar="ACTION", parser_class=parser_class
    )

    def common(p) -> None:
        p.add_argument("child", type=int, metavar="ENFANT", help="numéro de l'enfant")
        p.add_argument("--activity", required=True, metavar="CODE", help="code de l'activité")
        p.add_argument(
            "--today", type=date.fromisoformat, default=None, help="date de référence AAAA-MM-JJ"
        )
        p.add_argument("--json", action="store_true", help="sortie JSON")

    p = grp_sub.add_parser(
        "add", help="inscrit un enfant (dossier complet et tranche d'âge vérifiés)"
    )
    common(p)
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "--period", action="append", metavar="CODE", help="code de la période (répétable)"
    )
    which.add_argument(
        "--year", action="store_true", help="toutes les périodes en cours ou à venir"
    )
    p.set_defaults(func=cmd_add)

    p = grp_sub.add_parser(
        "remove", help="désinscrit un enfant : annule ses jours réservés à venir"
    )
    common(p)
    p.add_argument("--period", required=True, metavar="CODE", help="code de la période")
    p.add_argument("--reason", metavar="MOTIF", help="motif gardé dans l'historique")
    billed = p.add_mutually_exclusive_group()
    billed.add_argument(
        "--billed",
        dest="billed",
        action="store_const",
        const=True,
        default=None,
        help="jours annulés hors délai : facturés (absence non justifiée)",
    )
    billed.add_argument(
        "--not-billed",
        dest="billed",
        action="store_const",
        const=False,
        help="jours annulés hors délai : non facturés",
    )
    p.set_defaults(func=cmd_remove)
