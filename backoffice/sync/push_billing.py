"""Push topics of billing: the invoices and their PDFs.

- ``invoice.publish`` → ``PUT /staff/invoices/{number}`` with ``payload["body"]``
  (the portal's ``InvoicePush``, built by ``services.billing.publish`` when the
  invoice was issued or its state/settlements changed). The body is fixed in
  the item, so the item's key alone is the idempotency key. When a newer
  pending item carries the same invoice, this one is acknowledged without a
  call (the newer snapshot says everything).
- ``invoice.pdf`` → ``PUT /staff/invoices/{number}/pdf``: the file named by the
  item (``path``) is read at send time and its SHA-256 checked against the
  item's before sending it (``Content-Type: application/pdf``,
  ``X-Content-SHA256``). A file missing or changed since it was queued fails
  the item with a French reason — unless a newer item of the same invoice
  exists (the PDF was rendered again): the old one is then superseded.
  Credit notes (``kind = credit_note``) have no PDF on the portal (its contract
  has a PDF per invoice only; the cancelling credit note shows on the invoice):
  acknowledged without a call.

A family that was never given a portal account (no ``account.upsert`` in the
outbox) has nothing on the portal to hang an invoice on: its items are
acknowledged without a call, with that reason.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.models import OutboxItem, OutboxState
from backoffice.sync.calls import Call, Refused, Skip

PUBLISH_TOPIC = "invoice.publish"
PDF_TOPIC = "invoice.pdf"
CREDIT_NOTE = "credit_note"  # ``kind`` of a credit note's PDF (documents.invoice_data)


def _has_account(session: Session, family_id: int | None) -> bool:
    if family_id is None:
        return False
    return (
        session.scalar(
            select(OutboxItem.id)
            .where(OutboxItem.topic == "account.upsert", OutboxItem.family_id == family_id)
            .limit(1)
        )
        is not None
    )


def _newer(session: Session, item: OutboxItem, *, pending_only: bool) -> list[OutboxItem]:
    """Later items of the same topic for the same document number."""
    stmt = select(OutboxItem).where(
        OutboxItem.topic == item.topic,
        OutboxItem.family_id == item.family_id,
        OutboxItem.id > item.id,
    )
    if pending_only:
        stmt = stmt.where(OutboxItem.state == OutboxState.PENDING)
    number = item.payload.get("number")
    return [other for other in session.scalars(stmt) if other.payload.get("number") == number]


def _path(number: str) -> str:
    return f"/staff/invoices/{quote(number, safe='')}"


def publish_invoice(session: Session, item: OutboxItem) -> Call:
    payload = item.payload
    if not _has_account(session, item.family_id):
        raise Skip(
            f"non publiée : la famille {payload.get('family_code', '')} n'a pas de compte "
            "sur le portail."
        )
    if _newer(session, item, pending_only=True):
        raise Skip("remplacé par un état plus récent de la même facture.")
    return Call("PUT", _path(payload["number"]), payload["body"], item.idempotency_key)


def send_pdf(session: Session, item: OutboxItem) -> Call:
    payload = item.payload
    number = payload["number"]
    if payload.get("kind") == CREDIT_NOTE:
        raise Skip(
            "PDF d'avoir non envoyé : le portail ne reçoit que le PDF des factures "
            "(l'avoir y figure sur la facture qu'il annule)."
        )
    if not _has_account(session, item.family_id):
        raise Skip(
            f"PDF non envoyé : la famille {payload.get('family_code', '')} n'a pas de compte "
            "sur le portail."
        )
    if _newer(session, item, pending_only=True):
        raise Skip("remplacé par un PDF plus récent de la même facture.")
    path = Path(payload.get("path") or "")
    try:
        content = path.read_bytes()
    except OSError as exc:
        if _newer(session, item, pending_only=False):
            raise Skip("remplacé par un PDF plus récent de la même facture.") from exc
        raise Refused(
            f"PDF de la facture {number} introuvable ou illisible ({path}) : régénérez "
            "les PDF de la facture, ou rétablissez le fichier puis remettez l'envoi en file."
        ) from exc
    sha256 = hashlib.sha256(content).hexdigest()
    if sha256 != payload.get("sha256"):
        if _newer(session, item, pending_only=False):
            raise Skip("remplacé par un PDF plus récent de la même facture.")
        raise Refused(
            f"Le PDF de la facture {number} a changé depuis sa mise en file ({path}) : "
            "régénérez les PDF de la facture, ou rétablissez le fichier puis remettez "
            "l'envoi en file."
        )
    if not content.startswith(b"%PDF-"):
        raise Refused(f"Le fichier {path} n'est pas un PDF : facture {number} non envoyée.")
    return Call(
        "PUT",
        _path(number) + "/pdf",
        None,
        item.idempotency_key,
        data=content,
        headers={
            "Content-Type": "application/pdf",
            "X-Content-SHA256": sha256,
        },
    )
