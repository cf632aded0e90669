"""SEPA direct debit: families' mandates, pain.008 runs, the bank's rejects.

A mandate (:func:`save_mandate`) holds the debtor's IBAN and BIC (checked with
``schwifty``, French messages), its unique reference (RUM) and signature date; its
sequence is FRST until a first debit uses it, then RCUR. A run
(:func:`debit_run`) takes the open invoices of a régie (not the Trésor public's:
their debits travel in the PES file) of families with a mandate in force, records
one pending « Prélèvement SEPA » payment per invoice (counted as paid by
:mod:`.ledger` until the bank rejects it) and writes the pain.008.001.02 file with
``sepaxml`` (checked against its schema). :func:`record_reject` records a bank
reject: the payment refused, the invoice open again, the family flagged
(:func:`family_flag`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from sepaxml import SepaDD
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.dates import paris_today
from backoffice.models import (
    Family,
    Invoice,
    InvoiceState,
    Payment,
    PaymentAllocation,
    PaymentMode,
    PaymentState,
    SepaDebit,
    SepaDebitRun,
    SepaMandate,
    SequenceType,
    Settlement,
)
from backoffice.services.billing.collection_settings import (
    clean_bic,
    clean_iban,
    creditor,
    require_collection_role,
)
from backoffice.services.billing.common import BillingError, get_family, get_regie, to_cents_int
from backoffice.services.billing.ledger import figures, refresh_states
from backoffice.services.billing.pes import active_mandates
from backoffice.services.billing.publish import republish
from backoffice.services.billing.sepa_flags import REJECT_REASONS, family_flag  # noqa: F401
from backoffice.services.common.actors import Actor
from backoffice.services.common.files import ensure_folder, write_atomically

# The characters a mandate reference (RUM) may hold in a SEPA file.
_RUM = re.compile(r"^[A-Za-z0-9+?/:().,' -]{1,35}$")
_REASON = re.compile(r"^[A-Z]{2}\d{2}$")


@dataclass(frozen=True, slots=True)
class MandateRow:
    id: int
    family_code: str
    family_name: str
    debtor_name: str
    iban: str
    bic: str
    reference: str
    signed_on: date
    sequence: str
    revoked_on: date | None


@dataclass(frozen=True, slots=True)
class DebitRunReport:
    run_id: int
    path: Path
    file_name: str
    sha256: str
    count: int
    total: Decimal
    first: int  # FRST debits
    recurrent: int  # RCUR debits


def save_mandate(
    session: Session,
    actor: Actor,
    family_ref: str,
    *,
    debtor_name: str,
    iban: str,
    bic: str,
    signed_on: date,
    reference: str = "",
) -> SepaMandate:
    """Record a family's signed mandate; it replaces the one in force (revoked that day)."""
    require_collection_role(actor, "d'enregistrer un mandat de prélèvement", session)
    family = get_family(session, family_ref)
    name = " ".join((debtor_name or "").split())
    if not name or len(name) > 70:
        raise BillingError("Indiquez le titulaire du compte (70 caractères au plus).")
    clean = clean_iban(iban)
    bic_text = clean_bic(bic)
    if signed_on > paris_today():
        raise BillingError("La date de signature du mandat ne peut pas être dans le futur.")
    reference = (reference or "").strip()
    if not reference:
        count = len(
            session.scalars(select(SepaMandate.id).where(SepaMandate.family_id == family.id)).all()
        )
        reference = f"PF-{family.code}-{count + 1:02d}"
    if not _RUM.fullmatch(reference):
        raise BillingError(
            "Référence unique du mandat (RUM) invalide : 35 caractères au plus, lettres, chiffres "
            "et + ? / - : ( ) . , ' espace."
        )
    if session.scalar(select(SepaMandate.id).where(SepaMandate.reference == reference)):
        raise BillingError(f"La référence de mandat « {reference} » existe déjà.")
    for old in session.scalars(
        select(SepaMandate).where(
            SepaMandate.family_id == family.id, SepaMandate.revoked_on.is_(None)
        )
    ):
        old.revoked_on = signed_on
    mandate = SepaMandate(
        family_id=family.id,
        debtor_name=name,
        iban=clean,
        bic=bic_text,
        reference=reference,
        signed_on=signed_on,
        sequence=SequenceType.FIRST,
    )
    session.add(mandate)
    session.flush()
    return mandate


