"""Dates the French way, in Europe/Paris: today, ISO weeks, and days in words.

Below every layer (services, documents, GUI, CLI all use it); no Qt here.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


def paris_today() -> date:
    """Today in Europe/Paris, whatever the computer's time zone."""
    return datetime.now(PARIS).date()


def iso_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_label(monday: date) -> str:
    """« semaine 48 — du 23/11 au 29/11/2026 »."""
    sunday = monday + timedelta(days=6)
    return f"semaine {monday.isocalendar().week} — du {monday:%d/%m} au {sunday:%d/%m/%Y}"


def long_day(day: date) -> str:
    """« vendredi 27 novembre 2026 »."""
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


# -- dates typed by an agent ------------------------------------------------------

_SEPARATED = re.compile(r"^(\d{1,2})\s*[/.\- ]\s*(\d{1,2})\s*[/.\- ]\s*(\d{2}|\d{4})$")
_DIGITS = re.compile(r"^(\d{2})(\d{2})(\d{2}|\d{4})$")
TWO_DIGIT_YEARS_AHEAD = 10


def parse_french_date(text: str, today: date) -> date | None:
    """The date in ``text``, day first; None when ``text`` is blank.

    Accepted: « 03/02/2030 », « 3/2/30 », « 3-2-30 », « 3.2.30 », « 3 2 30 »
    (spaces around the separators allowed), « 03022030 » and « 030230 ».

    Century rule (one for every form): a two-digit year gives the nearest date
    that is not more than 10 years in the future, counted from ``today``. On
    06/12/2026, « 3/2/30 » is 03/02/2030, « 3/2/12 » is 03/02/2012, « 06/12/36 »
    is 06/12/2036 (exactly 10 years ahead) but « 07/12/36 » is 07/12/1936.

    Raises ValueError (with a French message) when ``text`` is not a date or
    names a day that does not exist (« 31/02/2019 »): never a silent wrong date.
    """
    text = text.strip()
    if not text:
        return None
    match = _SEPARATED.match(text) or _DIGITS.match(text)
    if not match:
        raise ValueError(f"« {text} » n'est pas une date (jj/mm/aaaa)")
    day, month, year = (int(part) for part in match.groups())
    if len(match.group(3)) == 2:
        year = _full_year(year, month, day, today)
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"« {text} » n'est pas une date valide") from None


def _full_year(two_digits: int, month: int, day: int, today: date) -> int:
    """The latest year ending in ``two_digits`` whose (month, day) is at most
    ``TWO_DIGIT_YEARS_AHEAD`` years after ``today`` (compared as numbers, so that an
    impossible day is still refused afterwards rather than moved to another century)."""
    limit = (today.year + TWO_DIGIT_YEARS_AHEAD, today.month, today.day)
    year = limit[0] - (limit[0] - two_digits) % 100
    if (year, month, day) > limit:
        year -= 100
    return year


def date_error(text: str, label: str | None = None) -> str:
    """The message of a typed date that does not read: « « 31/02/2019 » n'est pas une
    date valide, écrivez-la jj/mm/aaaa (Date de naissance). » ``label`` names the
    field, last, so that a form showing the message right under its field can drop it."""
    where = f" ({label})" if label else ""
    return f"« {text.strip()} » n'est pas une date valide, écrivez-la jj/mm/aaaa{where}."
