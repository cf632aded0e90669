"""« Paramètres »: the collectivity's settings, the year's catalogue, the staff.

The area is imported when first asked for (PEP 562), like the other areas, and each of
its pages (``pages.PAGES``) is built when first chosen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backoffice.ui.settings.area import SettingsArea

__all__ = ["SettingsArea"]


def __getattr__(name: str):
    if name == "SettingsArea":
        from backoffice.ui.settings.area import SettingsArea

        return SettingsArea
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
