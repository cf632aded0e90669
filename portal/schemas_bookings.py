"""Request and response bodies of §6 (registrations, planning, bookings) and of the catalogue.

Part of the HTTP contract shared with the back-office (``portal/openapi.json``).
Cross-field checks (unknown codes, overlapping ranges…) are made by
:mod:`portal.catalogue` with French messages naming the field.
"""

from __future__ import annotations

from datetime import date as Date
from datetime import datetime as DateTime
from datetime import time as Time
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

from portal.schemas import NO_NUL, Ref, text

Label = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=160, pattern=NO_NUL)
]
IsoWeek = Annotated[str, StringConstraints(pattern=r"^\d{4}-W\d{2}$")]
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

BOOKING_STATES = (
    "accepted",
    "requested",
    "waiting_list",
    "refused",
    "cancel_requested",
    "cancelled",
)
BookingStateName = Literal[
    "accepted", "requested", "waiting_list", "refused", "cancel_requested", "cancelled"
]
CellState = Literal[
    "closed",
    "open",
    "full",
    "booked",
    "requested",
    "waiting_list",
    "refused",
    "cancel_requested",
]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


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
    kind: text(40) = Field(default="", description="Ex. périscolaire, mercredi, alsh, jeunesse.")
    site: text(160) = ""
    age_groups: list[AgeGroupIn] = Field(default_factory=list, max_length=20)
    periods: list[PeriodIn] = Field(default_factory=list, max_length=100)
    units: list[UnitIn] = Field(default_factory=list, max_length=20)
    capacities: list[CapacityIn] = Field(default_factory=list, max_length=2000)
    rules: Rules = Field(default_factory=Rules)


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


# --- registrations -------------------------------------------------------------------


class RegistrationRequest(In):
    child_ref: Ref
    activity: Ref
    period: Ref
    send_email: bool = Field(
        default=False,
        description="Recevoir aussi par courriel la réponse que le portail donne tout de suite "
        "(inscription acceptée d'office). La réponse du service, elle, part toujours par "
        "courriel.",
    )


class ValidateRequest(In):
    """Options of the validation (the body may be omitted)."""

    send_email: bool = Field(
        default=False,
        description="Recevoir aussi par courriel le récapitulatif (n° de réservation, décision "
        "de chaque jour). Les réponses du service aux demandes partent toujours par courriel.",
    )


class RegistrationPush(In):
    """The back-office's decision on a registration (or a registration made at the desk)."""

    child_ref: Ref
    family_ref: Ref | None = Field(
        default=None, description="Utile seulement si deux familles ont un enfant de même ref."
    )
    activity: Ref
    period: Ref
    state: Literal["requested", "accepted", "refused"]
    answer: text(2000) = Field(default="", description="Réponse lue par les parents.")
    age_group: Ref | None = Field(
        default=None, description="Tranche d'âge retenue ; absent : calculée par le portail."
    )


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


class RegistrationOut(Out):
    ref: str
    child_ref: str
    child_name: str
    activity: str
    activity_name: str
    period: str
    period_label: str
    age_group: str
    state: Literal["requested", "accepted", "refused"]
    state_label: str
    reason: str
    answer: str


class RegistrationPushResult(Out):
    created: bool
    registration: RegistrationOut


# --- planning, draft, validation -------------------------------------------------------


class Cell(Out):
    unit: str
    state: CellState
    label: str = Field(description="L'état en français (légende du planning).")
    reason: str = Field(description="Pourquoi la case est fermée, complète, ou la décision prise.")
    actions: list[Literal["book", "unbook"]] = Field(description="Ce que le parent peut faire.")
    draft: Literal["book", "cancel"] | None = Field(
        description="Case cochée (book) ou décochée (cancel) dans le brouillon non validé."
    )
    outcome: BookingStateName | None = Field(
        description="Ce que donnerait la validation du brouillon (ou d'une réservation) "
        "selon les règles, à l'instant."
    )
    outcome_reason: str
    booking_id: int | None
    answer: str = Field(description="Réponse du service à la demande.")


class Day(Out):
    date: Date
    label: str = Field(description="Ex. « jeudi 03/12/2026 ».")
    cells: list[Cell]


class Week(Out):
    week: str = Field(description="Semaine ISO, ex. 2026-W49.")
    label: str
    first_day: Date
    last_day: Date


class Planning(Out):
    registration: RegistrationOut
    week: Week
    weeks: list[Week] = Field(description="Les semaines de la période (liste déroulante).")
    previous_week: str | None
    next_week: str | None
    units: list[UnitOut]
    rules: RulesOut
    days: list[Day]
    draft_count: int


