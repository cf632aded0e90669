"""« Planning » : a child's week at the desk and the occupancy of a site.

The area is imported when first asked for (PEP 562), so a module of this package used
elsewhere (the family card's tables and icons) does not load the whole area at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backoffice.ui.planning.area import PlanningArea

__all__ = ["PlanningArea"]


def __getattr__(name: str):
    if name == "PlanningArea":
        from backoffice.ui.planning.area import PlanningArea

        return PlanningArea
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
