"""Back-office side (staff bearer token): idempotent pushes and the change feed pull.

Every write carries an ``Idempotency-Key`` header: the same key with the same
request returns the first answer without doing the work again.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from portal import families, feed, login_changes
from portal.deps import IdempotencyKey, ServicesDep, StaffDep
from portal.errors import responses
from portal.models import LinkPurpose
from portal.routes.common import idempotent_write
from portal.schemas import (
    AccountOut,
    ChangeOut,
    ChangesPage,
    ConsentDefinitions,
    FamilyPush,
    FamilyPushResult,
    Message,
    StaffFamilyOut,
    StaffLoginEmailChange,
    StaffLoginEmailChangeResult,
)

router = APIRouter(prefix="/staff", tags=["back-office"], responses=responses(401, 422))

FamilyRef = Annotated[
    str,
    Path(min_length=1, max_length=40, pattern=r"^[\w.-]+$", description="Identifiant back-office."),
]


@router.put(
    "/families/{family_ref}",
    response_model=FamilyPushResult,
    status_code=200,
    responses={
        201: {"model": FamilyPushResult, "description": "Compte créé"},
        **responses(409, 503),
    },
    summary="Créer ou mettre à jour un compte famille (responsables, enfants)",
)
def put_family(
    family_ref: FamilyRef,
    body: FamilyPush,
    request: Request,
    svc: ServicesDep,
    _staff: StaffDep,
    key: IdempotencyKey,
):
    def action(session):
        return families.push_family(session, svc.settings, svc.mailer, family_ref, body)

    return idempotent_write(request, svc, key, body, action)


@router.get(
    "/families/{family_ref}",
    response_model=StaffFamilyOut,
    responses=responses(404),
    summary="Lire un compte famille tel que le portail le détient",
)
def get_family(family_ref: FamilyRef, svc: ServicesDep, _staff: StaffDep):
    with svc.db.read() as session:
        return families.staff_view(session, families.family_by_ref(session, family_ref))


def _state_route(disabled: bool):
    def endpoint(
        family_ref: FamilyRef,
        request: Request,
        svc: ServicesDep,
        _staff: StaffDep,
        key: IdempotencyKey,
    ):
        return idempotent_write(
            request,
            svc,
            key,
            None,
            lambda session: (200, families.set_disabled(session, family_ref, disabled)),
        )

    return endpoint


router.add_api_route(
    "/families/{family_ref}/disable",
    _state_route(True),
    methods=["POST"],
    response_model=AccountOut,
    responses=responses(404),
    summary="Désactiver un compte (ses sessions sont fermées)",
    name="disable_family",
)
router.add_api_route(
    "/families/{family_ref}/reactivate",
    _state_route(False),
    methods=["POST"],
    response_model=AccountOut,
    responses=responses(404),
    summary="Réactiver un compte désactivé",
    name="reactivate_family",
)


def _mail_route(purpose: LinkPurpose):
    def endpoint(
        family_ref: FamilyRef,
        request: Request,
        svc: ServicesDep,
        _staff: StaffDep,
        key: IdempotencyKey,
    ):
        return idempotent_write(
            request,
            svc,
            key,
            None,
            lambda session: (
                200,
                families.send_link(session, svc.settings, svc.mailer, family_ref, purpose),
            ),
        )

    return endpoint


router.add_api_route(
    "/families/{family_ref}/activation-email",
    _mail_route(LinkPurpose.ACTIVATION),
    methods=["POST"],
    response_model=Message,
    responses=responses(404, 409, 503),
    summary="Envoyer un nouveau lien d'activation",
    name="send_activation_email",
)
router.add_api_route(
    "/families/{family_ref}/password-reset-email",
    _mail_route(LinkPurpose.PASSWORD_RESET),
    methods=["POST"],
    response_model=Message,
    responses=responses(404, 409, 503),
    summary="Envoyer un lien de réinitialisation du mot de passe",
    name="send_password_reset_email",
)


@router.post(
    "/families/{family_ref}/login-email",
    response_model=StaffLoginEmailChangeResult,
    responses=responses(404, 409, 503),
    summary="Changer l'identifiant d'une famille : lien de confirmation à la nouvelle adresse "
    "(l'ancien identifiant reste valable jusqu'à la confirmation)",
)
def change_login_email(
    family_ref: FamilyRef,
    body: StaffLoginEmailChange,
    request: Request,
    svc: ServicesDep,
    _staff: StaffDep,
    key: IdempotencyKey,
):
    return idempotent_write(
        request,
        svc,
        key,
        body,
        lambda session: (
            200,
            login_changes.staff_login_change(
                session, svc.settings, svc.mailer, family_ref, body.new_login_email
            ),
        ),
    )


@router.put(
    "/consent-definitions",
    response_model=dict[str, int],
    summary="Remplacer la liste des autorisations demandées aux parents",
)
def put_consent_definitions(
    body: ConsentDefinitions,
    request: Request,
    svc: ServicesDep,
    _staff: StaffDep,
    key: IdempotencyKey,
) -> JSONResponse:
    return idempotent_write(
        request,
        svc,
        key,
        body,
        lambda session: (200, families.replace_consent_definitions(session, body)),
    )


@router.get(
    "/changes",
    response_model=ChangesPage,
    summary="Changements faits par les parents, numérotés, à partir d'un curseur",
)
def get_changes(
    svc: ServicesDep,
    _staff: StaffDep,
    after: Annotated[int, Query(ge=0, le=2**62, description="Dernier numéro déjà appliqué.")] = 0,
    limit: Annotated[int, Query(ge=1, le=feed.MAX_PAGE)] = 100,
):
    with svc.db.read() as session:
        rows, more = feed.page(session, after, limit)
        changes = [ChangeOut.model_validate(r) for r in rows]
    return ChangesPage(
        changes=changes, last_seq=changes[-1].seq if changes else after, has_more=more
    )
