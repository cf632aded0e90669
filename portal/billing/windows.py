"""Payment windows: the days (Paris) when each régie's invoices may be paid online,
replaced whole by the back-office."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.billing.schemas import PaymentWindows
from portal.errors import FieldError, invalid
from portal.models import PaymentWindow


def replace_windows(session: Session, body: PaymentWindows) -> dict[str, Any]:
    errors = [
        FieldError(field=f"windows.{i}.end", message="La fin de la période précède son début.")
        for i, w in enumerate(body.windows)
        if w.end < w.start
    ]
    if errors:
        raise invalid(errors)
    for row in session.scalars(select(PaymentWindow)):
        session.delete(row)
    for w in body.windows:
        session.add(PaymentWindow(regie_code=w.regie, start=w.start, end=w.end, label=w.label))
    return {"count": len(body.windows)}


def window_of(session: Session, regie: str, today: date) -> tuple[PaymentWindow | None, bool]:
    """The open window of the régie today, else the next one; and whether one is open."""
    rows = list(
        session.scalars(
            select(PaymentWindow)
            .where(PaymentWindow.regie_code == regie, PaymentWindow.end >= today)
            .order_by(PaymentWindow.start)
        )
    )
    for w in rows:
        if w.start <= today <= w.end:
            return w, True
    return (rows[0] if rows else None), False
