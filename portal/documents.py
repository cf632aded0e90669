"""Documents published for everyone: the blank account-opening form (issue #15).

The back-office renders the form (its fields follow the catalogue's consents) and
pushes it with ``PUT /staff/documents/{name}``; anyone downloads it at
``GET /documents/{name}`` (the parents' home page links it), with no login.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from portal.errors import PortalError
from portal.models import PublicDocument, utcnow

# name → what it is (French, for the 404 and the OpenAPI). Only these can be published.
DOCUMENTS = {"formulaire-inscription.pdf": "formulaire d'ouverture de compte famille"}


def check_name(name: str) -> None:
    if name not in DOCUMENTS:
        raise PortalError(404, f"Document inconnu : « {name} ».")


def put_document(session: Session, name: str, content: bytes, sha256: str) -> dict[str, Any]:
    check_name(name)
    row = session.get(PublicDocument, name)
    if row is None:
        row = PublicDocument(name=name, content=content, sha256=sha256, size=len(content))
        session.add(row)
    else:
        row.content, row.sha256, row.size = content, sha256, len(content)
    row.updated_at = utcnow()
    return {"name": name, "sha256": sha256, "size": len(content)}


def get_document(session: Session, name: str) -> tuple[bytes, str]:
    check_name(name)
    row = session.get(PublicDocument, name)
    if row is None:
        raise PortalError(
            404, f"Le {DOCUMENTS[name]} n'est pas encore publié par le service enfance."
        )
    return row.content, row.sha256
