"""The collectivity's key/value settings (table ``setting``): read and write one key.

Every module owning settings (SMTP, portal, documents header, Trésor public codes,
backups…) names its keys and checks its values, then stores them through here.
Secrets (passwords, tokens) never go in this table: they go to the OS keyring.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.models import Setting


def get_setting(session: Session, key: str, default: str = "") -> str:
    row = session.get(Setting, key)
    return row.value if row is not None else default


def get_settings(session: Session, keys: list[str] | tuple[str, ...]) -> dict[str, str]:
    """The stored values of ``keys`` (absent keys are left out)."""
    rows = session.execute(select(Setting.key, Setting.value).where(Setting.key.in_(keys)))
    return {key: value for key, value in rows}


def put_setting(session: Session, key: str, value: str) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
