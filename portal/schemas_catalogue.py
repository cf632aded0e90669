"""Request and response bodies of the catalogue: activities, age groups, periods, units,
closures, capacities and processing rules, as the back-office pushes them and as parents
read them.

Part of the HTTP contract shared with the back-office (``portal/openapi.json``).
Cross-field checks (unknown codes, overlapping ranges…) are made by
:mod:`portal.catalogue` with French messages naming the field.
"""

from __future__ import annotations

from datetime import date as Date
from datetime import datetime as DateTime
from datetime import time as Time
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

from portal.schemas import NO_NUL, In, Out, Ref, Text40, Text160

Label = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=160, pattern=NO_NUL)
]
Weekday = Annotated[int, Field(ge=1, le=7, description="1 = lundi … 7 = dimanche (ISO).")]
CLOCK_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$"


def _wall_clock(value: Time) -> Time:
    """A time of day in Paris: no offset (JSON Schema's ``format: time`` would demand one),
    whole seconds."""
    if value.tzinfo is not None:
        raise PydanticCustomError("time_offset", "heure sans fuseau horaire attendue")
    return value.replace(microsecond=0)


# « 08:30 » in, « 08:30:00 » out; declared as a pattern, not ``format: time`` (RFC 3339
# times carry an offset, these are Paris wall-clock times).
ClockTime = Annotated[
    Time,
    AfterValidator(_wall_clock),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": CLOCK_PATTERN,
            "description": "Heure de Paris « hh:mm » (ou « hh:mm:ss »).",
            "examples": ["08:30"],
        }
    ),
]


# --- catalogue pushed by the back-office ------------------------------------------------


class Notice(In):
    """A deadline « J-x à hh:mm »: at the latest x days before the day, at hh:mm (Paris)."""

    days: int = Field(ge=0, le=90, description="x de « J-x ».")
    time: ClockTime = Field(description="Heure limite (heure de Paris), ex. 12:00.")
    skip_weekends: bool = Field(
        default=False, description="Les samedis et dimanches ne comptent pas dans les x jours."
    )
    skip_public_holidays: bool = Field(
        default=False, description="Les jours fériés (France) ne comptent pas dans les x jours."
    )


class Rules(In):
    """Processing rules of an activity: when a booking is accepted at once or becomes a request."""

    booking_notice: Notice | None = Field(
        default=None, description="Délai de réservation ; absent : pas de délai."
    )
    cancellation_notice: Notice | None = Field(
        default=None, description="Délai d'annulation ; absent : annulation toujours acceptée."
    )
    auto_accept: bool = Field(
        default=True,
        description="Dans les délais et s'il reste de la place, la réservation est acceptée "
        "sans validation ; sinon elle devient une demande.",
    )
    when_full: Literal["waiting_list", "request"] = Field(
        default="waiting_list",
        description="Unité complète : liste d'attente, ou demande soumise à validation.",
    )
    registration_auto_accept: bool = Field(
        default=True,
        description="Une inscription dont la fiche est complète est acceptée sans validation.",
    )
    open_on_public_holidays: bool = Field(
        default=False, description="Accueil ouvert les jours fériés (rare)."
    )


class AgeGroupIn(In):
    code: Ref
    label: Label
    min_age: int | None = Field(default=None, ge=0, le=25, description="Âge minimum (ans).")
    max_age: int | None = Field(default=None, ge=0, le=25, description="Âge maximum (ans, inclus).")


class PeriodIn(In):
    code: Ref
    label: Label
    start: Date
    end: Date
    booking_opens: Date = Field(description="Premier jour où les parents peuvent réserver.")
    booking_closes: Date = Field(description="Dernier jour où les parents peuvent réserver.")


class UnitIn(In):
    """A bookable part of the day (matinée, repas, après-midi, journée…)."""

    code: Ref
    name: Label
    start_time: ClockTime
    end_time: ClockTime
    weekdays: list[Weekday] = Field(default_factory=lambda: [1, 2, 3, 4, 5], max_length=7)


class CapacityIn(In):
    unit: Ref
    start: Date
    end: Date
    age_group: Ref | None = Field(default=None, description="Absent : toutes tranches d'âge.")
    places: int = Field(ge=0, le=10_000, description="Places offertes sur le portail.")


class ActivityIn(In):
    code: Ref
    name: Label
    kind: Text40 = Field(default="", description="Ex. périscolaire, mercredi, alsh, jeunesse.")
    site: Text160 = ""
    age_groups: list[AgeGroupIn] = Field(default_factory=list, max_length=20)
    periods: list[PeriodIn] = Field(default_factory=list, max_length=100)
    units: list[UnitIn] = Field(default_factory=list, max_length=20)
    capacities: list[CapacityIn] = Field(default_factory=list, max_length=2000)
    rules: Rules = Field(default_factory=Rules)
    consents: list[Ref] = Field(
        default_factory=list,
        max_length=50,
        description="Codes des autorisations demandées pour s'inscrire (réponse exigée "
        "même si elles ne sont pas obligatoires pour tous).",
    )


class ClosureIn(In):
    activity: Ref | None = Field(default=None, description="Absent : fermeture de toutes.")
    start: Date
    end: Date
    label: Label


class CataloguePush(In):
    """Everything parents can book; each push replaces the previous catalogue whole."""

    activities: list[ActivityIn] = Field(max_length=200)
    closures: list[ClosureIn] = Field(default_factory=list, max_length=1000)


class CataloguePushResult(Out):
    version: int
    activities: int
    periods: int
    units: int
    capacities: int
    closures: int


class CatalogueOut(Out):
    version: int
    pushed_at: DateTime | None
    catalogue: CataloguePush


# --- the catalogue as parents read it ---------------------------------------------------


class PeriodOut(Out):
    code: str
    label: str
    start: Date
    end: Date
    booking_opens: Date
    booking_closes: Date
    open_for_booking: bool


class UnitOut(Out):
    code: str
    name: str
    start_time: ClockTime
    end_time: ClockTime
    weekdays: list[int]


class RulesOut(Out):
    booking_notice: str = Field(description="Ex. « J-2 à 12:00 (hors week-ends et jours fériés) ».")
    cancellation_notice: str
    auto_accept: bool
    when_full: str


class ActivityOut(Out):
    code: str
    name: str
    kind: str
    site: str
    age_groups: list[AgeGroupIn]
    units: list[UnitOut]
    periods: list[PeriodOut]
    rules: RulesOut
