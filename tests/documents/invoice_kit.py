"""Helpers of the document tests (imported by name: ``from invoice_kit import …``; a
``conftest`` is not importable once several test folders have one)."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

ISSUE = date(2026, 6, 19)
QF = "QF 601 à 900"


@dataclass
class World:
    regie: dict
    family_id: int
    children: list[int]


def add_invoice(
    db, world: World, regie: str, seq: int, lines: list[tuple], run_id=None, **kw
) -> int:
    """lines: (child index, day, label, qf, quantity, unit_price) → invoice id."""
    from backoffice.models import Invoice, InvoiceLine

    with db.session() as s:
        inv = Invoice(
            number=f"{regie}-2026-{seq:05d}",
            regie_id=world.regie[regie],
            year=2026,
            seq=seq,
            run_id=run_id,
            family_id=world.family_id,
            issue_date=kw.get("issue_date", ISSUE),
            due_date=kw.get("due_date", date(2026, 7, 4)),
            period_start=kw.get("period_start", date(2026, 7, 6)),
            period_end=kw.get("period_end", date(2026, 7, 31)),
            total=Decimal("0.00"),
            billing_name=kw.get("billing_name", "Mme Élodie MARTIN"),
            billing_address="12 rue de la Gaudinière\n72800 Le Lude",
            billing_email=kw.get("billing_email", "elodie.martin@example.org"),
        )
        total = Decimal("0.00")
        for pos, (child, day, label, qf, qty, price) in enumerate(lines):
            qty, price = Decimal(qty), Decimal(price)
            amount = (qty * price).quantize(Decimal("0.01"))
            total += amount
            inv.lines.append(
                InvoiceLine(
                    position=pos,
                    child_id=world.children[child] if child is not None else None,
                    day=day,
                    label=label,
                    qf_bracket=qf,
                    quantity=qty,
                    unit_price=price,
                    amount=amount,
                )
            )
        inv.total = total
        s.add(inv)
        s.flush()
        return inv.id


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
