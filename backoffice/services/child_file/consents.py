"""« Autorisations »: yes/no per active consent of the catalogue (detail when the
consent asks for one, e.g. the time for "rentrer seul"), guarded by the child's version."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session, selectinload

from backoffice.models import Child, ConsentAnswer, utcnow
from backoffice.services.child_file.editing import (
    active_consents,
    applies,
    assign,
    check_version,
    flush,
    get_child,
    touch,
)
from backoffice.services.common.actors import Actor, bind
from backoffice.services.common.permissions import Permission, require
from backoffice.services.common.validation import Checker


@dataclass(frozen=True)
class ConsentChoice:
    granted: bool | None  # None: no answer (an existing one is withdrawn)
    detail: str = ""


def save_consents(
    session: Session,
    actor: Actor,
    child_id: int,
    choices: Mapping[int, ConsentChoice],
    version: int,
    today: date,
) -> int:
    """Yes/no per active consent (detail when the consent asks for one, e.g. the time
    for "rentrer seul"); returns the child's new version. Field keys: ``consents.<id>``."""
    require(session, actor, Permission.FAMILIES_EDIT, "modifier les autorisations d'un enfant")
    bind(session, actor)
    child = get_child(session, child_id, selectinload(Child.consents))
    check_version(child.version, version, child.full_name)
    definitions = {c.id: c for c in active_consents(session)}
    age = child.age_on(today)
    c = Checker()
    cleaned: dict[int, ConsentChoice] = {}
    for consent_id, choice in choices.items():
        consent = definitions.get(consent_id)
        key = f"consents.{consent_id}"
        if consent is None or not applies(consent, age):
            c.fail(key, "Cette autorisation n'est pas demandée pour cet enfant.")
            continue
        detail = (choice.detail or "").strip()
        if choice.granted and consent.asks_detail and not detail:
            c.fail(
                key,
                f"Le champ « {consent.label} : précisez » est obligatoire quand la réponse est Oui.",
            )
        if len(detail) > 200:
            c.fail(key, f"La précision de « {consent.label} » ne doit pas dépasser 200 caractères.")
        cleaned[consent_id] = ConsentChoice(choice.granted, detail if choice.granted else "")
    c.raise_if_errors()
    existing = {a.consent_id: a for a in child.consents}
    changed = False
    for consent_id, choice in cleaned.items():
        answer = existing.get(consent_id)
        if choice.granted is None:
            if answer is not None:
                child.consents.remove(answer)
                changed = True
        elif answer is None:
            child.consents.append(
                ConsentAnswer(consent_id=consent_id, granted=choice.granted, detail=choice.detail)
            )
            changed = True
        elif assign(answer, {"granted": choice.granted, "detail": choice.detail}):
            answer.answered_at = utcnow()
            changed = True
    if changed:
        touch(child)
        flush(session, child.full_name, child.family_id)
    return child.version
