"""Portal settings, read from ``PORTAL_*`` environment variables.

Every field ``name`` is read from ``PORTAL_NAME`` (upper case), e.g.
``PORTAL_DATABASE_URL``, ``PORTAL_SMTP_HOST``. Values are validated by pydantic;
a bad value stops the start-up with a message naming the variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    model_validator,
)
from sqlalchemy import make_url

from portal.payfip import PAYFIP_PAGE_URL, PAYFIP_WS_URL

ENV_PREFIX = "PORTAL_"


class SettingsError(ValueError):
    """A setting is invalid; the message names the environment variable (French)."""


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # Storage: SQLite file in the data dir unless a URL is given.
    database_url: str = ""
    data_dir: Path | None = None

    # Base of the links e-mailed to parents (the parents' web pages).
    public_base_url: str = "http://127.0.0.1:8085"

    # The collectivity shown on the parents' pages (header, footer, legal pages): name,
    # postal address, contact e-mail and phone, logo (URL or path on this site), the data
    # protection officer's contact, and the date of the accessibility self-assessment.
    collectivity_name: str = "Communauté de communes Sud Sarthe"
    collectivity_address: str = "Pôle intercommunal, allée de l'ancienne gare, 72800 Le Lude"
    collectivity_email: str = "portailfamilles@example.fr"
    collectivity_phone: str = "02 43 00 00 00"
    collectivity_logo_url: str = "/static/logo.svg"
    dpo_email: str = "dpo@example.fr"
    accessibility_audit_date: str = "décembre 2026"

    # Outgoing mail.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_sender: str = "Portail Famille <portail-famille@localhost>"
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)

    # Lifetimes.
    # A parent session lasts this long without activity (sliding), and at most
    # session_max_hours after the login.
    access_token_minutes: int = Field(default=30, ge=1)
    session_max_hours: int = Field(default=12, ge=1)
    activation_link_hours: int = Field(default=72, ge=1)
    password_reset_link_minutes: int = Field(default=60, ge=1)
    email_change_link_hours: int = Field(default=24, ge=1)

    # Password checks (login, /me/password, /me/login-email): progressive delays, never a
    # lock (``portal.throttle``). Per account: this many failures are free, then each
    # further one makes the next try wait, first login_first_delay_seconds, doubling up
    # to login_max_delay_minutes. Per client address (all identifiers together):
    # address_max_failures free, then the same delays. Failures are forgotten
    # login_forget_minutes after the last one. From an address where the account
    # already signed in successfully (kept known_address_days), only that address's own
    # failures on that account count.
    login_max_failures: int = Field(default=5, ge=1)
    address_max_failures: int = Field(default=10, ge=1)
    login_first_delay_seconds: int = Field(default=15, ge=1)
    login_max_delay_minutes: int = Field(default=15, ge=1)
    login_forget_minutes: int = Field(default=60, ge=1)
    known_address_days: int = Field(default=180, ge=1)
    # Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or
    # networks, comma-separated; "*": any). Empty: the TCP peer is the client.
    trusted_proxies: str = "127.0.0.1,::1"

    # HTTP protection (``portal.protection``): Strict-Transport-Security max-age when the
    # portal is served over HTTPS (0: no header); OpenAPI pages (/docs, /redoc,
    # /openapi.json) served or not; largest request body in bytes (413 beyond), for the
    # back-office's routes, and for everything else.
    hsts_max_age_seconds: int = Field(default=0, ge=0)
    api_docs: bool = False
    staff_body_max_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    body_max_bytes: int = Field(default=64 * 1024, ge=1024)

    # SHA-256 (hex) of a staff token given by configuration, in addition to the
    # tokens created with ``portal create-staff-token`` (stored hashed in the DB).
    staff_token_hash: SecretStr = SecretStr("")

    # The latest back-office version, announced to the agents at each sync
    # (« Une nouvelle version est disponible ») ; empty: nothing announced.
    latest_backoffice_version: str = Field(default="", pattern=r"^(\d+(\.\d+){1,3})?$")

    # Invoices (§7): largest PDF accepted from the back-office.
    invoice_pdf_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)

    # Online payment (§7.3): "disabled", "simulated" (tests, demo) or "payfip".
    payment_provider: Literal["disabled", "simulated", "payfip"] = "disabled"
    # Public base URL of this API (PayFiP calls it back); empty: the URL of the request.
    public_api_url: str = ""
    # An operation not concluded after this long is abandoned (PayFiP: 15 minutes).
    payment_operation_minutes: int = Field(default=15, ge=1, le=120)
    # PayFiP: the collectivity's 6-digit client number, mode (T test, X activation,
    # W production), payment page (the browser goes to ``?idop=…``), the « paiement
    # sécurisé » web service (SOAP, called server to server: creerPaiementSecurise,
    # recupererDetailPaiementSecurise) and its timeout, and the addresses allowed to
    # notify (empty: any; the result is read back from the web service anyway).
    payfip_numcli: str = Field(default="", pattern=r"^(\d{6})?$")
    payfip_saisie: Literal["T", "X", "W"] = "T"
    payfip_url: str = Field(default=PAYFIP_PAGE_URL, pattern=r"^https?://\S+$")
    payfip_ws_url: str = Field(default=PAYFIP_WS_URL, pattern=r"^https?://\S+$")
    payfip_timeout_seconds: float = Field(default=15.0, gt=0, le=120)
    payfip_notify_ips: str = ""

    @model_validator(mode="after")
    def _payfip_needs_numcli(self) -> Settings:
        if self.payment_provider == "payfip" and not self.payfip_numcli:
            raise ValueError("PayFiP exige PORTAL_PAYFIP_NUMCLI (6 chiffres)")
        return self

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> Settings:
        """Settings from ``PORTAL_*`` variables; keyword overrides win (CLI options)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name in cls.model_fields:
            key = ENV_PREFIX + name.upper()
            if key in environ:
                values[name] = environ[key]
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls(**values)
        except ValidationError as exc:
            problems = "; ".join(
                (f"{ENV_PREFIX}{str(err['loc'][0]).upper()} : " if err["loc"] else "") + err["msg"]
                for err in exc.errors()
            )
            raise SettingsError(f"Réglages du portail invalides : {problems}") from exc

    def resolved_data_dir(self) -> Path:
        if self.data_dir is not None:
            return self.data_dir
        return Path(platformdirs.user_data_dir("PortailFamillePortal", "Portail Famille"))

    def resolved_database_url(self) -> str:
        """The database URL, ``postgresql://`` normalised to the psycopg 3 driver."""
        url = self.database_url or f"sqlite:///{self.resolved_data_dir() / 'portal.sqlite3'}"
        return normalise_url(url)

    def link(self, path: str, token: str) -> str:
        """A link for an e-mail. The token travels in the fragment: never sent to a server log."""
        return f"{self.public_base_url.rstrip('/')}/{path.lstrip('/')}#jeton={token}"


def normalise_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)
