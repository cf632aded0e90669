"""The portal's own tables (SQLAlchemy 2). Never shared with the back-office.

Secrets are never stored in clear: passwords are argon2 hashes, tokens and
e-mailed links are stored as SHA-256 hashes of long random values. One module per
domain on one declarative base (:mod:`portal.models.base`); every table and type
is imported from here, which registers them all on ``Base.metadata``.
"""

from portal.models.access import (
    AccessToken,
    KnownAddress,
    LinkPurpose,
    PortalSecret,
    SingleUseLink,
    StaffToken,
    ThrottleCounter,
)
from portal.models.base import Base, utcnow
from portal.models.billing import (
    Invoice,
    InvoicePdf,
    InvoiceState,
    Payment,
    PaymentAllocation,
    PaymentState,
    PaymentWindow,
)
from portal.models.bookings import (
    Booking,
    BookingLine,
    BookingState,
    BookingSubmission,
    CatalogueDocument,
    DraftItem,
    PlaceCount,
    Registration,
    RegistrationState,
)
from portal.models.documents import PublicDocument
from portal.models.families import (
    AccountState,
    Child,
    ConsentDefinition,
    Family,
    Guardian,
    ParentAccount,
)
from portal.models.sync import Change, FeedCounter, IdempotencyRecord

__all__ = [
    "Invoice",
    "InvoicePdf",
    "InvoiceState",
    "Payment",
    "PaymentAllocation",
    "PaymentState",
    "PaymentWindow",
    "AccessToken",
    "AccountState",
    "Base",
    "Booking",
    "BookingLine",
    "BookingState",
    "BookingSubmission",
    "CatalogueDocument",
    "Change",
    "Child",
    "ConsentDefinition",
    "DraftItem",
    "Family",
    "FeedCounter",
    "Guardian",
    "IdempotencyRecord",
    "LinkPurpose",
    "KnownAddress",
    "ParentAccount",
    "PlaceCount",
    "PortalSecret",
    "PublicDocument",
    "Registration",
    "RegistrationState",
    "SingleUseLink",
    "StaffToken",
    "ThrottleCounter",
    "utcnow",
]
