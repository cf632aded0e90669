"""Fixtures of the sync tests: the real portal (``tests/portal_api/portal_testkit.py``,
imported by path) and a back-office database, with helpers to act as an agent and
as a parent."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_KIT = Path(__file__).resolve().parent.parent / "portal_api" / "portal_testkit.py"
if "portal_testkit" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("portal_testkit", _KIT)
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["portal_testkit"] = _module
    _spec.loader.exec_module(_module)

from portal_testkit import portal, smtp_sink  # noqa: E402,F401
from sync_helpers import make_client  # noqa: E402


@pytest.fixture
def client(portal):  # noqa: F811 - the fixture imported above
    with make_client(portal) as c:
        yield c


@pytest.fixture
def agent(db):
    from backoffice.models import Role, StaffUser
    from backoffice.services.common.actors import current_actor

    with db.session() as s:
        s.add(StaffUser(login="mhuet", full_name="Mélanie Huet", role=Role.DIRECTOR))
    with db.session() as s:
        return current_actor(s, "mhuet")
