"""« Pointage » : attendance for a site and a day."""

from backoffice.ui.attendance.area import AttendanceArea

__all__ = ["AttendanceArea"]
