"""« Planning » : a child's week at the desk and the occupancy of a site."""

from .area import PlanningArea

__all__ = ["PlanningArea"]
