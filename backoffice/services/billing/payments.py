"""Payments: desk payments, online results, the Trésor public, balances, unpaid list.

- **Desk payments** (:func:`record_payment`) by mode: chèque (bank and number
  required), espèces, carte bancaire, chèques-vacances ANCV, CESU, virement.
  They are allocated to the family's open invoices of the régie, **oldest
  first** by default (issue date, then number), or as the agent says; a
  partial payment leaves the invoice partially paid; what exceeds the open
  invoices stays on the payment, unallocated: it is the **family's credit**,
  used later by :func:`apply_family_credit`.
- **CESU** pay only the care of children **under 6** (multi-accueil,
  périscolaire of maternelle children): refused by a régie without such
  activities, and capped at the invoice lines of children under 6 on the day.
- **Online payments** (PayFiP on the portal, read from the portal feed):
  :func:`record_online_payment_result`, idempotent by the portal's reference:
  ``pending_bank_validation`` → ``validated`` (allocated automatically to the
  invoices paid, then the family's credit) or ``refused``. Only validated
  payments count in balances.
- **Trésor public** (périscolaire, multi-accueil): :func:`mark_sent_to_tresor`
  settles invoices "transmise au Trésor public" with a matching payment record
  of mode ``tresor_public`` for what they still owe (parents see them settled,
  guide §7.1; the Trésor collects).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.dates import paris_today
from backoffice.models import (
    INVOICE_STATE_LABELS,
    PAYMENT_MODE_LABELS,
    Activity,
    ActivityKind,
    Child,
    CreditNote,
    Family,
    Invoice,
    InvoiceLine,
    InvoiceState,
    Payment,
    PaymentAllocation,
    PaymentMode,
    PaymentState,
    Regie,
    Settlement,
    Unit,
)
from backoffice.services.billing.common import (
    ZERO,
    BillingError,
    atomic,
    euros,
    get_family,
    get_regie,
    parse_amount,
)
from backoffice.services.billing.ledger import figures, payment_leftovers, refresh_states
from backoffice.services.billing.publish import republish
from backoffice.services.common.actors import Actor

DESK_MODES = frozenset(
    {
        PaymentMode.CHEQUE,
        PaymentMode.CASH,
        PaymentMode.CARD,
        PaymentMode.ANCV,
        PaymentMode.CESU,
        PaymentMode.TRANSFER,
    }
)
PAYMENT_STATE_LABELS = {
    PaymentState.PENDING_BANK_VALIDATION: "En attente de validation par la banque",
    PaymentState.VALIDATED: "Validé",
    PaymentState.REFUSED: "Refusé par la banque",
}
CESU_KINDS = frozenset({ActivityKind.MULTI_ACCUEIL, ActivityKind.PERISCOLAIRE})
CESU_MAX_AGE = 6


def parse_mode(value: str | PaymentMode) -> PaymentMode:
    if isinstance(value, PaymentMode):
        return value
    aliases = {
        "cheque": PaymentMode.CHEQUE,
        "chèque": PaymentMode.CHEQUE,
        "especes": PaymentMode.CASH,
        "espèces": PaymentMode.CASH,
        "cash": PaymentMode.CASH,
        "carte": PaymentMode.CARD,
        "card": PaymentMode.CARD,
        "cb": PaymentMode.CARD,
        "ancv": PaymentMode.ANCV,
        "cheques-vacances": PaymentMode.ANCV,
        "cesu": PaymentMode.CESU,
        "virement": PaymentMode.TRANSFER,
        "transfer": PaymentMode.TRANSFER,
        "online": PaymentMode.ONLINE,
        "tresor_public": PaymentMode.TRESOR_PUBLIC,
    }
    mode = aliases.get((value or "").strip().lower())
    if mode is None:
        raise BillingError(
            f"Mode de règlement inconnu : « {value} » (chèque, espèces, carte, ANCV, CESU, "
            "virement)."
        )
    return mode


def open_invoices(session: Session, family_id: int, regie_id: int) -> list[tuple[Invoice, Decimal]]:
    """The family's invoices of the régie still owing money, oldest first, with their balance."""
    invoices = list(
        session.scalars(
            select(Invoice)
            .where(
                Invoice.family_id == family_id,
                Invoice.regie_id == regie_id,
                Invoice.state.in_([InvoiceState.ISSUED, InvoiceState.PARTIALLY_PAID]),
            )
            .order_by(Invoice.issue_date, Invoice.year, Invoice.seq)
        )
    )
    figs = figures(session, [i.id for i in invoices])
    return [(i, figs[i.id].balance) for i in invoices if figs[i.id].balance > 0]


