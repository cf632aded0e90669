"""Request and response bodies of §6: registrations, planning, draft, submissions, the
back-office's decisions and the days booked at the desk (HTTP contract shared with the
back-office, ``portal/openapi.json``)."""

from __future__ import annotations

from datetime import date as Date
from datetime import datetime as DateTime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from portal.schemas import In, Out, Ref, Text2000
from portal.schemas_catalogue import RulesOut, UnitOut, Weekday

IsoWeek = Annotated[str, StringConstraints(pattern=r"^\d{4}-W\d{2}$")]

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
SubmissionStateName = Literal["accepted", "pending", "partially_accepted", "refused"]
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
    answer: Text2000 = Field(default="", description="Réponse lue par les parents.")
    age_group: Ref | None = Field(
        default=None, description="Tranche d'âge retenue ; absent : calculée par le portail."
    )


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
    state: SubmissionStateName
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
    state: SubmissionStateName
    state_label: str
    days: int


# --- staff decisions ---------------------------------------------------------------------


class BookingDecision(In):
    booking_id: int = Field(ge=1, le=2**31 - 1)
    state: Literal["accepted", "refused", "waiting_list", "cancelled"]
    answer: Text2000 = Field(default="", description="Réponse lue par les parents.")
    billed: bool | None = Field(
        default=None,
        description="Seulement avec `cancelled` : la journée annulée reste facturée (true, "
        "ex. annulation tardive sans justificatif) ou non (false) ; absent : non précisé. "
        "Dit aux parents dans le courriel de réponse.",
    )
    expected_version: int | None = Field(
        default=None,
        ge=1,
        le=2**31 - 1,
        description="Version du jour sur laquelle la décision a été prise (« booking_version » "
        "du dernier changement reçu du flux pour ce jour). Si la famille a changé ce jour "
        "depuis (demande retirée, redemandée…), la décision est refusée pour ce jour "
        "(`refused` de la réponse) : rien ne change, aucun courriel. Absent : pas de contrôle.",
    )
    expected_state: BookingStateName | None = Field(
        default=None,
        description="État du jour tel que le back-office le voyait en décidant ; s'il a changé "
        "depuis, la décision est refusée pour ce jour comme ci-dessus. Absent : pas de contrôle.",
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
    version: int = Field(default=1, description="Version du jour (voir `expected_version`).")


class DecisionRefused(Out):
    """A day whose decision was not applied: it changed since the decision was taken."""

    booking_id: int
    state: BookingStateName = Field(description="État actuel du jour sur le portail.")
    version: int = Field(description="Version actuelle du jour.")
    reason: str = Field(description="Pourquoi la décision n'est pas appliquée (en français).")


class BookingDecisionsResult(Out):
    changed: int
    bookings: list[BookingOut] = Field(description="Les jours décidés, après la décision.")
    refused: list[DecisionRefused] = Field(
        default_factory=list,
        description="Les jours dont la décision n'est pas appliquée : ils ont changé depuis "
        "(version ou état attendus différents) ; rien n'a changé pour eux.",
    )


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
