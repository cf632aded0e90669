"""Billing, guide §7: invoices, payment windows and online payments.

* The back-office pushes invoices (content fixed once issued; state and settlements
  move), their PDF and the payment windows of each régie.
* Parents see their invoices per régie with state and balance, the detail, the PDF,
  their payments; they pay ALSH invoices online during an open window.
* Results come back from the provider; each changes the payment once (notifications
  are idempotent) and is appended to the feed as ``payment.updated``.
"""
