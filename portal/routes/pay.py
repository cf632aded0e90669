"""The payment provider's side: PayFiP's notification (its result read back from PayFiP),
and the simulated provider's page, where the parent who owns the operation pays or
refuses (tests and demo)."""

from __future__ import annotations

import html
import logging
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import select

from portal.billing import amounts, outcomes
from portal.deps import ParentDep, Services, ServicesDep
from portal.errors import PortalError, json_responses, responses
from portal.mail import Mail, MailError, payment_receipt_mail
from portal.models import Payment, PaymentState
from portal.payfip import IN_PROGRESS, PayfipError
from portal.providers import (
    RESULT_LABELS,
    Expected,
    NotificationError,
    Outcome,
    PayfipProvider,
    ResultMismatch,
    SimulatedProvider,
    notification_idop,
)
from portal.routes.common import write_or_conflict

log = logging.getLogger(__name__)

router = APIRouter(prefix="/payments", tags=["paiement en ligne"], responses=responses(404, 422))

MAX_FORM_BYTES = 16 * 1024
Refdet = Annotated[str, Path(min_length=1, max_length=30, pattern=r"^[A-Za-z0-9]+$")]


async def _params(request: Request) -> dict[str, str]:
    """Query string and url-encoded form, merged (PayFiP may use either)."""
    params = dict(request.query_params)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise PortalError(413, "Notification trop volumineuse.")
    if body:
        try:
            params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        except (UnicodeDecodeError, ValueError) as exc:
            raise PortalError(422, "Notification illisible.") from exc
    return params


def _receipt(payment: Payment) -> Mail:
    numbers = ", ".join(a.invoice.number for a in payment.allocations)
    return payment_receipt_mail(
        payment.email,
        payment.ref,
        amounts.euros(payment.amount_cents),
        numbers,
        payment.state is PaymentState.VALIDATED,
    )


def _record(
    svc: Services, provider_name: str, outcome: Outcome, family_id: int | None = None
) -> outcomes.Applied:
    """The result, recorded once (its receipt mailed after the commit)."""
    mails: list[Mail] = []

    def action(session):
        applied = outcomes.apply_outcome(session, provider_name, outcome, svc.now(), family_id)
        if applied.changed:
            mails.append(_receipt(applied.payment))
        return applied

    applied = write_or_conflict(svc, action)
    for mail in mails:  # after the commit: a mail outage never loses a payment result
        try:
            svc.mailer.send(mail)
        except MailError:
            pass
    return applied


def _check_origin(svc: Services, request: Request) -> None:
    allowed = [ip.strip() for ip in svc.settings.payfip_notify_ips.split(",") if ip.strip()]
    if allowed and (request.client is None or request.client.host not in allowed):
        log.warning("Notification PayFiP refusée : adresse d'origine non autorisée")
        raise PortalError(403, "Notification refusée : adresse d'origine non autorisée.")


def _answer(applied: outcomes.Applied) -> dict:
    p = applied.payment
    return {
        "payment": p.ref,
        "state": p.state.value,
        "result": p.result,
        "changed": applied.changed,
        "late": applied.late,
    }


def _payfip_result(svc: Services, params: dict[str, str]) -> dict:
    """PayFiP's notification names an operation (``idOp``); its result is read back from
    PayFiP and checked against the stored operation. Nothing else in the notification
    counts: a forged one changes nothing. Logs name the payment, never personal data."""
    provider = svc.provider
    if not isinstance(provider, PayfipProvider):
        raise PortalError(404, "Ce moyen de paiement n'est pas utilisé par ce portail.")
    try:
        idop = notification_idop(params)
    except NotificationError as exc:
        log.warning(
            "Notification PayFiP refusée : %s (%d champ(s) reçu(s), ignoré(s))", exc, len(params)
        )
        raise PortalError(422, str(exc)) from exc
    with svc.db.read() as session:
        payment = session.scalars(
            select(Payment).where(Payment.operation_id == idop, Payment.provider == "payfip")
        ).first()
        if payment is None:
            log.warning("Notification PayFiP refusée : opération inconnue du portail")
            raise PortalError(404, "Opération de paiement inconnue.")
        ref = payment.ref
        expected = Expected(
            idop=idop, refdet=payment.refdet, exer=payment.exer, amount_cents=payment.amount_cents
        )
    try:
        detail = provider.detail(idop)
    except PayfipError as exc:
        if exc.code == IN_PROGRESS:
            log.warning("Notification PayFiP de %s : PayFiP n'a pas encore de résultat", ref)
            raise PortalError(
                409, "PayFiP n'a pas encore de résultat pour cette opération."
            ) from exc
        log.warning(
            "Notification PayFiP de %s : résultat non relu auprès de PayFiP (code %s)",
            ref,
            exc.code or "aucun",
        )
        raise PortalError(
            502, f"Le résultat n'a pas pu être relu auprès de PayFiP : {exc}"
        ) from exc
    try:
        outcome = provider.outcome(detail, expected)
    except ResultMismatch as exc:
        log.warning(
            "Résultat PayFiP de %s refusé : %s différent(s) de l'opération enregistrée",
            ref,
            ", ".join(exc.fields),
        )
        raise PortalError(
            422,
            "Le résultat PayFiP ne correspond pas à l'opération enregistrée "
            f"({', '.join(exc.fields)}) : le paiement n'est pas pris en compte.",
        ) from exc
    except NotificationError as exc:
        log.warning("Résultat PayFiP de %s illisible : %s", ref, exc)
        raise PortalError(502, f"Résultat PayFiP illisible : {exc}") from exc
    return _answer(_record(svc, "payfip", outcome))


async def _payfip(request: Request, svc: Services) -> JSONResponse:
    _check_origin(svc, request)
    params = await _params(request)
    return JSONResponse(await run_in_threadpool(_payfip_result, svc, params))


