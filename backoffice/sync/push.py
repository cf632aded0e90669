"""Push: send the outbox to the portal, in order per family, until acknowledged.

Each pending item becomes one staff call (:data:`TOPICS`) carrying its
idempotency key, so a call repeated after a cut connection is answered by the
portal without doing the work (or sending an e-mail) twice.

- 2xx: the item is acknowledged.
- 4xx: the portal refuses it for good; the item is FAILED with the portal's
  French reason, for an agent to look at. Later items of the family still go.
- 5xx, 429: the portal has a passing problem; the item stays pending and the
  family's later items wait (order per family); other families go on.
- Network down, token refused: the round stops; everything not acknowledged
  stays pending for the next round.

A builder may also say there is nothing to send (:class:`Skip`: superseded by a
newer item, outside the portal's contract — acknowledged without a call) or
that the back-office itself cannot send it (:class:`Refused`: a PDF missing or
changed — FAILED with a French reason).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from backoffice.models import (
    Child,
    ChildContact,
    ConsentAnswer,
    Family,
    OutboxItem,
    OutboxState,
    SyncCursor,
    utcnow,
)
from backoffice.services.families.form_pdf import FORM_TOPIC
from backoffice.storage import Database
from backoffice.sync.calls import Call, Held, Refused, Skip, digest
from backoffice.sync.catalogue_push import (
    CATALOGUE_TOPIC,
    WINDOWS_TOPIC,
    publish_catalogue,
    publish_payment_windows,
)
from backoffice.sync.client import PortalClient, PortalError
from backoffice.sync.push_billing import PDF_TOPIC, PUBLISH_TOPIC, publish_invoice, send_pdf
from backoffice.sync.push_decisions import record_refusals
from backoffice.sync.push_documents import send_account_form
from backoffice.sync.push_files import change_login, child_file_body

Progress = Callable[[str, int, int], None]
CURSOR = "portal.changes"  # the pull's cursor (``pull.CURSOR``)
PULLED_TO = "pulled_to"  # in an account.upsert item: feed position its last body included


def child_ref(child_id: int) -> str:
    """The portal's reference of a child: the back-office id, as text."""
    return str(child_id)


def family_push_body(family: Family) -> dict:
    """``PUT /staff/families/{ref}``: the account as the back-office holds it now.

    Built from the current rows (not the outbox snapshot): a family's later
    upserts, and parents' edits already pulled, are carried along. The
    activation e-mail is sent by its own item (``account.send_activation``).
    """
    return {
        "name": family.name,
        "login_email": family.login_email,
        "address_line1": family.address_line1,
        "address_line2": family.address_line2,
        "postcode": family.postcode,
        "commune": family.commune,
        "phone": family.phone,
        "billing_email": family.billing_email,
        "guardians": [
            {
                "rank": g.rank,
                "civility": g.civility,
                "last_name": g.last_name,
                "first_name": g.first_name,
                "relationship_label": g.relationship_label,
                "is_payer": g.is_payer,
                "mobile_phone": g.mobile_phone,
                "home_phone": g.home_phone,
                "work_phone": g.work_phone,
                "email": g.email,
            }
            for g in family.guardians
        ],
        "children": [
            {
                "ref": child_ref(c.id),
                "information": {
                    "last_name": c.last_name,
                    "first_name": c.first_name,
                    "sex": c.sex.value if c.sex else "",
                    "birth_date": c.birth_date.isoformat() if c.birth_date else None,
                    "school": c.school,
                    "school_class": c.school_class,
                },
                **child_file_body(c),
            }
            for c in family.children
        ],
        "send_activation": False,
    }


def _snapshot_body(payload: dict) -> dict:
    """The upsert body from the outbox snapshot (the family no longer exists here)."""
    address = payload.get("address") or {}
    return {
        "name": payload["name"],
        "login_email": payload["login_email"],
        "address_line1": address.get("line1", ""),
        "address_line2": address.get("line2", ""),
        "postcode": address.get("postcode", ""),
        "commune": address.get("commune", ""),
        "phone": payload.get("phone", ""),
        "guardians": [
            {
                k: g[k]
                for k in ("rank", "last_name", "first_name", "email", "mobile_phone", "is_payer")
            }
            for g in payload.get("guardians", [])
        ],
        "children": [
            {
                "ref": child_ref(c["id"]),
                "information": {k: c[k] for k in ("last_name", "first_name", "sex", "birth_date")},
            }
            for c in payload.get("children", [])
        ],
        "send_activation": False,
    }


