"""ORM guards: issued documents are never edited nor deleted; closed periods never change.

Installed once on every ORM session (:func:`install`, done when
:mod:`backoffice.services.billing` is imported, and by
:func:`backoffice.services.database.open_database`, so every program using the database is guarded).
Checked in ``before_flush``, i.e. whatever service makes the change:

- an invoice may only change its ``state`` (payment status); its lines, credit
  notes and their lines, deposit slips never change; none of them is deleted;
  no line is added to an invoice already written;
- a booking dated inside a closed period of its régie is not created, changed
  nor deleted (state, attendance, hours…);
- an invoice sent to the Trésor public in a PES file gets no credit note (the
  comptable public holds the title: a reduction is his, through a cancelling title);
- a tariff that may apply inside a closed period (``valid_from`` on or before
  the end of a closed period of its régie) is not created, changed nor
  deleted: a new price takes a start date after the closed periods.

Core statements bypass the ORM and these guards (the RGPD anonymisation of
``services.families.anonymisation`` replaces names on old invoices on purpose).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from backoffice.models import (
    Activity,
    Booking,
    ClosedPeriod,
    CreditNote,
    CreditNoteLine,
    DepositSlip,
    Invoice,
    InvoiceLine,
    PesExportInvoice,
    Tariff,
    Unit,
)
from backoffice.services.billing.common import BillingError

FROZEN = (InvoiceLine, CreditNote, CreditNoteLine, DepositSlip)
INVOICE_MUTABLE = frozenset({"state"})


class ImmutableDocument(BillingError):
    """An issued invoice or credit note cannot be edited nor deleted."""


class PeriodClosed(BillingError):
    """The change falls inside a closed billing period."""


def _changed_columns(obj) -> set[str]:
    state = inspect(obj)
    return {
        attr.key
        for attr in state.mapper.column_attrs
        if state.attrs[attr.key].history.has_changes()
    }


def _old_value(obj, key: str):
    history = inspect(obj).attrs[key].history
    if history.deleted:
        return history.deleted[0]
    return getattr(obj, key)


def _describe(obj) -> str:
    if isinstance(obj, Invoice | InvoiceLine):
        invoice = obj if isinstance(obj, Invoice) else obj.invoice
        return f"la facture {invoice.number}" if invoice is not None else "une facture"
    if isinstance(obj, CreditNote | CreditNoteLine):
        note = obj if isinstance(obj, CreditNote) else obj.credit_note
        return f"l'avoir {note.number}" if note is not None else "un avoir"
    return f"le bordereau {obj.number}"


def check_documents(session: Session) -> None:
    for obj in session.deleted:
        if isinstance(obj, (Invoice, *FROZEN)):
            raise ImmutableDocument(
                f"Impossible de supprimer {_describe(obj)} : une pièce émise n'est jamais "
                "supprimée ; établissez un avoir."
            )
    for obj in session.dirty:
        if isinstance(obj, Invoice):
            changed = _changed_columns(obj) - INVOICE_MUTABLE
        elif isinstance(obj, FROZEN):
            changed = _changed_columns(obj)
        else:
            continue
        if changed:
            raise ImmutableDocument(
                f"Impossible de modifier {_describe(obj)} ({', '.join(sorted(changed))}) : "
                "une pièce émise n'est jamais modifiée ; établissez un avoir."
            )
    for obj in session.new:
        if isinstance(obj, InvoiceLine):
            invoice = obj.invoice
            if invoice is not None and inspect(invoice).persistent:
                raise ImmutableDocument(
                    f"Impossible d'ajouter une ligne à la facture {invoice.number} déjà émise."
                )
        elif isinstance(obj, CreditNoteLine):
            note = obj.credit_note
            if note is not None and inspect(note).persistent:
                raise ImmutableDocument(
                    f"Impossible d'ajouter une ligne à l'avoir {note.number} déjà émis."
                )


def check_exported_titles(session: Session) -> None:
    notes = [obj for obj in session.new if isinstance(obj, CreditNote)]
    for note in notes:
        exported = session.connection().scalar(
            select(PesExportInvoice.id).where(PesExportInvoice.invoice_id == note.invoice_id)
        )
        if exported is not None:
            raise ImmutableDocument(
                "Cette facture a été transmise au Trésor public dans un fichier PES : elle ne "
                "change plus ici. Une réduction passe par un titre d'annulation auprès du "
                "comptable public."
            )


def check_closed_periods(session: Session) -> None:
    touched = [
        obj
        for group in (session.new, session.dirty, session.deleted)
        for obj in group
        if isinstance(obj, Booking | Tariff)
    ]
    touched = [
        obj
        for obj in touched
        if obj in session.new or obj in session.deleted or _changed_columns(obj)
    ]
    if not touched:
        return
    conn = session.connection()
    closed: dict[int, list[tuple[date, date]]] = {}
    for regie_id, start, end in conn.execute(
        select(ClosedPeriod.regie_id, ClosedPeriod.start_date, ClosedPeriod.end_date)
    ):
        closed.setdefault(regie_id, []).append((start, end))
    if not closed:
        return
    regie_of_unit: dict[int, int | None] = {}

    def closed_for(unit_id: int | None) -> list[tuple[date, date]]:
        """The closed periods of the unit's régie (none without a unit)."""
        if unit_id is None:
            return []
        if unit_id not in regie_of_unit:
            regie_of_unit[unit_id] = conn.scalar(
                select(Activity.regie_id)
                .join(Unit, Unit.activity_id == Activity.id)
                .where(Unit.id == unit_id)
            )
        regie_id = regie_of_unit[unit_id]
        return closed.get(regie_id, []) if regie_id is not None else []

    for obj in touched:
        if isinstance(obj, Booking):
            units = {obj.unit_id, _old_value(obj, "unit_id")}
            days = {obj.day, _old_value(obj, "day")}
            for unit_id in units:
                for start, end in closed_for(unit_id):
                    for day in days:
                        if day is not None and start <= day <= end:
                            raise PeriodClosed(
                                f"La période du {start:%d/%m/%Y} au {end:%d/%m/%Y} est "
                                f"clôturée : la réservation du {day:%d/%m/%Y} ne peut plus "
                                "changer (état, pointage, heures)."
                            )
        else:
            units = {obj.unit_id, _old_value(obj, "unit_id")}
            starts = {obj.valid_from, _old_value(obj, "valid_from")}
            for unit_id in units:
                for start, end in closed_for(unit_id):
                    for valid_from in starts:
                        if valid_from is not None and valid_from <= end:
                            raise PeriodClosed(
                                f"La période du {start:%d/%m/%Y} au {end:%d/%m/%Y} est "
                                f"clôturée : un tarif valable à partir du {valid_from:%d/%m/%Y} "
                                "s'y appliquerait. Ajoutez un tarif qui commence après "
                                f"le {end:%d/%m/%Y}."
                            )


def _before_flush(session: Session, _context, _instances) -> None:
    check_documents(session)
    check_exported_titles(session)
    check_closed_periods(session)


_installed = False


def install() -> None:
    """Guard every ORM session (idempotent)."""
    global _installed
    if not _installed:
        event.listen(Session, "before_flush", _before_flush)
        _installed = True
