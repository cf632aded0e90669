"""The desk's decision on a selection of requests, as the agent takes it.

The agent accepts or refuses several requests at once (:class:`Decision`: accept
or refuse, the answer or the reason, and for late cancellations whether they are
billed). :func:`decide_requests` applies it in the caller's transaction through
:mod:`.decisions` — the late cancellations (:func:`.side_panel.late_cancellations`,
shown to the agent before deciding) accepted « billed » or not as the agent said,
the others without — and tallies what became of each request (:class:`Outcome`).
Same-day duplicates (:mod:`.duplicates`) are decided once: the oldest of each set is
decided, the others closed as duplicates in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from backoffice.models import RequestState
from backoffice.services.common.actors import Actor
from backoffice.services.common.permissions import Permission, require
from backoffice.services.requests import decisions, duplicates


@dataclass(frozen=True)
class Decision:
    accept: bool
    text: str  # the answer (accept, may be empty) or the reason (refuse)
    billed: bool | None  # late cancellations accepted: billed (absence non justifiée) or not


@dataclass(frozen=True)
class Outcome:
    ids: tuple[int, ...]
    accepted: int = 0
    waiting: int = 0  # every day full, on the waiting list
    refused: int = 0
    full: int = 0  # accepting: refused because full (the activity's rule)
    partial: int = 0  # some days accepted, others not
    duplicates: int = 0  # closed as duplicates of a request decided here

    def text(self) -> str:
        parts = []
        if self.accepted:
            parts.append(f"{self.accepted} acceptée{'s' if self.accepted > 1 else ''}")
        if self.partial:
            parts.append(f"{self.partial} en partie (jours complets)")
        if self.waiting:
            parts.append(f"{self.waiting} en liste d'attente (complet)")
        if self.full:
            parts.append(f"{self.full} refusée{'s' if self.full > 1 else ''} car complet")
        if self.refused:
            parts.append(f"{self.refused} refusée{'s' if self.refused > 1 else ''}")
        if self.duplicates:
            plural = "s" if self.duplicates > 1 else ""
            parts.append(f"{self.duplicates} doublon{plural} fermé{plural}")
        noun = "Demande" if len(self.ids) == 1 else "Demandes"
        return f"{noun} : " + ", ".join(parts) + ". Ctrl+Z pour annuler avant la synchronisation."


def decide_requests(
    session: Session,
    actor: Actor,
    request_ids: Iterable[int],
    decision: Decision,
    late: Iterable[int] = (),
) -> Outcome:
    """Accept or refuse ``request_ids`` in the caller's transaction; the ``late``
    cancellations among them accepted billed or not (``decision.billed``); the
    duplicates among them, or of them, closed (:func:`.duplicates.split`)."""
    require(session, actor, Permission.REQUESTS_DECIDE, "décider des demandes des familles")
    ids, doubles = duplicates.split(session, request_ids)
    if not decision.accept:
        decisions.refuse_requests(session, actor, ids, decision.text)
        closed = duplicates.close_duplicates(session, actor, doubles)
        return Outcome((*ids, *closed), refused=len(ids), duplicates=len(closed))
    late_set = set(late)
    late_ids = [i for i in ids if i in late_set]
    others = [i for i in ids if i not in late_set]
    done = []
    if late_ids:
        done += decisions.accept_requests(
            session, actor, late_ids, decision.text, billed=decision.billed
        )
    if others:
        done += decisions.accept_requests(session, actor, others, decision.text)
    closed = duplicates.close_duplicates(session, actor, doubles)
    states = [r.state for r in done]
    return Outcome(
        (*ids, *closed),
        accepted=states.count(RequestState.ACCEPTED),
        waiting=states.count(RequestState.PENDING),
        full=states.count(RequestState.REFUSED),
        partial=states.count(RequestState.PARTIAL),
        duplicates=len(closed),
    )
