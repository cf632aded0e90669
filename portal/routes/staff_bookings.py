"""Back-office side of §6: the catalogue with its rules, registrations, decisions on days,
days booked or cancelled at the desk.

Every write carries an ``Idempotency-Key`` header, like the other staff pushes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from portal import catalogue as catalogue_mod
from portal.bookings import decisions, desk, registrations
from portal.bookings.schemas import (
    BookingDecisions,
    BookingDecisionsResult,
    DeskBookings,
    DeskBookingsResult,
    RegistrationPush,
    RegistrationPushResult,
)
from portal.deps import IdempotencyKey, ServicesDep, StaffDep
from portal.errors import responses
from portal.idempotency import REPLAY_HEADER
from portal.mail import Mail, send_after_commit
from portal.routes.common import idempotent_write
from portal.schemas_catalogue import CatalogueOut, CataloguePush, CataloguePushResult

router = APIRouter(prefix="/staff", tags=["back-office"], responses=responses(401, 422))


def _idempotent_write_with_mails(request: Request, svc, key: str, body, action):
    """An idempotent write whose answers to the parents are e-mailed after the commit — and only
    by the call that did the work (a replay, or a losing concurrent call, sends nothing)."""
    outbox: list[Mail] = []
    response = idempotent_write(request, svc, key, body, lambda session: action(session, outbox))
    if response.headers.get(REPLAY_HEADER) is None:
        send_after_commit(svc.mailer, outbox)
    return response


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
    return idempotent_write(
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
    responses={
        201: {"model": RegistrationPushResult, "description": "Inscription créée"},
        **responses(404, 409),
    },
    summary="Accepter ou refuser une inscription (ou enregistrer une inscription faite à "
    "l'accueil)",
    description="Quand une inscription demandée par les parents devient acceptée ou "
    "refusée, la réponse leur part par courriel après l'enregistrement (jamais deux fois : "
    "rejouer l'appel ou repousser la même décision n'envoie rien).",
)
def put_registration(
    registration_ref: RegistrationRef,
    body: RegistrationPush,
    request: Request,
    svc: ServicesDep,
    _staff: StaffDep,
    key: IdempotencyKey,
):
    return _idempotent_write_with_mails(
        request,
        svc,
        key,
        body,
        lambda session, outbox: registrations.push_registration(
            session, registration_ref, body, outbox
        ),
    )


@router.put(
    "/bookings/decisions",
    response_model=BookingDecisionsResult,
    summary="Décisions du service sur des jours : accepté, refusé, liste d'attente, annulé "
    "(avec la réponse lue par les parents)",
    description="Chaque jour dont l'état change est annoncé à sa famille : un courriel par "
    "famille et par appel, qui liste les jours (acceptés, refusés, en liste d'attente, "
    "annulations acceptées — facturées ou non, `billed` — ou refusées). Envoyé après "
    "l'enregistrement, jamais deux fois pour la même décision.",
)
def put_decisions(
    body: BookingDecisions,
    request: Request,
    svc: ServicesDep,
    _staff: StaffDep,
    key: IdempotencyKey,
):
    return _idempotent_write_with_mails(
        request,
        svc,
        key,
        body,
        lambda session, outbox: (200, decisions.decide(session, body, outbox)),
    )


@router.put(
    "/bookings/desk",
    response_model=DeskBookingsResult,
    responses=responses(404, 409),
    summary="Jours réservés, mis en liste d'attente ou annulés à l'accueil par le service",
    description="Chaque jour est créé ou mis à jour sur l'inscription de l'enfant à l'activité "
    "et la période (créée acceptée si le portail ne la connaît pas) ; les places suivent. "
    "Aucun courriel n'est envoyé et rien ne part dans le flux des changements.",
)
def put_desk_bookings(
    body: DeskBookings,
    request: Request,
    svc: ServicesDep,
    _staff: StaffDep,
    key: IdempotencyKey,
):
    return idempotent_write(
        request, svc, key, body, lambda session: desk.record_desk_bookings(session, body)
    )
