"""Public documents: the blank account-opening form, pushed by the back-office."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Request, Response
from fastapi.concurrency import run_in_threadpool

from portal import documents
from portal.deps import IdempotencyKey, ServicesDep, StaffDep
from portal.errors import responses
from portal.routes.common import idempotent_write, received_pdf

router = APIRouter(tags=["documents"])

DocumentName = Annotated[
    str,
    Path(
        min_length=1,
        max_length=80,
        pattern=r"^[a-z0-9-]+\.pdf$",
        description="Nom du document (formulaire-inscription.pdf).",
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


@router.get(
    "/documents/{document}",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "Le document en PDF"},
        **responses(404, 422),
    },
    summary="Un document public : le formulaire d'ouverture de compte à remplir",
)
def get_document(document: DocumentName, svc: ServicesDep):
    with svc.db.read() as session:
        content, digest = documents.get_document(session, document)
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{document}"',
            "X-Content-SHA256": digest,
            "Cache-Control": "public, max-age=3600",
        },
    )


@router.put(
    "/staff/documents/{document}",
    tags=["back-office"],
    responses={200: {"description": "Document publié"}, **responses(401, 404, 413, 415, 422)},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
    summary="Publier un document public (application/pdf, empreinte SHA-256 vérifiée)",
)
async def put_document(
    document: DocumentName,
    request: Request,
    svc: ServicesDep,
    _staff: StaffDep,
    key: IdempotencyKey,
    sha256: Sha256,
):
    name = document
    documents.check_name(name)
    content, digest = await received_pdf(request, svc.settings.invoice_pdf_max_bytes, sha256)
    return await run_in_threadpool(
        idempotent_write,
        request,
        svc,
        key,
        None,
        lambda session: (200, documents.put_document(session, name, content, digest)),
        {"name": name, "sha256": digest},
    )
