"""Form helpers of the pages: the portal's refusals as field errors for the templates.

Templates show ``errors`` (field name → French message; ``""`` for a message about the
whole form) in the error summary at the top and beside each field
(``templates/_forms.html``). A field's ``name`` is the API's field path
(``guardians.0.mobile_phone``) so that the portal's own errors land on it unchanged.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from portal.errors import FieldError, PortalError, translate_validation


def field_id(name: str) -> str:
    """The HTML id of a field (the error summary links to ``#<id>``)."""
    return "f-" + name.replace(".", "-").replace("_", "-")


def errors_of(exc: PortalError) -> dict[str, str]:
    """Field errors of a refusal; the message itself under ``""`` when none names a field."""
    found = {e.field: e.message for e in exc.errors if e.field}
    return found or {"": exc.detail}


def validation_errors(exc: ValidationError) -> dict[str, str]:
    errors: list[FieldError] = translate_validation(exc)
    return {e.field: e.message for e in errors}


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], data: dict) -> M:
    """The model, or a 422 :class:`PortalError` with the French field errors."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = translate_validation(exc)
        raise PortalError(422, "Le formulaire contient des erreurs.", errors) from exc
