"""Bodies of §7: invoices pushed by the back-office, payment windows, online payments."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from portal.schemas import NO_NUL, In, Out, Ref, Text60, Text120, Text160, Text2000

Cents = Annotated[int, Field(ge=-(10**9), le=10**9, description="Montant en centimes.")]
PositiveCents = Annotated[int, Field(ge=0, le=10**9, description="Montant en centimes.")]
Label = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=NO_NUL)
]
InvoiceStateName = Literal["issued", "partially_paid", "paid", "sent_to_tresor", "cancelled"]
SettlementMode = Literal[
    "cheque", "especes", "carte", "ancv", "cesu", "virement", "tresor", "en_ligne", "autre"
]


# --- back-office pushes ---------------------------------------------------------------


class InvoiceLineIn(In):
    label: Label
    start: date | None = None
    end: date | None = None
    quantity: float = Field(default=1, ge=0, le=100_000)
    unit_price_cents: Cents = 0
    amount_cents: Cents


class InvoiceChildIn(In):
    """The lines of one child (``child_ref`` null for lines of the whole family)."""

    child_ref: Ref | None = None
    child_name: Text160 = ""
    lines: list[InvoiceLineIn] = Field(min_length=1, max_length=200)


class SettlementIn(In):
    """A payment the back-office allocated to this invoice (desk, Trésor, online…)."""

    ref: Ref
    date: date
    mode: SettlementMode
    label: Text120 = ""
    amount_cents: Annotated[int, Field(ge=1, le=10**9)]
    portal_payment_ref: Ref | None = Field(
        default=None,
        description="N° du paiement en ligne du portail (PAY-…) que ce règlement enregistre.",
    )


class InvoicePush(In):
    """An invoice as the back-office issued it. Once pushed, its content (family, régie,
    dates, lines, total, QF) never changes; state, settlements, due date, instructions
    and « payable en ligne » may."""

    regie: Ref
    regie_label: Label
    family_ref: Ref
    issue_date: date
    period_start: date | None = None
    period_end: date | None = None
    due_date: date | None = None
    total_cents: PositiveCents
    state: InvoiceStateName = "issued"
    children: list[InvoiceChildIn] = Field(min_length=1, max_length=20)
    qf_bracket: Text60 = ""
    payment_instructions: Text2000 = ""
    payable_online: bool = False
    settlements: list[SettlementIn] = Field(default_factory=list, max_length=100)
    credit_note: Ref | None = Field(
        default=None, description="N° de l'avoir qui annule la facture (état `cancelled`)."
    )


class PdfInfo(Out):
    sha256: str
    size: int


class InvoicePushResult(Out):
    number: str
    created: bool
    changed: bool
    state: str
    balance_cents: int
    pdf: PdfInfo | None


class PaymentWindowIn(In):
    regie: Ref
    start: date
    end: date
    label: Text120 = ""


class PaymentWindows(In):
    """Every payment window (the ones left out are removed)."""

    windows: list[PaymentWindowIn] = Field(max_length=500)


class PaymentWindowsResult(Out):
    count: int


# --- parents ----------------------------------------------------------------------------


class InvoiceLineOut(Out):
    label: str
    start: date | None
    end: date | None
    quantity: float
    unit_price_cents: int
    amount_cents: int


class InvoiceChildOut(Out):
    child_ref: str | None
    child_name: str
    lines: list[InvoiceLineOut]
    total_cents: int


class InvoiceSummary(Out):
    number: str
    regie: str
    regie_label: str
    issue_date: date
    period_start: date | None
    period_end: date | None
    due_date: date | None
    total_cents: int
    paid_cents: int
    balance_cents: int
    state: InvoiceStateName
    state_label: str
    payable_online: bool
    payable_now: bool = Field(description="Payable en ligne maintenant (période ouverte, solde).")
    payment_pending: bool = Field(description="Un paiement en ligne attend la banque.")
    has_pdf: bool


class SettlementOut(Out):
    ref: str
    date: date
    mode: str
    mode_label: str
    amount_cents: int


class InvoiceDetail(InvoiceSummary):
    children: list[InvoiceChildOut]
    qf_bracket: str
    payment_instructions: str
    credit_note: str
    settlements: list[SettlementOut]


class WindowOut(Out):
    start: date
    end: date
    label: str


class RegieInvoices(Out):
    regie: str
    regie_label: str
    online_payment_open: bool
    payment_window: WindowOut | None = Field(
        description="La période de paiement en ligne ouverte, sinon la prochaine."
    )
    invoices: list[InvoiceSummary]
    balance_cents: int


class InvoicesOut(Out):
    regies: list[RegieInvoices]
    balance_cents: int = Field(description="Solde de la famille, toutes régies.")


class PaymentRequest(In):
    invoices: list[Ref] = Field(min_length=1, max_length=20, description="N° des factures.")


class AllocationOut(Out):
    number: str
    amount_cents: int


class PaymentOut(Out):
    ref: str
    kind: Literal["online", "settlement"]
    date: date
    regie: str
    amount_cents: int
    state: Literal["pending", "validated", "refused"]
    state_label: str
    mode_label: str
    invoices: list[AllocationOut]
    result: str | None = None
    result_label: str = ""
    created_at: datetime | None = None
    expires_at: datetime | None = None


class PaymentStarted(Out):
    payment: PaymentOut
    redirect_url: str = Field(description="Page de paiement où envoyer le navigateur.")
    expires_at: datetime
