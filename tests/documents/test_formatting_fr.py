"""French amounts on paper: narrow no-break spaces, decimal comma, minus sign; Decimal only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from backoffice.documents.formatting import compact_dates, format_euros, format_quantity

NN = "\u202f"  # thousands
NB = "\u00a0"  # before €


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("0", f"0,00{NB}€"),
        ("0.05", f"0,05{NB}€"),
        ("12.5", f"12,50{NB}€"),
        ("999.99", f"999,99{NB}€"),
        ("1000", f"1{NN}000,00{NB}€"),
        ("1234.50", f"1{NN}234,50{NB}€"),
        ("1234567.89", f"1{NN}234{NN}567,89{NB}€"),
        ("-12.50", f"\u221212,50{NB}€"),
        ("-1234.50", f"\u22121{NN}234,50{NB}€"),
        ("-0.05", f"\u22120,05{NB}€"),
        ("0.005", f"0,01{NB}€"),  # half-up, for a unit price with more digits
    ],
)
def test_format_euros(amount, expected):
    assert format_euros(Decimal(amount)) == expected


@pytest.mark.parametrize("value", [12.5, 3, True, "12.50"])
def test_format_euros_refuses_anything_but_decimal(value):
    with pytest.raises(TypeError):
        format_euros(value)


@pytest.mark.parametrize(
    ("qty", "expected"),
    [("1", "1"), ("1.00", "1"), ("7.50", "7,5"), ("0.25", "0,25"), ("1200", f"1{NN}200")],
)
def test_format_quantity(qty, expected):
    assert format_quantity(Decimal(qty)) == expected


def test_compact_dates_lists_and_ranges():
    days = [date(2026, 7, d) for d in (6, 7, 8, 9, 10, 13, 15, 16)]
    assert compact_dates(days) == "lun. 06/07 au ven. 10/07, lun. 13/07, mer. 15/07, jeu. 16/07"
    assert compact_dates([date(2026, 7, 7), date(2026, 7, 6)]) == "lun. 06/07, mar. 07/07"
    assert compact_dates([]) == ""
