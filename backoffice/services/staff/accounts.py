"""Staff accounts: list, create, disable (never delete), roles, medical right, régies,
password reset, and the first administrator of a new database.

Every function checks the STAFF permission (direction, administrateur); only an
administrator gives or takes the administrator role. Each change is an audit entry
(entity ``staff_user``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from backoffice.errors import UserError
from backoffice.models import (
    MEDICAL_ROLES,
    ROLE_LABELS,
    AuditAction,
    AuditEvent,
    Regie,
    Role,
    StaffUser,
    staff_regie,
)
from backoffice.services.common.actors import Actor, PermissionDenied, actor_for
from backoffice.services.common.audit import as_text
from backoffice.services.common.permissions import Permission, require
from backoffice.services.staff.passwords import check_password, hash_password

LOGIN_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@\\-]{1,79}$")
ENTITY = "staff_user"


class StaffError(UserError):
    """A staff change refused (French message); nothing was changed."""


@dataclass(frozen=True, slots=True)
class StaffRow:
    id: int
    login: str
    full_name: str
    role: Role
    medical_access: bool
    regies: tuple[str, ...]  # codes
    active: bool
    has_password: bool
    version: int

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]


def _audit(
    session: Session,
    actor: Actor,
    action: AuditAction,
    user: StaffUser,
    field="",
    old=None,
    new=None,
):
    session.add(
        AuditEvent(
            staff_user_id=actor.staff_id,
            actor=actor.login,
            action=action,
            entity=ENTITY,
            entity_id=user.id,
            field=field,
            old_value=as_text(old),
            new_value=as_text(new),
        )
    )


def _regie_codes(session: Session, user_ids: list[int]) -> dict[int, list[str]]:
    rows = session.execute(
        select(staff_regie.c.staff_user_id, Regie.code)
        .join(Regie, Regie.id == staff_regie.c.regie_id)
        .where(staff_regie.c.staff_user_id.in_(user_ids))
        .order_by(Regie.code)
    )
    codes: dict[int, list[str]] = {}
    for user_id, code in rows:
        codes.setdefault(user_id, []).append(code)
    return codes


def list_staff(session: Session, actor: Actor) -> list[StaffRow]:
    """Every account, active first, by name."""
    require(session, actor, Permission.STAFF, "consulter la liste du personnel")
    users = list(
        session.scalars(
            select(StaffUser).order_by(StaffUser.active.desc(), func.lower(StaffUser.full_name))
        )
    )
    codes = _regie_codes(session, [u.id for u in users])
    return [
        StaffRow(
            u.id,
            u.login,
            u.full_name,
            u.role,
            bool(u.medical_access),
            tuple(codes.get(u.id, ())),
            u.active,
            bool(u.password_hash),
            u.version,
        )  # fmt: skip
        for u in users
    ]


def regie_choices(session: Session) -> list[tuple[int, str]]:
    """(id, « CODE — nom ») of every régie, for the régisseur's assignment."""
    return [
        (r.id, f"{r.code} — {r.name}") for r in session.scalars(select(Regie).order_by(Regie.code))
    ]


def _check_login(session: Session, login: str, exclude: int | None = None) -> str:
    login = login.strip()
    if not LOGIN_PATTERN.match(login):
        raise StaffError(
            "Identifiant invalide : 2 à 80 caractères, lettres sans accent, chiffres, point, "
            "tiret, arobase ou barre oblique inverse (compte Windows « DOMAINE\\nom »)."
        )
    taken = session.scalar(select(StaffUser.id).where(func.lower(StaffUser.login) == login.lower()))
    if taken is not None and taken != exclude:
        raise StaffError(f"L'identifiant « {login} » est déjà utilisé par un autre compte.")
    return login


def _regie_ids(session: Session, codes_or_ids) -> set[int]:
    ids: set[int] = set()
    for value in codes_or_ids or ():
        if isinstance(value, int):
            regie_id = session.scalar(select(Regie.id).where(Regie.id == value))
        else:
            regie_id = session.scalar(select(Regie.id).where(Regie.code == value.strip().upper()))
        if regie_id is None:
            raise StaffError(f"Régie inconnue : « {value} ».")
        ids.add(regie_id)
    return ids


def _check_admin_change(actor: Actor, old: Role | None, new: Role) -> None:
    if Role.ADMIN in (old, new) and old != new and actor.role is not Role.ADMIN:
        raise PermissionDenied(
            "Seul un administrateur peut donner ou retirer le rôle d'administrateur."
        )


def _other_active_admins(session: Session, user_id: int) -> int:
    return (
        session.scalar(
            select(func.count(StaffUser.id)).where(
                StaffUser.role == Role.ADMIN, StaffUser.active.is_(True), StaffUser.id != user_id
            )
        )
        or 0
    )


def _set_regies(session: Session, user: StaffUser, ids: set[int]) -> None:
    session.execute(delete(staff_regie).where(staff_regie.c.staff_user_id == user.id))
    if ids:
        session.execute(
            insert(staff_regie), [{"staff_user_id": user.id, "regie_id": i} for i in sorted(ids)]
        )


