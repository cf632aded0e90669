"""Titles to the Trésor public as a PES V2 « ORMC » file (Hélios).

:func:`export_pes` takes the invoices of a régie collected by the Trésor public
whose period starts inside the given one, still owing something and never
exported, and writes one ``PES_Aller`` file (:mod:`.pes_xml`): one pièce per
invoice (the paying guardian as debtor, the amount still due, the régie's
imputation), the invoice PDFs attached, the SEPA mandate's data for families who
pay by direct debit. The invoices are then recorded in the export (an invoice is
exported once; a credit note can no longer be made on it, see
:mod:`.guards`) and marked sent to the Trésor public (:mod:`.tresor`).
:func:`list_exports` is what the Trésor public screen shows.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.dates import paris_today
from backoffice.documents.invoice_data import invoice_documents, pdf_file_name
from backoffice.documents.invoice_pdf import render_invoice_bytes
from backoffice.models import (
    Family,
    Guardian,
    Invoice,
    InvoiceState,
    PesExport,
    PesExportInvoice,
    Regie,
    SepaMandate,
    SequenceType,
    Settlement,
    StaffUser,
)
from backoffice.services.billing.collection_settings import (
    pes_codes,
    regie_imputation,
    require_collection_role,
)
from backoffice.services.billing.common import BillingError, get_regie
from backoffice.services.billing.ledger import figures
from backoffice.services.billing.pes_xml import PesDirectDebit, PesFile, PesPiece, build_pes
from backoffice.services.billing.tresor import mark_sent_to_tresor
from backoffice.services.common.actors import Actor
from backoffice.services.common.files import ensure_folder, write_atomically

Progress = Callable[[int, int], None]
OPEN_STATES = (InvoiceState.ISSUED, InvoiceState.PARTIALLY_PAID)


@dataclass(frozen=True, slots=True)
class PesReport:
    path: Path
    file_name: str
    sha256: str
    invoice_count: int
    total: Decimal
    bordereau: int
    debits: int  # pièces carrying a direct debit


@dataclass(frozen=True, slots=True)
class PesExportRow:
    id: int
    regie: str
    year: int
    bordereau: int
    period_start: date
    period_end: date
    file_name: str
    sha256: str
    invoice_count: int
    total: Decimal
    created_at: datetime
    created_by: str


def active_mandates(session: Session, family_ids: list[int], on: date) -> dict[int, SepaMandate]:
    """The mandate in force of each family (the last signed, not revoked on ``on``)."""
    found: dict[int, SepaMandate] = {}
    if not family_ids:
        return found
    rows = session.scalars(
        select(SepaMandate)
        .where(SepaMandate.family_id.in_(family_ids))
        .order_by(SepaMandate.signed_on, SepaMandate.id)
    )
    for mandate in rows:
        if mandate.revoked_on is None or mandate.revoked_on > on:
            found[mandate.family_id] = mandate
    return found


def _payers(session: Session, family_ids: list[int]) -> dict[int, Guardian]:
    payers: dict[int, Guardian] = {}
    rows = session.scalars(
        select(Guardian)
        .where(Guardian.family_id.in_(family_ids))
        .order_by(Guardian.family_id, Guardian.is_payer.desc(), Guardian.rank)
    )
    for guardian in rows:
        payers.setdefault(guardian.family_id, guardian)
    return payers


def _to_export(session: Session, regie: Regie, start: date, end: date) -> list[Invoice]:
    done = select(PesExportInvoice.invoice_id)
    return list(
        session.scalars(
            select(Invoice)
            .where(
                Invoice.regie_id == regie.id,
                Invoice.period_start >= start,
                Invoice.period_start <= end,
                Invoice.state.in_(OPEN_STATES),
                Invoice.id.not_in(done),
            )
            .order_by(Invoice.number)
        )
    )


def _piece(
    invoice: Invoice,
    amount: Decimal,
    family: Family,
    payer: Guardian | None,
    mandate: SepaMandate | None,
    pdf: bytes,
) -> PesPiece:
    street = (payer.address_line1 if payer else "") or family.address_line1
    postcode = (payer.postcode if payer else "") or family.postcode
    commune = (payer.commune if payer else "") or family.commune
    if payer is not None:
        last, first, civility = payer.last_name, payer.first_name, payer.civility
    else:
        last, first, civility = invoice.billing_name, "", ""
    subject = f"Facture {invoice.number} — {invoice.period_start:%d/%m/%Y} au {invoice.period_end:%d/%m/%Y}"
    debit = None
    if mandate is not None:
        debit = PesDirectDebit(
            iban=mandate.iban,
            bic=mandate.bic,
            holder=mandate.debtor_name,
            reference=mandate.reference,
            signed_on=mandate.signed_on,
            sequence=mandate.sequence.value,
            debit_on=invoice.due_date,
            label=f"Facture {invoice.number}",
        )
    return PesPiece(
        piece_id=invoice.id,
        invoice_number=invoice.number,
        debt_number=re.sub(r"\D", "", invoice.number),
        subject=subject,
        amount=amount,
        civility=civility,
        last_name=last,
        first_name=first,
        street=street,
        postcode=postcode,
        commune=commune,
        attachment_id=re.sub(r"[^0-9A-Za-z]", "", invoice.number),
        attachment_name=pdf_file_name(invoice.number),
        pdf=pdf,
        debit=debit,
    )


def export_pes(
    session: Session,
    actor: Actor,
    regie_code: str,
    start: date,
    end: date,
    out_dir: Path,
    *,
    on_date: date | None = None,
    progress: Progress | None = None,
) -> PesReport:
    """Write the PES file of a régie and period; record and freeze what it carries."""
    require_collection_role(actor, "de transmettre des titres au Trésor public", session)
    regie = get_regie(session, regie_code)
    if regie.settlement is not Settlement.TRESOR_PUBLIC:
        raise BillingError(
            f"La régie {regie.code} n'est pas recouvrée par le Trésor public : pas de fichier PES."
        )
    on_date = on_date or paris_today()
    codes = pes_codes(session)
    imputation, produit = regie_imputation(session, regie.code)
    invoices = _to_export(session, regie, start, end)
    figs = figures(session, [i.id for i in invoices])
    owed = {i.id: figs[i.id].balance for i in invoices if figs[i.id].balance > 0}
    invoices = [i for i in invoices if i.id in owed]
    if not invoices:
        raise BillingError(
            f"Aucune facture de la régie {regie.code} à transmettre au Trésor public "
            f"du {start:%d/%m/%Y} au {end:%d/%m/%Y}."
        )
    family_ids = sorted({i.family_id for i in invoices})
    families = {f.id: f for f in session.scalars(select(Family).where(Family.id.in_(family_ids)))}
    payers = _payers(session, family_ids)
    mandates = active_mandates(session, family_ids, on_date)

    pieces: list[PesPiece] = []
    total = len(invoices)
    for chunk_start in range(0, total, 100):
        chunk = invoices[chunk_start : chunk_start + 100]
        docs = {d.number: d for d in invoice_documents(session, [i.id for i in chunk])}
        for invoice in chunk:
            pdf = render_invoice_bytes(docs[invoice.number])
            fam = invoice.family_id
            pieces.append(
                _piece(
                    invoice,
                    owed[invoice.id],
                    families[fam],
                    payers.get(fam),
                    mandates.get(fam),
                    pdf,
                )
            )
            if progress is not None:
                progress(len(pieces), total)

    year = on_date.year
    bordereau = (
        session.scalar(
            select(func.max(PesExport.bordereau)).where(
                PesExport.regie_id == regie.id, PesExport.year == year
            )
        )
        or 0
    ) + 1
    file_name = f"PES_ORMC_{regie.code}_{year}_B{bordereau:04d}.xml"
    pes = PesFile(
        file_name=file_name,
        issued_on=on_date,
        poste_comptable=codes.poste_comptable,
        siret=codes.siret,
        code_collectivite=codes.code_collectivite,
        code_budget=codes.code_budget,
        label=codes.label,
        year=year,
        bordereau=bordereau,
        subject=f"{regie.name} — {start:%d/%m/%Y} au {end:%d/%m/%Y}",
        imputation=imputation,
        produit=produit,
        pieces=tuple(pieces),
    )
    data = build_pes(pes)
    sha = hashlib.sha256(data).hexdigest()
    export = PesExport(
        regie_id=regie.id,
        year=year,
        bordereau=bordereau,
        period_start=start,
        period_end=end,
        file_name=file_name,
        sha256=sha,
        invoice_count=len(pieces),
        total=pes.total,
        created_by_id=actor.staff_id,
        invoices=[PesExportInvoice(invoice_id=i.id, amount=owed[i.id]) for i in invoices],
    )
    session.add(export)
    for fam, mandate in mandates.items():
        if mandate.sequence is SequenceType.FIRST and any(i.family_id == fam for i in invoices):
            mandate.sequence = SequenceType.RECURRENT
    session.flush()
    mark_sent_to_tresor(
        session, invoice_numbers=[i.number for i in invoices], on_date=on_date, actor=actor
    )
    path = write_atomically(ensure_folder(Path(out_dir)) / file_name, data)
    return PesReport(
        path, file_name, sha, len(pieces), pes.total, bordereau, sum(1 for p in pieces if p.debit)
    )


def list_exports(
    session: Session, actor: Actor, regie_code: str | None = None
) -> list[PesExportRow]:
    """The PES files made, newest first: who, when, régie, period, checksum, count, total."""
    require_collection_role(actor, "de consulter les fichiers PES", session)
    stmt = (
        select(PesExport, Regie.code, StaffUser.full_name, StaffUser.login)
        .join(Regie, Regie.id == PesExport.regie_id)
        .outerjoin(StaffUser, StaffUser.id == PesExport.created_by_id)
        .order_by(PesExport.created_at.desc(), PesExport.id.desc())
    )
    if regie_code:
        stmt = stmt.where(Regie.code == regie_code.strip().upper())
    return [
        PesExportRow(
            e.id,
            code,
            e.year,
            e.bordereau,
            e.period_start,
            e.period_end,
            e.file_name,
            e.sha256,
            e.invoice_count,
            e.total,
            e.created_at,
            full_name or login or "Système",
        )
        for e, code, full_name, login in session.execute(stmt)
    ]
