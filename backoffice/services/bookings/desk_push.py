"""Days booked at the desk, told to the portal: one ``booking.desk`` outbox item per
family (``PUT /staff/bookings/desk``), so the parents' planning shows them.

Nothing is told for a family the portal does not know (no portal e-mail: a family
who never uses the portal, issue #15): the item could only fail there.

Used by the desk's planning (:mod:`.planning`) and by the decisions that give a
waiting day booked at the desk a freed place (:mod:`..requests.decisions`).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from backoffice.models import Booking, Child, Family, Registration, Unit
from backoffice.services.common import outbox

DESK_TOPIC = "booking.desk"
MAX_DESK_DAYS = 1000  # per PUT /staff/bookings/desk (portal's DeskBookings)


def has_portal_account(family: Family) -> bool:
    """Whether the portal knows this family: an account opened with a portal e-mail
    (every change then goes to it as ``account.upsert``); without one, nothing is sent."""
    return bool(family.login_email)


class DeskPush:
    """The days told to the portal by one call, per family (``booking.desk``)."""

    def __init__(self, session: Session):
        self.session = session
        self.days: dict[int, list[dict]] = {}
        self.codes: dict[int, str] = {}

    def add(self, booking: Booking) -> None:
        # Callers push only days tied to a registration (checked or set just before).
        assert booking.registration_id is not None
        reg = self.session.get_one(Registration, booking.registration_id)
        child = self.session.get_one(Child, booking.child_id)
        unit = self.session.get_one(Unit, booking.unit_id)
        family = child.family
        if not has_portal_account(family):
            return
        self.codes[family.id] = family.code
        self.days.setdefault(family.id, []).append(
            {
                "child_ref": str(child.id),
                "family_ref": family.code,
                "registration_ref": f"BO-{reg.id}",
                "activity": unit.activity.code,
                "period": reg.period.code,
                "unit": unit.code,
                "date": booking.day.isoformat(),
                "state": booking.state.value,
            }
        )

    def flush(self) -> None:
        for family_id, days in self.days.items():
            for start in range(0, len(days), MAX_DESK_DAYS):
                outbox.enqueue(
                    self.session,
                    DESK_TOPIC,
                    {
                        "family_code": self.codes[family_id],
                        "bookings": days[start : start + MAX_DESK_DAYS],
                    },
                    family_id,
                )


def push_desk_days(session: Session, bookings: list[Booking]) -> None:
    """Tell the portal about days decided here that were booked at the desk (no
    parent's request carries them), e.g. a waiting day given a freed place."""
    push = DeskPush(session)
    for booking in bookings:
        if booking.registration_id is not None:
            push.add(booking)
    push.flush()