def cesu_room(session: Session, invoice: Invoice) -> Decimal:
    """What CESU may still pay on an invoice: its lines for children under 6 in
    multi-accueil or périscolaire, less what CESU already paid there."""
    eligible = ZERO
    for amount, day, birth, kind in session.execute(
        select(InvoiceLine.amount, InvoiceLine.day, Child.birth_date, Activity.kind)
        .join(Child, Child.id == InvoiceLine.child_id)
        .join(Unit, Unit.id == InvoiceLine.unit_id)
        .join(Activity, Activity.id == Unit.activity_id)
        .where(InvoiceLine.invoice_id == invoice.id)
    ):
        if kind in CESU_KINDS and day is not None and _age(birth, day) < CESU_MAX_AGE:
            eligible += amount
    already = sum(
        session.scalars(
            select(PaymentAllocation.amount)
            .join(Payment, Payment.id == PaymentAllocation.payment_id)
            .where(
                PaymentAllocation.invoice_id == invoice.id,
                Payment.mode == PaymentMode.CESU,
                Payment.state == PaymentState.VALIDATED,
            )
        ),
        ZERO,
    )
    return max(ZERO, eligible - already)


def _age(birth: date, day: date) -> int:
    years = day.year - birth.year
    return years - 1 if (day.month, day.day) < (birth.month, birth.day) else years


def _refuse_cesu_regie(session: Session, regie: Regie) -> None:
    kinds = set(session.scalars(select(Activity.kind).where(Activity.regie_id == regie.id)))
    if not kinds & CESU_KINDS:
        raise BillingError(
            "Les CESU ne sont acceptés que pour la garde des enfants de moins de 6 ans "
            "(multi-accueil, périscolaire des enfants de maternelle) : la régie "
            f"{regie.code} ({regie.name}) ne peut pas les encaisser."
        )


@dataclass
class Allocated:
    number: str
    amount: Decimal


@dataclass
class PaymentReport:
    payment: Payment
    allocations: list[Allocated]
    credit: Decimal  # what stays unallocated (family credit)

    def summary(self) -> str:
        p = self.payment
        text = (
            f"Règlement n° {p.id} enregistré : {PAYMENT_MODE_LABELS[p.mode]} de {euros(p.amount)}"
        )
        if self.allocations:
            text += " — affecté à " + ", ".join(
                f"{a.number} ({euros(a.amount)})" for a in self.allocations
            )
        if self.credit > 0:
            text += f" — {euros(self.credit)} en avoir pour la famille"
        return text + "."

    def as_dict(self) -> dict:
        return {
            "payment_id": self.payment.id,
            "mode": self.payment.mode.value,
            "amount": format(self.payment.amount, "f"),
            "allocations": [
                {"invoice": a.number, "amount": format(a.amount, "f")} for a in self.allocations
            ],
            "credit": format(self.credit, "f"),
        }


def _allocate(
    session: Session,
    payment: Payment,
    available: Decimal,
    explicit: dict[str, Decimal] | None,
) -> list[Allocated]:
    """Allocate ``available`` of ``payment`` (explicitly, else oldest first)."""
    regie = session.get(Regie, payment.regie_id)
    cesu = payment.mode is PaymentMode.CESU
    existing = {a.invoice_id: a for a in payment.allocations}
    done: list[Allocated] = []

    def add(invoice: Invoice, amount: Decimal) -> None:
        if amount <= 0:
            return
        current = existing.get(invoice.id)
        if current is None:
            current = PaymentAllocation(invoice_id=invoice.id, amount=amount)
            payment.allocations.append(current)
            existing[invoice.id] = current
        else:
            current.amount += amount
        done.append(Allocated(invoice.number, amount))

    if explicit:
        open_ = {
            i.number: (i, balance)
            for i, balance in open_invoices(session, payment.family_id, regie.id)
        }
        total = sum(explicit.values(), ZERO)
        if total > available:
            raise BillingError(
                f"Les affectations ({euros(total)}) dépassent le montant du règlement "
                f"({euros(available)})."
            )
        for number, amount in explicit.items():
            number = number.strip().upper()
            if number not in open_:
                invoice = session.scalar(select(Invoice).where(Invoice.number == number))
                if invoice is None:
                    raise BillingError(f"Facture inconnue : « {number} ».")
                if invoice.family_id != payment.family_id or invoice.regie_id != regie.id:
                    raise BillingError(
                        f"La facture {number} n'est pas une facture de cette famille pour la "
                        f"régie {regie.code}."
                    )
                raise BillingError(f"La facture {number} ne reste pas à payer.")
            invoice, balance = open_[number]
            if amount > balance:
                raise BillingError(
                    f"La facture {number} ne reste due que de {euros(balance)} "
                    f"(affectation demandée : {euros(amount)})."
                )
            if cesu and amount > cesu_room(session, invoice):
                raise BillingError(
                    f"La facture {number} ne peut être réglée en CESU que pour "
                    f"{euros(cesu_room(session, invoice))} : les CESU ne paient que la garde "
                    "des enfants de moins de 6 ans."
                )
            add(invoice, amount)
        return done
    left = available
    for invoice, balance in open_invoices(session, payment.family_id, regie.id):
        if left <= 0:
            break
        room = min(balance, cesu_room(session, invoice)) if cesu else balance
        amount = min(left, room)
        add(invoice, amount)
        left -= amount
    return done


