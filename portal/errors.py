"""Errors the API answers with: always a French ``detail``, field errors named.

Body of every 4xx/5xx answer::

    {"detail": "message en français", "errors": [{"field": "...", "message": "..."}]}
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from portal.labels import field_label

log = logging.getLogger(__name__)


class FieldError(BaseModel):
    field: str
    message: str


class ErrorBody(BaseModel):
    detail: str
    errors: list[FieldError] = []


class PortalError(Exception):
    """An expected refusal: status code and a French message for the parent or agent."""

    def __init__(
        self,
        status_code: int,
        detail: str,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.errors = errors or []
        self.headers = headers


def not_found(what: str = "Ressource") -> PortalError:
    return PortalError(404, f"{what} introuvable.")


def invalid(errors: list[FieldError]) -> PortalError:
    if len(errors) == 1:
        detail = errors[0].message
    else:
        detail = "Le formulaire contient des erreurs : " + " ".join(e.message for e in errors)
    return PortalError(422, detail, errors)


def unauthorized(detail: str = "Authentification requise.") -> PortalError:
    return PortalError(401, detail, headers={"WWW-Authenticate": "Bearer"})


_STATUS_FR = {
    400: "Requête invalide.",
    401: "Authentification requise.",
    403: "Accès refusé.",
    404: "Ressource introuvable.",
    405: "Méthode non autorisée.",
    406: "Format de réponse non disponible.",
    409: "Conflit avec l'état actuel.",
    413: "Requête trop volumineuse.",
    415: "Type de contenu non pris en charge : envoyez du JSON.",
    422: "Données invalides.",
    410: "Lien expiré ou déjà utilisé.",
    429: "Trop de requêtes.",
    502: "Le service de paiement en ligne n'a pas répondu correctement.",
    503: "Service momentanément indisponible.",
}


def _path(loc: tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts)


def _translate(err: dict) -> FieldError:
    loc = tuple(err.get("loc", ()))
    path = _path(loc)
    names = [p for p in loc if isinstance(p, str) and p not in ("body", "query", "path", "header")]
    label = field_label(names[-1]) if names else "Corps de la requête"
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        msg = f"Le champ « {label} » est obligatoire."
    elif kind == "extra_forbidden":
        msg = f"Le champ « {label} » n'est pas attendu."
    elif kind == "string_too_long":
        msg = f"Le champ « {label} » dépasse {ctx.get('max_length')} caractères."
    elif kind == "string_too_short":
        msg = f"Le champ « {label} » doit contenir au moins {ctx.get('min_length')} caractère(s)."
    elif kind in ("date_parsing", "date_from_datetime_parsing", "date_type"):
        msg = f"Le champ « {label} » doit être une date (AAAA-MM-JJ)."
    elif kind in ("time_parsing", "time_type", "time_offset"):
        msg = f"Le champ « {label} » doit être une heure de Paris (hh:mm), sans fuseau horaire."
    elif kind.startswith("int") or kind.startswith("greater") or kind.startswith("less"):
        msg = f"Le champ « {label} » doit être un nombre entier valide."
    elif kind.startswith("bool"):
        msg = f"Le champ « {label} » doit valoir vrai ou faux."
    elif kind == "value_error" and "email" in str(err.get("msg", "")).lower():
        msg = f"Le champ « {label} » doit être une adresse e-mail valide."
    elif kind in ("enum", "literal_error"):
        msg = f"La valeur du champ « {label} » n'est pas permise."
    elif kind == "json_invalid":
        msg = "Le corps de la requête n'est pas un JSON valide."
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        msg = f"Le champ « {label} » doit être un objet JSON."
    elif kind == "list_type":
        msg = f"Le champ « {label} » doit être une liste."
    elif kind == "string_pattern_mismatch":
        msg = f"Le champ « {label} » contient des caractères non permis."
    elif kind.startswith("string"):
        msg = f"Le champ « {label} » doit être un texte."
    elif kind == "too_long":
        msg = f"Le champ « {label} » contient trop d'éléments (au plus {ctx.get('max_length')})."
    else:
        msg = f"La valeur du champ « {label} » est invalide."
    return FieldError(field=path or "body", message=msg)


def translate_validation(exc: ValidationError) -> list[FieldError]:
    """A pydantic validation error as French field errors (the pages' forms)."""
    return [_translate(dict(e)) for e in exc.errors()]


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(PortalError)
    async def _portal_error(_request: Request, exc: PortalError):
        body = ErrorBody(detail=exc.detail, errors=exc.errors).model_dump()
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError):
        errors = [_translate(e) for e in exc.errors()]
        body = ErrorBody(detail=invalid(errors).detail, errors=errors).model_dump()
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) and _is_french(exc.detail) else None
        body = ErrorBody(detail=detail or _STATUS_FR.get(exc.status_code, "Erreur.")).model_dump()
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception):
        log.error("Erreur interne du portail : %s", type(exc).__name__, exc_info=exc)
        body = ErrorBody(detail="Erreur interne du portail, réessayez plus tard.").model_dump()
        return JSONResponse(body, status_code=500)


def _is_french(text: str) -> bool:
    return text in _STATUS_FR.values()


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI description of the error answers an endpoint may give."""
    return {
        code: {"model": ErrorBody, "description": _STATUS_FR.get(code, "Erreur.")} for code in codes
    }


def too_many_responses() -> dict[int | str, dict[str, Any]]:
    """The 429 of a password check come too soon, with its ``Retry-After``."""
    return {
        429: {
            "model": ErrorBody,
            "description": "Trop d'essais échoués : réessayer après le délai indiqué.",
            "headers": {
                "Retry-After": {
                    "description": "Secondes à attendre avant le prochain essai.",
                    "schema": {"type": "integer", "minimum": 1},
                }
            },
        }
    }


def json_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """Like :func:`responses`, for a route whose success is not JSON (an HTML page): FastAPI
    would document the error bodies under the route's media type; they are JSON."""
    ref = {"$ref": "#/components/schemas/ErrorBody"}
    return {
        code: {
            "description": _STATUS_FR.get(code, "Erreur."),
            "content": {"application/json": {"schema": ref}},
        }
        for code in codes
    }
