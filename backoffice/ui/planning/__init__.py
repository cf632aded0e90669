"""« Planning » : a child's week at the desk and the occupancy of a site."""

from backoffice.ui.planning.area import PlanningArea

__all__ = ["PlanningArea"]