def _republish_touched(session: Session, allocations: list[Allocated]) -> None:
    if not allocations:
        return
    ids = list(
        session.scalars(
            select(Invoice.id).where(Invoice.number.in_({a.number for a in allocations}))
        )
    )
    refresh_states(session, ids)
    republish(session, ids)


@atomic
def record_payment(
    session: Session,
    family_ref: str,
    regie_code: str,
    mode: str | PaymentMode,
    amount: str | Decimal,
    *,
    received_on: date | None = None,
    bank: str = "",
    number: str = "",
    payer_name: str = "",
    allocations: dict[str, Decimal] | None = None,
    actor: Actor | None = None,
) -> PaymentReport:
    """A payment at the desk, allocated (explicitly or oldest first); the rest is credit."""
    mode = parse_mode(mode)
    if mode not in DESK_MODES:
        raise BillingError(
            f"Le mode « {PAYMENT_MODE_LABELS[mode]} » ne se saisit pas au guichet "
            "(paiements en ligne : synchronisation du portail ; Trésor public : transmission "
            "des factures)."
        )
    amount = parse_amount(amount)
    family = get_family(session, family_ref)
    regie = get_regie(session, regie_code)
    bank, number = bank.strip(), number.strip()
    if mode is PaymentMode.CHEQUE and not (bank and number):
        raise BillingError("Pour un chèque, indiquez la banque et le numéro du chèque.")
    if mode is PaymentMode.CESU:
        _refuse_cesu_regie(session, regie)
    payment = Payment(
        family_id=family.id,
        regie_id=regie.id,
        mode=mode,
        amount=amount,
        received_on=received_on or paris_today(),
        state=PaymentState.VALIDATED,
        reference=number[:80],
        bank=bank[:80],
        payer_name=(payer_name.strip() or family.name)[:120],
        recorded_by_id=actor.staff_id if actor else None,
    )
    session.add(payment)
    done = _allocate(session, payment, amount, allocations)
    left = amount - sum((a.amount for a in done), ZERO)
    if mode is PaymentMode.CESU and left > 0:
        raise BillingError(
            f"Le montant en CESU ({euros(amount)}) dépasse ce que les CESU peuvent régler "
            f"pour cette famille ({euros(amount - left)}) : ils ne paient que la garde des "
            "enfants de moins de 6 ans et ne sont pas rendus en avoir."
        )
    session.flush()
    _republish_touched(session, done)
    return PaymentReport(payment, done, left)


@atomic
def apply_family_credit(
    session: Session, family_ref: str, regie_code: str, *, actor: Actor | None = None
) -> list[Allocated]:
    """Use the family's credit (unallocated payments) on its open invoices, oldest first."""
    family = get_family(session, family_ref)
    regie = get_regie(session, regie_code)
    done: list[Allocated] = []
    for payment, left in payment_leftovers(session, family.id, regie.id):
        session.flush()
        done += _allocate(session, payment, left, None)
    session.flush()
    _republish_touched(session, done)
    return done


@dataclass
class OnlineResult:
    payment: Payment
    changed: bool
    allocations: list[Allocated] = field(default_factory=list)


