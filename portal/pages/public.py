"""Pages anyone opens: home (§1), login (§2), forgotten password (§3), the e-mailed
links (activation §4.1, new password, new login e-mail), legal pages."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from portal import parent_actions
from portal.deps import ClientAddress, ServicesDep
from portal.errors import PortalError
from portal.pages.forms import errors_of
from portal.pages.web import (
    FormDep,
    end_session,
    flash,
    page_parent,
    redirect,
    render,
    safe_return,
    start_session,
    text,
)
from portal.security import PASSWORD_MIN_LENGTH

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

PASSWORD_HINT = (
    f"Au moins {PASSWORD_MIN_LENGTH} caractères, avec une minuscule, une majuscule et un "
    "chiffre ; sans votre identifiant."
)


@router.get("/")
def home(request: Request):
    return render(request, "home.html")


@router.get("/accessibilite")
def accessibility(request: Request):
    return render(request, "accessibility.html")


@router.get("/donnees-personnelles")
def data_protection(request: Request):
    return render(request, "data_protection.html")


# --- §2 login ------------------------------------------------------------------------


@router.get("/connexion")
def login_page(request: Request, svc: ServicesDep, suite: str = ""):
    if page_parent(request, svc) is not None:
        return redirect(request, safe_return(suite))
    return render(request, "login.html", {"suite": safe_return(suite)})


@router.post("/connexion")
def login(request: Request, form: FormDep, svc: ServicesDep, address: ClientAddress):
    login_typed = text(form, "login", 254)
    suite = safe_return(text(form, "suite"))
    try:
        token, _ = parent_actions.log_in(svc, login_typed, text(form, "password", 200), address)
    except PortalError as exc:
        # Same message whether the identifier exists or not (accounts.login).
        status = exc.status_code if exc.status_code == 429 else 401
        return render(
            request,
            "login.html",
            {"errors": {"": exc.detail}, "values": {"login": login_typed}, "suite": suite},
            status_code=status,
        )
    start_session(request, token)
    return redirect(request, suite)


@router.post("/deconnexion")
def logout(request: Request, form: FormDep, svc: ServicesDep):
    parent = page_parent(request, svc)
    if parent is not None:
        parent_actions.log_out(svc, parent.token_id)
    end_session(request)
    flash(request, "Vous êtes déconnecté.")
    return redirect(request, "/connexion")


# --- §3 forgotten password -----------------------------------------------------------------


@router.get("/mot-de-passe-oublie")
def forgotten_page(request: Request):
    return render(request, "forgotten.html")


@router.post("/mot-de-passe-oublie")
def forgotten(request: Request, form: FormDep, svc: ServicesDep):
    email = text(form, "email", 254).strip()
    if not email:
        errors = {"email": "Indiquez l'adresse e-mail de votre compte."}
        return render(request, "forgotten.html", {"errors": errors}, status_code=422)
    parent_actions.request_password_reset(svc, email)
    return render(request, "forgotten.html", {"sent": parent_actions.FORGOTTEN_ANSWER})


# --- links received by e-mail ----------------------------------------------------------------

LINK_FORMS = {
    "/activation": {
        "heading": "Finaliser la création de votre compte",
        "intro": "Choisissez le mot de passe de votre compte famille. Votre identifiant est "
        "l'adresse e-mail à laquelle vous avez reçu le lien.",
        "button": "Activer mon compte",
        "action": "/activation",
        "password_hint": PASSWORD_HINT,
    },
    "/mot-de-passe": {
        "heading": "Choisir un nouveau mot de passe",
        "intro": "Choisissez votre nouveau mot de passe. Les sessions ouvertes sur d'autres "
        "appareils seront fermées.",
        "button": "Enregistrer le mot de passe",
        "action": "/mot-de-passe",
        "password_hint": PASSWORD_HINT,
    },
}


@router.get("/activation")
@router.get("/mot-de-passe")
def link_page(request: Request):
    return render(request, "set_password.html", LINK_FORMS[request.url.path])


@router.post("/activation")
@router.post("/mot-de-passe")
def link_form(request: Request, form: FormDep, svc: ServicesDep, address: ClientAddress):
    path = request.url.path
    token = text(form, "token", 200).strip()
    action = parent_actions.activate if path == "/activation" else parent_actions.reset_password
    try:
        if not token:
            raise PortalError(
                400, "Ce lien n'est pas valide. Vérifiez qu'il a été copié en entier."
            )
        session_token, _ = action(
            svc,
            token,
            text(form, "password", 200),
            text(form, "password_confirmation", 200),
            address,
        )
    except PortalError as exc:
        context: dict[str, Any] = dict(LINK_FORMS[path])
        context["errors"] = errors_of(exc)
        context["values"] = {"token": token}
        context["link_problem"] = exc.status_code in (400, 410)
        # Used or expired: typing a password again is pointless, only a new link helps.
        context["link_dead"] = exc.status_code == 410
        return render(request, "set_password.html", context, status_code=exc.status_code)
    start_session(request, session_token)
    flash(
        request,
        "Votre compte est activé : bienvenue sur le Portail Famille."
        if path == "/activation"
        else "Votre nouveau mot de passe est enregistré.",
    )
    return redirect(request, "/ma-famille")


@router.get("/confirmation-email")
def confirm_email_page(request: Request):
    return render(request, "confirm_email.html")


@router.post("/confirmation-email")
def confirm_email(request: Request, form: FormDep, svc: ServicesDep):
    token = text(form, "token", 200).strip()
    try:
        if not token:
            raise PortalError(
                400, "Ce lien n'est pas valide. Vérifiez qu'il a été copié en entier."
            )
        login_email = parent_actions.confirm_login_change(svc, token)
    except PortalError as exc:
        return render(
            request,
            "confirm_email.html",
            {"errors": errors_of(exc), "values": {"token": token}, "link_problem": True},
            status_code=exc.status_code,
        )
    flash(request, f"Votre nouvel identifiant est confirmé : {login_email}.")
    return redirect(request, "/mon-compte" if page_parent(request, svc) else "/connexion")
