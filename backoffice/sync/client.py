"""The portal's HTTP client: one ``requests.Session``, timeouts, retries, TLS, the token.

- Every call has a timeout (connect, read).
- Retries with exponential backoff (urllib3 ``Retry``) on connection errors and
  502/503/504 — for GET and PUT, and for POST only because every POST of this
  client carries an ``Idempotency-Key`` (it refuses to send one without): the
  portal answers a replayed key with the first answer, so a retry never does
  the work twice.
- TLS verification is always on; a custom CA bundle may be set (own PKI).
  Plain ``http://`` is accepted only towards this computer (tests, demo).
- The staff token is sent in the ``Authorization`` header and nowhere else:
  it is never logged nor written to a file (see :mod:`.credentials`).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from backoffice import __version__
from backoffice.errors import UserError

DEFAULT_TIMEOUT = (5.0, 30.0)  # seconds: connect, read
# The version of the staff exchange this back-office speaks (portal/routes/staff_version.py
# holds the portal's); compared at the start of every round (backoffice.sync.versions).
API_VERSION = 1
RETRIED_METHODS = frozenset({"GET", "PUT", "POST"})
RETRIED_STATUSES = (502, 503, 504)


class PortalError(UserError):
    """The portal could not be used for this round (French message for the agent)."""


class PortalUnreachable(PortalError):
    """Network down, timeout, TLS refused, portal stopped: try again later."""


class PortalAuthError(PortalError):
    """The staff token was refused (401/403)."""


def check_portal_url(url: str) -> str:
    """The normalised base URL (no trailing slash); :class:`PortalError` when unusable."""
    url = (url or "").strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise PortalError(
            f"Adresse du portail invalide : « {url} ». Exemple : https://portail.exemple.fr"
        )
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise PortalError(
            "Le portail doit être joint en https:// (connexion chiffrée et vérifiée) ; "
            "http:// n'est accepté que vers cet ordinateur (127.0.0.1, localhost)."
        )
    return url


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class PortalResponse:
    status: int
    body: Any
    replayed: bool = False

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class PortalClient:
    """Calls to the portal's staff API; use as a context manager or call :meth:`close`."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        ca_bundle: str | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        retries: int = 3,
        backoff: float = 0.5,
    ):
        self.base_url = check_portal_url(base_url)
        self.timeout = timeout
        self.session = requests.Session()
        self.session.verify = ca_bundle or True
        self.session.trust_env = False  # no proxy or CA taken silently from the environment
        self.session.headers.update(
            {
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
                "User-Agent": f"portail-famille-backoffice/{__version__}",
                "X-Backoffice-Version": __version__,
                "X-Api-Version": str(API_VERSION),
            }
        )
        retry = Retry(
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            backoff_factor=backoff,
            backoff_max=30,
            status_forcelist=RETRIED_STATUSES,
            allowed_methods=RETRIED_METHODS,
            raise_on_status=False,
            respect_retry_after_header=True,
        )
        adapter = HTTPAdapter(max_retries=retry, pool_connections=2, pool_maxsize=4)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)

    # -- plumbing ---------------------------------------------------------------

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> PortalClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict | None = None,
        idempotency_key: str | None = None,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> PortalResponse:
        """One call; network problems raise :class:`PortalUnreachable`, a refused token
        :class:`PortalAuthError`; any other status is returned to the caller.

        ``data`` sends raw bytes (the invoice PDF) with the ``headers`` given
        (``Content-Type``…) instead of a JSON body."""
        method = method.upper()
        headers = dict(headers or {})
        if method != "GET":
            if not idempotency_key:
                # Writes are retried: without a key a retry could do the work twice.
                raise ValueError(f"{method} {path} sans Idempotency-Key")
            headers["Idempotency-Key"] = idempotency_key
        try:
            response = self.session.request(
                method,
                self.base_url + path,
                json=json,
                data=data,
                params=params,
                headers=headers,
                timeout=self.timeout,
            )
        except requests.exceptions.SSLError as exc:
            raise PortalUnreachable(
                "Le certificat TLS du portail n'a pas pu être vérifié : connexion refusée. "
                "Vérifiez l'adresse du portail ou le fichier d'autorités (CA) configuré."
            ) from exc
        except requests.exceptions.Timeout as exc:
            raise PortalUnreachable(
                "Le portail ne répond pas (délai dépassé) : la synchronisation reprendra "
                "au prochain essai."
            ) from exc
        except requests.exceptions.RequestException as exc:
            raise PortalUnreachable(
                f"Le portail est injoignable ({urlsplit(self.base_url).netloc}) : "
                "vérifiez la connexion ; la synchronisation reprendra au prochain essai."
            ) from exc
        if response.status_code in (401, 403):
            raise PortalAuthError(
                "Le portail refuse le jeton du back-office. Enregistrez un jeton valide dans "
                "« Paramètres › Portail et synchronisation » (ou en ligne de commande : "
                "backoffice-cli sync configure --portal URL)."
            )
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = None
        return PortalResponse(
            status=response.status_code,
            body=body,
            replayed=response.headers.get("Idempotent-Replayed") == "true",
        )

    @staticmethod
    def detail(response: PortalResponse) -> str:
        """The portal's French message (``detail`` and field errors), or a generic one."""
        body = response.body
        if isinstance(body, dict) and isinstance(body.get("detail"), str):
            parts = [body["detail"]]
            for err in body.get("errors") or []:
                if isinstance(err, dict) and err.get("message") and err["message"] not in parts:
                    parts.append(str(err["message"]))
            return " ".join(parts)
        return f"Réponse inattendue du portail (HTTP {response.status})."

    # -- the calls the sync makes ----------------------------------------------------

    def get_version(self) -> dict:
        """The portal's ``{"api_version", "latest_backoffice_version"}``; a portal older
        than the handshake (404) speaks version 1 and announces nothing."""
        response = self.request("GET", "/staff/version")
        if response.status == 404:
            return {"api_version": 1, "latest_backoffice_version": None}
        if response.status != 200 or not isinstance(response.body, dict):
            if response.status >= 500 or response.status == 429:
                raise PortalUnreachable(
                    f"Le portail est momentanément indisponible (HTTP {response.status}) : "
                    "la synchronisation reprendra au prochain essai."
                )
            raise PortalError(f"Version du portail illisible : {self.detail(response)}")
        return response.body

    def get_changes(self, after: int, limit: int) -> dict:
        """One page of the change feed: ``{"changes": [...], "last_seq", "has_more"}``."""
        response = self.request("GET", "/staff/changes", params={"after": after, "limit": limit})
        if response.status != 200 or not isinstance(response.body, dict):
            if response.status >= 500 or response.status == 429:
                raise PortalUnreachable(
                    f"Le portail est momentanément indisponible (HTTP {response.status}) : "
                    "la synchronisation reprendra au prochain essai."
                )
            raise PortalError(f"Lecture des changements refusée : {self.detail(response)}")
        return response.body
