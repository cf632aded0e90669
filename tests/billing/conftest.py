"""Fixtures of the billing tests: the hand-made world on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from billing_world import build


@pytest.fixture
def world(db):
    import backoffice.services.billing  # noqa: F401  (installs the guards)

    with db.session() as session:
        w = build(session)
    return w
