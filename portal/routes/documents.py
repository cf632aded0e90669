"""Public documents: the blank account-opening form, pushed by the back-office."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Header, Path, Request, Response
from fastapi.concurrency import run_in_threadpool

from portal import documents
from portal.deps import IdempotencyKey, ServicesDep, StaffDep
from portal.errors import PortalError, responses
from portal.routes.common import idempotent_write

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
    limit = svc.settings.invoice_pdf_max_bytes
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/pdf":
        raise PortalError(415, "Envoyez le PDF avec l'en-tête « Content-Type: application/pdf ».")
    too_big = PortalError(413, f"PDF trop volumineux : {limit // 1024} Kio au plus.")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_big
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    content = b"".join(chunks)
    if not content.startswith(b"%PDF-"):
        raise PortalError(415, "Le contenu envoyé n'est pas un PDF.")
    digest = hashlib.sha256(content).hexdigest()
    if digest != sha256.lower():
        raise PortalError(
            422, "L'empreinte SHA-256 ne correspond pas au PDF reçu : renvoyez-le en entier."
        )
    return await run_in_threadpool(
        idempotent_write,
        request,
        svc,
        key,
        None,
        lambda session: (200, documents.put_document(session, name, content, digest)),
        {"name": name, "sha256": digest},
    )
