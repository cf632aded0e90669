"""``backoffice-cli staff list|add|disable|enable|roles|password|identification``: the
staff accounts (direction or administrateur only, checked by the services).
Passwords are read from stdin (``--password-stdin``) or asked twice on a terminal."""

from __future__ import annotations

import getpass
import sys

from backoffice.cli.output import print_json
from backoffice.errors import UserError
from backoffice.models import ROLE_LABELS, Role
from backoffice.storage import Database

ROLE_NAMES = {
    "accueil": Role.AGENT,
    "regisseur": Role.ACCOUNTANT,
    "régisseur": Role.ACCOUNTANT,
    "direction": Role.DIRECTOR,
    "administrateur": Role.ADMIN,
}


def _role(name: str) -> Role:
    try:
        return ROLE_NAMES[name.strip().lower()]
    except KeyError:
        raise UserError(
            f"Rôle « {name} » inconnu : accueil, regisseur, direction ou administrateur."
        ) from None


def _password(args) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not getattr(args, "ask_password", False):
        return None
    if not sys.stdin.isatty():
        raise UserError("Mot de passe attendu : utilisez --password-stdin.")
    first = getpass.getpass("Mot de passe : ")
    if getpass.getpass("Confirmez le mot de passe : ") != first:
        raise UserError("Les deux mots de passe ne sont pas identiques.")
    return first


def _actor(session):
    from backoffice.services.common.actors import bind, current_actor

    actor = current_actor(session)
    bind(session, actor)
    return actor


def _row_data(row) -> dict:
    return {
        "login": row.login,
        "name": row.full_name,
        "role": row.role.value,
        "role_label": row.role_label,
        "medical_access": row.medical_access,
        "regies": list(row.regies),
        "active": row.active,
        "password": row.has_password,
    }


def _describe(row) -> str:
    parts = [row.role_label]
    if row.medical_access:
        parts.append("droit médical")
    if row.regies:
        parts.append("régies " + ", ".join(row.regies))
    if not row.active:
        parts.append("désactivé")
    return f"{row.login:<20} {row.full_name:<28} " + " ; ".join(parts)


def _show(db: Database, login: str, json_out: bool) -> None:
    from backoffice.services.staff.accounts import list_staff

    with db.session() as session:
        row = next(r for r in list_staff(session, _actor(session)) if r.login == login)
    if json_out:
        print_json(_row_data(row))
    else:
        print(_describe(row))


def cmd_list(db: Database, args) -> int:
    from backoffice.services.staff.accounts import list_staff

    with db.session() as session:
        rows = list_staff(session, _actor(session))
    if args.json:
        print_json([_row_data(r) for r in rows])
        return 0
    for row in rows:
        print(_describe(row))
    print(f"{len(rows)} compte(s).")
    return 0


def cmd_add(db: Database, args) -> int:
    from backoffice.services.staff.accounts import create_staff

    password = _password(args)
    with db.session() as session:
        user = create_staff(
            session, _actor(session), args.login, args.name, _role(args.role),
            medical_access=args.medical, regies=args.regie or (), password=password,
        )  # fmt: skip
        login = user.login
    if not args.json:
        print(f"Compte ajouté : {login} ({ROLE_LABELS[_role(args.role)]}).")
    _show(db, login, args.json)
    return 0


def cmd_active(db: Database, args, active: bool) -> int:
    from backoffice.services.staff.accounts import set_active

    with db.session() as session:
        user = set_active(session, _actor(session), args.login, active)
        login = user.login
    if not args.json:
        print(f"Compte {'réactivé' if active else 'désactivé'} : {login}.")
    _show(db, login, args.json)
    return 0


def cmd_roles(db: Database, args) -> int:
    from backoffice.services.staff.accounts import set_roles

    regies = [] if args.no_regie else (args.regie or None)
    with db.session() as session:
        user = set_roles(
            session, _actor(session), args.login,
            role=_role(args.role) if args.role else None,
            medical_access=args.medical, regies=regies,
        )  # fmt: skip
        login = user.login
    if not args.json:
        print(f"Rôles mis à jour : {login}.")
    _show(db, login, args.json)
    return 0


