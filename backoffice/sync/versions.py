"""Version agreement with the portal, checked before a round pulls or pushes anything.

Both sides speak a numbered version of the staff exchange (the back-office's
:data:`backoffice.sync.client.API_VERSION`, the portal's ``GET /staff/version``). When
they differ the round stops with a French message saying which side to upgrade. The
portal may also announce the latest back-office version: agents then read « Une
nouvelle version est disponible (x.y.z) ».
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from backoffice import __version__
from backoffice.sync.client import API_VERSION, PortalClient, PortalError


class VersionMismatch(PortalError):
    """The two sides speak different versions of the exchange (French message)."""


@dataclass(frozen=True)
class Agreement:
    portal_api_version: int
    newer_backoffice: str | None  # the version announced by the portal, when newer than ours

    @property
    def notice(self) -> str:
        if not self.newer_backoffice:
            return ""
        return f"Une nouvelle version est disponible ({self.newer_backoffice})."


def _numbers(version: str) -> tuple[int, ...] | None:
    if not re.fullmatch(r"\d+(\.\d+){0,3}", version):
        return None
    numbers = [int(n) for n in version.split(".")]
    return tuple(numbers + [0] * (4 - len(numbers)))


def newer_than_ours(announced: object, ours: str = __version__) -> str | None:
    """``announced`` when it is a version newer than ``ours``; None otherwise."""
    if not isinstance(announced, str):
        return None
    theirs, mine = _numbers(announced), _numbers(ours)
    return announced if theirs and mine and theirs > mine else None


def check(body: dict, ours: int | None = None) -> Agreement:
    """The agreement from the portal's answer; :class:`VersionMismatch` when the
    exchange versions differ (nothing has been pulled or pushed yet)."""
    ours = API_VERSION if ours is None else ours
    theirs = body.get("api_version")
    if not isinstance(theirs, int):
        raise PortalError("Le portail n'a pas donné la version de l'échange.")
    if theirs > ours:
        raise VersionMismatch(
            f"Le portail utilise une version plus récente de l'échange (v{theirs}) : mettez à "
            f"jour le back-office (il parle v{ours}). Rien n'a été reçu ni envoyé."
        )
    if theirs < ours:
        raise VersionMismatch(
            f"Le back-office utilise une version plus récente de l'échange (v{ours}) que le "
            f"portail (v{theirs}) : faites mettre à jour le portail. Rien n'a été reçu ni envoyé."
        )
    return Agreement(theirs, newer_than_ours(body.get("latest_backoffice_version")))


def agree(client: PortalClient) -> Agreement:
    return check(client.get_version())
