"""The domain's actions, without Qt: one subpackage per domain, shared by GUI and CLI.

- :mod:`.common` — who acts, the audit trail, the portal outbox, field checks, postcodes
- :mod:`.families` — family accounts, their information, history, CSV, personal data
- :mod:`.child_file` — the child's file: information, medical record, contacts, consents
- :mod:`.catalogue` — sites, activities, periods, units, rules: the TOML file in and out
- :mod:`.requests` — the parents' requests: the desk's queue, decisions, undo, automatic processing
- :mod:`.bookings` — a child's week at the desk, occupancy, attendance
- :mod:`.billing` — tariffs, invoices, credit notes, payments (the model package)
- :mod:`.database` — opening the database with the domain's flush listeners

Every agent action is one function taking ``(session, actor, …)``; expected problems
raise a :class:`backoffice.errors.UserError` with a French message.
"""
