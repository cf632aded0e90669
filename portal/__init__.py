"""The small hosted parent-portal API (FastAPI + SQLAlchemy).

It never imports ``backoffice``: the two share only the HTTP contract
(``portal/openapi.json``).
"""

__version__ = "0.1.0"
