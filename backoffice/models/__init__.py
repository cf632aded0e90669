"""SQLAlchemy ORM classes only: no Qt, no I/O beyond the database."""

from .base import Base, Money, ScaledDecimal, UTCDateTime, utcnow
from .billing import *  # noqa: F403
from .bookings import *  # noqa: F403
from .catalogue import *  # noqa: F403
from .families import *  # noqa: F403
from .system import *  # noqa: F403

__all__ = ["Base", "Money", "ScaledDecimal", "UTCDateTime", "utcnow"]
