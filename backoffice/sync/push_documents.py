"""Push topic of the public documents: the blank account-opening form.

``document.account_form`` → ``PUT /staff/documents/formulaire-inscription.pdf``. The
form is rendered when sent (from the catalogue and settings of that moment), so the
portal always gets the current one; an older item still pending is skipped.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.models import OutboxItem, OutboxState
from backoffice.services.common.actors import SYSTEM
from backoffice.services.families.form_pdf import FILE_NAME, FORM_TOPIC, blank_form
from backoffice.sync.calls import Call, Skip


def send_account_form(session: Session, item: OutboxItem) -> Call:
    newer = session.scalar(
        select(OutboxItem.id).where(
            OutboxItem.topic == FORM_TOPIC,
            OutboxItem.id > item.id,
            OutboxItem.state == OutboxState.PENDING,
        )
    )
    if newer is not None:
        raise Skip("remplacé par une publication plus récente du formulaire.")
    content = blank_form(session, SYSTEM)
    return Call(
        "PUT",
        f"/staff/documents/{FILE_NAME}",
        None,
        item.idempotency_key,
        data=content,
        headers={
            "Content-Type": "application/pdf",
            "X-Content-SHA256": hashlib.sha256(content).hexdigest(),
        },
    )
