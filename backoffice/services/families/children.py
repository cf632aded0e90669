"""A family's children after the opening: adding one (a newborn, a new partner's child)
and marking one who left (kept in history and invoices, no longer current).

Adding uses the account opening's child block and checks (:func:`check_children`) and its
duplicate search; a family with a portal account is told through ``account.upsert``.
A child leaves only without bookings ahead, unless the agent cancels them here (billed
or not, as the cancellation rule says), which goes through the desk's :func:`unbook_days`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.errors import UserError
from backoffice.models import Booking, BookingState, Child, Role
from backoffice.services.bookings.planning import unbook_days
from backoffice.services.common.actors import Actor, bind
from backoffice.services.common.permissions import Permission, require
from backoffice.services.common.validation import Checker
from backoffice.services.families.accounts import (
    AccountForm,
    ChildForm,
    Duplicate,
    account_payload,
    check_children,
    find_duplicates,
    is_paper_only,
)
from backoffice.services.families.edit import load_family, queue_portal_update
from backoffice.services.families.queries import refresh_search_text

FAMILY_ROLES = frozenset({Role.ADMIN, Role.DIRECTOR, Role.AGENT})
# Bookings that still hold (or wait for) a place: what « bookings ahead » means.
AHEAD_STATES = (
    BookingState.REQUESTED,
    BookingState.ACCEPTED,
    BookingState.WAITING_LIST,
    BookingState.CANCEL_REQUESTED,
)


def require_family_role(actor: Actor, what: str, session=None) -> None:
    """Thin alias of :func:`~backoffice.services.common.permissions.require`."""
    require(session, actor, Permission.FAMILIES_EDIT, what)


def current_children(children: list[Child]) -> list[Child]:
    """The children still in the family's care (not marked as left)."""
    return [c for c in children if c.left_on is None]


def check_new_child(session: Session, family_id: int, form: ChildForm, today: date) -> ChildForm:
    """The child block checked as the opening checks it (:class:`FieldErrors`)."""
    family = load_family(session, family_id)
    c = Checker()
    check_children(c, [form], family.name, today)
    c.raise_if_errors()
    return form


def child_duplicates(session: Session, family_id: int, form: ChildForm) -> list[Duplicate]:
    """Families (this one included) that already have this child (name + birth date)."""
    family = load_family(session, family_id)
    probe = AccountForm(family_name=family.name, children=[form])
    return find_duplicates(session, probe)


def add_child(
    session: Session,
    actor: Actor,
    family_id: int,
    form: ChildForm,
    today: date,
    *,
    allow_duplicate: bool = False,
) -> Child:
    """Add a checked child to the family. A child already known (same name and birth
    date, in this family or another) is refused unless ``allow_duplicate`` (the agent
    saw the duplicates and confirmed)."""
    require_family_role(actor, "ajouter un enfant")
    bind(session, actor)
    family = load_family(session, family_id)
    check_new_child(session, family_id, form, today)
    if not allow_duplicate:
        found = child_duplicates(session, family_id, form)
        if found:
            where = " ; ".join(f"{d.code} {d.name} ({d.reason})" for d in found)
            raise UserError(f"Cet enfant semble déjà enregistré : {where}.")
    before = account_payload(family)
    child = Child(
        last_name=form.last_name,
        first_name=form.first_name,
        sex=form.sex,
        birth_date=form.birth_date,
        school=form.school.strip(),
        school_class=form.school_class.strip(),
    )
    family.children.append(child)
    refresh_search_text(family)
    session.flush()
    if not is_paper_only(family):
        queue_portal_update(session, family, before)
    return child


@dataclass(frozen=True)
class BookingAhead:
    booking_id: int
    unit_id: int
    day: date
    state: BookingState


def bookings_ahead(session: Session, child_id: int, today: date) -> list[BookingAhead]:
    """The child's bookings from ``today`` on that still hold or wait for a place."""
    rows = session.execute(
        select(Booking.id, Booking.unit_id, Booking.day, Booking.state)
        .where(
            Booking.child_id == child_id,
            Booking.day >= today,
            Booking.state.in_(AHEAD_STATES),
        )
        .order_by(Booking.day, Booking.unit_id)
    )
    return [BookingAhead(*row) for row in rows]


@dataclass
class LeaveResult:
    child: Child
    cancelled: int = 0


def mark_child_left(
    session: Session,
    actor: Actor,
    child_id: int,
    today: date,
    *,
    cancel_bookings: bool = False,
    billed: bool = False,
) -> LeaveResult:
    """Mark the child as left on ``today``: refused while bookings ahead exist, unless
    ``cancel_bookings`` (each cancelled at the desk, ``billed`` or not). Parents' requests
    still waiting (``REQUESTED``, ``CANCEL_REQUESTED``) must be decided first."""
    require_family_role(actor, "retirer un enfant de la famille")
    bind(session, actor)
    child = session.get(Child, child_id)
    if child is None:
        raise UserError(f"Aucun enfant n'a l'identifiant {child_id}.")
    if child.left_on is not None:
        raise UserError(f"{child.full_name} a déjà quitté la famille le {child.left_on:%d/%m/%Y}.")
    ahead = bookings_ahead(session, child_id, today)
    result = LeaveResult(child)
    if ahead and not cancel_bookings:
        first = ahead[0].day
        raise UserError(
            f"{child.full_name} a encore {len(ahead)} réservation(s) à venir (dès le "
            f"{first:%d/%m/%Y}) : annulez-les d'abord, ou cochez « Annuler les "
            "réservations à venir »."
        )
    if ahead:
        pending = [
            b for b in ahead if b.state in (BookingState.REQUESTED, BookingState.CANCEL_REQUESTED)
        ]
        if pending:
            raise UserError(
                f"{child.full_name} a {len(pending)} demande(s) des parents en attente : "
                "décidez-les d'abord dans les demandes."
            )
        by_unit: dict[int, list[date]] = defaultdict(list)
        for b in ahead:
            by_unit[b.unit_id].append(b.day)
        for unit_id, days in by_unit.items():
            done = unbook_days(session, actor, child_id, unit_id, days, today, billed=billed)
            result.cancelled += len(done.cancelled)
            if done.skipped:
                day, why = done.skipped[0]
                raise UserError(f"Réservation du {day:%d/%m/%Y} non annulée : {why}")
    child.left_on = today
    session.flush()
    return result