class DraftChange(In):
    """Tick (book) or untick (unbook) days of one unit.

    ``scope`` chooses the days: ``days`` the listed ``dates`` (one by one, or the
    days shown), ``week`` the ISO ``week``, ``period`` the whole period; ``weekdays``
    keeps only those days of the week (« sélection automatique des jours »).
    """

    action: Literal["book", "unbook"]
    unit: Ref
    scope: Literal["days", "week", "period"] = "days"
    dates: list[Date] = Field(default_factory=list, max_length=400)
    week: IsoWeek | None = None
    weekdays: list[Weekday] | None = Field(default=None, max_length=7)


class DraftRequest(In):
    changes: list[DraftChange] = Field(min_length=1, max_length=50)


class DraftLine(Out):
    date: Date
    label: str
    unit: str
    unit_name: str
    action: Literal["book", "cancel"]
    outcome: BookingStateName | None
    outcome_reason: str


class Skipped(Out):
    date: Date
    unit: str
    reason: str


class Draft(Out):
    registration: RegistrationOut
    lines: list[DraftLine] = Field(description="Les jours à valider, dans l'ordre.")
    skipped: list[Skipped] = Field(description="Jours demandés mais laissés de côté, et pourquoi.")
    summary: str


class SubmissionLine(Out):
    booking_id: int
    date: Date
    label: str
    unit: str
    unit_name: str
    action: Literal["book", "cancel"]
    decision: BookingStateName = Field(description="Décision prise à la validation.")
    reason_code: str
    reason: str = Field(description="Explication en français de la décision.")
    state: BookingStateName = Field(description="État actuel (après réponse du service).")
    state_label: str
    answer: str
    billed: bool | None = Field(
        default=None,
        description="Annulation acceptée par le service : la journée reste facturée (true) "
        "ou non (false) ; null : non précisé.",
    )


class Submission(Out):
    """Récapitulatif : enfant, numéro de réservation, période, état."""

    number: str
    created_at: DateTime
    registration: RegistrationOut
    period_start: Date | None
    period_end: Date | None
    state: Literal["accepted", "pending", "partially_accepted", "refused"]
    state_label: str
    message: str
    lines: list[SubmissionLine]
    skipped: list[Skipped] = Field(default_factory=list)


class SubmissionSummary(Out):
    number: str
    created_at: DateTime
    child_name: str
    activity_name: str
    period_label: str
    state: Literal["accepted", "pending", "partially_accepted", "refused"]
    state_label: str
    days: int


# --- staff decisions ---------------------------------------------------------------------


class BookingDecision(In):
    booking_id: int = Field(ge=1, le=2**31 - 1)
    state: Literal["accepted", "refused", "waiting_list", "cancelled"]
    answer: text(2000) = Field(default="", description="Réponse lue par les parents.")
    billed: bool | None = Field(
        default=None,
        description="Seulement avec `cancelled` : la journée annulée reste facturée (true, "
        "ex. annulation tardive sans justificatif) ou non (false) ; absent : non précisé. "
        "Dit aux parents dans le courriel de réponse.",
    )


class BookingDecisions(In):
    decisions: list[BookingDecision] = Field(min_length=1, max_length=1000)


class BookingOut(Out):
    booking_id: int
    registration: str
    child_ref: str
    activity: str
    period: str
    unit: str
    date: Date
    state: BookingStateName
    reason: str
    answer: str
    billed: bool | None = None


class BookingDecisionsResult(Out):
    changed: int
    bookings: list[BookingOut]


# --- bookings made at the desk --------------------------------------------------------------


class DeskBooking(In):
    """A day booked or cancelled by the service at the desk, on the family's behalf."""

    child_ref: Ref
    family_ref: Ref | None = Field(
        default=None, description="Utile seulement si deux familles ont un enfant de même ref."
    )
    registration_ref: Ref | None = Field(
        default=None,
        description="Référence de l'inscription au back-office : si le portail ne connaît pas "
        "l'inscription de l'enfant à cette activité et cette période, elle est créée acceptée "
        "sous cette référence.",
    )
    activity: Ref
    period: Ref
    unit: Ref
    date: Date
    state: Literal["accepted", "waiting_list", "cancelled"] = Field(
        description="« accepted » : réservé ; « waiting_list » : complet, en liste d'attente ; "
        "« cancelled » : annulé par le service."
    )


class DeskBookings(In):
    bookings: list[DeskBooking] = Field(min_length=1, max_length=1000)


class DeskBookingsResult(Out):
    created: int = Field(description="Jours créés sur le portail.")
    changed: int = Field(description="Jours dont l'état a changé (créés compris).")
    bookings: list[BookingOut]
