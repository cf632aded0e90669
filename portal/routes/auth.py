"""Parents' sign-in: activation link, login, forgotten password, e-mail confirmation."""

from __future__ import annotations

from fastapi import APIRouter, status

from portal import accounts, login_changes
from portal.deps import ClientAddress, ParentDep, ServicesDep
from portal.errors import responses, too_many_responses
from portal.models import AccessToken, utcnow
from portal.schemas import ForgottenIn, LinkToken, LoginIn, Message, SetPassword, TokenOut

router = APIRouter(prefix="/auth", tags=["parents : connexion"], responses=responses(422))


@router.post(
    "/activate",
    response_model=TokenOut,
    responses=responses(400, 403, 409, 410),
    summary="Finaliser la création du compte : lien reçu par courriel et mot de passe (§4.1)",
)
def activate(body: SetPassword, svc: ServicesDep, address: ClientAddress):
    with svc.db.session() as session:
        account = accounts.activate(
            session, svc.settings, body.token, body.password, body.password_confirmation, address
        )
        token, expires = accounts.open_session(session, svc.settings, account)
    return TokenOut(access_token=token, expires_in=expires)


@router.post(
    "/login",
    response_model=TokenOut,
    responses={**responses(401, 403), **too_many_responses()},
    summary="Se connecter avec l'identifiant (adresse e-mail) et le mot de passe (§2)",
)
def login(body: LoginIn, svc: ServicesDep, address: ClientAddress):
    with svc.db.session() as session:
        outcome = accounts.login(session, svc.settings, body.login, body.password, address)
        if outcome.account is not None:
            token, expires = accounts.open_session(session, svc.settings, outcome.account)
    # A failure is committed before the refusal is answered: it counts.
    if outcome.error is not None:
        raise outcome.error
    return TokenOut(access_token=token, expires_in=expires)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(401),
    summary="Se déconnecter (le jeton cesse de fonctionner)",
)
def logout(parent: ParentDep, svc: ServicesDep) -> None:
    with svc.db.session() as session:
        session.get_one(AccessToken, parent.token_id).revoked_at = utcnow()


@router.post(
    "/password-forgotten",
    response_model=Message,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Identifiant ou mot de passe oublié : recevoir un lien par courriel (§3)",
)
def password_forgotten(body: ForgottenIn, svc: ServicesDep):
    with svc.db.session() as session:
        accounts.request_password_reset(session, svc.settings, svc.mailer, body.email)
    return Message(
        message="Si un compte correspond à cette adresse, un courriel vient d'y être envoyé "
        "avec un lien pour choisir un nouveau mot de passe. Pensez à vérifier vos indésirables."
    )


@router.post(
    "/password-reset",
    response_model=TokenOut,
    responses=responses(400, 403, 410),
    summary="Choisir un nouveau mot de passe avec le lien reçu par courriel (§3)",
)
def password_reset(body: SetPassword, svc: ServicesDep, address: ClientAddress):
    with svc.db.session() as session:
        account = accounts.reset_password(
            session, svc.settings, body.token, body.password, body.password_confirmation, address
        )
        token, expires = accounts.open_session(session, svc.settings, account)
    return TokenOut(access_token=token, expires_in=expires)


@router.post(
    "/email-change/confirm",
    response_model=Message,
    responses=responses(400, 403, 409, 410),
    summary="Confirmer la nouvelle adresse e-mail (identifiant) avec le lien reçu (§4.5)",
)
def confirm_email_change(body: LinkToken, svc: ServicesDep):
    with svc.db.session() as session:
        account = login_changes.confirm_login_change(session, body.token)
        login = account.login_email
    return Message(message=f"Votre nouvel identifiant est confirmé : {login}.")