def _upsert(session: Session, item: OutboxItem) -> Call:
    code = item.payload["family_code"]
    # The feed position the body includes, read before the rows: a parent's change
    # numbered after it may be overwritten on the portal by this PUT; the pull then
    # queues the family again (see ``pull._requeue_overwritten``). Saved before sending.
    cursor = session.get(SyncCursor, CURSOR)
    item.payload = {**item.payload, PULLED_TO: cursor.position if cursor else 0}
    family = session.scalars(
        select(Family)
        .where(Family.code == code)
        .options(
            selectinload(Family.guardians),
            selectinload(Family.children).options(
                selectinload(Child.medical_record),
                selectinload(Child.vaccinations),
                selectinload(Child.diseases),
                selectinload(Child.contacts).selectinload(ChildContact.person),
                selectinload(Child.consents).selectinload(ConsentAnswer.consent),
            ),
        )
    ).one_or_none()
    body = family_push_body(family) if family is not None else _snapshot_body(item.payload)
    # PUT is idempotent by nature: a body that changed since a lost first try
    # (newer data) is a new request, hence its own key; the same body, the same key.
    return Call("PUT", f"/staff/families/{code}", body, f"{item.idempotency_key}.{digest(body)}")


def _post(suffix: str) -> Callable[[Session, OutboxItem], Call]:
    def build(_session: Session, item: OutboxItem) -> Call:
        code = item.payload["family_code"]
        return Call("POST", f"/staff/families/{code}/{suffix}", None, item.idempotency_key)

    return build


def _registration_decision(_session: Session, item: OutboxItem) -> Call:
    """``PUT /staff/registrations/{n°}``: the body frozen at the decision."""
    ref = item.payload["registration"]
    return Call("PUT", f"/staff/registrations/{ref}", item.payload["body"], item.idempotency_key)


def _booking_decisions(_session: Session, item: OutboxItem) -> Call:
    """``PUT /staff/bookings/decisions``: the days decided in one call, frozen."""
    body = {"decisions": item.payload["decisions"]}
    return Call("PUT", "/staff/bookings/decisions", body, item.idempotency_key)


def _desk_bookings(_session: Session, item: OutboxItem) -> Call:
    """``PUT /staff/bookings/desk``: the days booked or cancelled at the desk, frozen."""
    body = {"bookings": item.payload["bookings"]}
    return Call("PUT", "/staff/bookings/desk", body, item.idempotency_key)


# Outbox topic → how to call the portal. A new topic is one line here.
TOPICS: dict[str, Callable[[Session, OutboxItem], Call]] = {
    "account.upsert": _upsert,
    "account.send_activation": _post("activation-email"),
    "account.send_password_reset": _post("password-reset-email"),
    "account.disable": _post("disable"),
    "account.reactivate": _post("reactivate"),
    "account.change_login": change_login,
    PUBLISH_TOPIC: publish_invoice,
    PDF_TOPIC: send_pdf,
    CATALOGUE_TOPIC: publish_catalogue,
    WINDOWS_TOPIC: publish_payment_windows,
    # Agents' decisions (services/decisions.py): bodies frozen at the decision.
    "registration.decision": _registration_decision,
    "booking.decisions": _booking_decisions,
    "booking.desk": _desk_bookings,  # services/planning.py: booked at the desk
    FORM_TOPIC: send_account_form,  # the blank account-opening form (public document)
}
# Outbox topic → what to do with the portal's answer, in the transaction acknowledging it.
ANSWERS: dict[str, Callable[[Session, OutboxItem, object], int]] = {
    # Days the portal refused because the family changed them since the decision.
    "booking.decisions": record_refusals,
}


@dataclass
class PushReport:
    acknowledged: int = 0
    failed: int = 0
    held: int = 0
    deferred: int = 0  # passing portal error: retried next round
    skipped: int = 0  # nothing to send (superseded, outside the portal's contract)
    stale: int = 0  # decisions the portal refused for days changed since (conflicts)
    by_topic: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    stopped: str = ""  # why the round stopped early (network, token)