def revoke_mandate(session: Session, actor: Actor, mandate_id: int, on: date | None = None) -> None:
    require_collection_role(actor, "de révoquer un mandat de prélèvement", session)
    mandate = session.get(SepaMandate, mandate_id)
    if mandate is None:
        raise BillingError("Mandat introuvable.")
    if mandate.revoked_on is not None:
        raise BillingError(f"Le mandat {mandate.reference} est déjà révoqué.")
    mandate.revoked_on = on or paris_today()
    session.flush()


def list_mandates(
    session: Session, actor: Actor, family_ref: str | None = None
) -> list[MandateRow]:
    require_collection_role(actor, "de consulter les mandats de prélèvement", session)
    stmt = (
        select(SepaMandate, Family.code, Family.name)
        .join(Family, Family.id == SepaMandate.family_id)
        .order_by(Family.name, SepaMandate.signed_on.desc())
    )
    if family_ref:
        stmt = stmt.where(SepaMandate.family_id == get_family(session, family_ref).id)
    return [
        MandateRow(
            m.id,
            code,
            name,
            m.debtor_name,
            m.iban,
            m.bic,
            m.reference,
            m.signed_on,
            m.sequence.value,
            m.revoked_on,
        )
        for m, code, name in session.execute(stmt)
    ]


def debit_run(
    session: Session,
    actor: Actor,
    regie_code: str,
    due_date: date,
    out_dir: Path,
    *,
    period: tuple[date, date] | None = None,
) -> DebitRunReport:
    """Debit the open invoices of families with a mandate; write the pain.008 file."""
    require_collection_role(actor, "de lancer un prélèvement SEPA", session)
    regie = get_regie(session, regie_code)
    if regie.settlement is Settlement.TRESOR_PUBLIC:
        raise BillingError(
            f"La régie {regie.code} est recouvrée par le Trésor public : ses prélèvements "
            "partent dans le fichier PES."
        )
    cred = creditor(session)
    stmt = select(Invoice).where(
        Invoice.regie_id == regie.id,
        Invoice.state.in_((InvoiceState.ISSUED, InvoiceState.PARTIALLY_PAID)),
    )
    if period is not None:
        stmt = stmt.where(Invoice.period_start >= period[0], Invoice.period_start <= period[1])
    invoices = list(session.scalars(stmt.order_by(Invoice.number)))
    mandates = active_mandates(session, sorted({i.family_id for i in invoices}), due_date)
    invoices = [i for i in invoices if i.family_id in mandates]
    figs = figures(session, [i.id for i in invoices])
    invoices = [i for i in invoices if figs[i.id].balance > 0]
    if not invoices:
        raise BillingError(
            f"Aucune facture de la régie {regie.code} à prélever (familles avec un mandat en "
            "vigueur, factures non réglées)."
        )
    run = SepaDebitRun(
        regie_id=regie.id,
        due_date=due_date,
        file_name="",
        sha256="",
        debit_count=0,
        total=Decimal("0.00"),
        created_by_id=actor.staff_id,
    )
    session.add(run)
    session.flush()
    sepa = SepaDD(
        {
            "name": cred.name,
            "IBAN": cred.iban,
            "BIC": cred.bic,
            "batch": True,
            "creditor_id": cred.ics,
            "currency": "EUR",
        },
        schema="pain.008.001.02",
    )
    total = Decimal("0.00")
    first = recurrent = 0
    for invoice in invoices:
        mandate = mandates[invoice.family_id]
        amount = figs[invoice.id].balance
        e2e = f"{invoice.number}-{run.id}"[:35]
        payment = Payment(
            family_id=invoice.family_id,
            regie_id=regie.id,
            mode=PaymentMode.DIRECT_DEBIT,
            amount=amount,
            received_on=due_date,
            state=PaymentState.PENDING_BANK_VALIDATION,
            reference=f"Prélèvement {mandate.reference}"[:80],
            payer_name=mandate.debtor_name[:120],
            recorded_by_id=actor.staff_id,
            allocations=[PaymentAllocation(invoice_id=invoice.id, amount=amount)],
        )
        session.add(payment)
        session.flush()
        session.add(
            SepaDebit(
                run_id=run.id,
                mandate_id=mandate.id,
                family_id=invoice.family_id,
                invoice_id=invoice.id,
                payment_id=payment.id,
                sequence=mandate.sequence,
                amount=amount,
                end_to_end_id=e2e,
            )
        )
        sepa.add_payment(
            {
                "name": mandate.debtor_name,
                "IBAN": mandate.iban,
                "BIC": mandate.bic,
                "amount": to_cents_int(amount),
                "type": mandate.sequence.value,
                "collection_date": due_date,
                "mandate_id": mandate.reference,
                "mandate_date": mandate.signed_on,
                "description": f"Facture {invoice.number}",
                "endtoend_id": e2e,
            }
        )
        total += amount
        if mandate.sequence is SequenceType.FIRST:
            first += 1
        else:
            recurrent += 1
    for mandate in {mandates[i.family_id].id: mandates[i.family_id] for i in invoices}.values():
        mandate.sequence = SequenceType.RECURRENT
    data = sepa.export(validate=True)
    sha = hashlib.sha256(data).hexdigest()
    run.file_name = f"SEPA_{regie.code}_{due_date:%Y-%m-%d}_{run.id:04d}.xml"
    run.sha256, run.debit_count, run.total = sha, len(invoices), total
    refresh_states(session, [i.id for i in invoices])
    republish(session, [i.id for i in invoices])  # the portal shows them settled
    path = write_atomically(ensure_folder(Path(out_dir)) / run.file_name, data)
    return DebitRunReport(run.id, path, run.file_name, sha, len(invoices), total, first, recurrent)


