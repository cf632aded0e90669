"""Back-office side of §7: invoices with their PDF, payment windows; reading payments.

Every write carries an ``Idempotency-Key`` header, like the other staff pushes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Request
from fastapi.concurrency import run_in_threadpool

from portal.billing import invoices, payments, windows
from portal.billing.schemas import (
    InvoiceDetail,
    InvoicePush,
    InvoicePushResult,
    PaymentOut,
    PaymentWindows,
    PaymentWindowsResult,
)
from portal.deps import IdempotencyKey, ServicesDep, StaffDep
from portal.errors import responses
from portal.families import family_by_ref
from portal.routes.common import idempotent_write, received_pdf

router = APIRouter(prefix="/staff", tags=["back-office"], responses=responses(401, 422))

InvoiceNumber = Annotated[
    str,
    Path(
        min_length=1,
        max_length=40,
        pattern=r"^[\w.-]+$",
        description="N° de la facture (numérotation de la régie, sans trou).",
    ),
]
Sha256 = Annotated[
    str,
    Header(
        alias="X-Content-SHA256",
        pattern=r"^[0-9a-fA-F]{64}$",
        description="SHA-256 (hexadécimal) du PDF envoyé : vérifié à la réception.",
    ),
]


@router.put(
    "/invoices/{number}",
    response_model=InvoicePushResult,
    responses={
        201: {"model": InvoicePushResult, "description": "Facture créée"},
        **responses(404, 409),
    },
    summary="Publier une facture (régie, famille, lignes par enfant, total, état, règlements) "
    "ou mettre à jour son état",
)
def put_invoice(
    number: InvoiceNumber,
    body: InvoicePush,
    request: Request,
    svc: ServicesDep,
    _staff: StaffDep,
    key: IdempotencyKey,
):
    return idempotent_write(
        request, svc, key, body, lambda session: invoices.push_invoice(session, number, body)
    )


@router.get(
    "/invoices/{number}",
    response_model=InvoiceDetail,
    responses=responses(404),
    summary="Une facture telle que le portail la détient (état et solde vus par les parents)",
)
def get_invoice(number: InvoiceNumber, svc: ServicesDep, _staff: StaffDep):
    with svc.db.read() as session:
        invoice = invoices.invoice_by_number(session, number)
        return invoices.invoice_detail(session, invoice, svc.now(), svc.provider is not None)


@router.put(
    "/invoices/{number}/pdf",
    responses={200: {"description": "PDF enregistré"}, **responses(404, 413, 415)},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
    summary="Déposer le PDF d'une facture (application/pdf, empreinte SHA-256 vérifiée)",
)
async def put_invoice_pdf(
    number: InvoiceNumber,
    request: Request,
    svc: ServicesDep,
    _staff: StaffDep,
    key: IdempotencyKey,
    sha256: Sha256,
):
    content, digest = await received_pdf(request, svc.settings.invoice_pdf_max_bytes, sha256)
    return await run_in_threadpool(
        idempotent_write,
        request,
        svc,
        key,
        None,
        lambda session: (200, invoices.put_pdf(session, number, content, digest)),
        {"sha256": digest},
    )


@router.put(
    "/payment-windows",
    response_model=PaymentWindowsResult,
    summary="Remplacer les périodes de paiement en ligne de chaque régie",
)
def put_payment_windows(
    body: PaymentWindows,
    request: Request,
    svc: ServicesDep,
    _staff: StaffDep,
    key: IdempotencyKey,
):
    return idempotent_write(
        request, svc, key, body, lambda session: (200, windows.replace_windows(session, body))
    )


@router.get(
    "/families/{family_ref}/payments",
    response_model=list[PaymentOut],
    responses=responses(404),
    summary="Paiements d'une famille (rapprochement avec le flux)",
)
def family_payments(
    family_ref: Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[\w.-]+$")],
    svc: ServicesDep,
    _staff: StaffDep,
):
    with svc.db.read() as session:
        family = family_by_ref(session, family_ref)
        return payments.payments_of(session, family.id)
