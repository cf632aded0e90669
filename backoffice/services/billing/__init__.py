"""Billing per régie: tariffs, invoice runs, credit notes, closing, payments.

Split by domain (no Qt here; the GUI and the CLI call these):

- :mod:`.tariffs` — price of a unit for a child on a day (QF bracket, rank, hours)
- :mod:`.lines` — what is billed (bookings / attendance / hours) and anomalies
- :mod:`.runs` — preview and issue of an invoice run (one transaction)
- :mod:`.numbering` — gap-free numbers per régie, kind and year
- :mod:`.credit_notes` — avoirs cancelling or correcting an invoice
- :mod:`.periods` — closing a period; :mod:`.guards` — what may never change
- :mod:`.payments` — desk payments and their allocation (CESU rules, family credit)
- :mod:`.online_payments` — online payment results from the portal
- :mod:`.tresor` — invoices handed to the Trésor public
- :mod:`.balances` — family balances, unpaid invoices, the payments list
- :mod:`.slips` — cheque deposit slips (data; the PDF is in ``documents``),
  :mod:`.slip_pdfs` — a slip's PDF written to disk
- :mod:`.ledger` — balances and states; :mod:`.publish` — outbox payloads
- :mod:`.export` — CSV export of invoices; :mod:`.queries` — what the billing screens read
- :mod:`.invoice_pdfs` — a run's PDFs (written, e-mailed by :mod:`.mail`, queued for the portal)
- :mod:`.tariff_edit`, :mod:`.tariff_grid`, :mod:`.tariff_input` — the Tarifs screen's data

Importing this package installs the ORM guards (:func:`guards.install`).
"""

import importlib
from typing import TYPE_CHECKING

from backoffice.services.billing import guards

if TYPE_CHECKING:
    from backoffice.services.billing.balances import family_balance, list_payments, unpaid_invoices
    from backoffice.services.billing.common import BillingError, parse_amount, parse_period
    from backoffice.services.billing.credit_notes import issue_credit_note, parse_line_spec
    from backoffice.services.billing.lines import Anomaly, AnomalyKind, compute_draft, decide
    from backoffice.services.billing.online_payments import record_online_payment_result
    from backoffice.services.billing.payments import apply_family_credit, record_payment
    from backoffice.services.billing.periods import close_period
    from backoffice.services.billing.runs import IssueReport, RunPreview, issue_run, preview_run
    from backoffice.services.billing.slips import (
        cheques_to_deposit,
        create_deposit_slip,
        deposit_slip_data,
    )
    from backoffice.services.billing.tariffs import TariffBook, billed_hours, price_for
    from backoffice.services.billing.tresor import mark_sent_to_tresor

# The names above, imported on first use (PEP 562): importing the package (the ORM
# guards, from services.database at every start) does not load every billing module.
_EXPORTS = {
    "family_balance": "balances",
    "list_payments": "balances",
    "unpaid_invoices": "balances",
    "BillingError": "common",
    "parse_amount": "common",
    "parse_period": "common",
    "issue_credit_note": "credit_notes",
    "parse_line_spec": "credit_notes",
    "Anomaly": "lines",
    "AnomalyKind": "lines",
    "compute_draft": "lines",
    "decide": "lines",
    "record_online_payment_result": "online_payments",
    "apply_family_credit": "payments",
    "record_payment": "payments",
    "close_period": "periods",
    "IssueReport": "runs",
    "RunPreview": "runs",
    "issue_run": "runs",
    "preview_run": "runs",
    "cheques_to_deposit": "slips",
    "create_deposit_slip": "slips",
    "deposit_slip_data": "slips",
    "TariffBook": "tariffs",
    "billed_hours": "tariffs",
    "price_for": "tariffs",
    "mark_sent_to_tresor": "tresor",
}


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


guards.install()

__all__ = [
    "Anomaly",
    "AnomalyKind",
    "BillingError",
    "IssueReport",
    "RunPreview",
    "TariffBook",
    "apply_family_credit",
    "billed_hours",
    "cheques_to_deposit",
    "close_period",
    "compute_draft",
    "create_deposit_slip",
    "decide",
    "deposit_slip_data",
    "family_balance",
    "issue_credit_note",
    "issue_run",
    "list_payments",
    "mark_sent_to_tresor",
    "parse_amount",
    "parse_line_spec",
    "parse_period",
    "preview_run",
    "price_for",
    "record_online_payment_result",
    "record_payment",
    "unpaid_invoices",
]