def record_reject(
    session: Session,
    actor: Actor,
    payment_id: int,
    reason_code: str,
    *,
    on_date: date | None = None,
) -> SepaDebit:
    """The bank rejected a debit: payment refused, invoice open again, family flagged."""
    require_collection_role(actor, "d'enregistrer un rejet de prélèvement", session)
    code = (reason_code or "").strip().upper()
    if not _REASON.fullmatch(code):
        raise BillingError(f"Code de rejet invalide : « {reason_code} » (ex. AM04, MD06).")
    debit = session.scalar(select(SepaDebit).where(SepaDebit.payment_id == payment_id))
    if debit is None:
        raise BillingError("Ce règlement n'est pas un prélèvement SEPA.")
    if debit.rejected_on is not None:
        raise BillingError(
            f"Le rejet de ce prélèvement est déjà enregistré ({debit.reject_reason})."
        )
    payment = session.get(Payment, payment_id)
    assert payment is not None  # the debit references it
    payment.state = PaymentState.REFUSED
    debit.rejected_on = on_date or paris_today()
    debit.reject_reason = code
    refresh_states(session, [debit.invoice_id])
    republish(session, [debit.invoice_id])
    return debit


@dataclass(frozen=True, slots=True)
class DebitRow:
    payment_id: int
    family_code: str
    debtor_name: str
    invoice_number: str
    amount: Decimal
    due_date: date
    sequence: str
    rejected_on: date | None
    reject_reason: str

    @property
    def state_label(self) -> str:
        if self.rejected_on is None:
            return "Présenté à la banque"
        why = REJECT_REASONS.get(self.reject_reason, "")
        return f"Rejeté le {self.rejected_on:%d/%m/%Y} ({self.reject_reason}{' : ' + why if why else ''})"


def list_debits(session: Session, actor: Actor, limit: int = 1000) -> list[DebitRow]:
    """The debits asked for, newest run first (for rejects to be recorded)."""
    require_collection_role(actor, "de consulter les prélèvements", session)
    stmt = (
        select(
            SepaDebit, SepaDebitRun.due_date, Family.code, SepaMandate.debtor_name, Invoice.number
        )
        .join(SepaDebitRun, SepaDebitRun.id == SepaDebit.run_id)
        .join(Family, Family.id == SepaDebit.family_id)
        .join(SepaMandate, SepaMandate.id == SepaDebit.mandate_id)
        .join(Invoice, Invoice.id == SepaDebit.invoice_id)
        .order_by(SepaDebitRun.due_date.desc(), SepaDebit.id)
        .limit(limit)
    )
    return [
        DebitRow(
            d.payment_id,
            code,
            debtor,
            number,
            d.amount,
            due,
            d.sequence.value,
            d.rejected_on,
            d.reject_reason,
        )
        for d, due, code, debtor, number in session.execute(stmt)
    ]
