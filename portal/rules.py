"""Calendar and processing rules: French dates, public holidays, « J-x à hh:mm » deadlines,
ISO weeks in Europe/Paris, and the decision taken for each day with its French explanation.

Pure functions: the caller gives « now » (the app's injectable clock) and the
places left; nothing here reads the wall clock or the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from portal.bookings.schemas import BookingStateName
from portal.schemas_catalogue import Notice, Rules

PARIS = ZoneInfo("Europe/Paris")
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
WEEKDAYS_PLURAL = ("lundis", "mardis", "mercredis", "jeudis", "vendredis", "samedis", "dimanches")


def system_now() -> datetime:
    return datetime.now(UTC)


def local(now: datetime) -> datetime:
    return now.astimezone(PARIS)


def today_in_paris(now: datetime) -> date:
    return local(now).date()


def day_label(day: date) -> str:
    """« mardi 01/12/2026 »."""
    return f"{WEEKDAYS[day.weekday()]} {day:%d/%m/%Y}"


def short(day: date) -> str:
    return f"{day:%d/%m/%Y}"


@lru_cache(maxsize=64)
def _holidays(year: int) -> dict[date, str]:
    return dict(holidays.France(years=year, language="fr"))


def public_holiday(day: date) -> str | None:
    """The French public holiday's name on that day, or None."""
    return _holidays(day.year).get(day)


# --- ISO weeks ------------------------------------------------------------------------------


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_days(week: str) -> list[date]:
    """The seven days (Monday first) of an ISO week « 2026-W49 »; ValueError if none."""
    year, number = int(week[:4]), int(week[6:])
    monday = date.fromisocalendar(year, number, 1)
    return [monday + timedelta(days=i) for i in range(7)]


def week_label(week: str) -> str:
    days = week_days(week)
    return f"Semaine {int(week[6:])} : du {short(days[0])} au {short(days[-1])}"


def period_weeks(start: date, end: date) -> list[str]:
    weeks: list[str] = []
    monday = start - timedelta(days=start.weekday())
    while monday <= end:
        weeks.append(iso_week(monday))
        monday += timedelta(days=7)
    return weeks


# --- deadlines ----------------------------------------------------------------------------


def notice_text(notice: Notice | None) -> str:
    """« J-2 à 12:00 (hors week-ends et jours fériés) », or « aucun délai »."""
    if notice is None:
        return "aucun délai"
    text = f"J-{notice.days} à {notice.time:%H:%M}"
    skipped = []
    if notice.skip_weekends:
        skipped.append("week-ends")
    if notice.skip_public_holidays:
        skipped.append("jours fériés")
    if skipped:
        text += " (hors " + " et ".join(skipped) + ")"
    return text


def _counted(day: date, notice: Notice) -> bool:
    if notice.skip_weekends and day.weekday() >= 5:
        return False
    return not (notice.skip_public_holidays and public_holiday(day) is not None)


def deadline(day: date, notice: Notice) -> datetime:
    """The last moment (aware, Paris) to act on ``day``: x counted days before, at hh:mm.

    With skip_weekends / skip_public_holidays, those days are not counted: for a
    Monday, « J-2 à 12:00 hors week-ends » is the Thursday before at 12:00.
    """
    current, left = day, notice.days
    while left > 0:
        current -= timedelta(days=1)
        if _counted(current, notice):
            left -= 1
    return datetime.combine(current, notice.time, tzinfo=PARIS)


def deadline_text(notice: Notice, limit: datetime) -> str:
    """« J-2 à 12:00, mardi 01/12/2026 » (the date already skips what the rule skips)."""
    return f"J-{notice.days} à {notice.time:%H:%M}, {day_label(limit.date())}"


# --- decisions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    state: BookingStateName
    reason_code: str
    reason: str


def decide_booking(
    rules: Rules,
    day: date,
    unit_name: str,
    now: datetime,
    full: bool,
    places: int | None,
) -> Decision:
    """What a booking of ``day`` becomes: accepted, a request, or the waiting list.

    ``full`` says no place is left (``places`` is the capacity, for the message).
    The caller takes the place atomically when the decision is « accepted ».
    """
    notice = rules.booking_notice
    if notice is not None:
        limit = deadline(day, notice)
        if local(now) > limit:
            return Decision(
                "requested",
                "late",
                "Demande soumise à validation : réservation après la date limite "
                f"({deadline_text(notice, limit)}).",
            )
    if full:
        size = f", {places} place{'s' if places != 1 else ''}" if places is not None else ""
        if rules.when_full == "waiting_list":
            return Decision(
                "waiting_list",
                "full",
                f"Liste d'attente : plus de place le {day_label(day)} ({unit_name}{size}). "
                "Le service vous répondra si une place se libère.",
            )
        return Decision(
            "requested",
            "full",
            f"Demande soumise à validation : plus de place le {day_label(day)} "
            f"({unit_name}{size}).",
        )
    if not rules.auto_accept:
        return Decision(
            "requested",
            "manual",
            "Demande soumise à validation : les réservations de cette activité sont "
            "validées par le service.",
        )
    return Decision("accepted", "accepted", "Réservation acceptée.")


def decide_cancellation(rules: Rules, day: date, now: datetime, state: str) -> Decision:
    """What un-booking ``day`` becomes, given the booking's current ``state``."""
    if state in ("requested", "waiting_list"):
        return Decision(
            "cancelled", "withdrawn", "Demande retirée : elle n'avait pas encore été acceptée."
        )
    notice = rules.cancellation_notice
    if notice is not None:
        limit = deadline(day, notice)
        if local(now) > limit:
            return Decision(
                "cancel_requested",
                "late",
                "Demande d'annulation soumise à validation : annulation après la date limite "
                f"({deadline_text(notice, limit)}). Cette journée pourra être facturée, "
                "sauf justificatif (certificat médical).",
            )
    return Decision("cancelled", "accepted", "Annulation acceptée.")