def cmd_password(db: Database, args) -> int:
    from backoffice.services.staff.accounts import reset_password

    password = _password(args)
    if password is None:  # pragma: no cover - ask_password is set for this command
        raise UserError("Mot de passe attendu.")
    with db.session() as session:
        user = reset_password(session, _actor(session), args.login, password)
        login = user.login
    print(f"Mot de passe changé pour {login}.")
    return 0


def cmd_identification(db: Database, args) -> int:
    from backoffice.services.common.permissions import Permission, require
    from backoffice.services.staff.passwords import (
        IDENTIFICATION_LABELS,
        Identification,
        identification,
        set_identification,
    )

    with db.session() as session:
        if args.mode:
            actor = _actor(session)
            require(session, actor, Permission.SETTINGS, "changer le mode d'identification")
            set_identification(session, Identification(args.mode))
        mode = identification(session)
    print(f"Identification des agents : {IDENTIFICATION_LABELS[mode]}.")
    return 0


def _account_args(p, *, required_role: bool) -> None:
    p.add_argument(
        "--role",
        required=required_role,
        metavar="RÔLE",
        help="accueil, regisseur, direction ou administrateur",
    )
    p.add_argument(
        "--medical",
        action="store_true",
        default=None,
        help="droit médical : voit et modifie la fiche sanitaire",
    )
    p.add_argument(
        "--no-medical", dest="medical", action="store_false", help="retire le droit médical"
    )
    p.add_argument(
        "--regie", action="append", metavar="CODE", help="régie attribuée (régisseur ; répétable)"
    )
    p.add_argument("--json", action="store_true", help="sortie JSON")


def register(sub) -> None:
    parser_class = sub._parser_class
    grp = sub.add_parser("staff", help="personnel du back-office : comptes et rôles")
    grp_sub = grp.add_subparsers(
        dest="action", required=True, metavar="ACTION", parser_class=parser_class
    )
    p = grp_sub.add_parser("list", help="liste des comptes du personnel")
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_list)

    p = grp_sub.add_parser("add", help="ajoute un membre du personnel")
    p.add_argument(
        "login",
        metavar="IDENTIFIANT",
        help="identifiant (compte Windows ou identifiant de connexion)",
    )
    p.add_argument("--name", required=True, metavar="NOM", help="prénom et nom")
    _account_args(p, required_role=True)
    p.add_argument(
        "--password-stdin", action="store_true", help="lit le mot de passe sur l'entrée standard"
    )
    p.add_argument(
        "--password", dest="ask_password", action="store_true", help="demande un mot de passe"
    )
    p.set_defaults(func=cmd_add)

    p = grp_sub.add_parser("disable", help="désactive un compte (jamais supprimé)")
    p.add_argument("login", metavar="IDENTIFIANT")
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=lambda db, args: cmd_active(db, args, False))
    p = grp_sub.add_parser("enable", help="réactive un compte")
    p.add_argument("login", metavar="IDENTIFIANT")
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=lambda db, args: cmd_active(db, args, True))

    p = grp_sub.add_parser("roles", help="change le rôle, le droit médical ou les régies")
    p.add_argument("login", metavar="IDENTIFIANT")
    _account_args(p, required_role=False)
    p.add_argument("--no-regie", action="store_true", help="retire toutes les régies")
    p.set_defaults(func=cmd_roles)

    p = grp_sub.add_parser("password", help="donne un nouveau mot de passe à un compte")
    p.add_argument("login", metavar="IDENTIFIANT")
    p.add_argument(
        "--password-stdin", action="store_true", help="lit le mot de passe sur l'entrée standard"
    )
    p.set_defaults(func=cmd_password, ask_password=True)

    p = grp_sub.add_parser(
        "identification", help="identification des agents : session Windows ou mot de passe"
    )
    p.add_argument("mode", nargs="?", choices=["windows", "password"], help="nouveau mode")
    p.set_defaults(func=cmd_identification)
