"""Credit notes (avoirs): the only way to cancel or correct an issued invoice.

A credit note has its own gap-free numbering per régie and year
(``AV-ALSH-2026-00003``, prefix of the régie). It credits the whole invoice
(every line, for what is not yet credited) or some lines, each in full or for
a part of its amount. The invoice stays as it was issued; its balance and
state follow (``cancelled`` when fully credited), the family balance too, and
the new snapshot is queued for the portal. A booking whose line was credited
is not billed again by a later run.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.dates import paris_today
from backoffice.models import CreditNote, CreditNoteLine, DocumentKind, Invoice, InvoiceLine
from backoffice.services.billing.common import (
    ZERO,
    BillingError,
    atomic,
    document_number,
    euros,
    parse_amount,
    require_billing_role,
)
from backoffice.services.billing.ledger import refresh_states
from backoffice.services.billing.numbering import take_numbers
from backoffice.services.billing.publish import republish
from backoffice.services.common.actors import Actor

_SPEC = re.compile(r"^\s*(\d+)\s*(?::\s*([0-9]+(?:[.,][0-9]{1,2})?)\s*)?$")


def parse_line_spec(text: str) -> dict[int, Decimal | None]:
    """``"1,3,4:2.50"`` → {1: None, 3: None, 4: Decimal("2.50")} (None: the whole line)."""
    result: dict[int, Decimal | None] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        m = _SPEC.match(part)
        if not m:
            raise BillingError(
                f"Lignes invalides : « {part.strip()} » (attendu : numéro de ligne, "
                "ou numéro:montant, séparés par des virgules)."
            )
        position = int(m.group(1))
        if position in result:
            raise BillingError(f"La ligne {position} est citée deux fois.")
        result[position] = parse_amount(m.group(2)) if m.group(2) else None
    if not result:
        raise BillingError("Aucune ligne indiquée.")
    return result


def get_invoice(session: Session, number: str) -> Invoice:
    invoice = session.scalar(
        select(Invoice).where(Invoice.number == (number or "").strip().upper())
    )
    if invoice is None:
        raise BillingError(f"Facture inconnue : « {number} ».")
    return invoice


def credited_by_line(session: Session, invoice_id: int) -> dict[int, Decimal]:
    result: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for line_id, amount in session.execute(
        select(CreditNoteLine.invoice_line_id, CreditNoteLine.amount)
        .join(CreditNote, CreditNote.id == CreditNoteLine.credit_note_id)
        .where(CreditNote.invoice_id == invoice_id)
    ):
        if line_id is not None:  # a credit line tied to no invoice line counts for none
            result[line_id] += amount
    return result


@atomic
def issue_credit_note(
    session: Session,
    invoice_number: str,
    reason: str,
    *,
    lines: dict[int, Decimal | None] | None = None,
    issue_date: date | None = None,
    actor: Actor | None = None,
) -> CreditNote:
    """Credit the whole invoice (``lines`` None) or the given line positions.

    ``lines`` maps a line position (as printed, from 1) to the amount to credit,
    or None for all that remains of that line.
    """
    require_billing_role(actor, "établir un avoir", session)
    reason = (reason or "").strip()
    if not reason:
        raise BillingError("Indiquez le motif de l'avoir.")
    invoice = get_invoice(session, invoice_number)
    issue_date = issue_date or paris_today()
    invoice_lines = list(
        session.scalars(
            select(InvoiceLine)
            .where(InvoiceLine.invoice_id == invoice.id)
            .order_by(InvoiceLine.position)
        )
    )
    by_position = {line.position: line for line in invoice_lines}
    already = credited_by_line(session, invoice.id)
    wanted: list[tuple[InvoiceLine, Decimal]] = []
    if lines is None:
        for line in invoice_lines:
            left = line.amount - already[line.id]
            if left > 0:
                wanted.append((line, left))
        if not wanted:
            raise BillingError(f"La facture {invoice.number} est déjà entièrement annulée.")
    else:
        for position, amount in sorted(lines.items()):
            if position not in by_position:
                raise BillingError(
                    f"La facture {invoice.number} n'a pas de ligne {position} "
                    f"(lignes 1 à {len(invoice_lines)})."
                )
            line = by_position[position]
            left = line.amount - already[line.id]
            if left <= 0:
                raise BillingError(f"La ligne {position} de {invoice.number} est déjà annulée.")
            amount = left if amount is None else amount
            if amount > left:
                raise BillingError(
                    f"La ligne {position} de {invoice.number} ne peut être créditée que de "
                    f"{euros(left)} au plus (demandé : {euros(amount)})."
                )
            wanted.append((line, amount))
    seq = take_numbers(session, invoice.regie_id, DocumentKind.CREDIT_NOTE, issue_date.year, 1)
    regie = invoice.regie
    note = CreditNote(
        number=document_number(regie.credit_note_prefix, issue_date.year, seq),
        regie_id=invoice.regie_id,
        year=issue_date.year,
        seq=seq,
        invoice_id=invoice.id,
        issue_date=issue_date,
        reason=reason,
        total=sum((amount for _, amount in wanted), ZERO),
        created_by_id=actor.staff_id if actor else None,
        lines=[
            CreditNoteLine(
                invoice_line_id=line.id,
                label=(
                    f"Ligne {line.position} : {line.label}"
                    + (f" du {line.day:%d/%m/%Y}" if line.day else "")
                )[:200],
                amount=amount,
            )
            for line, amount in wanted
        ],
    )
    session.add(note)
    session.flush()
    refresh_states(session, [invoice.id])
    republish(session, [invoice.id])
    return note


def credited_total(session: Session, invoice_id: int) -> Decimal:
    value = session.scalar(
        select(func.count(CreditNote.id)).where(CreditNote.invoice_id == invoice_id)
    )
    if not value:
        return ZERO
    return sum(
        session.scalars(select(CreditNote.total).where(CreditNote.invoice_id == invoice_id)), ZERO
    )
