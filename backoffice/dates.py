"""Dates the French way, in Europe/Paris: today, ISO weeks, and days in words.

Below every layer (services, documents, GUI, CLI all use it); no Qt here.
"""

from __future__ import annotations

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
