"""``backoffice-cli bookings …``: the desk's bookings without its window.

- ``apply-week``: a « semaine type » (chosen weekdays of units of one activity, e.g.
  ``--week MATIN=lun,mar,jeu,ven --week SOIR=lun,mar,jeu,ven``) booked for a child from
  one date to another, as the Planning's « Semaine type… » does
  (:mod:`backoffice.services.bookings.regular_week`): ``--preview`` says what each day
  would become and saves nothing; without it the days are booked (a full day on the
  waiting list or refused per the activity's rule, closed and already booked days left)
  and told to the portal.

Acting as this computer's agent (``BACKOFFICE_USER`` or the system login), whose role
is checked. ``--json`` prints the result; an error prints a French message and exits
with status 1, nothing changed.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from sqlalchemy import func, select

from backoffice.cli.output import print_json
from backoffice.dates import WEEKDAYS, paris_today, parse_french_date
from backoffice.errors import UserError
from backoffice.models import Activity, Unit
from backoffice.storage import Database


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in text if not unicodedata.combining(c))


DAY_WORDS = {name: i for i, name in enumerate(WEEKDAYS, start=1)}
DAY_WORDS.update({name[:3]: i for i, name in enumerate(WEEKDAYS, start=1)})
DAY_WORDS.update({str(i): i for i in range(1, 8)})


def parse_days(text: str) -> tuple[int, ...]:
    """« lun,mar,jeu,ven », « lundi,mardi », « 1,2,4,5 » → ISO weekdays."""
    days = []
    for word in (w for w in text.replace(";", ",").split(",") if w.strip()):
        day = DAY_WORDS.get(_fold(word))
        if day is None:
            raise UserError(
                f"« {word.strip()} » n'est pas un jour de la semaine : écrivez lun, mar, mer, "
                "jeu, ven, sam, dim (ou lundi…, ou 1 à 7)."
            )
        days.append(day)
    if not days:
        raise UserError(f"Aucun jour dans « {text} » : par exemple MATIN=lun,mar,jeu,ven.")
    return tuple(sorted(set(days)))


def _date(text: str | None, today: date, label: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return parse_french_date(text, today)
    except ValueError as exc:
        raise UserError(f"{exc} ({label}) : écrivez-la jj/mm/aaaa.") from None


def _activity(session, text: str) -> Activity:
    key = _fold(text)
    activity = session.scalar(
        select(Activity).where(func.lower(Activity.code) == text.strip().lower())
    )
    if activity is None:
        matches = [a for a in session.scalars(select(Activity)) if _fold(a.name) == key]
        activity = matches[0] if len(matches) == 1 else None
    if activity is None:
        raise UserError(
            f"Activité « {text} » inconnue : donnez son code (par exemple APS-LUDE) ou son nom."
        )
    return activity


def _pattern(activity: Activity, weeks: list[str]) -> dict[int, tuple[int, ...]]:
    units = {}
    for unit in activity.units:
        units[_fold(unit.code)] = unit
        units.setdefault(_fold(unit.name), unit)
    pattern: dict[int, tuple[int, ...]] = {}
    for item in weeks:
        name, sep, days = item.partition("=")
        if not sep:
            raise UserError(
                f"« {item} » : écrivez UNITÉ=JOURS, par exemple --week MATIN=lun,mar,jeu,ven."
            )
        unit: Unit | None = units.get(_fold(name))
        if unit is None:
            known = ", ".join(u.code for u in activity.units)
            raise UserError(
                f"Unité « {name.strip()} » inconnue pour « {activity.name} » (unités : {known})."
            )
        pattern[unit.id] = tuple(sorted(set(pattern.get(unit.id, ())) | set(parse_days(days))))
    return pattern


def cmd_bookings_apply_week(db: Database, args) -> int:
    from backoffice.services.bookings.regular_week import (
        apply_regular_week,
        line_text,
        preview_regular_week,
        registered_activities,
    )
    from backoffice.services.common.actors import bind, current_actor

    today = args.today or paris_today()
    first = _date(args.first, today, "date de début") or today
    last = _date(args.last, today, "date de fin")
    with db.session() as session:
        actor = current_actor(session)
        bind(session, actor)
        activity = _activity(session, args.activity)
        pattern = _pattern(activity, args.week)
        if last is None:
            spans = {
                c.activity_id: c.last for c in registered_activities(session, args.child, today)
            }
            if activity.id not in spans:
                raise UserError(
                    f"L'enfant n'a pas d'inscription en cours à « {activity.name} » : "
                    "inscrivez-le d'abord, ou donnez --to."
                )
            last = spans[activity.id]
        preview = preview_regular_week(
            session, actor, args.child, activity.id, pattern, first, last, today
        )
        result = None
        if not args.preview:
            result = apply_regular_week(
                session, actor, args.child, activity.id, pattern, first, last, today
            )
    if args.json:
        data: dict = {
            "child": preview.child_name,
            "activity": preview.activity_name,
            "from": first.isoformat(),
            "to": last.isoformat(),
            "saved": result is not None,
            "counts": dict(sorted(preview.counts.items())),
            "days": [
                {
                    "date": line.day.isoformat(),
                    "unit": line.unit_name,
                    "outcome": line.outcome,
                    "label": line.label,
                    "reason": line.reason,
                    "places_left": line.places_left,
                }
                for line in preview.lines
            ],
        }
        if result is not None:
            data["booked"] = [d.isoformat() for d in result.booked]
            data["waiting_list"] = [d.isoformat() for d in result.waiting]
            data["skipped"] = [{"date": d.isoformat(), "reason": why} for d, why in result.skipped]
        print_json(data)
        return 0
    print(f"{preview.child_name} — {preview.activity_name}")
    if result is None:
        for line in preview.lines:
            print(f"  {line_text(line)}")
        print(preview.summary())
        print("Aperçu seulement : rien n'est enregistré (relancez sans --preview).")
    else:
        print(f"Semaine type appliquée du {first:%d/%m/%Y} au {last:%d/%m/%Y} : {result.summary()}")
    return 0


def register(sub) -> None:
    """Add ``bookings`` and its actions."""
    parser_class = sub._parser_class  # FrenchParser: French usage errors
    grp = sub.add_parser("bookings", help="réservations à l'accueil (semaine type)")
    grp_sub = grp.add_subparsers(
        dest="action", required=True, metavar="ACTION", parser_class=parser_class
    )
    p = grp_sub.add_parser(
        "apply-week",
        help="réserve une semaine type pour un enfant sur une période (aperçu avec --preview)",
    )
    p.add_argument(
        "child",
        type=int,
        metavar="ENFANT",
        help="numéro de l'enfant (« families show CODE --json » : children, id)",
    )
    p.add_argument(
        "--activity", required=True, metavar="ACTIVITÉ", help="code (ou nom) de l'activité"
    )
    p.add_argument(
        "--week",
        required=True,
        action="append",
        metavar="UNITÉ=JOURS",
        help="unité et ses jours, par exemple MATIN=lun,mar,jeu,ven (répétable)",
    )
    p.add_argument(
        "--from",
        dest="first",
        metavar="DATE",
        help="premier jour jj/mm/aaaa (défaut : aujourd'hui)",
    )
    p.add_argument(
        "--to",
        dest="last",
        metavar="DATE",
        help="dernier jour jj/mm/aaaa (défaut : fin de l'inscription de l'enfant)",
    )
    p.add_argument("--preview", action="store_true", help="aperçu seulement, rien n'est enregistré")
    p.add_argument(
        "--today",
        type=date.fromisoformat,
        default=None,
        metavar="AAAA-MM-JJ",
        help="date de référence (défaut : aujourd'hui)",
    )
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_bookings_apply_week)
