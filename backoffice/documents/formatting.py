"""French formatting for documents: amounts, quantities, dates. Decimal only, never float.

French typography: thousands separated by a narrow no-break space (U+202F),
a decimal comma, a no-break space (U+00A0) before the euro sign, and a true
minus sign (U+2212) for negative amounts (credit notes).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

NNBSP = "\u202f"  # espace fine insécable: thousands
NBSP = "\u00a0"  # espace insécable: before €
MINUS = "\u2212"

WEEKDAYS = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")
CENT = Decimal("0.01")


def _group(digits: str) -> str:
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return NNBSP.join(parts)


def format_decimal(value: Decimal, places: int = 2) -> str:
    """``Decimal("-1234.5")`` → ``"−1 234,50"`` (U+202F, comma, U+2212); half-up rounding."""
    if not isinstance(value, Decimal):
        # bool/int/float are refused: money must stay exact up to the paper.
        raise TypeError(f"Decimal attendu, reçu {type(value).__name__}")
    quantum = Decimal(1).scaleb(-places)
    q = value.quantize(quantum, rounding=ROUND_HALF_UP)
    sign = MINUS if q < 0 else ""
    text = format(abs(q), "f")
    whole, _, frac = text.partition(".")
    return sign + _group(whole) + ("," + frac if places else "")


def format_euros(value: Decimal) -> str:
    """``Decimal("1234.5")`` → ``"1 234,50 €"``; negative amounts get a minus sign."""
    return format_decimal(value, 2) + NBSP + "€"


def format_quantity(value: Decimal) -> str:
    """Quantities without useless zeros: ``1.00`` → ``"1"``, ``7.50`` → ``"7,5"``."""
    if not isinstance(value, Decimal):
        raise TypeError(f"Decimal attendu, reçu {type(value).__name__}")
    if value == value.to_integral_value():
        return format_decimal(value, 0)
    text = format_decimal(value, 2)
    return text.rstrip("0")


def format_date(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def short_day(day: date) -> str:
    """``date(2026, 7, 6)`` → ``"lun. 06/07"``."""
    return f"{WEEKDAYS[day.weekday()]} {day:%d/%m}"


def compact_dates(days: Iterable[date], min_range: int = 3) -> str:
    """Days as a compact French list; runs of ``min_range`` consecutive days or more
    become ranges: ``"lun. 06/07 au ven. 10/07, lun. 13/07, mer. 15/07"``."""
    ordered = sorted(set(days))
    parts: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] - ordered[j] == timedelta(days=1):
            j += 1
        if j - i + 1 >= min_range:
            parts.append(f"{short_day(ordered[i])} au {short_day(ordered[j])}")
        else:
            parts.extend(short_day(d) for d in ordered[i : j + 1])
        i = j + 1
    return ", ".join(parts)
