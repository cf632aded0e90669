"""« Synchronisation » area, its controller (rounds in the background, on a
timer) and the status-bar indicator."""

from backoffice.ui.sync.area import SyncArea
from backoffice.ui.sync.controller import SyncController
from backoffice.ui.sync.indicator import SyncIndicator

__all__ = ["SyncArea", "SyncController", "SyncIndicator"]
