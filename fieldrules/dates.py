"""Dates of the forms in plausible ranges: a child's birth, a vaccination.

``today`` is always passed in (the caller's day in Europe/Paris), so the rules stay
pure and tests choose the day.
"""

from __future__ import annotations

from datetime import date

from fieldrules.errors import RuleError, required

# The oldest children served are the jeunesse's (11–18 years) and young adults a
# service may keep a little longer: past this age a birth date is a typing error.
CHILD_MAX_AGE = 25
BIRTH_DATE = "Date de naissance"


def french(day: date) -> str:
    """« 03/05/2018 » (and « 01/01/0001 »: strftime drops the zeros of early years)."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def age_on(birth: date, day: date) -> int:
    """Age in whole years on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def age_months_on(birth: date, day: date) -> int:
    """Age in whole months on ``day``."""
    return (day.year - birth.year) * 12 + day.month - birth.month - (day.day < birth.day)


def child_birth_date(
    value: date | None, today: date, *, label: str = BIRTH_DATE, required_: bool = True
) -> date | None:
    """A child's birth date: not in the future, at most ``CHILD_MAX_AGE`` years ago."""
    if value is None:
        if required_:
            raise required(label)
        return None
    if value > today:
        raise RuleError(f"Le champ « {label} » ne peut pas être dans le futur.")
    if age_on(value, today) > CHILD_MAX_AGE:
        raise RuleError(
            f"Le champ « {label} » n'est pas plausible ({french(value)}) : "
            f"l'enfant aurait plus de {CHILD_MAX_AGE} ans."
        )
    return value


def vaccination_date(
    value: date | None, birth: date | None, today: date, vaccine_label: str
) -> date | None:
    """The date of a child's last injection: not in the future, not before the birth."""
    if value is None:
        return None
    what = f"Vaccin « {vaccine_label} » : la date de dernière vaccination"
    if value > today:
        raise RuleError(f"{what} ne peut pas être dans le futur.")
    if birth is not None and value < birth:
        raise RuleError(
            f"{what} ({french(value)}) précède la naissance de l'enfant ({french(birth)})."
        )
    return value