def _label(item: OutboxItem) -> str:
    """What the item is about, for the agent: the document number, else the family."""
    payload = item.payload or {}
    return str(payload.get("number") or payload.get("family_code") or item.topic)


def retry_failed(session: Session, item_id: int) -> OutboxItem:
    """Put a FAILED item back in the queue (the agent fixed the cause: file restored,
    family corrected…); the next round sends it with the same idempotency key."""
    item = session.get(OutboxItem, item_id)
    if item is None or item.state is not OutboxState.FAILED:
        raise ValueError(f"élément d'envoi {item_id} introuvable ou pas en échec")
    item.state = OutboxState.PENDING
    return item


def pending_count(session: Session) -> int:
    from sqlalchemy import func

    return session.execute(
        select(func.count(OutboxItem.id)).where(OutboxItem.state == OutboxState.PENDING)
    ).scalar_one()


def push_pending(
    db: Database, client: PortalClient, progress: Progress | None = None
) -> PushReport:
    """Send every pending item once; see the module docstring for what each answer does."""
    report = PushReport()
    with db.session() as session:
        queue = session.execute(
            select(OutboxItem.id, OutboxItem.family_id)
            .where(OutboxItem.state == OutboxState.PENDING)
            .order_by(OutboxItem.id)
        ).all()
    waiting: set[int] = set()  # families whose earlier item is still to be sent
    for done, (item_id, family_id) in enumerate(queue, start=1):
        if progress:
            progress("Envoi au portail", done - 1, len(queue))
        if family_id is not None and family_id in waiting:
            continue
        with db.session() as session:
            item = session.get(OutboxItem, item_id)
            if item is None or item.state is not OutboxState.PENDING:
                continue  # another agent's round sent it meanwhile
            builder = TOPICS.get(item.topic)
            try:
                if builder is None:
                    raise Held(
                        f"en attente : sujet inconnu du module de synchronisation ({item.topic})."
                    )
                call = builder(session, item)
            except Held as held:
                item.last_error = str(held)
                report.held += 1
                continue
            except Skip as skip:
                item.state = OutboxState.ACKNOWLEDGED
                item.acknowledged_at = utcnow()
                item.last_error = f"Non envoyé : {skip}"
                report.skipped += 1
                continue
            except Refused as refused:
                item.state = OutboxState.FAILED
                item.last_error = str(refused)
                report.failed += 1
                report.failures.append(f"{item.topic} ({_label(item)}) : {item.last_error}")
                continue
            # Counted (and committed) before the call: from now on the portal may have
            # it, so an agent can no longer undo it (services/requests/undo.py).
            item.attempts += 1
        try:
            response = client.request(
                call.method,
                call.path,
                json=call.body,
                idempotency_key=call.idempotency_key,
                data=call.data,
                headers=call.headers,
            )
        except PortalError as exc:
            with db.session() as session:
                item = session.get(OutboxItem, item_id)
                if item is not None:
                    item.last_error = str(exc)
            report.stopped = str(exc)
            break
        with db.session() as session:
            item = session.get(OutboxItem, item_id)
            if item is None:
                continue
            if response.ok:
                on_answer = ANSWERS.get(item.topic)
                if on_answer is not None:
                    report.stale += on_answer(session, item, response.body)
                item.state = OutboxState.ACKNOWLEDGED
                item.acknowledged_at = utcnow()
                item.last_error = ""
                report.acknowledged += 1
                report.by_topic[item.topic] = report.by_topic.get(item.topic, 0) + 1
            elif 400 <= response.status < 500 and response.status not in (408, 425, 429):
                item.state = OutboxState.FAILED
                item.last_error = f"Refusé par le portail : {client.detail(response)}"
                report.failed += 1
                report.failures.append(f"{item.topic} ({_label(item)}) : {item.last_error}")
            else:
                item.last_error = (
                    f"Portail momentanément indisponible (HTTP {response.status}) : "
                    "nouvel essai à la prochaine synchronisation."
                )
                report.deferred += 1
                if family_id is not None:
                    waiting.add(family_id)
    if progress:
        progress("Envoi au portail", len(queue), len(queue))
    return report
