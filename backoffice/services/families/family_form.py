"""Saving the "Modifier la famille" form: the family's fields and its guardians in one go,
with every field error of the form collected (nothing saved when there is one)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.models import Guardian
from backoffice.services.common.actors import Actor
from backoffice.services.common.permissions import Permission, require
from backoffice.services.common.validation import FieldErrors
from backoffice.services.families.edit import FamilyChanges, update_family
from backoffice.services.families.guardians import (
    GuardianChanges,
    add_guardian,
    remove_guardian,
    update_guardian,
)

# One guardian box of the form: (guardian id, version loaded) — both None for a new one.
GuardianEntry = tuple[int | None, int | None, GuardianChanges]


def _versions(session: Session, entries: list[GuardianEntry]) -> dict[int, int]:
    """The current version of each existing guardian of the form, as this session sees it."""
    ids = [gid for gid, _, _ in entries if gid is not None]
    session.flush()
    rows = session.execute(select(Guardian.id, Guardian.version).where(Guardian.id.in_(ids)))
    return {gid: version for gid, version in rows}


def save_family_form(
    session: Session,
    actor: Actor,
    family_id: int,
    version: int,
    changes: FamilyChanges,
    guardians: list[GuardianEntry],
    removed: list[tuple[int, int]],
) -> None:
    """Save the family form: ``changes`` to the family loaded at ``version``, each of
    ``guardians`` updated (or added when its id is None), the ``removed`` ones
    (id, version loaded) removed.

    Every field error is collected before raising one :class:`FieldErrors`, its keys
    prefixed by where the field is: ``family.<key>`` (keys of
    :func:`~backoffice.services.families.edit.update_family`) and
    ``guardians[<index in guardians>].<key>``. The work runs in a savepoint: refused,
    it leaves nothing in the session. A colleague's save in between raises
    :class:`~backoffice.services.families.edit.StaleRecord`; other refusals
    (:class:`~backoffice.errors.UserError`) are raised as they come.
    """
    require(session, actor, Permission.FAMILIES_EDIT, "modifier une famille")
    with session.begin_nested():
        errors: dict[str, str] = {}
        try:
            update_family(session, actor, family_id, changes, version)
        except FieldErrors as exc:
            errors.update({f"family.{k}": m for k, m in exc.errors.items()})

        def remove_all() -> None:
            for guardian_id, guardian_version in removed:
                remove_guardian(session, actor, guardian_id, guardian_version)

        # A kept guardian lets the removed ones go first (room for a new one); when every
        # guardian is new, the old ones go last (a family always keeps one).
        kept_existing = [g for g in guardians if g[0] is not None]
        if kept_existing:
            before = _versions(session, kept_existing)
            remove_all()
            # Removing the paying guardian hands the flag to one kept: that bump is this
            # save's own, not a colleague's, so the form's version follows it.
            after = _versions(session, kept_existing)
            guardians = [
                (gid, loaded + after[gid] - before[gid] if loaded == before[gid] else loaded, g)
                if gid is not None and loaded is not None
                else (gid, loaded, g)
                for gid, loaded, g in guardians
            ]
        for index, (guardian_id, guardian_version, guardian) in enumerate(guardians):
            try:
                if guardian_id is None:
                    add_guardian(session, actor, family_id, guardian)
                else:
                    assert guardian_version is not None  # loaded with its guardian
                    update_guardian(session, actor, guardian_id, guardian, guardian_version)
            except FieldErrors as exc:
                errors.update({f"guardians[{index}].{k}": m for k, m in exc.errors.items()})
        if not kept_existing and not errors:
            remove_all()
        if errors:
            raise FieldErrors(errors)
