"""The payment provider's side: notifications (PayFiP, simulated) and the simulated
provider's page, where one pays or refuses (tests and demo)."""

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
from portal.deps import Services, ServicesDep
from portal.errors import PortalError, json_responses, responses
from portal.mail import Mail, MailError, payment_receipt_mail
from portal.models import Payment, PaymentState
from portal.providers import RESULT_LABELS, NotificationError
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


def _apply(svc: Services, provider_name: str, params: dict[str, str]) -> outcomes.Applied:
    provider = svc.provider
    if provider is None or provider.name != provider_name:
        raise PortalError(404, "Ce moyen de paiement n'est pas utilisé par ce portail.")
    try:
        outcome = provider.parse_notification(params)
    except NotificationError as exc:
        raise PortalError(422, str(exc)) from exc
    mails: list[Mail] = []

    def action(session):
        applied = outcomes.apply_outcome(session, provider_name, outcome, svc.now())
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


async def _payfip(request: Request, svc: Services) -> JSONResponse:
    _check_origin(svc, request)
    params = await _params(request)
    applied = await run_in_threadpool(_apply, svc, "payfip", params)
    return JSONResponse(_answer(applied))


NOTIFY_SUMMARY = (
    "Notification PayFiP (résultat d'une opération : numcli, exer, refdet, montant, "
    "resultrans, numauto…) ; idempotente"
)


@router.post("/payfip/notification", responses=responses(403), summary=NOTIFY_SUMMARY)
async def payfip_notification(request: Request, svc: ServicesDep):
    return await _payfip(request, svc)


@router.get(
    "/payfip/notification",
    responses=responses(403),
    summary=NOTIFY_SUMMARY + " (paramètres dans l'URL)",
)
async def payfip_notification_get(request: Request, svc: ServicesDep):
    return await _payfip(request, svc)


@router.post(
    "/simulated/notification",
    summary="Notification du fournisseur simulé (mêmes champs et codes que PayFiP)",
)
async def simulated_notification(request: Request, svc: ServicesDep):
    params = await _params(request)
    applied = await run_in_threadpool(_apply, svc, "simulated", params)
    return JSONResponse(_answer(applied))


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


def _simulated_payment(svc: Services, refdet: str) -> dict:
    if svc.provider is None or svc.provider.name != "simulated":
        raise PortalError(404, "Le paiement simulé n'est pas activé sur ce portail.")
    with svc.db.read() as session:
        payment = session.scalars(select(Payment).where(Payment.refdet == refdet)).first()
        if payment is None or payment.provider != "simulated":
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
    responses=json_responses(404, 409, 422),
    summary="Page du fournisseur simulé : payer ou refuser",
)
def simulated_page(refdet: Refdet, svc: ServicesDep):
    p = _simulated_payment(svc, refdet)
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
    responses=json_responses(404, 409, 422),
    summary="Réponse choisie sur la page du fournisseur simulé (resultrans = P, V, R, Z ou A)",
)
async def simulated_choice(refdet: Refdet, request: Request, svc: ServicesDep):
    params = await _params(request)
    p = await run_in_threadpool(_simulated_payment, svc, refdet)
    notification = {
        "refdet": refdet,
        "resultrans": params.get("resultrans", ""),
        "montant": str(p["amount_cents"]),
    }
    applied = await run_in_threadpool(_apply, svc, "simulated", notification)
    label = RESULT_LABELS.get(applied.payment.result or "", "")
    content = f"<p>{html.escape(label)}.</p>" + _return_link(svc, applied.payment.ref)
    return HTMLResponse(PAGE.format(title="Paiement en ligne", content=content))
