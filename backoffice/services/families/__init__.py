"""Families: opening an account from a mailed form and its portal account's life
(:mod:`.accounts`), searching and reading them (:mod:`.queries`), keeping their
information up to date (:mod:`.edit`), their history in words (:mod:`.history`),
CSV import and export (:mod:`.csv_files`) and data protection (:mod:`.personal_data`).
"""
