"""The parents' account actions as whole transactions, shared by the JSON routes
(``portal.routes.auth``/``me``) and the pages (``portal.pages``): one rule, one place.

Each function opens its own transactions on ``svc.db``: a failed password check is
committed (it counts for :mod:`portal.throttle`) before the refusal is raised.
"""

from __future__ import annotations

from portal import accounts, login_changes
from portal.deps import Services
from portal.errors import FieldError, invalid
from portal.models import AccessToken, ParentAccount, utcnow


def log_in(svc: Services, login: str, password: str, address: str) -> tuple[str, int]:
    """(token, lifetime in seconds), or the refusal (401, 403, 429) once the failure counted."""
    token, expires = "", 0
    with svc.db.session() as session:
        outcome = accounts.login(session, svc.settings, login, password, address)
        if outcome.account is not None:
            token, expires = accounts.open_session(session, svc.settings, outcome.account)
    # A failure is committed before the refusal is answered: it counts.
    if outcome.error is not None:
        raise outcome.error
    return token, expires


def activate(
    svc: Services, token: str, password: str, confirmation: str, address: str
) -> tuple[str, int]:
    with svc.db.session() as session:
        account = accounts.activate(session, svc.settings, token, password, confirmation, address)
        return accounts.open_session(session, svc.settings, account)


def reset_password(
    svc: Services, token: str, password: str, confirmation: str, address: str
) -> tuple[str, int]:
    with svc.db.session() as session:
        account = accounts.reset_password(
            session, svc.settings, token, password, confirmation, address
        )
        return accounts.open_session(session, svc.settings, account)


def request_password_reset(svc: Services, email: str) -> None:
    with svc.db.session() as session:
        accounts.request_password_reset(session, svc.settings, svc.mailer, email)


FORGOTTEN_ANSWER = (
    "Si un compte correspond à cette adresse, un courriel vient d'y être envoyé "
    "avec un lien pour choisir un nouveau mot de passe. Pensez à vérifier vos indésirables."
)


def confirm_login_change(svc: Services, token: str) -> str:
    """The new login, confirmed."""
    with svc.db.session() as session:
        return login_changes.confirm_login_change(session, token).login_email


def change_login_email(
    svc: Services, account_id: int, new_email: str, password: str, address: str
) -> str:
    """Sends the confirmation link to the new address; returns that address."""
    with svc.db.session() as session:  # a wrong password is counted even though refused
        account = session.get_one(ParentAccount, account_id)
        password_ok = accounts.verify_current_password(
            session, svc.settings, account, password, address
        )
    with svc.db.session() as session:
        account = session.get_one(ParentAccount, account_id)
        return login_changes.request_login_change(
            session, svc.settings, svc.mailer, account, new_email, password_ok
        )


def login_change_answer(email: str) -> str:
    return (
        f"Votre demande est prise en charge : un courriel de confirmation a été envoyé "
        f"à {email}. Tant que cette adresse n'est pas confirmée, votre identifiant reste inchangé."
    )


def change_password(
    svc: Services,
    account_id: int,
    token_id: int,
    current: str,
    new: str,
    confirmation: str,
    address: str,
) -> None:
    """The other sessions are closed; the one used (``token_id``) stays open."""
    with svc.db.session() as session:  # a wrong password is counted even though refused
        account = session.get_one(ParentAccount, account_id)
        password_ok = accounts.verify_current_password(
            session, svc.settings, account, current, address
        )
    if not password_ok:
        raise invalid(
            [FieldError(field="current_password", message="Le mot de passe actuel est incorrect.")]
        )
    with svc.db.session() as session:
        account = session.get_one(ParentAccount, account_id)
        accounts.check_new_password(new, confirmation, account.login_email, "new_password")
        accounts.set_password(session, account, new)
        accounts.revoke_tokens(session, account, keep_id=token_id)


def log_out(svc: Services, token_id: int) -> None:
    """The session's token stops working."""
    with svc.db.session() as session:
        session.get_one(AccessToken, token_id).revoked_at = utcnow()
