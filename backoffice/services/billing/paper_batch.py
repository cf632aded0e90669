"""Invoices on paper for the families without the portal: one PDF to print for the post.

« Familles sans portail » are the paper-only families (no portal account, no login
e-mail: :func:`backoffice.services.families.accounts.is_paper_only`). Their invoices of
a run (or every invoice still to pay) are rendered with the usual invoice layout — the
billing name and address sit in the right window of a DL envelope — and put one after
the other in a single PDF. With ``duplex`` a blank page follows an invoice of an odd
number of pages, so that each invoice starts on a new sheet.
Work for a worker thread: it takes the :class:`Database`, not a session.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.documents.invoice_pdf import render_invoice_bytes
from backoffice.errors import UserError
from backoffice.models import AccountState, Family, Invoice, InvoiceState
from backoffice.services.billing.common import require_billing_role
from backoffice.services.billing.invoice_pdfs import snapshot_documents
from backoffice.services.common.actors import Actor
from backoffice.services.common.files import FileWriteError, ensure_folder, write_atomically
from backoffice.storage import Database

TO_PAY = (InvoiceState.ISSUED, InvoiceState.PARTIALLY_PAID)


def paper_invoice_ids(session: Session, actor: Actor, run_id: int | None = None) -> list[int]:
    """The invoices of paper-only families: those of the run ``run_id``, or, without a
    run, every invoice still to pay; in number order (the order of the pile)."""
    require_billing_role(actor, "imprimer les factures des familles sans portail", session)
    query = (
        select(Invoice.id)
        .join(Family, Family.id == Invoice.family_id)
        .where(Family.account_state == AccountState.FORM_RECEIVED, Family.login_email == "")
        .order_by(Invoice.number)
    )
    if run_id is not None:
        query = query.where(Invoice.run_id == run_id)
    else:
        query = query.where(Invoice.state.in_(TO_PAY))
    return list(session.scalars(query))


@dataclass(frozen=True)
class PaperBatch:
    path: Path
    invoices: int
    pages: int
    numbers: tuple[str, ...]


def write_paper_batch(
    db: Database,
    actor: Actor,
    out: Path,
    run_id: int | None = None,
    *,
    duplex: bool = False,
) -> PaperBatch:
    """Write the one PDF of the paper families' invoices at ``out``."""
    require_billing_role(actor, "imprimer les factures des familles sans portail", db)
    with db.session() as session:
        ids = paper_invoice_ids(session, actor, run_id)
    if not ids:
        raise UserError(
            "Aucune facture à imprimer : aucune famille sans portail n'a de facture "
            + ("dans ce lot." if run_id is not None else "à payer.")
        )
    docs = [replace(d, paper_only=True) for d in snapshot_documents(db, invoice_ids=ids)]
    writer = PdfWriter()
    for doc in docs:
        reader = PdfReader(io.BytesIO(render_invoice_bytes(doc)))
        for page in reader.pages:
            writer.add_page(page)
        if duplex and len(reader.pages) % 2:
            box = reader.pages[0].mediabox
            writer.add_blank_page(width=float(box.width), height=float(box.height))
    writer.add_metadata({"/Title": "Factures à envoyer par courrier (familles sans portail)"})
    buffer = io.BytesIO()
    writer.write(buffer)
    out = Path(out)
    try:
        ensure_folder(out.parent)
        write_atomically(out, buffer.getvalue())
    except FileWriteError as exc:
        raise UserError(f"Impossible d'écrire le fichier {out} ({exc.reason}).") from exc
    return PaperBatch(out, len(docs), len(writer.pages), tuple(d.number for d in docs))
