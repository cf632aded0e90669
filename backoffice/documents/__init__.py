"""Documents rendered with reportlab (invoices, lists of children expected…). No Qt."""