def create_staff(
    session: Session,
    actor: Actor,
    login: str,
    full_name: str,
    role: Role,
    *,
    medical_access: bool | None = None,
    regies=(),
    password: str | None = None,
) -> StaffUser:
    """A new account (medical right: the role's default unless given)."""
    require(session, actor, Permission.STAFF, "ajouter un membre du personnel")
    role = Role(role)
    _check_admin_change(actor, None, role)
    login = _check_login(session, login)
    full_name = full_name.strip()
    if not full_name:
        raise StaffError("Indiquez le nom et le prénom du membre du personnel.")
    if password is not None and (problem := check_password(password)):
        raise StaffError(problem)
    ids = _regie_ids(session, regies)
    if ids and role is not Role.ACCOUNTANT:
        raise StaffError("Seul un régisseur se voit attribuer des régies.")
    user = StaffUser(
        login=login,
        full_name=full_name,
        role=role,
        medical_access=role in MEDICAL_ROLES if medical_access is None else medical_access,
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    session.flush()
    _set_regies(session, user, ids)
    _audit(session, actor, AuditAction.CREATE, user, "role", None, role.value)
    return user


def _get(session: Session, staff: int | str) -> StaffUser:
    if isinstance(staff, int):
        user = session.get(StaffUser, staff)
    else:
        user = session.scalar(
            select(StaffUser).where(func.lower(StaffUser.login) == staff.strip().lower())
        )
    if user is None:
        raise StaffError(f"Aucun membre du personnel ne correspond à « {staff} ».")
    return user


def set_roles(
    session: Session,
    actor: Actor,
    staff: int | str,
    *,
    role: Role | None = None,
    medical_access: bool | None = None,
    regies=None,
    full_name: str | None = None,
) -> StaffUser:
    """Change the role, the medical right, the régies (codes or ids) or the name."""
    require(session, actor, Permission.STAFF, "modifier les rôles du personnel")
    user = _get(session, staff)
    new_role = Role(role) if role is not None else user.role
    _check_admin_change(actor, user.role, new_role)
    if user.role is Role.ADMIN and new_role is not Role.ADMIN and user.active:
        if not _other_active_admins(session, user.id):
            raise StaffError("Il faut garder au moins un administrateur actif.")
    ids = _regie_ids(session, regies) if regies is not None else None
    if ids and new_role is not Role.ACCOUNTANT:
        raise StaffError("Seul un régisseur se voit attribuer des régies.")
    if new_role is not user.role:
        _audit(session, actor, AuditAction.UPDATE, user, "role", user.role.value, new_role.value)
        user.role = new_role
        if new_role is not Role.ACCOUNTANT:
            ids = set()
    if medical_access is not None and medical_access != user.medical_access:
        _audit(
            session,
            actor,
            AuditAction.UPDATE,
            user,
            "medical_access",
            user.medical_access,
            medical_access,
        )
        user.medical_access = medical_access
    if full_name is not None and full_name.strip() and full_name.strip() != user.full_name:
        _audit(
            session, actor, AuditAction.UPDATE, user, "full_name", user.full_name, full_name.strip()
        )
        user.full_name = full_name.strip()
    if ids is not None:
        before = set(_regie_codes(session, [user.id]).get(user.id, []))
        _set_regies(session, user, ids)
        after = set(_regie_codes(session, [user.id]).get(user.id, []))
        if before != after:
            _audit(
                session,
                actor,
                AuditAction.UPDATE,
                user,
                "regies",
                ", ".join(sorted(before)),
                ", ".join(sorted(after)),
            )
    session.flush()
    return user


def set_active(session: Session, actor: Actor, staff: int | str, active: bool) -> StaffUser:
    """Disable (never delete: the audit trail names them) or enable an account."""
    require(
        session, actor, Permission.STAFF,
        "désactiver un membre du personnel" if not active else "réactiver un membre du personnel",
    )  # fmt: skip
    user = _get(session, staff)
    if not active:
        if user.id == actor.staff_id:
            raise StaffError("Vous ne pouvez pas désactiver votre propre compte.")
        if user.role is Role.ADMIN and not _other_active_admins(session, user.id):
            raise StaffError("Il faut garder au moins un administrateur actif.")
        if user.role is Role.ADMIN and actor.role is not Role.ADMIN:
            raise PermissionDenied("Seul un administrateur peut désactiver un administrateur.")
    if user.active != active:
        _audit(session, actor, AuditAction.UPDATE, user, "active", user.active, active)
        user.active = active
        session.flush()
    return user


def reset_password(session: Session, actor: Actor, staff: int | str, password: str) -> StaffUser:
    """A new password, given by the direction to the agent (who may change it later)."""
    require(session, actor, Permission.STAFF, "réinitialiser un mot de passe")
    user = _get(session, staff)
    if user.role is Role.ADMIN and actor.role is not Role.ADMIN and user.id != actor.staff_id:
        raise PermissionDenied(
            "Seul un administrateur peut changer le mot de passe d'un administrateur."
        )
    if problem := check_password(password):
        raise StaffError(problem)
    user.password_hash = hash_password(password)
    _audit(session, actor, AuditAction.UPDATE, user, "password", None, "réinitialisé")
    session.flush()
    return user


def has_staff(session: Session) -> bool:
    return bool(session.scalar(select(func.count(StaffUser.id))))


def create_first_admin(session: Session, login: str, full_name: str, password: str) -> Actor:
    """The first administrator of a new database (first-run wizard); refused once any
    account exists."""
    if has_staff(session):
        raise PermissionDenied(
            "Un administrateur existe déjà : demandez-lui de vous créer un compte."
        )
    login = _check_login(session, login)
    if not full_name.strip():
        raise StaffError("Indiquez votre nom et votre prénom.")
    if problem := check_password(password):
        raise StaffError(problem)
    user = StaffUser(
        login=login,
        full_name=full_name.strip(),
        role=Role.ADMIN,
        medical_access=True,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    actor = actor_for(user, session)
    _audit(session, actor, AuditAction.CREATE, user, "role", None, Role.ADMIN.value)
    return actor
