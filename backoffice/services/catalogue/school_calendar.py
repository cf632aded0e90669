"""The French school calendar the catalogue is built on: school years and
school holidays of one zone (académie de Nantes → zone B), from
``vacances-scolaires-france``, grouped into runs of consecutive days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from vacances_scolaires_france import SchoolHolidayDates, UnsupportedYearException

ZONE = "B"  # académie de Nantes

HOLIDAY_SLUGS = {
    "Vacances de la Toussaint": "toussaint",
    "Vacances de Noël": "noel",
    "Vacances d'hiver": "hiver",
    "Vacances de printemps": "printemps",
    "Pont de l'Ascension": "ascension",
    "Vacances d'été": "ete",
}
SUMMER = "Vacances d'été"


@dataclass(frozen=True)
class HolidayRun:
    name: str
    start: date
    end: date

    @property
    def slug(self) -> str:
        return HOLIDAY_SLUGS.get(self.name, "vacances")

    @property
    def code(self) -> str:
        return f"{self.slug}-{self.start.year}"

    @property
    def label(self) -> str:
        years = (
            f"{self.start.year}"
            if self.start.year == self.end.year
            else (f"{self.start.year}-{self.end.year}")
        )
        return f"{self.name} {years}"


@dataclass(frozen=True)
class SchoolYear:
    first_year: int
    start: date
    end: date
    holidays: tuple[HolidayRun, ...]  # during the year, then the summer that follows

    @property
    def code(self) -> str:
        return f"{self.first_year}-{self.first_year + 1}"


@lru_cache(maxsize=1)
def _calendar() -> SchoolHolidayDates:
    return SchoolHolidayDates()


def holiday_runs(first_year: int, last_year: int) -> list[HolidayRun]:
    """Zone B school holidays of those civil years, as consecutive runs of days."""
    days: dict[date, str] = {}
    for year in range(first_year, last_year + 1):
        try:
            found = _calendar().holidays_for_year_and_zone(year, ZONE)
        except UnsupportedYearException:
            continue
        days.update({d: row["nom_vacances"] for d, row in found.items()})
    runs: list[HolidayRun] = []
    for d in sorted(days):
        last = runs[-1] if runs else None
        if last and last.name == days[d] and last.end + timedelta(days=1) == d:
            runs[-1] = HolidayRun(last.name, last.start, d)
        else:
            runs.append(HolidayRun(days[d], d, d))
    return runs


def school_year(first_year: int) -> SchoolYear:
    """September to July, from the end of one summer holiday to the start of the next."""
    runs = holiday_runs(first_year, first_year + 1)
    summers = {r.start.year: r for r in runs if r.name == SUMMER}
    start = (
        summers[first_year].end + timedelta(days=1)
        if first_year in summers
        else date(first_year, 9, 1)
    )
    next_summer = summers.get(first_year + 1)
    end = next_summer.start - timedelta(days=1) if next_summer else date(first_year + 1, 7, 4)
    during = [r for r in runs if start <= r.start <= end and r.name != SUMMER]
    return SchoolYear(
        first_year, start, end, tuple(during + ([next_summer] if next_summer else []))
    )


def school_years_for(today: date) -> list[SchoolYear]:
    """The school year containing ``today``, and the next one during the summer."""
    first = today.year if today.month >= 9 else today.year - 1
    years = [first, first + 1] if today.month in (7, 8) else [first]
    return [school_year(y) for y in years]
