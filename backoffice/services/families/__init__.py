"""Families: opening an account from a mailed form and its portal account's life
(:mod:`.accounts`), searching and reading them (:mod:`.queries`), keeping their
information up to date (:mod:`.edit` for the family's own fields, :mod:`.guardians`,
:mod:`.quotients` for the QF history, :mod:`.family_form` for the edit form saved at
once), their history in words (:mod:`.history`), CSV import and export
(:mod:`.csv_format`, :mod:`.csv_checks`, :mod:`.csv_import`, :mod:`.csv_export`) and
data protection (:mod:`.personal_data_export` for access requests, :mod:`.anonymisation`
of inactive families, with :mod:`.inactivity` saying which ones).
"""
