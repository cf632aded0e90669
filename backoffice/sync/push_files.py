"""The children's files in ``PUT /staff/families/{ref}``, and the login change call.

The portal shows parents their children's files (guide §5.2) and lets them edit
them; what an agent keeps at the desk goes back with each account upsert, so
both sides hold the same file:

- block 2, medical record: vaccines, diseases, allergies (the back-office's four
  flags and its single detail text « Alimentaire : arachide ; Autre : … »
  become the portal's allergy list, read by :func:`fieldrules.child_file.allergy_details`
  as the completeness rule reads it), history, observations, doctor;
- blocks 3 and 4, emergency contacts and authorised pick-ups: each person with a
  ``person_ref`` of its own (``BO-<id>``), so the portal tells an edit from a
  new person;
- block 5, consents, by code.

A block the desk does not hold is left out, so the portal keeps what parents
typed: no medical record, no answered consent, no person — or persons changed by
the parents still waiting for an agent's review in the requests inbox. Only the
portal's fields are sent; the back-office's other flags (glasses, PAI…) stay at
the desk.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from backoffice.models import Child, OutboxItem, PortalRequest, RequestKind, RequestState
from backoffice.services.child_file.reference import DISEASES, VACCINES
from backoffice.sync.calls import Call
from backoffice.sync.handlers_child import ALLERGIES
from fieldrules.child_file import allergy_details

PERSON_PREFIX = "BO-"
MAX_PERSONS = 10  # the portal's limit per list


def person_ref(person_id: int) -> str:
    return f"{PERSON_PREFIX}{person_id}"


def medical_body(child: Child) -> dict | None:
    record = child.medical_record
    if record is None:
        return None
    present = [label for flag, label in ALLERGIES.values() if getattr(record, flag)]
    # The shared reading of the desk's single text (free text: every allergy ticked).
    details = allergy_details(record.allergy_detail, present)
    allergies = [
        {
            "allergy": code,
            "present": label in details,
            "detail": details.get(label, "")[:500],
        }
        for code, (_flag, label) in ALLERGIES.items()
    ]
    return {
        "vaccinations": [
            {
                "vaccine": row.vaccine,
                "done": row.done,
                "last_date": row.last_date.isoformat() if row.last_date else None,
            }
            for row in child.vaccinations
            if row.vaccine in VACCINES
        ],
        "diseases": [
            {"disease": row.disease, "had": row.had}
            for row in child.diseases
            if row.disease in DISEASES
        ],
        "allergies": allergies,
        "medical_history": record.medical_history[:2000],
        "observations": record.observations[:2000],
        "doctor_name": record.doctor_name,
        "doctor_phone": record.doctor_phone,
        "doctor_commune": record.doctor_commune,
    }


def _person(contact) -> dict:
    p = contact.person
    return {
        "person_ref": person_ref(p.id),
        "last_name": p.last_name,
        "first_name": p.first_name,
        "relationship_label": p.relationship_label,
        "address_line1": p.address_line1,
        "postcode": p.postcode,
        "commune": p.commune,
        "phone1": p.phone1,
        "phone2": p.phone2,
    }


def _persons_under_review(child: Child) -> bool:
    session = object_session(child)
    return session is not None and (
        session.scalar(
            select(PortalRequest.id)
            .where(
                PortalRequest.child_id == child.id,
                PortalRequest.kind == RequestKind.FILE_CHANGE,
                PortalRequest.state == RequestState.PENDING,
            )
            .limit(1)
        )
        is not None
    )


def child_file_body(child: Child) -> dict:
    """The blocks 2–5 of ``ChildPush`` for this child (see the module docstring)."""
    body: dict = {}
    contacts = sorted(child.contacts, key=lambda c: (c.position, c.id or 0))
    if contacts and not _persons_under_review(child):
        body["emergency_contacts"] = [_person(c) for c in contacts if c.emergency_contact][
            :MAX_PERSONS
        ]
        body["authorised_pickups"] = [_person(c) for c in contacts if c.authorised_pickup][
            :MAX_PERSONS
        ]
    if child.consents:
        body["consents"] = [
            {"code": a.consent.code, "granted": a.granted, "detail": a.detail}
            for a in child.consents
        ]
    medical = medical_body(child)
    if medical is not None:
        body["medical"] = medical
    return body


def change_login(_session: Session, item: OutboxItem) -> Call:
    """``POST /staff/families/{ref}/login-email``: the portal sends the confirmation
    link to the new address; the login changes when the parent confirms (pulled as
    ``login_email.changed``)."""
    code = item.payload["family_code"]
    body = {"new_login_email": item.payload["new_login_email"]}
    return Call("POST", f"/staff/families/{code}/login-email", body, item.idempotency_key)
