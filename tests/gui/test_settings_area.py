"""The « Paramètres » area: built on first use, its pages built when first chosen."""

from __future__ import annotations

from backoffice.models import Role
from backoffice.ui.settings.pages import PAGES

from .conftest import add_agent


def test_settings_area_lists_its_pages(desk_window, sqlite_db):
    window = desk_window(sqlite_db, add_agent(sqlite_db, "admin", "Admin", Role.ADMIN))
    assert not window.is_built("settings")
    labels = [window.navigation.item(row).text() for row in range(window.navigation.count())]
    assert labels[-1] == "Paramètres"
    area = window.settings
    assert window.is_built("settings")
    assert area.list.count() == len([p for p in PAGES if not p.roles or "admin" in p.roles])
