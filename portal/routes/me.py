"""Parents' space: « Mes informations » (§4.3–4.6) and « Mes enfants » (§5)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, status

from portal import families, parent_actions
from portal.deps import ClientAddress, ParentDep, ServicesDep
from portal.errors import responses, too_many_responses
from portal.models import Family, ParentAccount
from portal.schemas import (
    ChildForm,
    ChildInformation,
    ChildSummary,
    Consents,
    FamilyOut,
    FamilyUpdate,
    LoginEmailChange,
    MedicalRecord,
    MeOut,
    Message,
    PasswordChange,
    Persons,
)

router = APIRouter(prefix="/me", tags=["parents : mon compte"], responses=responses(401, 422))

ChildRef = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[\w.-]+$")]


LOCAL_TZ = ZoneInfo("Europe/Paris")


def _today() -> date:
    """Today where the families live (a birth date « in the future » is judged there)."""
    return datetime.now(LOCAL_TZ).date()


@router.get("", response_model=MeOut, summary="Mon compte : identifiant et famille (§4.2)")
def me(parent: ParentDep, svc: ServicesDep):
    with svc.db.read() as session:
        account = session.get_one(ParentAccount, parent.account_id)
        return MeOut(
            account=families.account_out(account), family=families.family_out(account.family)
        )


@router.get("/family", response_model=FamilyOut, summary="Informations de la famille (§4.3)")
def get_family(parent: ParentDep, svc: ServicesDep):
    with svc.db.read() as session:
        return families.family_out(session.get_one(Family, parent.family_id))


@router.put(
    "/family",
    response_model=FamilyOut,
    summary="Modifier l'adresse, les téléphones et les e-mails de la famille (§4.4)",
)
def put_family(body: FamilyUpdate, parent: ParentDep, svc: ServicesDep):
    with svc.db.session() as session:
        return families.update_family(session, session.get_one(Family, parent.family_id), body)


@router.post(
    "/login-email",
    response_model=Message,
    status_code=status.HTTP_202_ACCEPTED,
    responses={**responses(409, 503), **too_many_responses()},
    summary="Changer d'identifiant : un lien de confirmation part à la nouvelle adresse (§4.5)",
)
def change_login_email(
    body: LoginEmailChange, parent: ParentDep, svc: ServicesDep, address: ClientAddress
):
    email = parent_actions.change_login_email(
        svc, parent.account_id, body.new_email, body.password, address
    )
    return Message(message=parent_actions.login_change_answer(email))


@router.post(
    "/password",
    response_model=Message,
    responses=too_many_responses(),
    summary="Changer de mot de passe (§4.6) ; les autres sessions sont fermées",
)
def change_password(
    body: PasswordChange, parent: ParentDep, svc: ServicesDep, address: ClientAddress
):
    parent_actions.change_password(
        svc,
        parent.account_id,
        parent.token_id,
        body.current_password,
        body.new_password,
        body.new_password_confirmation,
        address,
    )
    return Message(message="Votre mot de passe a été modifié.")


@router.get("/children", response_model=list[ChildSummary], summary="Mes enfants (§5)")
def list_children(parent: ParentDep, svc: ServicesDep):
    with svc.db.read() as session:
        return families.children_summary(session.get_one(Family, parent.family_id))


@router.get(
    "/children/{child_ref}",
    response_model=ChildForm,
    responses=responses(404),
    summary="Fiche enfant : les cinq blocs du formulaire « Enfant » (§5.1)",
)
def get_child(child_ref: ChildRef, parent: ParentDep, svc: ServicesDep):
    with svc.db.read() as session:
        child = families.child_of_family(session, parent.family_id, child_ref)
        return families.child_form(child, families.consent_definitions(session))


def _child_update(parent, svc, child_ref: str, apply) -> ChildForm:
    with svc.db.session() as session:
        child = families.child_of_family(session, parent.family_id, child_ref)
        apply(session, child)
        session.flush()
        return families.child_form(child, families.consent_definitions(session))


@router.put(
    "/children/{child_ref}/information",
    response_model=ChildForm,
    responses=responses(404),
    summary="Bloc « Information Enfant » (§5.2)",
)
def put_information(
    child_ref: ChildRef, body: ChildInformation, parent: ParentDep, svc: ServicesDep
):
    return _child_update(
        parent, svc, child_ref, lambda s, c: families.update_information(s, c, body, _today())
    )


@router.put(
    "/children/{child_ref}/medical",
    response_model=ChildForm,
    responses=responses(404),
    summary="Bloc « Renseignements médicaux » : vaccins, maladies, allergies, médecin (§5.2)",
)
def put_medical(child_ref: ChildRef, body: MedicalRecord, parent: ParentDep, svc: ServicesDep):
    return _child_update(
        parent, svc, child_ref, lambda s, c: families.update_medical(s, c, body, _today())
    )


@router.put(
    "/children/{child_ref}/emergency-contacts",
    response_model=ChildForm,
    responses=responses(404),
    summary="Bloc « Personnes à contacter en cas d'urgence » (§5.2)",
)
def put_emergency_contacts(child_ref: ChildRef, body: Persons, parent: ParentDep, svc: ServicesDep):
    return _child_update(
        parent,
        svc,
        child_ref,
        lambda s, c: families.update_persons(s, c, "emergency_contacts", body.persons),
    )


@router.put(
    "/children/{child_ref}/authorised-pickups",
    response_model=ChildForm,
    responses=responses(404),
    summary="Bloc « Personnes autorisées à venir chercher l'enfant » (§5.2)",
)
def put_authorised_pickups(child_ref: ChildRef, body: Persons, parent: ParentDep, svc: ServicesDep):
    return _child_update(
        parent,
        svc,
        child_ref,
        lambda s, c: families.update_persons(s, c, "authorised_pickups", body.persons),
    )


@router.put(
    "/children/{child_ref}/consents",
    response_model=ChildForm,
    responses=responses(404),
    summary="Bloc « Autorisations » (§5.2)",
)
def put_consents(child_ref: ChildRef, body: Consents, parent: ParentDep, svc: ServicesDep):
    return _child_update(
        parent, svc, child_ref, lambda s, c: families.update_consents(s, c, body.consents, _today())
    )
