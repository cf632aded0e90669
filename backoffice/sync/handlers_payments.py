"""Online payment results from the feed (``payment.updated``) update the payments.

Each change is one result of a payment made on the portal (PayFiP, or the
simulated provider): ``validated`` records the payment and allocates it to the
invoices the parent paid (``services.billing.record_online_payment_result``,
which also queues ``invoice.publish`` for them: the portal then shows the
settlement with its ``portal_payment_ref``); ``refused`` records a refused
payment (nothing paid). The portal's payment reference (``PAY-000001``) makes
it idempotent: the same result applied twice changes nothing.

A result that arrives after the portal had closed the payment as expired
(``late``: the bank took the money after the 15 minutes) turns the refused
payment into a validated one: the portal counts it, so does the back-office.
Anything the billing refuses (unknown family, régie or invoice, amount
different from the one already received, contradiction) is quarantined with
its reason, before anything is written.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from backoffice.models import Payment, PaymentState
from backoffice.services.billing import BillingError, record_online_payment_result
from backoffice.sync.apply import ApplyContext, FeedChange, Quarantine, handles

PARIS = ZoneInfo("Europe/Paris")
STATES = {"validated": PaymentState.VALIDATED, "refused": PaymentState.REFUSED}


def _day(value) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.astimezone(PARIS).date() if moment.tzinfo else moment.date()


def _read(data: dict) -> tuple[str, str, Decimal, PaymentState, list[str]]:
    ref, regie = data.get("payment"), data.get("regie")
    if not isinstance(ref, str) or not ref.strip():
        raise Quarantine("Résultat de paiement sans référence (« payment »).")
    if not isinstance(regie, str) or not regie.strip():
        raise Quarantine(f"Paiement {ref} : régie absente (« regie »).")
    amount = data.get("amount_cents")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise Quarantine(f"Paiement {ref} : montant illisible (« amount_cents »).")
    raw_state = data.get("state")
    state = STATES.get(raw_state) if isinstance(raw_state, str) else None
    if state is None:
        raise Quarantine(f"Paiement {ref} : résultat inconnu (« {data.get('state')} »).")
    invoices = data.get("invoices")
    if not isinstance(invoices, list) or not all(
        isinstance(i, dict) and isinstance(i.get("number"), str) and i["number"] for i in invoices
    ):
        raise Quarantine(f"Paiement {ref} : liste des factures illisible (« invoices »).")
    return (
        ref.strip(),
        regie.strip(),
        Decimal(amount).scaleb(-2),
        state,
        [i["number"] for i in invoices],
    )


def _reference(data: dict) -> str:
    parts = [str(data.get("provider") or "en ligne")]
    if data.get("refdet"):
        parts.append(f"réf. {data['refdet']}")
    if data.get("authorisation"):
        parts.append(f"autorisation {data['authorisation']}")
    return " ".join(parts)[:80]


@handles("payment.updated")
def payment_updated(ctx: ApplyContext, change: FeedChange) -> str:
    ref, regie, amount, state, numbers = _read(change.data)
    session = ctx.session
    try:
        with session.begin_nested():
            known = session.scalar(select(Payment).where(Payment.portal_ref == ref))
            if (
                known is not None
                and known.state is PaymentState.REFUSED
                and state is PaymentState.VALIDATED
                and change.data.get("late") is True
            ):
                # The bank's answer after the portal closed the payment as expired: the
                # money was taken, the payment counts (docs/portal.md, « Expiration »).
                known.state = PaymentState.PENDING_BANK_VALIDATION
                session.flush()
            result = record_online_payment_result(
                session,
                portal_ref=ref,
                family_code=change.family_ref,
                regie_code=regie,
                amount=amount,
                state=state,
                invoice_numbers=numbers,
                received_on=_day(change.data.get("finished_at"))
                or _day(change.data.get("created_at")),
                reference=_reference(change.data),
            )
    except BillingError as exc:
        raise Quarantine(str(exc)) from exc
    return "applied" if result.changed else "unchanged"
