"""``backoffice-cli families add-child|child-left``: a child added to an existing family
(checked as the account opening checks it, duplicates refused unless ``--duplicate-ok``),
a child who left (kept in history; refused while bookings ahead exist unless
``--cancel-bookings``). Errors: French message, exit status 1."""

from __future__ import annotations

from datetime import date

from backoffice.cli.output import print_json
from backoffice.dates import paris_today
from backoffice.errors import UserError
from backoffice.storage import Database


def cmd_add_child(db: Database, args) -> int:
    from backoffice.models import Sex
    from backoffice.services.common.actors import current_actor
    from backoffice.services.families.accounts import ChildForm
    from backoffice.services.families.children import add_child
    from backoffice.services.families.queries import find_family_id

    try:
        birth = date.fromisoformat(args.birth_date)
    except ValueError:
        raise UserError(
            f"Date de naissance « {args.birth_date} » invalide : attendu AAAA-MM-JJ."
        ) from None
    form = ChildForm(
        last_name=args.last_name or "",
        first_name=args.first_name,
        sex=Sex(args.sex),
        birth_date=birth,
        school=args.school or "",
        school_class=args.school_class or "",
    )
    with db.session() as session:  # a wrong field: FieldErrors, a French UserError
        actor = current_actor(session)
        family_id = find_family_id(session, args.family)
        child = add_child(
            session, actor, family_id, form, args.today or paris_today(),
            allow_duplicate=args.duplicate_ok,
        )  # fmt: skip
        data = {
            "id": child.id,
            "family": child.family.code,
            "name": child.full_name,
            "birth_date": child.birth_date.isoformat(),
        }
    if args.json:
        print_json(data)
    else:
        print(f"Enfant ajouté à la famille {data['family']} : {data['name']} (n° {data['id']}).")
    return 0


def cmd_child_left(db: Database, args) -> int:
    from backoffice.services.common.actors import current_actor
    from backoffice.services.families.children import mark_child_left

    with db.session() as session:
        actor = current_actor(session)
        result = mark_child_left(
            session, actor, args.child, args.today or paris_today(),
            cancel_bookings=args.cancel_bookings, billed=args.billed,
        )  # fmt: skip
        data = {
            "id": result.child.id,
            "name": result.child.full_name,
            "left_on": result.child.left_on.isoformat() if result.child.left_on else None,
            "cancelled_bookings": result.cancelled,
        }
    if args.json:
        print_json(data)
    else:
        print(
            f"{data['name']} a quitté la famille le {result.child.left_on:%d/%m/%Y}"
            + (f" ; {result.cancelled} réservation(s) annulée(s)." if result.cancelled else ".")
        )
    return 0


def register(fam_sub) -> None:
    """Add the actions to the ``families`` group's sub-parsers."""
    p = fam_sub.add_parser("add-child", help="ajoute un enfant à une famille existante")
    p.add_argument("family", help="identifiant (F00042) ou numéro interne de la famille")
    p.add_argument("--first-name", required=True, help="prénom")
    p.add_argument("--last-name", help="nom (défaut : celui de la famille)")
    p.add_argument("--sex", required=True, choices=["F", "M"], help="sexe : F ou M")
    p.add_argument("--birth-date", required=True, help="date de naissance AAAA-MM-JJ")
    p.add_argument("--school", help="école")
    p.add_argument("--school-class", help="classe (PS, CP, CM2…)")
    p.add_argument(
        "--duplicate-ok", action="store_true", help="ajoute même si l'enfant semble déjà connu"
    )
    p.add_argument("--today", type=date.fromisoformat, default=None, help=argparse_today_help())
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_add_child)
    p = fam_sub.add_parser(
        "child-left", help="indique qu'un enfant a quitté la famille (gardé dans l'historique)"
    )
    p.add_argument("child", type=int, help="numéro de l'enfant (families show --json)")
    p.add_argument("--cancel-bookings", action="store_true", help="annule les réservations à venir")
    p.add_argument(
        "--billed", action="store_true", help="avec --cancel-bookings : annulations facturées"
    )
    p.add_argument("--today", type=date.fromisoformat, default=None, help=argparse_today_help())
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_child_left)


def argparse_today_help() -> str:
    return "date de référence AAAA-MM-JJ (défaut : aujourd'hui)"
