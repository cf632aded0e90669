"""What every domain builds on: who is acting (:mod:`.actors`), the audit trail
(:mod:`.audit`), the portal outbox (:mod:`.outbox`), field checks with French
messages (:mod:`.validation`) and French postcodes (:mod:`.postcodes`).

The floor of the services: nothing here imports a domain package (import-linter).
"""