@atomic
def record_online_payment_result(
    session: Session,
    *,
    portal_ref: str,
    family_code: str,
    regie_code: str,
    amount: str | Decimal,
    state: str | PaymentState,
    invoice_numbers: list[str] = (),
    received_on: date | None = None,
    reference: str = "",
) -> OnlineResult:
    """Apply one online payment result from the portal; the same result twice changes nothing.

    ``pending_bank_validation`` → ``validated`` (allocated to ``invoice_numbers``
    in that order, what remains goes to the family's credit) or ``refused``.
    A result older than the one known (pending after validated) is ignored; a
    contradiction (refused after validated) is refused with a French message.
    """
    state = PaymentState(state)
    amount = parse_amount(amount)
    portal_ref = (portal_ref or "").strip()
    if not portal_ref:
        raise BillingError("Résultat de paiement en ligne sans référence du portail.")
    payment = session.scalar(select(Payment).where(Payment.portal_ref == portal_ref))
    if payment is None:
        family = get_family(session, family_code)
        regie = get_regie(session, regie_code)
        payment = Payment(
            family_id=family.id,
            regie_id=regie.id,
            mode=PaymentMode.ONLINE,
            amount=amount,
            received_on=received_on or paris_today(),
            state=PaymentState.PENDING_BANK_VALIDATION,
            reference=reference[:80],
            payer_name=family.name[:120],
            portal_ref=portal_ref,
        )
        session.add(payment)
        # What the parent chose to pay, kept (not counted) until the bank validates.
        for number in invoice_numbers:
            invoice = session.scalar(select(Invoice).where(Invoice.number == number))
            if invoice is None or invoice.family_id != family.id or invoice.regie_id != regie.id:
                raise BillingError(
                    f"Paiement en ligne {portal_ref} : la facture « {number} » n'est pas une "
                    f"facture de la famille {family.code} pour la régie {regie.code}."
                )
            if all(a.invoice_id != invoice.id for a in payment.allocations):
                payment.allocations.append(PaymentAllocation(invoice_id=invoice.id, amount=ZERO))
        changed = True
    else:
        if payment.amount != amount:
            raise BillingError(
                f"Paiement en ligne {portal_ref} : montant différent de celui déjà reçu "
                f"({euros(payment.amount)} contre {euros(amount)})."
            )
        if payment.state is state or state is PaymentState.PENDING_BANK_VALIDATION:
            return OnlineResult(payment, False)
        if payment.state is not PaymentState.PENDING_BANK_VALIDATION:
            raise BillingError(
                f"Paiement en ligne {portal_ref} : résultat contradictoire "
                f"({PAYMENT_STATE_LABELS[payment.state]}, puis {PAYMENT_STATE_LABELS[state]})."
            )
        changed = True
    done: list[Allocated] = []
    if state is PaymentState.VALIDATED:
        payment.state = PaymentState.VALIDATED
        session.flush()
        intended = [a.invoice_id for a in payment.allocations]
        for alloc in list(payment.allocations):
            payment.allocations.remove(alloc)
        session.flush()
        figs = figures(session, intended)
        left = payment.amount
        for invoice_id in intended:
            balance = figs[invoice_id].balance if invoice_id in figs else ZERO
            part = min(left, max(balance, ZERO))
            if part > 0:
                invoice = session.get(Invoice, invoice_id)
                payment.allocations.append(PaymentAllocation(invoice_id=invoice_id, amount=part))
                done.append(Allocated(invoice.number, part))
                left -= part
        session.flush()
        _republish_touched(session, done)
    elif state is PaymentState.REFUSED:
        payment.state = PaymentState.REFUSED
        session.flush()
    else:
        session.flush()
    return OnlineResult(payment, changed, done)


@atomic
def mark_sent_to_tresor(
    session: Session,
    *,
    invoice_numbers: list[str] | None = None,
    run_id: int | None = None,
    on_date: date | None = None,
    actor: Actor | None = None,
) -> int:
    """Settle invoices as "transmise au Trésor public" (périscolaire, multi-accueil)."""
    stmt = select(Invoice)
    if run_id is not None:
        stmt = stmt.where(Invoice.run_id == run_id)
    elif invoice_numbers:
        stmt = stmt.where(Invoice.number.in_([n.strip().upper() for n in invoice_numbers]))
    else:
        raise BillingError("Indiquez le lot ou les factures à transmettre au Trésor public.")
    invoices = list(session.scalars(stmt.order_by(Invoice.seq)))
    if not invoices:
        raise BillingError("Aucune facture à transmettre au Trésor public.")
    regies = {r.id: r for r in session.scalars(select(Regie))}
    for invoice in invoices:
        regie = regies[invoice.regie_id]
        if regie.settlement is not Settlement.TRESOR_PUBLIC:
            raise BillingError(
                f"La facture {invoice.number} relève de la régie {regie.code}, qui n'est pas "
                "recouvrée par le Trésor public."
            )
    figs = figures(session, [i.id for i in invoices])
    on_date = on_date or paris_today()
    sent = []
    for invoice in invoices:
        balance = figs[invoice.id].balance
        if balance <= 0 or invoice.state is InvoiceState.SENT_TO_TRESOR:
            continue
        session.add(
            Payment(
                family_id=invoice.family_id,
                regie_id=invoice.regie_id,
                mode=PaymentMode.TRESOR_PUBLIC,
                amount=balance,
                received_on=on_date,
                state=PaymentState.VALIDATED,
                reference=f"Transmise au Trésor public — {invoice.number}"[:80],
                payer_name=invoice.billing_name[:120],
                recorded_by_id=actor.staff_id if actor else None,
                allocations=[PaymentAllocation(invoice_id=invoice.id, amount=balance)],
            )
        )
        sent.append(invoice.id)
    session.flush()
    refresh_states(session, sent)
    republish(session, sent)
    return len(sent)


