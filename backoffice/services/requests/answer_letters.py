"""Answers to parents' requests as a printed letter, for families without the portal.

The letter says what the portal would show: the request, the decision and the answer
text recorded with it (:mod:`.decisions`). The PDF is :mod:`backoffice.documents.
answer_letter_pdf` (the invoices' sheet, address in the envelope window).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from backoffice.documents.answer_letter_pdf import AnswerLetter, render_answer_letter_bytes
from backoffice.documents.invoice_data import issuer_from_settings
from backoffice.errors import UserError
from backoffice.models import REQUEST_KIND_LABELS, Guardian, PortalRequest, RequestState
from backoffice.services.billing.lines import billing_identity
from backoffice.services.common.actors import Actor, bind
from backoffice.services.common.files import write_atomically
from backoffice.services.requests.recording import require_deciding_role

DECISION_LABELS = {
    RequestState.ACCEPTED: "Votre demande est acceptée.",
    RequestState.REFUSED: "Votre demande est refusée.",
    RequestState.PARTIAL: "Votre demande est acceptée en partie.",
    RequestState.PENDING: "Votre demande est en attente d'une place.",
    RequestState.DUPLICATE: "Votre demande a été traitée avec une demande identique.",
}


def _place(address_lines: tuple[str, ...]) -> str:
    """The commune of the collectivity's last address line (« 07200 Aubenas » → Aubenas)."""
    if not address_lines:
        return ""
    words = address_lines[-1].split()
    return " ".join(words[1:]) if words and words[0].isdigit() and len(words) > 1 else ""


def answer_letter(session: Session, actor: Actor, request_id: int, today: date) -> AnswerLetter:
    """The letter answering a decided request (refused while it awaits a decision)."""
    require_deciding_role(actor)
    bind(session, actor)
    request = session.get(PortalRequest, request_id)
    if request is None:
        raise UserError(f"Aucune demande n'a l'identifiant {request_id}.")
    if request.decided_at is None and not request.answer_text:
        raise UserError(
            "Cette demande n'est pas encore décidée : il n'y a pas de réponse à imprimer."
        )
    family = request.family
    guardians: list[Guardian] = list(family.guardians)
    name, address, _ = billing_identity(family, guardians)
    kind = REQUEST_KIND_LABELS.get(request.kind, str(request.kind)).lower()
    about = kind
    if request.child is not None:
        about += f" pour {request.child.full_name}"
    received = request.received_at.date() if request.received_at else None
    if received is not None:
        about += f", reçue le {received:%d/%m/%Y}"
    issuer = issuer_from_settings(session)
    return AnswerLetter(
        issuer=issuer,
        family_code=family.code,
        recipient_name=name,
        recipient_address_lines=tuple(line for line in address.splitlines() if line),
        place=_place(issuer.address_lines),
        day=today,
        subject=f"Réponse à votre demande ({kind})",
        request_label=about,
        decision_label=DECISION_LABELS.get(request.state, ""),
        answer_text=request.answer_text or "Aucun commentaire.",
        signature=f"Pour le service enfance, {actor.label}",
    )


def write_answer_letter(
    session: Session, actor: Actor, request_id: int, out: Path, today: date
) -> Path:
    """Write the letter's PDF at ``out`` (French error if the file cannot be written)."""
    data = render_answer_letter_bytes(answer_letter(session, actor, request_id, today))
    write_atomically(Path(out), data)
    return Path(out)
