"""Parents' space, guide §7: invoices per régie, detail, PDF, payments, online payment."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from portal.billing import invoices, outcomes, payments
from portal.billing.schemas import (
    InvoiceDetail,
    InvoicesOut,
    PaymentOut,
    PaymentRequest,
    PaymentStarted,
)
from portal.deps import ParentDep, Services, ServicesDep
from portal.errors import PortalError, responses
from portal.models import Family
from portal.payfip import PayfipError
from portal.routes.common import write_or_conflict

log = logging.getLogger(__name__)

router = APIRouter(
    prefix="/me", tags=["parents : factures et paiements"], responses=responses(401, 422)
)

InvoiceNumber = Annotated[
    str, Path(min_length=1, max_length=40, pattern=r"^[\w.-]+$", description="N° de facture.")
]
PaymentRef = Annotated[
    str, Path(min_length=1, max_length=20, pattern=r"^[\w.-]+$", description="N° de paiement.")
]


def api_base(svc: Services, request: Request) -> str:
    return (svc.settings.public_api_url or str(request.base_url)).rstrip("/")


def expire_overdue_payments(svc: Services, family_id: int) -> None:
    now = svc.now()
    with svc.db.read() as session:
        overdue = outcomes.has_overdue(session, now, family_id)
    if overdue:
        write_or_conflict(svc, lambda session: outcomes.expire_overdue(session, now, family_id))


@router.get(
    "/invoices",
    response_model=InvoicesOut,
    summary="Mes factures par régie, avec leur état et le solde (§7.1)",
)
def list_invoices(parent: ParentDep, svc: ServicesDep):
    expire_overdue_payments(svc, parent.family_id)
    with svc.db.read() as session:
        return invoices.invoices_of(session, parent.family_id, svc.now(), svc.provider is not None)


@router.get(
    "/invoices/{number}",
    response_model=InvoiceDetail,
    responses=responses(404),
    summary="Détail d'une facture : lignes par enfant, tranche de QF, règlements (§7.2)",
)
def get_invoice(number: InvoiceNumber, parent: ParentDep, svc: ServicesDep):
    with svc.db.read() as session:
        invoice = invoices.invoice_of_family(session, parent.family_id, number)
        return invoices.invoice_detail(session, invoice, svc.now(), svc.provider is not None)


@router.get(
    "/invoices/{number}/pdf",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "La facture en PDF"},
        **responses(404),
    },
    summary="La facture en PDF, à imprimer ou enregistrer (§7.2)",
)
def get_invoice_pdf(number: InvoiceNumber, parent: ParentDep, svc: ServicesDep):
    with svc.db.read() as session:
        invoice = invoices.invoice_of_family(session, parent.family_id, number)
        content = invoices.pdf_of(session, invoice)
        digest = invoice.pdf_sha256
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="facture-{number}.pdf"',
            "X-Content-SHA256": digest or "",
            "Cache-Control": "private, no-store",
        },
    )


@router.get(
    "/payments",
    response_model=list[PaymentOut],
    summary="Mes paiements : en ligne (en attente, validé, refusé) et règlements enregistrés "
    "par la régie (§7.1)",
)
def list_payments(parent: ParentDep, svc: ServicesDep):
    expire_overdue_payments(svc, parent.family_id)
    with svc.db.read() as session:
        return payments.payments_of(session, parent.family_id)


@router.get(
    "/payments/{ref}",
    response_model=PaymentOut,
    responses=responses(404),
    summary="Un paiement en ligne (page de retour après le paiement)",
)
def get_payment(ref: PaymentRef, parent: ParentDep, svc: ServicesDep):
    expire_overdue_payments(svc, parent.family_id)
    with svc.db.read() as session:
        return payments.payment_out(payments.payment_of_family(session, parent.family_id, ref))


@router.post(
    "/payments",
    response_model=PaymentStarted,
    status_code=status.HTTP_201_CREATED,
    responses=responses(404, 409, 502),
    summary="Payer en ligne une ou plusieurs factures d'une régie payable en ligne (ALSH), "
    "pendant une période de paiement (§7.3)",
)
def start_payment(body: PaymentRequest, request: Request, parent: ParentDep, svc: ServicesDep):
    base = api_base(svc, request)
    provider = svc.provider
    urls = payments.Urls(
        notify=f"{base}/payments/{provider.name if provider else 'none'}/notification",
        return_to=svc.settings.public_base_url.rstrip("/") + "/paiement/retour?paiement=",
        page=f"{base}/payments/simulated/",
    )
    payment_id, operation = write_or_conflict(
        svc,
        lambda session: payments.open_payment(
            session,
            provider,
            session.get_one(Family, parent.family_id),
            body.invoices,
            svc.now(),
            urls,
            svc.settings.payment_operation_minutes,
        ),
    )
    if provider is None:  # open_payment refused already; this says so to the type checker
        raise PortalError(409, "Le paiement en ligne n'est pas disponible sur ce portail.")
    # The provider is called with no transaction open (PayFiP: a web service call). If it
    # fails, no operation exists: the pending payment goes, the invoices stay payable.
    try:
        started = provider.start(operation)
    except Exception as exc:
        write_or_conflict(svc, lambda session: payments.drop_payment(session, payment_id))
        if isinstance(exc, ValueError):
            raise PortalError(
                409, f"Paiement en ligne impossible pour ce montant ou cette configuration ({exc})."
            ) from exc
        if isinstance(exc, PayfipError):
            log.warning("Paiement en ligne non créé chez PayFiP (code %s)", exc.code or "aucun")
            raise PortalError(
                502,
                "Le service de paiement PayFiP n'a pas pu créer le paiement : "
                f"réessayez dans quelques minutes. ({exc})",
            ) from exc
        raise
    return write_or_conflict(
        svc, lambda session: payments.attach_operation(session, payment_id, started)
    )
