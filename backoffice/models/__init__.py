"""SQLAlchemy ORM classes only: no Qt, no I/O beyond the database."""

from backoffice.models.base import Base, Money, ScaledDecimal, UTCDateTime, utcnow
from backoffice.models.billing import *  # noqa: F403
from backoffice.models.bookings import *  # noqa: F403
from backoffice.models.catalogue import *  # noqa: F403
from backoffice.models.collection import *  # noqa: F403
from backoffice.models.families import *  # noqa: F403
from backoffice.models.reminders import *  # noqa: F403
from backoffice.models.system import *  # noqa: F403

__all__ = ["Base", "Money", "ScaledDecimal", "UTCDateTime", "utcnow"]