# ---------------------------------------------------------------------------
# Reading: balances, unpaid invoices, payments


@dataclass
class RegieBalance:
    regie: str
    invoiced: Decimal = ZERO
    credited: Decimal = ZERO
    paid: Decimal = ZERO
    pending_online: Decimal = ZERO
    credit: Decimal = ZERO  # validated payments not allocated

    @property
    def balance(self) -> Decimal:
        """Positive: the family owes it; negative: the family has that much credit."""
        return self.invoiced - self.credited - self.paid

    def as_dict(self) -> dict:
        return {
            "regie": self.regie,
            "invoiced": format(self.invoiced, "f"),
            "credited": format(self.credited, "f"),
            "paid": format(self.paid, "f"),
            "pending_online": format(self.pending_online, "f"),
            "unallocated_credit": format(self.credit, "f"),
            "balance": format(self.balance, "f"),
        }


@dataclass
class FamilyBalance:
    family: str
    name: str
    regies: list[RegieBalance]

    @property
    def balance(self) -> Decimal:
        return sum((r.balance for r in self.regies), ZERO)

    def as_dict(self) -> dict:
        return {
            "family": self.family,
            "name": self.name,
            "balance": format(self.balance, "f"),
            "regies": [r.as_dict() for r in self.regies],
        }


def family_balance(
    session: Session, family_ref: str, regie_code: str | None = None
) -> FamilyBalance:
    """Invoiced − credit notes − validated payments, per régie (credit is negative)."""
    family = get_family(session, family_ref)
    regies = {r.id: r.code for r in session.scalars(select(Regie))}
    only = get_regie(session, regie_code).id if regie_code else None
    rows: dict[int, RegieBalance] = {}

    def row(regie_id: int) -> RegieBalance:
        if regie_id not in rows:
            rows[regie_id] = RegieBalance(regies[regie_id])
        return rows[regie_id]

    for regie_id, total in session.execute(
        select(Invoice.regie_id, Invoice.total).where(Invoice.family_id == family.id)
    ):
        row(regie_id).invoiced += total
    for regie_id, total in session.execute(
        select(Invoice.regie_id, CreditNote.total)
        .join(Invoice, Invoice.id == CreditNote.invoice_id)
        .where(Invoice.family_id == family.id)
    ):
        row(regie_id).credited += total
    for regie_id, amount, state in session.execute(
        select(Payment.regie_id, Payment.amount, Payment.state).where(
            Payment.family_id == family.id
        )
    ):
        if state is PaymentState.VALIDATED:
            row(regie_id).paid += amount
        elif state is PaymentState.PENDING_BANK_VALIDATION:
            row(regie_id).pending_online += amount
    for payment, left in payment_leftovers(session, family.id):
        row(payment.regie_id).credit += left
    result = [rows[k] for k in sorted(rows, key=lambda k: regies[k]) if only in (None, k)]
    return FamilyBalance(family.code, family.name, result)


@dataclass
class UnpaidRow:
    number: str
    family: str
    billing_name: str
    issue_date: date
    due_date: date
    total: Decimal
    credited: Decimal
    paid: Decimal
    balance: Decimal
    days_overdue: int
    state: InvoiceState

    def as_dict(self) -> dict:
        return {
            "number": self.number,
            "family": self.family,
            "billing_name": self.billing_name,
            "issue_date": self.issue_date.isoformat(),
            "due_date": self.due_date.isoformat(),
            "total": format(self.total, "f"),
            "credited": format(self.credited, "f"),
            "paid": format(self.paid, "f"),
            "balance": format(self.balance, "f"),
            "days_overdue": self.days_overdue,
            "state": self.state.value,
            "state_label": INVOICE_STATE_LABELS[self.state],
        }