NOTIFY_SUMMARY = (
    "Notification PayFiP : l'identifiant de l'opération (idOp) ; le résultat est relu "
    "auprès de PayFiP (recupererDetailPaiementSecurise) et comparé à l'opération "
    "enregistrée, tout autre champ reçu est ignoré ; idempotente"
)
NOTIFY_ERRORS = responses(403, 409, 502)


@router.post("/payfip/notification", responses=NOTIFY_ERRORS, summary=NOTIFY_SUMMARY)
async def payfip_notification(request: Request, svc: ServicesDep):
    return await _payfip(request, svc)


@router.get(
    "/payfip/notification",
    responses=NOTIFY_ERRORS,
    summary=NOTIFY_SUMMARY + " (paramètres dans l'URL)",
)
async def payfip_notification_get(request: Request, svc: ServicesDep):
    return await _payfip(request, svc)


def simulated_outcome(svc: Services, params: dict[str, str], family_id: int) -> dict:
    if svc.provider is None or svc.provider.name != "simulated":
        raise PortalError(404, "Le paiement simulé n'est pas activé sur ce portail.")
    try:
        outcome = SimulatedProvider().parse_notification(params)
    except NotificationError as exc:
        raise PortalError(422, str(exc)) from exc
    return _answer(_record(svc, "simulated", outcome, family_id))


@router.post(
    "/simulated/notification",
    responses=responses(401),
    summary="Réponse du fournisseur simulé (tests, démo : refdet, resultrans, montant), "
    "avec la session du parent dont c'est l'opération",
)
async def simulated_notification(request: Request, parent: ParentDep, svc: ServicesDep):
    params = await _params(request)
    return JSONResponse(await run_in_threadpool(simulated_outcome, svc, params, parent.family_id))


PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:36em;margin:2em auto}}
button{{display:block;margin:.5em 0;padding:.6em 1em;width:100%}}
.simu{{background:#fee;border:1px solid #c00;padding:.5em}}</style></head>
<body><p class="simu">Paiement <strong>simulé</strong> : aucune somme n'est prélevée.</p>
<h1>{title}</h1>{content}</body></html>"""

CHOICES = [
    ("P", "Payer par carte bancaire"),
    ("V", "Payer par prélèvement unique"),
    ("R", "Carte refusée"),
    ("Z", "Prélèvement refusé"),
    ("A", "Abandonner le paiement"),
]


def simulated_payment(svc: Services, refdet: str, family_id: int) -> dict:
    """The operation, for the parent whose family owns it; anyone else: 404."""
    if svc.provider is None or svc.provider.name != "simulated":
        raise PortalError(404, "Le paiement simulé n'est pas activé sur ce portail.")
    with svc.db.read() as session:
        payment = session.scalars(select(Payment).where(Payment.refdet == refdet)).first()
        if payment is None or payment.provider != "simulated" or payment.family_id != family_id:
            raise PortalError(404, "Opération de paiement inconnue.")
        return {
            "ref": payment.ref,
            "amount": amounts.euros(payment.amount_cents),
            "amount_cents": payment.amount_cents,
            "object": payment.object,
            "email": payment.email,
            "state": payment.state.value,
            "result": payment.result,
        }


def _return_link(svc: Services, ref: str) -> str:
    url = svc.settings.public_base_url.rstrip("/") + "/paiement/retour?paiement=" + ref
    return f'<p><a href="{html.escape(url)}">Retour au Portail Famille</a></p>'


@router.get(
    "/simulated/{refdet}",
    response_class=HTMLResponse,
    responses=json_responses(401, 404, 409, 422),
    summary="Page du fournisseur simulé : payer ou refuser (session du parent dont c'est "
    "l'opération)",
)
def simulated_page(refdet: Refdet, parent: ParentDep, svc: ServicesDep):
    p = simulated_payment(svc, refdet, parent.family_id)
    esc = html.escape
    facts = (
        f"<p>Opération {esc(refdet)} — {esc(p['object'])}<br>Montant : <strong>"
        f"{esc(p['amount'])}</strong><br>Courriel : {esc(p['email'])}</p>"
    )
    if p["state"] != "pending":
        content = facts + (
            f"<p>Cette opération est terminée : "
            f"{esc(RESULT_LABELS.get(p['result'] or '', p['state']))}.</p>"
        )
        content += _return_link(svc, p["ref"])
    else:
        buttons = "".join(
            f'<button name="resultrans" value="{code}">{esc(label)}</button>'
            for code, label in CHOICES
        )
        content = facts + f'<form method="post">{buttons}</form>'
    return HTMLResponse(PAGE.format(title="Paiement en ligne", content=content))


@router.post(
    "/simulated/{refdet}",
    response_class=HTMLResponse,
    responses=json_responses(401, 404, 409, 422),
    summary="Réponse choisie sur la page du fournisseur simulé (resultrans = P, V, R, Z ou A ; "
    "session du parent dont c'est l'opération)",
)
async def simulated_choice(refdet: Refdet, request: Request, parent: ParentDep, svc: ServicesDep):
    params = await _params(request)
    p = await run_in_threadpool(simulated_payment, svc, refdet, parent.family_id)
    notification = {
        "refdet": refdet,
        "resultrans": params.get("resultrans", ""),
        "montant": str(p["amount_cents"]),
    }
    answer = await run_in_threadpool(simulated_outcome, svc, notification, parent.family_id)
    label = RESULT_LABELS.get(answer["result"] or "", "")
    content = f"<p>{html.escape(label)}.</p>" + _return_link(svc, answer["payment"])
    return HTMLResponse(PAGE.format(title="Paiement en ligne", content=content))
