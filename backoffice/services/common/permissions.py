"""Who may do what: named permissions, the role → permissions table, and :func:`require`.

Every public service function taking an ``actor`` calls :func:`require` first: a hidden
button is not the protection. A refusal raises :class:`PermissionDenied` with a French
message and is written to the audit trail (action ``refused``) in its own transaction,
so it stays recorded although the caller's transaction rolls back.

The medical right (fiche sanitaire) is not a role: it is given per account
(``StaffUser.medical_access``); a régisseur is limited to the régies assigned to them.
"""

from __future__ import annotations

import enum
import logging

from sqlalchemy import insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from backoffice.models import AuditAction, AuditEvent, Role, utcnow
from backoffice.services.common.actors import MEDICAL_REFUSAL, PORTAL, Actor, PermissionDenied
from backoffice.storage import SQLITE_BUSY_TIMEOUT_MS

log = logging.getLogger(__name__)


class Permission(enum.StrEnum):
    FAMILIES_VIEW = "families_view"  # family card, history, lists
    FAMILIES_EDIT = "families_edit"  # families, children, files, portal accounts
    REQUESTS_DECIDE = "requests_decide"
    BOOKINGS_EDIT = "bookings_edit"  # registrations, planning
    ATTENDANCE = "attendance"
    BILLING = "billing"  # invoice runs, credit notes, periods, Trésor public
    PAYMENTS = "payments"  # payments, deposit slips
    TARIFFS = "tariffs"
    CATALOGUE = "catalogue"
    SETTINGS = "settings"
    STAFF = "staff"
    MEDICAL = "medical"  # the fiche sanitaire: the account's medical right, not its role
    AUDIT = "audit"
    ANONYMISE = "anonymise"


P = Permission
ACCUEIL = frozenset(
    {P.FAMILIES_VIEW, P.FAMILIES_EDIT, P.REQUESTS_DECIDE, P.BOOKINGS_EDIT, P.ATTENDANCE}
)
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.AGENT: ACCUEIL,
    # Régisseur: tariffs too, as the régie's keeper did before the roles were named.
    Role.ACCOUNTANT: frozenset({P.FAMILIES_VIEW, P.BILLING, P.PAYMENTS, P.TARIFFS}),
    # Direction: everything accueil does, the catalogue, tariffs, settings and staff;
    # billing too, as before the roles were named (small sites bill from the direction).
    Role.DIRECTOR: ACCUEIL
    | {P.BILLING, P.PAYMENTS, P.TARIFFS, P.CATALOGUE, P.SETTINGS, P.STAFF, P.AUDIT},
    Role.ADMIN: frozenset(Permission) - {P.MEDICAL},
}

# What each permission lets one do, for the refusal's « il faut … ».
WHO: dict[Permission, str] = {
    P.FAMILIES_VIEW: "faire partie du personnel du service",
    P.FAMILIES_EDIT: "être à l'accueil, à la direction ou administrateur",
    P.REQUESTS_DECIDE: "être à l'accueil, à la direction ou administrateur",
    P.BOOKINGS_EDIT: "être à l'accueil, à la direction ou administrateur",
    P.ATTENDANCE: "être à l'accueil, à la direction ou administrateur",
    P.BILLING: "être régisseur, à la direction ou administrateur",
    P.PAYMENTS: "être régisseur, à la direction ou administrateur",
    P.TARIFFS: "être régisseur, à la direction ou administrateur",
    P.CATALOGUE: "être à la direction ou administrateur",
    P.SETTINGS: "être à la direction ou administrateur",
    P.STAFF: "être à la direction ou administrateur",
    P.AUDIT: "être à la direction ou administrateur",
    P.ANONYMISE: "être administrateur",
}

REFUSED_ENTITY = "permission"


def has(actor: Actor | None, permission: Permission, regie_id: int | None = None) -> bool:
    """Whether ``actor`` may (``None``: the program itself, always)."""
    if actor is None:
        return True
    if permission is P.MEDICAL:
        return actor.sees_medical_data and actor != PORTAL
    if permission not in ROLE_PERMISSIONS.get(actor.role, frozenset()):
        return False
    return not (
        regie_id is not None
        and actor.role is Role.ACCOUNTANT
        and actor.regie_ids is not None
        and regie_id not in actor.regie_ids
    )


def _de(what: str) -> str:
    return "d'" if what[:1].lower() in "aeéèêiîouhy" else "de "


def refusal_message(actor: Actor, permission: Permission, what: str, regie_id=None) -> str:
    if permission is P.MEDICAL:
        return MEDICAL_REFUSAL
    if permission in ROLE_PERMISSIONS.get(actor.role, frozenset()) and regie_id is not None:
        return (
            f"Vous ne pouvez pas {what} pour cette régie : elle ne fait pas partie des "
            "régies qui vous sont attribuées. Demandez à la direction de vous l'attribuer."
        )
    return f"Votre rôle ne permet pas {_de(what)}{what} : il faut {WHO[permission]}."


def require(
    where: Session | Engine | object | None,
    actor: Actor | None,
    permission: Permission,
    what: str,
    regie_id: int | None = None,
) -> None:
    """Raise :class:`PermissionDenied` (French) unless ``actor`` may do ``what``.

    ``where`` (a session, an engine or a :class:`~backoffice.storage.Database`) is where
    the refusal is recorded; ``None`` records nothing (logged only)."""
    if has(actor, permission, regie_id):
        return
    assert actor is not None
    message = refusal_message(actor, permission, what, regie_id)
    record_refusal(where, actor, permission, what, regie_id)
    raise PermissionDenied(message)


def _engine(where) -> Engine | None:
    if isinstance(where, Session):
        bind = where.get_bind()
        return bind.engine if isinstance(bind, Connection) else bind
    if isinstance(where, Engine):
        return where
    engine = getattr(where, "engine", None)
    return engine if isinstance(engine, Engine) else None


def record_refusal(
    where, actor: Actor, permission: Permission, what: str, regie_id: int | None = None
) -> None:
    """One ``refused`` audit row, committed on its own connection."""
    row = {
        "at": utcnow(),
        "staff_user_id": actor.staff_id,
        "actor": actor.login,
        "action": AuditAction.REFUSED,
        "entity": REFUSED_ENTITY if regie_id is None else "regie",
        "entity_id": regie_id or 0,
        "field": str(permission),
        "old_value": None,
        "new_value": what,
    }
    log.info("Refus : %s ne peut pas %s (%s)", actor.login, what, permission)
    engine = _engine(where)
    if engine is None:
        return
    recorded = False
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        try:
            if sqlite:  # the caller's own transaction may hold the write lock: do not wait
                conn.exec_driver_sql("PRAGMA busy_timeout=300")
            conn.execute(insert(AuditEvent), [row])
            conn.commit()
            recorded = True
        except OperationalError:
            conn.rollback()
        finally:
            if sqlite:
                conn.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
                conn.commit()
    if not recorded and isinstance(where, Session):
        # SQLite, the caller already writing: recorded with the caller's work instead.
        where.execute(insert(AuditEvent), [row])
