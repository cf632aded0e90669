"""CSV export of invoices (for the accountant / the Trésor public's software).

One row per invoice — or per invoice line with ``lines=True`` — separator ``;``,
UTF-8 with BOM (opens as is in a French spreadsheet), amounts with a decimal
comma, dates ``JJ/MM/AAAA``.
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.models import INVOICE_STATE_LABELS, Child, Family, Invoice, InvoiceLine, Regie
from backoffice.services.billing.common import BillingError, get_regie
from backoffice.services.billing.ledger import figures

INVOICE_COLUMNS = [
    "numero",
    "regie",
    "famille",
    "nom_facturation",
    "date_emission",
    "date_echeance",
    "periode_debut",
    "periode_fin",
    "total",
    "avoirs",
    "regle",
    "reste_du",
    "etat",
]
LINE_COLUMNS = [
    "numero",
    "regie",
    "famille",
    "ligne",
    "enfant",
    "jour",
    "libelle",
    "tranche_qf",
    "quantite",
    "prix_unitaire",
    "montant",
]


def _amount(value: Decimal) -> str:
    return format(value, "f").replace(".", ",")


def _day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def export_invoices_csv(
    session: Session,
    path: Path,
    *,
    regie_code: str | None = None,
    start: date | None = None,
    end: date | None = None,
    lines: bool = False,
) -> int:
    """Write the invoices issued between ``start`` and ``end``; returns the rows written."""
    stmt = (
        select(Invoice, Regie.code, Family.code)
        .join(Regie, Regie.id == Invoice.regie_id)
        .join(Family, Family.id == Invoice.family_id)
    )
    if regie_code:
        stmt = stmt.where(Invoice.regie_id == get_regie(session, regie_code).id)
    if start:
        stmt = stmt.where(Invoice.issue_date >= start)
    if end:
        stmt = stmt.where(Invoice.issue_date <= end)
    rows = session.execute(stmt.order_by(Regie.code, Invoice.year, Invoice.seq)).all()
    count = 0
    try:
        with Path(path).open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, delimiter=";")
            if not lines:
                writer.writerow(INVOICE_COLUMNS)
                figs = figures(session, [inv.id for inv, *_ in rows])
                for inv, regie, family in rows:
                    fig = figs[inv.id]
                    writer.writerow(
                        [
                            inv.number,
                            regie,
                            family,
                            inv.billing_name,
                            _day(inv.issue_date),
                            _day(inv.due_date),
                            _day(inv.period_start),
                            _day(inv.period_end),
                            _amount(inv.total),
                            _amount(fig.credited),
                            _amount(fig.paid),
                            _amount(fig.balance),
                            INVOICE_STATE_LABELS[inv.state],
                        ]
                    )
                    count += 1
                return count
            writer.writerow(LINE_COLUMNS)
            by_id = {inv.id: (inv, regie, family) for inv, regie, family in rows}
            ids = list(by_id)
            for i in range(0, len(ids), 900):
                for line, first, last in session.execute(
                    select(InvoiceLine, Child.first_name, Child.last_name)
                    .outerjoin(Child, Child.id == InvoiceLine.child_id)
                    .where(InvoiceLine.invoice_id.in_(ids[i : i + 900]))
                    .order_by(InvoiceLine.invoice_id, InvoiceLine.position)
                ):
                    inv, regie, family = by_id[line.invoice_id]
                    writer.writerow(
                        [
                            inv.number,
                            regie,
                            family,
                            line.position,
                            f"{first or ''} {last or ''}".strip(),
                            _day(line.day),
                            line.label,
                            line.qf_bracket,
                            _amount(line.quantity),
                            _amount(line.unit_price),
                            _amount(line.amount),
                        ]
                    )
                    count += 1
    except OSError as exc:
        raise BillingError(f"Impossible d'écrire « {path} » : {exc.strerror or exc}.") from exc
    return count
