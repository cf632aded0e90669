"""Signed-in pages of §4: « Ma famille » (view, edit) and « Mon compte » (login e-mail
and password changes)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from portal import families, parent_actions
from portal.deps import ClientAddress, ServicesDep
from portal.errors import PortalError
from portal.models import Family, ParentAccount
from portal.pages.forms import errors_of, parse
from portal.pages.public import PASSWORD_HINT
from portal.pages.web import FormDep, ParentPage, flash, redirect, render, text
from portal.schemas import FamilyUpdate

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

FAMILY_FIELDS = ["address_line1", "address_line2", "postcode", "commune", "phone", "billing_email"]
GUARDIAN_FIELDS = ["mobile_phone", "home_phone", "work_phone", "email"]


def _family(svc, parent) -> Any:
    with svc.db.read() as session:
        return families.family_out(session.get_one(Family, parent.family_id))


def _family_values(family) -> dict[str, str]:
    values = {f: getattr(family, f) for f in FAMILY_FIELDS}
    for i, g in enumerate(family.guardians):
        for f in GUARDIAN_FIELDS:
            values[f"guardians.{i}.{f}"] = getattr(g, f)
    return values


def _family_update(form: FormData, guardians: int) -> dict[str, Any]:
    data: dict[str, Any] = {f: text(form, f, 300) for f in FAMILY_FIELDS}
    data["guardians"] = [
        {
            "rank": text(form, f"guardians.{i}.rank", 3),
            **{f: text(form, f"guardians.{i}.{f}", 300) for f in GUARDIAN_FIELDS},
        }
        for i in range(guardians)
        if f"guardians.{i}.rank" in form
    ]
    return data


@router.get("/ma-famille")
def family_page(request: Request, parent: ParentPage, svc: ServicesDep):
    return render(request, "family.html", {"family": _family(svc, parent)})


@router.get("/ma-famille/modifier")
def family_edit_page(request: Request, parent: ParentPage, svc: ServicesDep):
    family = _family(svc, parent)
    return render(request, "family_edit.html", {"family": family, "values": _family_values(family)})


@router.post("/ma-famille/modifier")
def family_edit(request: Request, parent: ParentPage, form: FormDep, svc: ServicesDep):
    family = _family(svc, parent)
    data = _family_update(form, len(family.guardians))
    try:
        body = parse(FamilyUpdate, data)
        with svc.db.session() as session:
            families.update_family(session, session.get_one(Family, parent.family_id), body)
    except PortalError as exc:
        values = {f: text(form, f, 300) for f in form if f != "csrf"}
        return render(
            request,
            "family_edit.html",
            {"family": family, "values": values, "errors": errors_of(exc)},
            status_code=exc.status_code,
        )
    flash(request, "Les informations de la famille sont enregistrées.")
    return redirect(request, "/ma-famille")


def _account_page(request: Request, svc, parent, status_code: int = 200, **context: Any):
    with svc.db.read() as session:
        account = families.account_out(session.get_one(ParentAccount, parent.account_id))
    context.setdefault("password_hint", PASSWORD_HINT)
    return render(request, "account.html", {"account": account, **context}, status_code)


@router.get("/mon-compte")
def account_page(request: Request, parent: ParentPage, svc: ServicesDep):
    return _account_page(request, svc, parent)


@router.post("/mon-compte/identifiant")
def change_login(
    request: Request, parent: ParentPage, form: FormDep, svc: ServicesDep, address: ClientAddress
):
    new_email = text(form, "new_email", 254)
    try:
        email = parent_actions.change_login_email(
            svc, parent.account_id, new_email, text(form, "password", 200), address
        )
    except PortalError as exc:
        errors = errors_of(exc)
        if exc.status_code == 409:
            errors = {"new_email": exc.detail}
        return _account_page(
            request,
            svc,
            parent,
            exc.status_code,
            errors=errors,
            values={"new_email": new_email},
            posted="identifiant",
        )
    flash(request, parent_actions.login_change_answer(email))
    return redirect(request, "/mon-compte")


@router.post("/mon-compte/mot-de-passe")
def change_password(
    request: Request, parent: ParentPage, form: FormDep, svc: ServicesDep, address: ClientAddress
):
    try:
        parent_actions.change_password(
            svc,
            parent.account_id,
            parent.token_id,
            text(form, "current_password", 200),
            text(form, "new_password", 200),
            text(form, "new_password_confirmation", 200),
            address,
        )
    except PortalError as exc:
        return _account_page(
            request, svc, parent, exc.status_code, errors=errors_of(exc), posted="mot-de-passe"
        )
    flash(request, "Votre mot de passe a été modifié.")
    return redirect(request, "/mon-compte")
