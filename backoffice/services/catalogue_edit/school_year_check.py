"""A period within one school year: the check the « Périodes » screen and the TOML share.

Activities have no dates of their own (they run year after year); what a director
gets wrong is a period typed across two school years (« 2026-09-01 → 2027-09-30 »,
a year typed for another). A period is refused when it holds both the last school
day of a year and the rentrée of the next (zone B calendar, vacances-scolaires-france):
it would cover a whole summer and more. Summer ALSH (July–August, even up to the
rentrée) and pre-rentrée days are accepted.
"""

from __future__ import annotations

from datetime import date

from backoffice.services.catalogue.school_calendar import school_year


def school_year_problems(code: str, start: date, end: date) -> list[str]:
    if end < start:
        return []  # said elsewhere
    for first in range(start.year - 1, end.year + 1):
        year, following = school_year(first), school_year(first + 1)
        if start <= year.end and end >= following.start:
            return [
                f"Période « {code} » (du {start:%d/%m/%Y} au {end:%d/%m/%Y}) : elle s'étend sur "
                f"deux années scolaires ({year.code}, qui finit le {year.end:%d/%m/%Y}, et "
                f"{following.code}, rentrée le {following.start:%d/%m/%Y}) ; vérifiez l'année "
                "des dates ou faites une période par année scolaire."
            ]
    return []
