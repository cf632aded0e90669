"""The demo's billing history: last month invoiced, some of it paid.

So that « Facturation » and « Règlements » show what a real service has on a
Friday in November, the demo's régisseur has issued each régie's run of the
previous month:

- périscolaire and multi-accueil on the 5th of this month, from attendance, then
  transmitted to the Trésor public;
- ALSH and jeunesse on the 5th of that month, from bookings, before the holidays
  (DESIGN §5) — or, when that month had no holidays (November, say), the next month
  that has bookings (else the last one before), so the desk has payments and every
  régie has invoices whatever the day the demo is loaded;
  most of their invoices are paid at the desk (cheques, ANCV, cash, card), a few
  partly, the rest still due; the first fortnight's cheques are on a deposit slip,
  the later ones wait.

The invoices predate the demo portal: their outbox items are dropped (the
portal only knows the few families the demo publishes).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backoffice.models import Family, Invoice, OutboxItem, Regie, Settlement
from backoffice.services.billing import (
    cheques_to_deposit,
    create_deposit_slip,
    issue_run,
    mark_sent_to_tresor,
    record_online_payment_result,
    record_payment,
)
from backoffice.services.common.actors import current_actor

REGISSEUR = "jfoucault"
BANKS = ("Crédit Agricole", "La Banque Postale", "Crédit Mutuel", "CIC", "Caisse d'Épargne")
BILLING_TOPICS = ("invoice.publish", "invoice.pdf")


@dataclass
class DemoBilling:
    invoices: int = 0
    payments: int = 0
    sent_to_tresor: int = 0
    deposit_slips: int = 0


def _previous_month(today: date) -> tuple[date, date]:
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def _months_from(first: date, count: int) -> list[tuple[date, date]]:
    """``count`` calendar months from the one starting on ``first``: (first day, last day)."""
    months = []
    for _ in range(count):
        following = (first + timedelta(days=32)).replace(day=1)
        months.append((first, following - timedelta(days=1)))
        first = following
    return months


def _months_before(first: date, count: int) -> list[tuple[date, date]]:
    """``count`` calendar months before the one starting on ``first``, latest first."""
    months = []
    for _ in range(count):
        last = first - timedelta(days=1)
        first = last.replace(day=1)
        months.append((first, last))
    return months


def issue_demo_invoices(session: Session, seed: int, today: date) -> DemoBilling:
    """Issue last month for every régie, then the payments (see the module docstring)."""
    rng = random.Random(seed * 7919)
    actor = current_actor(session, REGISSEUR)
    start, end = _previous_month(today)
    report = DemoBilling()
    for regie in session.scalars(select(Regie).order_by(Regie.code)).all():
        tresor = regie.settlement is Settlement.TRESOR_PUBLIC
        # Attendance-billed régies after the month; the others (ALSH, jeunesse) from
        # bookings, before the holidays start (DESIGN §5). A month without holidays has
        # nothing of theirs to bill: they then bill the next month that has (this one or
        # the next), so the desk has payments whatever the day the demo is loaded — or,
        # when none has (jeunesse in December: no Christmas holidays, nothing before
        # February), the last holidays before (Toussaint).
        months = [(start, end)] if tresor else _months_from(start, 3) + _months_before(start, 2)
        for first, last in months:
            issued_on = min(
                last + timedelta(days=5) if tresor else first + timedelta(days=4), today
            )
            run = issue_run(session, regie.code, first, last, issue_date=issued_on, actor=actor)
            if run.run_id is not None:
                break
        report.invoices += run.invoices
        if run.run_id is None:
            continue
        if tresor:
            report.sent_to_tresor += mark_sent_to_tresor(
                session, run_id=run.run_id, on_date=issued_on + timedelta(days=7), actor=actor
            )
            continue
        report.payments += pay_run(session, rng, run.run_id, regie.code, issued_on, today, actor)[0]
        # The first fortnight's cheques went to the bank; the later ones wait.
        early = [
            c.payment_id
            for c in cheques_to_deposit(session, regie.code).cheques
            if c.received_on <= issued_on + timedelta(days=10)
        ]
        if early:
            create_deposit_slip(
                session,
                regie.code,
                deposit_date=min(issued_on + timedelta(days=11), today),
                actor=actor,
                payment_ids=early,
            )
            report.deposit_slips += 1
    session.execute(delete(OutboxItem).where(OutboxItem.topic.in_(BILLING_TOPICS)))
    return report


def pay_run(
    session, rng, run_id, regie_code, issued_on, today, actor, *, online_share: float = 0.0
) -> tuple[int, int]:
    """Payments of the run's invoices received by ``today``: (at the desk, online).

    A quarter of the invoices stay due; ``online_share`` of them are paid online (PayFiP
    results as the sync records them: pending, then validated by the bank); the others
    at the desk (cheques, ANCV, cash, card), one in ten of all only half."""
    rows = session.execute(
        select(Invoice.total, Family.code, Family.name, Invoice.number)
        .join(Family, Family.id == Invoice.family_id)
        .where(Invoice.run_id == run_id)
        .order_by(Invoice.seq)
    ).all()
    desk = online = 0
    latest = max((today - issued_on).days, 1)
    for total, code, name, number in rows:
        draw = rng.random()
        if draw < 0.25 or total <= 0:
            continue  # still due
        if draw < 0.25 + online_share:
            received = issued_on + timedelta(days=rng.randint(1, latest))
            for state in ("pending_bank_validation", "validated"):
                record_online_payment_result(
                    session,
                    portal_ref=f"PAY-{regie_code}-{number}",
                    family_code=code,
                    regie_code=regie_code,
                    amount=total,
                    state=state,
                    invoice_numbers=[number],
                    received_on=min(received, today),
                )
            online += 1
            continue
        half = draw < 0.35 + online_share
        amount = (total / 2).quantize(Decimal("0.01")) if half else total
        mode = rng.choices(("cheque", "ancv", "especes", "carte"), (50, 20, 15, 15))[0]
        received = issued_on + timedelta(days=rng.randint(1, latest))
        extra = {}
        if mode == "cheque":
            extra = {"bank": rng.choice(BANKS), "number": f"{rng.randint(1000000, 9999999)}"}
        record_payment(
            session,
            code,
            regie_code,
            mode,
            amount,
            received_on=min(received, today),
            payer_name=f"Famille {name}",
            actor=actor,
            **extra,
        )
        desk += 1
    return desk, online
