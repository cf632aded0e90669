"""Payments at the desk: recording them and allocating them to the family's invoices.

- **Desk payments** (:func:`record_payment`) by mode: chèque (bank and number
  required), espèces, carte bancaire, chèques-vacances ANCV, CESU, virement.
  They are allocated to the family's open invoices of the régie, **oldest
  first** by default (issue date, then number), or as the agent says; a
  partial payment leaves the invoice partially paid; what exceeds the open
  invoices stays on the payment, unallocated: it is the **family's credit**,
  used later by :func:`apply_family_credit`. An allocation given explicitly must
  allocate something while the family owes invoices of the régie (an empty one is
  refused: the agent forgot to allocate, the money would silently become credit).
- **CESU** pay only the care of children **under 6** (multi-accueil,
  périscolaire of maternelle children): refused by a régie without such
  activities, and capped at the invoice lines of children under 6 on the day.

Online payments are in :mod:`.online_payments`, the Trésor public in
:mod:`.tresor`, balances and lists in :mod:`.balances`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.dates import paris_today
from backoffice.models import (
    PAYMENT_MODE_LABELS,
    Activity,
    ActivityKind,
    Child,
    Invoice,
    InvoiceLine,
    InvoiceState,
    Payment,
    PaymentAllocation,
    PaymentMode,
    PaymentState,
    Regie,
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
    regie_id_of,
)
from backoffice.services.billing.ledger import figures, payment_leftovers, refresh_states
from backoffice.services.billing.publish import republish
from backoffice.services.common.actors import Actor
from backoffice.services.common.permissions import Permission, require

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
    assert regie is not None  # a payment's régie: a non-null foreign key
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


def republish_touched(session: Session, allocations: list[Allocated]) -> None:
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
    """A payment at the desk, allocated (explicitly or oldest first); the rest is credit.

    ``allocations``: None allocates oldest first; a mapping (invoice number → amount)
    is the agent's own, and must not be empty while invoices of the régie are open
    (CESU excepted: allocated oldest first within what CESU may pay)."""
    require(
        session, actor, Permission.PAYMENTS, "enregistrer un paiement",
        regie_id_of(session, regie_code),
    )  # fmt: skip
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
    if allocations is not None and not any(part > 0 for part in allocations.values()):
        if mode is not PaymentMode.CESU and open_invoices(session, family.id, regie.id):
            raise BillingError(
                "Affectez le règlement à au moins une facture restant à payer (sinon le "
                "montant entier irait en avoir pour la famille)."
            )
        allocations = None
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
    republish_touched(session, done)
    return PaymentReport(payment, done, left)


@atomic
def apply_family_credit(
    session: Session, family_ref: str, regie_code: str, *, actor: Actor | None = None
) -> list[Allocated]:
    """Use the family's credit (unallocated payments) on its open invoices, oldest first."""
    require(
        session, actor, Permission.PAYMENTS, "utiliser l'avoir d'une famille",
        regie_id_of(session, regie_code),
    )  # fmt: skip
    family = get_family(session, family_ref)
    regie = get_regie(session, regie_code)
    done: list[Allocated] = []
    for payment, left in payment_leftovers(session, family.id, regie.id):
        session.flush()
        done += _allocate(session, payment, left, None)
    session.flush()
    republish_touched(session, done)
    return done
