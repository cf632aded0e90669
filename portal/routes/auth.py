"""Parents' sign-in: activation link, login, forgotten password, e-mail confirmation."""

from __future__ import annotations

from fastapi import APIRouter, status

from portal import parent_actions
from portal.deps import ClientAddress, ParentDep, ServicesDep
from portal.errors import responses, too_many_responses
from portal.schemas import ForgottenIn, LinkToken, LoginIn, Message, SetPassword, TokenOut

router = APIRouter(prefix="/auth", tags=["parents : connexion"], responses=responses(422))


@router.post(
    "/activate",
    response_model=TokenOut,
    responses=responses(400, 403, 409, 410),
    summary="Finaliser la création du compte : lien reçu par courriel et mot de passe (§4.1)",
)
def activate(body: SetPassword, svc: ServicesDep, address: ClientAddress):
    token, expires = parent_actions.activate(
        svc, body.token, body.password, body.password_confirmation, address
    )
    return TokenOut(access_token=token, expires_in=expires)


@router.post(
    "/login",
    response_model=TokenOut,
    responses={**responses(401, 403), **too_many_responses()},
    summary="Se connecter avec l'identifiant (adresse e-mail) et le mot de passe (§2)",
)
def login(body: LoginIn, svc: ServicesDep, address: ClientAddress):
    token, expires = parent_actions.log_in(svc, body.login, body.password, address)
    return TokenOut(access_token=token, expires_in=expires)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(401),
    summary="Se déconnecter (le jeton cesse de fonctionner)",
)
def logout(parent: ParentDep, svc: ServicesDep) -> None:
    parent_actions.log_out(svc, parent.token_id)


@router.post(
    "/password-forgotten",
    response_model=Message,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Identifiant ou mot de passe oublié : recevoir un lien par courriel (§3)",
)
def password_forgotten(body: ForgottenIn, svc: ServicesDep):
    parent_actions.request_password_reset(svc, body.email)
    return Message(message=parent_actions.FORGOTTEN_ANSWER)


@router.post(
    "/password-reset",
    response_model=TokenOut,
    responses=responses(400, 403, 410),
    summary="Choisir un nouveau mot de passe avec le lien reçu par courriel (§3)",
)
def password_reset(body: SetPassword, svc: ServicesDep, address: ClientAddress):
    token, expires = parent_actions.reset_password(
        svc, body.token, body.password, body.password_confirmation, address
    )
    return TokenOut(access_token=token, expires_in=expires)


@router.post(
    "/email-change/confirm",
    response_model=Message,
    responses=responses(400, 403, 409, 410),
    summary="Confirmer la nouvelle adresse e-mail (identifiant) avec le lien reçu (§4.5)",
)
def confirm_email_change(body: LinkToken, svc: ServicesDep):
    login = parent_actions.confirm_login_change(svc, body.token)
    return Message(message=f"Votre nouvel identifiant est confirmé : {login}.")