def unpaid_invoices(
    session: Session, regie_code: str, *, as_of: date | None = None
) -> list[UnpaidRow]:
    """Invoices of the régie still owing money, oldest due date first."""
    regie = get_regie(session, regie_code)
    as_of = as_of or paris_today()
    rows = session.execute(
        select(Invoice, Family.code)
        .join(Family, Family.id == Invoice.family_id)
        .where(
            Invoice.regie_id == regie.id,
            Invoice.state.in_([InvoiceState.ISSUED, InvoiceState.PARTIALLY_PAID]),
        )
        .order_by(Invoice.due_date, Invoice.seq)
    ).all()
    figs = figures(session, [inv.id for inv, _ in rows])
    result = []
    for inv, code in rows:
        fig = figs[inv.id]
        if fig.balance <= 0:
            continue
        result.append(
            UnpaidRow(
                inv.number,
                code,
                inv.billing_name,
                inv.issue_date,
                inv.due_date,
                inv.total,
                fig.credited,
                fig.paid,
                fig.balance,
                max(0, (as_of - inv.due_date).days),
                inv.state,
            )
        )
    return result


@dataclass
class PaymentRow:
    id: int
    received_on: date
    family: str
    payer_name: str
    regie: str
    mode: PaymentMode
    amount: Decimal
    state: PaymentState
    reference: str
    bank: str
    allocations: list[tuple[str, Decimal]]
    deposit_slip: str

    @property
    def unallocated(self) -> Decimal:
        if self.state is not PaymentState.VALIDATED:
            return ZERO
        return self.amount - sum((a for _, a in self.allocations), ZERO)

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "received_on": self.received_on.isoformat(),
            "family": self.family,
            "payer_name": self.payer_name,
            "regie": self.regie,
            "mode": self.mode.value,
            "mode_label": PAYMENT_MODE_LABELS[self.mode],
            "amount": format(self.amount, "f"),
            "state": self.state.value,
            "state_label": PAYMENT_STATE_LABELS[self.state],
            "reference": self.reference,
            "bank": self.bank,
            "allocations": [
                {"invoice": number, "amount": format(amount, "f")}
                for number, amount in self.allocations
            ],
            "unallocated": format(self.unallocated, "f"),
            "deposit_slip": self.deposit_slip,
        }


def list_payments(
    session: Session,
    *,
    regie_code: str | None = None,
    family_ref: str | None = None,
    start: date | None = None,
    end: date | None = None,
    state: PaymentState | None = None,
) -> list[PaymentRow]:
    from backoffice.models import DepositSlip

    stmt = (
        select(Payment, Family.code, Regie.code, DepositSlip.number)
        .join(Family, Family.id == Payment.family_id)
        .join(Regie, Regie.id == Payment.regie_id)
        .outerjoin(DepositSlip, DepositSlip.id == Payment.deposit_slip_id)
    )
    if regie_code:
        stmt = stmt.where(Payment.regie_id == get_regie(session, regie_code).id)
    if family_ref:
        stmt = stmt.where(Payment.family_id == get_family(session, family_ref).id)
    if start:
        stmt = stmt.where(Payment.received_on >= start)
    if end:
        stmt = stmt.where(Payment.received_on <= end)
    if state:
        stmt = stmt.where(Payment.state == state)
    rows = session.execute(stmt.order_by(Payment.received_on, Payment.id)).all()
    allocs: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    ids = [p.id for p, *_ in rows]
    for i in range(0, len(ids), 900):
        for payment_id, number, amount in session.execute(
            select(PaymentAllocation.payment_id, Invoice.number, PaymentAllocation.amount)
            .join(Invoice, Invoice.id == PaymentAllocation.invoice_id)
            .where(PaymentAllocation.payment_id.in_(ids[i : i + 900]))
            .order_by(Invoice.seq)
        ):
            allocs[payment_id].append((number, amount))
    return [
        PaymentRow(
            p.id,
            p.received_on,
            family,
            p.payer_name,
            regie,
            p.mode,
            p.amount,
            p.state,
            p.reference,
            p.bank,
            allocs[p.id],
            slip or "",
        )
        for p, family, regie, slip in rows
    ]


def families_of(session: Session, family_ids) -> dict[int, str]:
    return dict(
        session.execute(select(Family.id, Family.code).where(Family.id.in_(family_ids))).all()
    )
