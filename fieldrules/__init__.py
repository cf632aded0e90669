"""One set of field rules for the portal and the back-office.

Pure functions over raw values — names, dates, postcodes, phones, e-mails, what a
child's file must hold — that return the normalised value or raise
:class:`~fieldrules.errors.RuleError` with a French message naming the field. Standard
library only, no I/O: the portal (``portal/validation.py``) and the back-office
(``backoffice/services/common/validation.py``, the child file's services and the sync
cleaners) call the same rules, so what the portal accepts the back-office accepts too.
Neither ``portal`` nor ``backoffice`` is imported here (an import-linter contract).
"""
