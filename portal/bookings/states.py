"""States of registrations, bookings, planning cells and submissions: their French
labels, and which booking states hold a place or may be un-booked."""

from __future__ import annotations

from portal.models import BookingState, Child

REGISTRATION_LABELS = {
    "requested": "En attente de validation",
    "accepted": "Acceptée",
    "refused": "Refusée",
}
STATE_LABELS = {
    "accepted": "Réservation acceptée",
    "requested": "Demande de réservation en attente de validation",
    "waiting_list": "Liste d'attente",
    "refused": "Réservation refusée",
    "cancel_requested": "Demande d'annulation en attente de validation",
    "cancelled": "Annulée",
}
CELL_LABELS = {
    "closed": "Fermé",
    "open": "Ouvert à la réservation",
    "full": "Complet",
    "booked": "Réservation acceptée",
    "requested": "Demande de réservation en attente",
    "waiting_list": "Liste d'attente",
    "refused": "Refusée",
    "cancel_requested": "Demande d'annulation en attente",
}
SUBMISSION_LABELS = {
    "accepted": "Acceptée",
    "pending": "En attente de validation",
    "partially_accepted": "Acceptée en partie",
    "refused": "Refusée",
}
# States of a booking that hold a place (a cancellation asked late still holds it).
HOLDS_PLACE = {BookingState.ACCEPTED, BookingState.CANCEL_REQUESTED}
# States a parent may un-book.
ACTIVE = {BookingState.ACCEPTED, BookingState.REQUESTED, BookingState.WAITING_LIST}


def child_name(child: Child) -> str:
    return f"{child.first_name} {child.last_name}".strip()
