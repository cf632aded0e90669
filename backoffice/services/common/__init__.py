"""What every domain builds on: who is acting (:mod:`.actors`), the audit trail
(:mod:`.audit`), the portal outbox (:mod:`.outbox`), field checks with French
messages (:mod:`.validation`), French postcodes (:mod:`.postcodes`) and files written
atomically, a French message when the disk refuses (:mod:`.files`).

The floor of the services: nothing here imports a domain package (import-linter).
"""
