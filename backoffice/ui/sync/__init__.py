"""« Synchronisation » area, its controller (rounds in the background, on a
timer) and the status-bar indicator."""

from .area import SyncArea
from .controller import SyncController
from .indicator import SyncIndicator

__all__ = ["SyncArea", "SyncController", "SyncIndicator"]
