"""Parent accounts: single-use links, login slowed by :mod:`portal.throttle`, sessions, passwords.

Functions take an open session; the caller's ``with db.session()`` commits.
Expected refusals are :class:`PortalError` with a French message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal import feed, throttle
from portal.errors import FieldError, PortalError, invalid
from portal.mail import Mail, Mailer, MailError, activation_mail, password_reset_mail
from portal.models import (
    AccessToken,
    AccountState,
    Family,
    LinkPurpose,
    ParentAccount,
    SingleUseLink,
    utcnow,
)
from portal.security import (
    hash_password,
    needs_rehash,
    new_token,
    password_problems,
    token_hash,
    verify_password,
)
from portal.settings import Settings

log = logging.getLogger(__name__)

LINK_PAGES = {
    LinkPurpose.ACTIVATION: "activation",
    LinkPurpose.PASSWORD_RESET: "mot-de-passe",
    LinkPurpose.EMAIL_CHANGE: "confirmation-email",
}
# At most this many e-mails of one kind per account and hour on a parent's request.
MAX_LINKS_PER_HOUR = 3


def link_lifetime(settings: Settings, purpose: LinkPurpose) -> timedelta:
    if purpose is LinkPurpose.ACTIVATION:
        return timedelta(hours=settings.activation_link_hours)
    if purpose is LinkPurpose.PASSWORD_RESET:
        return timedelta(minutes=settings.password_reset_link_minutes)
    return timedelta(hours=settings.email_change_link_hours)


def issue_link(
    session: Session,
    settings: Settings,
    account: ParentAccount,
    purpose: LinkPurpose,
    new_email: str | None = None,
) -> str:
    """A new link for ``account``; earlier unused links of the same purpose stop working."""
    now = utcnow()
    session.execute(
        update(SingleUseLink)
        .where(
            SingleUseLink.account_id == account.id,
            SingleUseLink.purpose == purpose,
            SingleUseLink.used_at.is_(None),
        )
        .values(used_at=now)
    )
    token = new_token()
    session.add(
        SingleUseLink(
            account_id=account.id,
            purpose=purpose,
            token_hash=token_hash(token),
            new_email=new_email,
            created_at=now,
            expires_at=now + link_lifetime(settings, purpose),
        )
    )
    session.flush()
    return settings.link(LINK_PAGES[purpose], token)


def recent_links(session: Session, account: ParentAccount, purpose: LinkPurpose) -> int:
    since = utcnow() - timedelta(hours=1)
    return session.execute(
        select(func.count())
        .select_from(SingleUseLink)
        .where(
            SingleUseLink.account_id == account.id,
            SingleUseLink.purpose == purpose,
            SingleUseLink.created_at > since,
        )
    ).scalar_one()


def consume_link(session: Session, token: str, purpose: LinkPurpose) -> SingleUseLink:
    """Mark the link used, or refuse: unknown (400), already used or expired (410)."""
    link = session.scalars(
        select(SingleUseLink)
        .where(SingleUseLink.token_hash == token_hash(token), SingleUseLink.purpose == purpose)
        .with_for_update()
    ).first()
    if link is None:
        raise PortalError(400, "Ce lien n'est pas valide. Vérifiez qu'il a été copié en entier.")
    now = utcnow()
    if link.used_at is not None:
        raise PortalError(410, "Ce lien a déjà été utilisé ou remplacé par un lien plus récent.")
    if link.expires_at <= now:
        raise PortalError(410, "Ce lien a expiré. Demandez-en un nouveau.")
    link.used_at = now
    return link


def send_or_fail(mailer: Mailer, mail: Mail) -> None:
    """Send inside the transaction: on failure it rolls back and the caller may retry."""
    try:
        mailer.send(mail)
    except MailError as exc:
        raise PortalError(
            503, "Le courriel n'a pas pu être envoyé. Réessayez dans quelques minutes."
        ) from exc


def send_activation(
    session: Session, settings: Settings, mailer: Mailer, account: ParentAccount
) -> None:
    link = issue_link(session, settings, account, LinkPurpose.ACTIVATION)
    send_or_fail(
        mailer,
        activation_mail(
            account.login_email, account.family.name, link, settings.activation_link_hours
        ),
    )


def send_password_reset(
    session: Session, settings: Settings, mailer: Mailer, account: ParentAccount
) -> None:
    link = issue_link(session, settings, account, LinkPurpose.PASSWORD_RESET)
    send_or_fail(
        mailer,
        password_reset_mail(account.login_email, link, settings.password_reset_link_minutes),
    )


def check_new_password(password: str, confirmation: str, login_email: str, field: str) -> None:
    errors: list[FieldError] = []
    problems = password_problems(password, login_email)
    if problems:
        errors.append(
            FieldError(
                field=field,
                message="Le mot de passe doit comporter " + ", ".join(problems) + ".",
            )
        )
    if password != confirmation:
        errors.append(
            FieldError(
                field=f"{field}_confirmation",
                message="La confirmation ne correspond pas au mot de passe saisi.",
            )
        )
    if errors:
        raise invalid(errors)


def login_taken(session: Session, email: str, except_account: int | None) -> ParentAccount | None:
    """The account other than ``except_account`` whose login is ``email``, if any."""
    stmt = select(ParentAccount).where(ParentAccount.login_email == email)
    if except_account is not None:
        stmt = stmt.where(ParentAccount.id != except_account)
    return session.scalars(stmt).first()


def set_password(session: Session, account: ParentAccount, password: str) -> None:
    account.password_hash = hash_password(password)
    account.password_changed_at = utcnow()


def revoke_tokens(session: Session, account: ParentAccount, keep_id: int | None = None) -> None:
    stmt = (
        update(AccessToken)
        .where(AccessToken.account_id == account.id, AccessToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    if keep_id is not None:
        stmt = stmt.where(AccessToken.id != keep_id)
    session.execute(stmt)


def open_session(session: Session, settings: Settings, account: ParentAccount) -> tuple[str, int]:
    """A new bearer token for ``account``: (token, lifetime in seconds)."""
    token = new_token()
    now = utcnow()
    lifetime = timedelta(minutes=settings.access_token_minutes)
    session.add(
        AccessToken(
            account_id=account.id,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    session.flush()
    return token, int(lifetime.total_seconds())


def activate(
    session: Session,
    settings: Settings,
    token: str,
    password: str,
    confirmation: str,
    address: str,
) -> ParentAccount:
    link = consume_link(session, token, LinkPurpose.ACTIVATION)
    account = session.get_one(ParentAccount, link.account_id)
    if account.state is AccountState.DISABLED:
        raise PortalError(403, "Ce compte est désactivé. Contactez le service enfance.")
    if account.state is AccountState.ACTIVE:
        raise PortalError(409, "Ce compte est déjà activé : connectez-vous.")
    check_new_password(password, confirmation, account.login_email, "password")
    set_password(session, account, password)
    account.state = AccountState.ACTIVE
    account.activated_at = utcnow()
    # The link proved the mailbox: this address is the account's from now on.
    _proved(session, settings, account, address)
    feed.append(
        session,
        account.family.ref,
        "account.activated",
        {"login_email": account.login_email, "activated_at": account.activated_at.isoformat()},
    )
    return account


def reset_password(
    session: Session,
    settings: Settings,
    token: str,
    password: str,
    confirmation: str,
    address: str,
) -> ParentAccount:
    link = consume_link(session, token, LinkPurpose.PASSWORD_RESET)
    account = session.get_one(ParentAccount, link.account_id)
    if account.state is not AccountState.ACTIVE:
        raise PortalError(403, "Ce compte n'est pas actif. Contactez le service enfance.")
    check_new_password(password, confirmation, account.login_email, "password")
    set_password(session, account, password)
    revoke_tokens(session, account)
    # Proof of the mailbox: the failures so far no longer delay the account.
    _proved(session, settings, account, address)
    return account


def _proved(session: Session, settings: Settings, account: ParentAccount, address: str) -> None:
    attempt = throttle.attempt(session, settings, account.login_email, address, account.id)
    throttle.succeeded(session, settings, attempt, account.id)


def request_password_reset(
    session: Session, settings: Settings, mailer: Mailer, email: str
) -> None:
    """Send a reset link (or a new activation link) if the address is a login; silent otherwise."""
    login = email.strip().lower()
    account = session.scalars(
        select(ParentAccount).where(ParentAccount.login_email == login)
    ).first()
    if account is None or account.state is AccountState.DISABLED:
        return
    purpose = (
        LinkPurpose.ACTIVATION
        if account.state is AccountState.AWAITING_ACTIVATION
        else LinkPurpose.PASSWORD_RESET
    )
    if recent_links(session, account, purpose) >= MAX_LINKS_PER_HOUR:
        log.info("Demande de lien ignorée : trop de demandes récentes pour ce compte")
        return
    try:
        if purpose is LinkPurpose.ACTIVATION:
            send_activation(session, settings, mailer, account)
        else:
            send_password_reset(session, settings, mailer, account)
    except PortalError:
        # Same answer whether the address is known or not (the new link reached no one).
        pass


@dataclass
class LoginOutcome:
    account: ParentAccount | None = None
    error: PortalError | None = None


LOGIN_TOO_SOON = "Trop de tentatives de connexion échouées"
PASSWORD_TOO_SOON = "Trop d'essais du mot de passe actuel"


def _failure_hint(left: int) -> str:
    if left > 2:
        return ""
    if left > 0:
        return f" Il vous reste {left} essai{'s' if left > 1 else ''} avant un délai d'attente."
    return " Par sécurité, les prochains essais devront attendre un délai croissant."


def login(
    session: Session, settings: Settings, login_typed: str, password: str, address: str
) -> LoginOutcome:
    """Check credentials, slowed by :mod:`portal.throttle`. Failures are counted: commit
    even on error."""
    login_id = login_typed.strip().lower()
    account = session.scalars(
        select(ParentAccount).where(ParentAccount.login_email == login_id)
    ).first()
    attempt = throttle.attempt(
        session, settings, login_id, address, account.id if account else None
    )
    remaining = throttle.wait(session, settings, attempt)
    if remaining > timedelta(0):
        return LoginOutcome(error=throttle.too_soon(remaining, LOGIN_TOO_SOON))
    ok = verify_password(account.password_hash if account else None, password)
    if not ok:
        left = throttle.failed(session, settings, attempt)
        return LoginOutcome(
            error=PortalError(401, "Identifiant ou mot de passe incorrect." + _failure_hint(left))
        )
    # A password matched: the account exists and has one.
    assert account is not None and account.password_hash is not None
    throttle.succeeded(session, settings, attempt, account.id)
    if account.state is AccountState.DISABLED:
        return LoginOutcome(
            error=PortalError(403, "Ce compte est désactivé. Contactez le service enfance.")
        )
    if account.state is not AccountState.ACTIVE:  # pragma: no cover - no password before activation
        return LoginOutcome(error=PortalError(403, "Ce compte n'est pas encore activé."))
    if needs_rehash(account.password_hash):
        set_password(session, account, password)
    return LoginOutcome(account=account)


def verify_current_password(
    session: Session, settings: Settings, account: ParentAccount, password: str, address: str
) -> bool:
    """The parent's current password, checked under the same delays as the login (429
    when too soon). A failure is counted: let the transaction commit before refusing."""
    attempt = throttle.attempt(session, settings, account.login_email, address, account.id)
    throttle.check(session, settings, attempt, PASSWORD_TOO_SOON)
    if not verify_password(account.password_hash, password):
        throttle.failed(session, settings, attempt)
        return False
    throttle.succeeded(session, settings, attempt, account.id)
    return True


@dataclass(frozen=True)
class CurrentParent:
    account_id: int
    family_id: int
    family_ref: str
    token_id: int
    # Set when the session should be prolonged (see :func:`prolong`).
    prolong_until: datetime | None = None


def authenticate(session: Session, settings: Settings, token: str) -> CurrentParent | None:
    """The parent of a bearer token, in one statement (the token's, the account's and
    the family's columns that are needed, no ORM objects)."""
    now = utcnow()
    row = session.execute(
        select(
            AccessToken.id,
            AccessToken.created_at,
            AccessToken.expires_at,
            ParentAccount.id,
            ParentAccount.family_id,
            Family.ref,
        )
        .join(ParentAccount, ParentAccount.id == AccessToken.account_id)
        .join(Family, Family.id == ParentAccount.family_id)
        .where(
            AccessToken.token_hash == token_hash(token),
            AccessToken.revoked_at.is_(None),
            AccessToken.expires_at > now,
            ParentAccount.state == AccountState.ACTIVE,
        )
    ).first()
    if row is None:
        return None
    token_id, created_at, expires_at, account_id, family_id, family_ref = row
    return CurrentParent(
        account_id,
        family_id,
        family_ref,
        token_id,
        prolong_until=_prolongation(settings, created_at, expires_at, now),
    )


def _prolongation(
    settings: Settings, created_at: datetime, expires_at: datetime, now: datetime
) -> datetime | None:
    """Sliding session: past half its life, an active session gets a full lifetime
    again, never beyond ``session_max_hours`` after the login."""
    lifetime = timedelta(minutes=settings.access_token_minutes)
    if expires_at - now > lifetime / 2:
        return None
    until = min(now + lifetime, created_at + timedelta(hours=settings.session_max_hours))
    return until if until > expires_at else None


def prolong(session: Session, parent: CurrentParent) -> None:
    session.execute(
        update(AccessToken)
        .where(AccessToken.id == parent.token_id, AccessToken.expires_at < parent.prolong_until)
        .values(expires_at=parent.prolong_until)
    )
