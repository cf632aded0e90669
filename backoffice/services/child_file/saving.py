"""The child file editor's « Enregistrer »: information, medical record and consents
saved together, in the caller's transaction.

Each block has its own service (:func:`.editing.save_child_information`,
:func:`.medical.save_medical_record`, :func:`.consents.save_consents`);
:func:`save_child_file` runs them in turn and gathers the field errors of all three
— with those the form found itself (a date that does not parse) — into one
:class:`~backoffice.services.common.validation.FieldErrors`, so the agent sees every
mistake at once and nothing is saved (the caller's transaction rolls back).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy.orm import Session

from backoffice.services.child_file.consents import ConsentChoice, save_consents
from backoffice.services.child_file.editing import ChildInformationForm, save_child_information
from backoffice.services.child_file.medical import MedicalForm, save_medical_record
from backoffice.services.common.actors import Actor
from backoffice.services.common.permissions import Permission, require
from backoffice.services.common.validation import FieldErrors


def save_child_file(
    session: Session,
    actor: Actor,
    child_id: int,
    information: ChildInformationForm,
    consents: Mapping[int, ConsentChoice],
    *,
    version: int,
    today: date,
    medical: MedicalForm | None = None,
    medical_version: int | None = None,
    typed_errors: Mapping[str, str] | None = None,
) -> None:
    """Save the information block (guarded by the child's ``version``), the medical
    record when ``medical`` is given (guarded by ``medical_version``, None when the
    child had none; refused for roles without medical access) and the consents.

    Raises :class:`FieldErrors` with every field error of the three blocks and
    ``typed_errors`` (which win: a date that does not parse says so, not « obligatoire »)."""
    require(session, actor, Permission.FAMILIES_EDIT, "modifier le dossier d'un enfant")
    found: dict[str, str] = {}
    try:
        version = save_child_information(session, actor, child_id, information, version, today)
    except FieldErrors as exc:
        found.update(exc.errors)
    if medical is not None:
        try:
            save_medical_record(session, actor, child_id, medical, medical_version, today)
        except FieldErrors as exc:
            found.update(exc.errors)
    try:
        save_consents(session, actor, child_id, consents, version, today)
    except FieldErrors as exc:
        found.update(exc.errors)
    found.update(typed_errors or {})
    if found:
        raise FieldErrors(found)
