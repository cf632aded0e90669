"""Changing a family's login e-mail, asked by the parent (current password checked, slowed
like the login) or
by the back-office: a link goes to the new address, and the old login works until the
new one is confirmed by that link."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from portal import accounts, feed
from portal.errors import FieldError, PortalError, invalid
from portal.families import family_by_ref
from portal.mail import Mailer, email_change_mail, staff_email_change_mail
from portal.models import AccountState, LinkPurpose, ParentAccount
from portal.settings import Settings
from portal.validation import normalise_email


def request_login_change(
    session: Session,
    settings: Settings,
    mailer: Mailer,
    account: ParentAccount,
    new_email: str,
    password_ok: bool,
) -> str:
    """``password_ok``: the current password was checked first, in its own transaction
    (:func:`portal.accounts.verify_current_password`), so that a failure is counted."""
    errors = []
    if not password_ok:
        errors.append(FieldError(field="password", message="Le mot de passe actuel est incorrect."))
    try:
        email = normalise_email(new_email)
    except ValueError:
        errors.append(
            FieldError(
                field="new_email",
                message="Le champ « Nouvelle adresse e-mail » doit être une adresse e-mail valide.",
            )
        )
        email = ""
    if email and email == account.login_email:
        errors.append(
            FieldError(field="new_email", message="Cette adresse est déjà votre identifiant.")
        )
    if errors:
        raise invalid(errors)
    if accounts.login_taken(session, email, account.id) is not None:
        raise PortalError(409, "Cette adresse e-mail est déjà utilisée par un autre compte.")
    account.pending_login_email = email
    link = accounts.issue_link(
        session, settings, account, LinkPurpose.EMAIL_CHANGE, new_email=email
    )
    accounts.send_or_fail(mailer, email_change_mail(email, link, settings.email_change_link_hours))
    feed.append(session, account.family.ref, "login_email.change_requested", {"new_email": email})
    return email


def staff_login_change(
    session: Session, settings: Settings, mailer: Mailer, ref: str, new_email: str
) -> dict[str, Any]:
    """The back-office asks for a new login: a confirmation link goes to the new address;
    the old login works until the parent confirms (then ``login_email.changed`` in the feed)."""
    family = family_by_ref(session, ref)
    account = family.account
    if account.state is AccountState.DISABLED:
        raise PortalError(
            409, "Ce compte est désactivé : réactivez-le avant de changer l'identifiant."
        )
    email = normalise_email(str(new_email))
    if email == account.login_email:
        raise invalid(
            [
                FieldError(
                    field="new_login_email",
                    message="Cette adresse est déjà l'identifiant du compte.",
                )
            ]
        )
    other = accounts.login_taken(session, email, account.id)
    if other is not None:
        raise PortalError(
            409,
            f"L'adresse « {email} » est déjà l'identifiant d'une autre famille ({other.family.ref}).",
        )
    account.pending_login_email = email
    link = accounts.issue_link(
        session, settings, account, LinkPurpose.EMAIL_CHANGE, new_email=email
    )
    accounts.send_or_fail(
        mailer, staff_email_change_mail(email, family.name, link, settings.email_change_link_hours)
    )
    return {
        "message": f"Courriel de confirmation envoyé à {email}. L'identifiant actuel reste "
        "valable jusqu'à la confirmation.",
        "login_email": account.login_email,
        "pending_login_email": email,
        "sent_to": email,
    }


def confirm_login_change(session: Session, token: str) -> ParentAccount:
    link = accounts.consume_link(session, token, LinkPurpose.EMAIL_CHANGE)
    new_email = link.new_email
    assert new_email is not None  # an e-mail change link carries the new address
    account = session.get_one(ParentAccount, link.account_id)
    if account.state is AccountState.DISABLED:
        raise PortalError(403, "Ce compte est désactivé. Contactez le service enfance.")
    if account.pending_login_email != new_email:
        raise PortalError(410, "Cette demande de changement d'adresse a été remplacée ou annulée.")
    if accounts.login_taken(session, new_email, account.id) is not None:
        raise PortalError(409, "Cette adresse e-mail est déjà utilisée par un autre compte.")
    previous = account.login_email
    account.login_email = new_email
    account.pending_login_email = None
    feed.append(
        session,
        account.family.ref,
        "login_email.changed",
        {"before": previous, "after": account.login_email},
    )
    return account
