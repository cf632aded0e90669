"""Back-office side of §6: the catalogue with its rules, registrations, decisions on days.

Every write carries an ``Idempotency-Key`` header, like the other staff pushes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from .. import bookings
from .. import catalogue as catalogue_mod
from ..deps import IdempotencyKey, ServicesDep, StaffDep
from ..errors import responses
from ..schemas_bookings import (
    BookingDecisions,
    BookingDecisionsResult,
    CatalogueOut,
    CataloguePush,
    CataloguePushResult,
    RegistrationPush,
    RegistrationPushResult,
)
from .staff import _keyed

router = APIRouter(prefix="/staff", tags=["back-office"], responses=responses(401, 422))

RegistrationRef = Annotated[
    str,
    Path(
        min_length=1,
        max_length=40,
        pattern=r"^[\w.-]+$",
        description="N° d'inscription du portail (INS-…) ou référence du back-office.",
    ),
]


@router.put(
    "/catalogue",
    response_model=CataloguePushResult,
    summary="Remplacer le catalogue : activités, périodes, unités, fermetures, capacités, règles",
)
def put_catalogue(
    body: CataloguePush,
    request: Request,
    svc: ServicesDep,
    _staff: StaffDep,
    key: IdempotencyKey,
):
    return _keyed(
        request, svc, key, body, lambda session: (200, catalogue_mod.replace(session, body))
    )


@router.get(
    "/catalogue",
    response_model=CatalogueOut,
    summary="Le catalogue tel que le portail le détient",
)
def get_catalogue(svc: ServicesDep, _staff: StaffDep):
    with svc.db.read() as session:
        return catalogue_mod.staff_view(catalogue_mod.load(session))


@router.put(
    "/registrations/{registration_ref}",
    response_model=RegistrationPushResult,
    responses={201: {"model": RegistrationPushResult, "description": "Inscription créée"}}
    | responses(404, 409),
    summary="Accepter ou refuser une inscription (ou enregistrer une inscription faite à "
    "l'accueil)",
)
def put_registration(
    registration_ref: RegistrationRef,
    body: RegistrationPush,
    request: Request,
    svc: ServicesDep,
    _staff: StaffDep,
    key: IdempotencyKey,
):
    return _keyed(
        request,
        svc,
        key,
        body,
        lambda session: bookings.push_registration(session, registration_ref, body),
    )


@router.put(
    "/bookings/decisions",
    response_model=BookingDecisionsResult,
    summary="Décisions du service sur des jours : accepté, refusé, liste d'attente, annulé "
    "(avec la réponse lue par les parents)",
)
def put_decisions(
    body: BookingDecisions,
    request: Request,
    svc: ServicesDep,
    _staff: StaffDep,
    key: IdempotencyKey,
):
    return _keyed(request, svc, key, body, lambda session: (200, bookings.decide(session, body)))
