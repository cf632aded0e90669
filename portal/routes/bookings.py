"""Parents' space, guide §6: activities open for booking, registrations, weekly planning,
draft (book / un-book days one by one or in bulk), review, validation, summaries."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Response, status
from fastapi.responses import JSONResponse

from portal import answers
from portal import catalogue as catalogue_mod
from portal.bookings import drafts, planning, registrations, submissions
from portal.bookings.schemas import (
    Draft,
    DraftRequest,
    Planning,
    RegistrationOut,
    RegistrationRequest,
    Submission,
    SubmissionSummary,
    ValidateRequest,
)
from portal.deps import ParentDep, ServicesDep
from portal.errors import responses
from portal.mail import Mail, send_after_commit
from portal.models import Family, RegistrationState
from portal.routes.common import write_or_conflict
from portal.rules import today_in_paris
from portal.schemas_catalogue import ActivityOut

router = APIRouter(prefix="/me", tags=["parents : réservations"], responses=responses(401, 422))

RegistrationRef = Annotated[
    str,
    Path(min_length=1, max_length=40, pattern=r"^[\w.-]+$", description="N° d'inscription."),
]
SubmissionNumber = Annotated[
    str,
    Path(min_length=1, max_length=20, pattern=r"^[\w.-]+$", description="N° de réservation."),
]
WeekQuery = Annotated[
    str | None,
    Query(
        pattern=r"^\d{4}-W\d{2}$",
        description="Semaine ISO (ex. 2026-W49) ; par défaut "
        "celle d'aujourd'hui, ou la première de la période.",
    ),
]


@router.get(
    "/activities",
    response_model=list[ActivityOut],
    summary="Activités et périodes ouvertes à la réservation (§6.1)",
)
def activities(parent: ParentDep, svc: ServicesDep):
    with svc.db.read() as session:
        cat = catalogue_mod.load(session)
        return catalogue_mod.for_parents(cat, today_in_paris(svc.now()))


@router.get(
    "/registrations",
    response_model=list[RegistrationOut],
    summary="Inscriptions des enfants (§6.2)",
)
def list_registrations(parent: ParentDep, svc: ServicesDep):
    with svc.db.read() as session:
        return registrations.registrations_of(session, parent.family_id)


@router.post(
    "/registrations",
    response_model=RegistrationOut,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": RegistrationOut, "description": "Déjà inscrit"},
        **responses(404, 409),
    },
    summary="Inscrire un enfant à une activité pour une période (§6.1) ; refusé tant que la "
    "fiche de l'enfant est incomplète",
    description="Avec `send_email`, une inscription acceptée d'office est aussi confirmée par "
    "courriel (après l'enregistrement). Une inscription soumise à validation reçoit la "
    "réponse du service par courriel dans tous les cas.",
)
def register(body: RegistrationRequest, parent: ParentDep, svc: ServicesDep):
    outbox: list[Mail] = []

    def action(session):
        family = session.get_one(Family, parent.family_id)
        before = registrations.registration_state(session, family, body)
        code, out = registrations.request_registration(session, family, body, svc.now())
        to = answers.recipient(family)
        decided = out.state == RegistrationState.ACCEPTED.value and before != out.state
        if body.send_email and decided and to is not None:
            outbox.append(
                answers.registration_mail(
                    to,
                    number=out.ref,
                    child=out.child_name,
                    activity=out.activity_name,
                    period=out.period_label,
                    accepted=True,
                    by_service=False,
                )
            )
        return JSONResponse(out.model_dump(mode="json"), status_code=code)

    response = write_or_conflict(svc, action)
    send_after_commit(svc.mailer, outbox)
    return response


@router.get(
    "/registrations/{registration_ref}/planning",
    response_model=Planning,
    responses=responses(404, 409),
    summary="Planning de la semaine : état de chaque jour et unité, et ce qu'on peut faire (§6.1)",
)
def get_planning(
    registration_ref: RegistrationRef, parent: ParentDep, svc: ServicesDep, week: WeekQuery = None
):
    with svc.db.read() as session:
        reg = registrations.registration_of_family(session, parent.family_id, registration_ref)
        return planning.planning(session, reg, week, svc.now())


@router.get(
    "/registrations/{registration_ref}/draft",
    response_model=Draft,
    responses=responses(404, 409),
    summary="Vérifier les jours cochés avant de valider (décision prévue pour chacun)",
)
def get_draft(registration_ref: RegistrationRef, parent: ParentDep, svc: ServicesDep):
    with svc.db.read() as session:
        reg = registrations.registration_of_family(session, parent.family_id, registration_ref)
        return drafts.draft(session, reg, svc.now())


@router.post(
    "/registrations/{registration_ref}/draft",
    response_model=Draft,
    responses=responses(404, 409),
    summary="Cocher (book) ou décocher (unbook) des jours : un par un, jours affichés, "
    "toute la période, jours de semaine choisis",
)
def edit_draft(
    registration_ref: RegistrationRef, body: DraftRequest, parent: ParentDep, svc: ServicesDep
):
    def action(session):
        reg = registrations.registration_of_family(session, parent.family_id, registration_ref)
        return drafts.edit_draft(session, reg, body, svc.now())

    return write_or_conflict(svc, action)


@router.delete(
    "/registrations/{registration_ref}/draft",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(404),
    summary="Abandonner les jours cochés non validés",
)
def clear_draft(registration_ref: RegistrationRef, parent: ParentDep, svc: ServicesDep):
    def action(session):
        reg = registrations.registration_of_family(session, parent.family_id, registration_ref)
        drafts.clear_draft(session, reg)

    write_or_conflict(svc, action)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/registrations/{registration_ref}/draft/validate",
    response_model=Submission,
    status_code=status.HTTP_201_CREATED,
    responses=responses(404, 409),
    summary="Valider : chaque jour est accepté, devient une demande ou va en liste d'attente "
    "selon les règles, avec l'explication ; récapitulatif avec le n° de réservation",
    description='Corps facultatif. Avec `{"send_email": true}`, le récapitulatif part aussi '
    "par courriel après l'enregistrement. Les réponses du service aux demandes (liste "
    "d'attente, demandes, annulations à valider) partent par courriel dans tous les cas.",
)
def validate(
    registration_ref: RegistrationRef,
    parent: ParentDep,
    svc: ServicesDep,
    body: Annotated[ValidateRequest | None, Body()] = None,
):
    outbox: list[Mail] = []

    def action(session):
        family = session.get_one(Family, parent.family_id)
        reg = registrations.registration_of_family(session, parent.family_id, registration_ref)
        summary = submissions.validate(session, family, reg, svc.now())
        to = answers.recipient(family)
        if body is not None and body.send_email and to is not None:
            outbox.append(answers.submission_mail(to, summary))
        return summary

    summary = write_or_conflict(svc, action)
    send_after_commit(svc.mailer, outbox)
    return summary


@router.get(
    "/bookings",
    response_model=list[SubmissionSummary],
    summary="Liste des réservations et demandes d'annulation, avec leur état (§6.1–6.3)",
)
def list_bookings(parent: ParentDep, svc: ServicesDep):
    with svc.db.read() as session:
        return submissions.submissions_of(session, parent.family_id)


@router.get(
    "/bookings/{number}",
    response_model=Submission,
    responses=responses(404),
    summary="Détail d'une réservation : jours, décisions, réponses du service",
)
def get_booking(number: SubmissionNumber, parent: ParentDep, svc: ServicesDep):
    with svc.db.read() as session:
        return submissions.submission_of_family(session, parent.family_id, number)
