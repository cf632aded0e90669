"""Dates typed by agents (Qt-free): the one French parser and its one century rule."""

from __future__ import annotations

from datetime import date

import pytest

from backoffice.dates import date_error, parse_french_date

TODAY = date(2026, 12, 6)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("3/2/30", date(2030, 2, 3)),  # the family form said 2030, the child file 1930
        ("3/2/12", date(2012, 2, 3)),
        ("03/02/2030", date(2030, 2, 3)),
        ("3-2-30", date(2030, 2, 3)),
        ("3.2.30", date(2030, 2, 3)),
        ("3 2 30", date(2030, 2, 3)),
        (" 3 / 2 / 30 ", date(2030, 2, 3)),
        ("03022030", date(2030, 2, 3)),
        ("030230", date(2030, 2, 3)),
        ("3/2/1930", date(1930, 2, 3)),  # four digits are taken as typed
        ("010150", date(1950, 1, 1)),
        ("14/07/99", date(1999, 7, 14)),
        ("1/1/00", date(2000, 1, 1)),
    ],
)
def test_accepted_spellings(typed, expected):
    assert parse_french_date(typed, TODAY) == expected


def test_two_digit_year_at_the_ten_year_boundary():
    # 06/12/2036 is exactly ten years after today: still ahead, not a century back.
    assert parse_french_date("06/12/36", TODAY) == date(2036, 12, 6)
    assert parse_french_date("061236", TODAY) == date(2036, 12, 6)
    # The day after is more than ten years ahead: the previous century.
    assert parse_french_date("07/12/36", TODAY) == date(1936, 12, 7)
    assert parse_french_date("1/1/37", TODAY) == date(1937, 1, 1)
    # One day inside the limit on the other side of the new year.
    assert parse_french_date("05/12/36", TODAY) == date(2036, 12, 5)


def test_the_rule_moves_with_today():
    assert parse_french_date("3/2/30", date(2019, 12, 31)) == date(1930, 2, 3)
    assert parse_french_date("3/2/30", date(2020, 2, 3)) == date(2030, 2, 3)
    assert parse_french_date("3/2/30", date(2020, 2, 2)) == date(1930, 2, 3)
    # Around a century change.
    assert parse_french_date("3/2/05", date(2096, 6, 1)) == date(2105, 2, 3)
    assert parse_french_date("3/2/07", date(2096, 6, 1)) == date(2007, 2, 3)


@pytest.mark.parametrize(
    "typed",
    ["31/02/2019", "31/02/19", "29/02/2019", "31/04/30", "00/01/2020", "1/13/2020", "31022019"],
)
def test_impossible_days_are_refused_never_moved(typed):
    with pytest.raises(ValueError, match="n'est pas une date valide"):
        parse_french_date(typed, TODAY)


def test_a_leap_day_is_refused_in_the_century_the_rule_picks():
    assert parse_french_date("29/02/00", TODAY) == date(2000, 2, 29)
    # In 2095 « 00 » is 2100, which has no 29 February: refused, not read as 2000.
    with pytest.raises(ValueError, match="n'est pas une date valide"):
        parse_french_date("29/02/00", date(2095, 1, 1))


@pytest.mark.parametrize("typed", ["demain", "3/2", "3/2/3", "3/2/300", "1234567", "3//2/30"])
def test_what_is_not_a_date(typed):
    with pytest.raises(ValueError, match="n'est pas une date"):
        parse_french_date(typed, TODAY)


@pytest.mark.parametrize("typed", ["", "   "])
def test_blank_is_no_date(typed):
    assert parse_french_date(typed, TODAY) is None


def test_date_error_names_the_field_last():
    assert date_error(" 31/02/2019 ", "Date de naissance") == (
        "« 31/02/2019 » n'est pas une date valide, écrivez-la jj/mm/aaaa (Date de naissance)."
    )
    assert date_error("demain") == "« demain » n'est pas une date valide, écrivez-la jj/mm/aaaa."
