"""The version handshake of the back-office's sync: the exchange's (API) version both
sides speak, and the latest back-office version the portal announces to agents.

The back-office calls ``GET /staff/version`` first in every sync round (sending
``X-Api-Version`` and ``X-Backoffice-Version``) and stops before pulling or pushing
anything when the API versions differ. Bump :data:`STAFF_API_VERSION` with any
change of the staff routes an older back-office would misread.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Header, Response

from portal.deps import ServicesDep, StaffDep
from portal.errors import responses
from portal.schemas import Out

log = logging.getLogger(__name__)

STAFF_API_VERSION = 1

router = APIRouter(prefix="/staff", tags=["back-office"], responses=responses(401))


class StaffVersion(Out):
    api_version: int
    latest_backoffice_version: str | None = None


@router.get(
    "/version",
    response_model=StaffVersion,
    summary="Version de l'échange et dernière version du back-office",
)
def staff_version(
    response: Response,
    svc: ServicesDep,
    _staff: StaffDep,
    x_api_version: Annotated[str | None, Header()] = None,
    x_backoffice_version: Annotated[str | None, Header()] = None,
) -> StaffVersion:
    if x_api_version and x_api_version != str(STAFF_API_VERSION):
        # Information, not a warning: the back-office is the side that stops its round
        # (and the headers are the client's, so they are logged cut and quoted).
        log.info(
            "Back-office %s : échange v%s, le portail parle v%s",
            _printable(x_backoffice_version or "?", 40),
            _printable(x_api_version, 20),
            STAFF_API_VERSION,
        )
    response.headers["X-Api-Version"] = str(STAFF_API_VERSION)
    latest = svc.settings.latest_backoffice_version or None
    return StaffVersion(api_version=STAFF_API_VERSION, latest_backoffice_version=latest)


def _printable(value: str, limit: int) -> str:
    """A client's header as it may go in a log line: printable characters, cut."""
    return "".join(c for c in value if c.isprintable())[:limit]
