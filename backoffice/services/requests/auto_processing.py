"""Automatic processing of booking requests, at each sync round after the pull.

For the activities whose processing rule says ``auto_accept`` (the rule the portal
already applies when parents book), the pending booking requests are decided
without an agent, oldest first, day by day against the back-office's capacity
(:func:`.decisions.judge_days`, the same judgement as the desk):

- a day with a place left is accepted (« Réservation acceptée (traitement
  automatique). »), including a day the portal put on its waiting list when the
  back-office has a place for it (its capacity, or a place freed since);
- a full day follows ``when_full``: the **waiting list** (kept in request order,
  told once), or — « demande » rule — it is left to an agent, as the portal told
  the parents (« Demande soumise à validation »);
- a request the portal received **after its booking deadline** (``reason_code``
  « late ») is left to an agent: the deadline is the service's to waive; so are
  cancellations and registrations, days already past, and requests that did not
  come from the portal (entered at the desk, demo data).

Decisions are recorded with no agent (``decided_by`` empty: the system actor) and
pushed in the same round; each stays undoable at the desk until pushed. Running it
again changes nothing (a day still full keeps its place in the waiting list).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from backoffice.models import (
    Booking,
    BookingState,
    PortalRequest,
    ProcessingRule,
    RequestBooking,
    RequestKind,
    RequestState,
)
from backoffice.services.common.actors import SYSTEM, bind
from backoffice.services.requests.capacity import Places
from backoffice.services.requests.decisions import judge_days
from backoffice.services.requests.recording import DecisionError, Recorder, explained
from backoffice.storage import Database

log = logging.getLogger(__name__)
PARIS = ZoneInfo("Europe/Paris")
LATE = "late"  # the portal's reason_code for a booking made after its deadline


@dataclass
class AutoReport:
    requests: int = 0  # requests decided (wholly or partly)
    accepted: int = 0  # days accepted
    waiting: int = 0  # days put on the waiting list

    @property
    def decided(self) -> int:
        return self.accepted + self.waiting


@explained
def process_pending(session: Session, today: date | None = None) -> AutoReport:
    """Decide what the rules allow among the pending booking requests (see the module
    docstring); the caller commits."""
    bind(session, SYSTEM)
    today = today or datetime.now(PARIS).date()
    report = AutoReport()
    activities = session.scalars(
        select(ProcessingRule.activity_id).where(ProcessingRule.auto_accept.is_(True))
    ).all()
    if not activities:
        return report
    requests = session.scalars(
        select(PortalRequest)
        .where(
            PortalRequest.state == RequestState.PENDING,
            PortalRequest.kind == RequestKind.BOOKING,
            PortalRequest.activity_id.in_(activities),
            # From the portal's feed, and not late (JSON paths: SQLite and PostgreSQL).
            PortalRequest.payload["feed_kind"].as_string().is_not(None),
            func.coalesce(PortalRequest.payload["reason_code"].as_string(), "") != LATE,
        )
        .order_by(PortalRequest.received_at, PortalRequest.id)
        .options(
            selectinload(PortalRequest.bookings)
            .selectinload(RequestBooking.booking)
            .selectinload(Booking.unit),
        )
    ).all()
    places = Places(session)
    rec = Recorder(session, SYSTEM, places)
    places.know(link.booking for request in requests for link in request.bookings)
    for request in requests:
        before = {link.booking.id: link.booking.state for link in request.bookings}
        if judge_days(rec, places, request, "", automatic=True, from_day=today):
            report.requests += 1
            for link in request.bookings:
                state = link.booking.state
                if state is before[link.booking.id]:
                    continue
                if state is BookingState.ACCEPTED:
                    report.accepted += 1
                elif state is BookingState.WAITING_LIST:
                    report.waiting += 1
    rec.flush()
    return report


def run(db: Database, today: date | None = None) -> AutoReport:
    """One transaction of :func:`process_pending` (the sync round calls it). An agent
    deciding the same request at that moment wins: the rules try again next round."""
    try:
        with db.session() as session:
            report = process_pending(session, today)
    except DecisionError as exc:
        log.info("Traitement automatique reporté à la prochaine synchronisation : %s", exc)
        return AutoReport()
    if report.decided:
        log.info(
            "Traitement automatique : %d jour(s) accepté(s), %d en liste d'attente.",
            report.accepted,
            report.waiting,
        )
    return report
