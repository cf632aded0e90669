"""« Pointage » : attendance for a site and a day."""

from .area import AttendanceArea

__all__ = ["AttendanceArea"]
