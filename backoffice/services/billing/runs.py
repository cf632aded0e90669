"""Invoice runs ("lots de facturation"): preview, then issue in one transaction.

:func:`preview_run` computes what a run would bill — total per family and the
anomalies — without writing anything. :func:`issue_run` writes the run, one
invoice per family with its lines, the numbers and the outbox items **in a
single transaction**: killed at any moment, the database holds either the
whole run or nothing of it, and the sequence of numbers has no gap (the
number sequence row is incremented in that same transaction, see
:mod:`.numbering`).

Due date: issue date + the régie's payment delay; when the run is billed in
advance (ALSH and jeunesse, invoiced before the holidays), no later than the
day before the period starts (never before the issue date).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Integer, Table, column, insert, select, table
from sqlalchemy.orm import Session

from backoffice.dates import paris_today
from backoffice.models import (
    DocumentKind,
    Invoice,
    InvoiceLine,
    InvoiceRun,
    InvoiceRunState,
    InvoiceState,
    OutboxItem,
    ScaledDecimal,
    utcnow,
)
from backoffice.services.billing.common import (
    BillingError,
    document_number,
    euros,
    get_regie,
    regie_id_of,
    require_billing_role,
)
from backoffice.services.billing.lines import Anomaly, Draft, compute_draft
from backoffice.services.billing.numbering import lock_sequence, take_numbers
from backoffice.services.billing.periods import ensure_open
from backoffice.services.billing.publish import TOPIC, LineView, invoice_payload
from backoffice.services.common.actors import Actor
from backoffice.services.common.bulk_rows import insert_tuples


@dataclass
class FamilyTotal:
    family_id: int
    code: str
    name: str
    billing_name: str
    lines: int
    total: Decimal
    anomalies: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "family": self.code,
            "name": self.name,
            "billing_name": self.billing_name,
            "lines": self.lines,
            "total": format(self.total, "f"),
            "anomalies": self.anomalies,
        }


@dataclass
class RunPreview:
    regie: str
    regie_name: str
    start: date
    end: date
    families: list[FamilyTotal]
    anomalies: list[Anomaly]

    @property
    def total(self) -> Decimal:
        return sum((f.total for f in self.families), Decimal("0.00"))

    @property
    def line_count(self) -> int:
        return sum(f.lines for f in self.families)

    @property
    def blocking(self) -> list[Anomaly]:
        return [a for a in self.anomalies if a.blocking]

    def as_dict(self) -> dict:
        return {
            "regie": self.regie,
            "regie_name": self.regie_name,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "invoices": len(self.families),
            "lines": self.line_count,
            "total": format(self.total, "f"),
            "families": [f.as_dict() for f in self.families],
            "anomalies": [a.as_dict() for a in self.anomalies],
            "blocking": len(self.blocking),
        }

    def summary_lines(self) -> list[str]:
        out = [
            f"Lot {self.regie} ({self.regie_name}) du {self.start:%d/%m/%Y} au {self.end:%d/%m/%Y} :",
            f"  {len(self.families)} facture(s), {self.line_count} ligne(s), "
            f"total {euros(self.total)}",
        ]
        if self.anomalies:
            out.append(
                f"  {len(self.anomalies)} anomalie(s)"
                + (f", dont {len(self.blocking)} bloquante(s)" if self.blocking else "")
            )
        return out


def _preview_of(draft: Draft) -> RunPreview:
    by_family: dict[int, list[str]] = {}
    for a in draft.anomalies:
        by_family.setdefault(a.family_id, []).append(a.label)
    families = [
        FamilyTotal(
            b.family_id,
            b.code,
            b.name,
            b.billing_name,
            len(b.lines),
            b.total,
            sorted(set(by_family.get(b.family_id, []))),
        )
        for b in draft.bills
    ]
    return RunPreview(
        draft.regie.code, draft.regie.name, draft.start, draft.end, families, draft.anomalies
    )


def preview_run(
    session: Session, regie_code: str, start: date, end: date, *, as_of: date | None = None
) -> RunPreview:
    """What issuing would bill (per family) and the anomalies; writes nothing.

    Missing attendance is flagged only for days up to ``as_of`` (default today)."""
    if end < start:
        raise BillingError("Période invalide : la fin précède le début.")
    regie = get_regie(session, regie_code)
    return _preview_of(compute_draft(session, regie, start, end, as_of or paris_today()))


@dataclass
class IssueReport:
    regie: str
    start: date
    end: date
    run_id: int | None
    invoices: int
    lines: int
    total: Decimal
    first_number: str = ""
    last_number: str = ""
    anomalies: list[Anomaly] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "regie": self.regie,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "run_id": self.run_id,
            "invoices": self.invoices,
            "lines": self.lines,
            "total": format(self.total, "f"),
            "first_number": self.first_number,
            "last_number": self.last_number,
            "anomalies": [a.as_dict() for a in self.anomalies],
        }

    def summary(self) -> str:
        if not self.invoices:
            return (
                f"Rien à facturer pour la régie {self.regie} du {self.start:%d/%m/%Y} "
                f"au {self.end:%d/%m/%Y}."
            )
        return (
            f"Lot n° {self.run_id} émis : {self.invoices} facture(s) "
            f"({self.first_number} à {self.last_number}), {self.lines} ligne(s), "
            f"total {euros(self.total)}."
        )


# ``invoice_line`` with its scaled decimals as the integers they are stored as: the rows
# carry integer cents, converted once per distinct value by the column's own type.
_SCALED_TYPES = {
    c.name: c.type for c in InvoiceLine.__table__.columns if isinstance(c.type, ScaledDecimal)
}
# The order of the values of each line inserted (issue_run).
LINE_COLUMNS = [
    "invoice_id",
    "position",
    "child_id",
    "unit_id",
    "booking_id",
    "tariff_id",
    "day",
    "label",
    "qf_bracket",
    "quantity",
    "unit_price",
    "amount",
]
_LINE_TABLE = table(
    InvoiceLine.__tablename__,
    *(
        column(c.name, Integer() if c.name in _SCALED_TYPES else c.type)
        for c in InvoiceLine.__table__.columns
        if c.name != "id"
    ),
)


def due_date_for(issue_date: date, period_start: date, delay_days: int) -> date:
    due = issue_date + timedelta(days=delay_days)
    if period_start > issue_date:
        due = max(issue_date, min(due, period_start - timedelta(days=1)))
    return due


def issue_run(
    session: Session,
    regie_code: str,
    start: date,
    end: date,
    *,
    issue_date: date | None = None,
    actor: Actor | None = None,
    label: str = "",
) -> IssueReport:
    """Issue the run: every invoice, line, number and outbox item, or nothing.

    The caller commits (one transaction). Refused while blocking anomalies
    (missing tariffs) remain or when the period is closed.
    """
    require_billing_role(actor, "émettre des factures", session, regie_id_of(session, regie_code))
    if end < start:
        raise BillingError("Période invalide : la fin précède le début.")
    regie = get_regie(session, regie_code)
    issue_date = issue_date or paris_today()
    year = issue_date.year
    # First the lock: a second agent issuing for this régie waits here, then sees our lines.
    lock_sequence(session, regie.id, DocumentKind.INVOICE, year)
    ensure_open(session, regie, start, end)
    draft = compute_draft(session, regie, start, end, issue_date)
    blocking = [a for a in draft.anomalies if a.blocking]
    if blocking:
        shown = "\n".join(f"  - {a.text()}" for a in blocking[:10])
        more = f"\n  … et {len(blocking) - 10} autre(s)" if len(blocking) > 10 else ""
        raise BillingError(
            f"Émission impossible : {len(blocking)} anomalie(s) bloquante(s) à corriger "
            f"dans le catalogue :\n{shown}{more}"
        )
    report = IssueReport(regie.code, start, end, None, 0, 0, Decimal("0.00"))
    report.anomalies = draft.anomalies
    if not draft.bills:
        return report
    now = utcnow()
    run = InvoiceRun(
        regie_id=regie.id,
        period_start=start,
        period_end=end,
        label=label or f"{regie.code} {start:%d/%m/%Y}–{end:%d/%m/%Y}",
        state=InvoiceRunState.DRAFT,
        created_at=now,
        created_by_id=actor.staff_id if actor else None,
    )
    session.add(run)
    session.flush()
    first = take_numbers(session, regie.id, DocumentKind.INVOICE, year, len(draft.bills))
    due = due_date_for(issue_date, start, regie.payment_due_days)
    invoice_rows: list[dict[str, Any]] = []  # INSERT parameters, by column
    for n, bill in enumerate(draft.bills):
        seq = first + n
        invoice_rows.append(
            {
                "number": document_number(regie.invoice_prefix, year, seq),
                "regie_id": regie.id,
                "year": year,
                "seq": seq,
                "run_id": run.id,
                "family_id": bill.family_id,
                "issue_date": issue_date,
                "due_date": due,
                "period_start": start,
                "period_end": end,
                "total": bill.total,
                "state": InvoiceState.ISSUED,
                "billing_name": bill.billing_name[:200],
                "billing_address": bill.billing_address,
                "billing_email": bill.billing_email[:254],
                "created_at": now,
            }
        )
    ids = session.scalars(
        insert(Invoice).returning(Invoice.id, sort_by_parameter_order=True), invoice_rows
    ).all()
    line_rows: list[tuple] = []
    outbox_rows = []
    # Lines go in through the plain Core table below with their amounts already in
    # integer cents: one conversion per distinct amount, not one bind per value.
    scaled: dict[tuple[str, Decimal], int] = {}

    def stored(name: str, value: Decimal) -> int:
        key = (name, value)
        result = scaled.get(key)
        if result is None:
            result = scaled[key] = _SCALED_TYPES[name].process_bind_param(value, None)
        return result

    for invoice_id, row, bill in zip(ids, invoice_rows, draft.bills, strict=True):
        for position, line in enumerate(bill.lines, start=1):
            line_rows.append(
                (
                    invoice_id,
                    position,
                    line.child_id,
                    line.unit_id,
                    line.booking_id,
                    line.tariff_id,
                    line.day,
                    line.label,
                    line.qf_bracket,
                    stored("quantity", line.quantity),
                    stored("unit_price", line.unit_price),
                    stored("amount", line.amount),
                )
            )
        outbox_rows.append(
            {
                "idempotency_key": str(uuid.uuid4()),
                "topic": TOPIC,
                "family_id": bill.family_id,
                "payload": invoice_payload(
                    family_code=bill.code,
                    regie=regie,
                    number=row["number"],
                    issue_date=issue_date,
                    due_date=due,
                    period_start=start,
                    period_end=end,
                    total=bill.total,
                    state=InvoiceState.ISSUED,
                    lines=[
                        LineView(
                            line.child_id,
                            line.child_name,
                            line.day,
                            line.label,
                            line.qf_bracket,
                            line.quantity,
                            line.unit_price,
                            line.amount,
                        )
                        for line in bill.lines
                    ],
                ),
            }
        )
    insert_tuples(session.connection(), _LINE_TABLE, LINE_COLUMNS, line_rows)
    session.execute(insert(cast(Table, OutboxItem.__table__)), outbox_rows)
    run.state = InvoiceRunState.ISSUED
    run.issued_at = utcnow()
    session.flush()
    report.run_id = run.id
    report.invoices = len(invoice_rows)
    report.lines = len(line_rows)
    report.total = draft.total
    report.first_number = invoice_rows[0]["number"]
    report.last_number = invoice_rows[-1]["number"]
    return report


def run_invoices(session: Session, run_id: int) -> list[Invoice]:
    run = session.get(InvoiceRun, run_id)
    if run is None:
        raise BillingError(f"Lot de facturation inconnu : n° {run_id}.")
    return list(
        session.scalars(select(Invoice).where(Invoice.run_id == run_id).order_by(Invoice.seq))
    )
