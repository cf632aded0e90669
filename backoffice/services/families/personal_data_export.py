"""Data protection (RGPD), the access request: everything held about a family, as JSON.

:func:`export_personal_data` gathers every row about the family, its guardians and
children (medical record included: it is the family's own data, so the actor must be
allowed to see health data), its bookings, portal requests, invoices, payments and the
audit events about it. The export itself is recorded in the audit trail.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.models import (
    Activity,
    AuditAction,
    AuditEvent,
    Booking,
    Child,
    ChildContact,
    ConsentAnswer,
    ConsentDefinition,
    CreditNote,
    DiseaseHistory,
    Family,
    FamilyQuotient,
    Guardian,
    Invoice,
    InvoiceLine,
    MedicalRecord,
    OutboxItem,
    Payment,
    PaymentAllocation,
    Period,
    Person,
    PortalRequest,
    Regie,
    Registration,
    RequestBooking,
    SyncConflict,
    Unit,
    Vaccination,
    utcnow,
)
from backoffice.services.common.actors import Actor, PermissionDenied
from backoffice.services.common.permissions import Permission, record_refusal, require
from backoffice.services.families.queries import NotFound

EXPORT_FORMAT = "portail-famille/donnees-personnelles/1"
HIDDEN_COLUMNS = frozenset({"search_text", "version"})


def _value(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def _row(obj) -> dict:
    """Every column of an ORM object, JSON-ready (exact amounts as strings)."""
    return {
        attr.key: _value(getattr(obj, attr.key))
        for attr in obj.__mapper__.column_attrs
        if attr.key not in HIDDEN_COLUMNS
    }


def _require_medical_export(session: Session, actor: Actor) -> None:
    if not actor.sees_medical_data:
        record_refusal(
            session, actor, Permission.MEDICAL, "exporter les données personnelles d'une famille"
        )
        raise PermissionDenied(
            "L'export des données personnelles contient les fiches sanitaires (données de santé) : "
            f"le rôle de « {actor.login} » ne permet pas de le faire. Demandez-le à un·e "
            "directeur·rice de site ou à un administrateur."
        )


def export_personal_data(
    session: Session, actor: Actor, family_id: int, *, destination: str = ""
) -> dict:
    """Everything held about the family, as a JSON-ready dict; the export is audited."""
    require(
        session, actor, Permission.FAMILIES_EDIT, "exporter les données personnelles d'une famille"
    )
    _require_medical_export(session, actor)
    family = session.get(Family, family_id)
    if family is None:
        raise NotFound(f"Aucune famille n'a l'identifiant {family_id}.")
    children = session.scalars(
        select(Child).where(Child.family_id == family_id).order_by(Child.birth_date, Child.id)
    ).all()
    child_ids = [c.id for c in children]
    consent_labels = dict(
        session.execute(select(ConsentDefinition.id, ConsentDefinition.label)).all()
    )
    persons = session.scalars(
        select(Person).where(Person.family_id == family_id).order_by(Person.id)
    ).all()
    person_names = {p.id: p.full_name for p in persons}
    activities = dict(session.execute(select(Activity.id, Activity.name)).all())
    periods = dict(session.execute(select(Period.id, Period.name)).all())
    units = {
        u.id: (u.name, activities.get(u.activity_id, "")) for u in session.scalars(select(Unit))
    }
    regies = dict(session.execute(select(Regie.id, Regie.name)).all())

    def by_child(model, order) -> dict[int, list]:
        grouped: dict[int, list] = {cid: [] for cid in child_ids}
        if child_ids:
            for obj in session.scalars(
                select(model).where(model.child_id.in_(child_ids)).order_by(*order)
            ):
                grouped[obj.child_id].append(obj)
        return grouped

    records = {
        cid: found[0] for cid, found in by_child(MedicalRecord, [MedicalRecord.id]).items() if found
    }
    vaccinations = by_child(Vaccination, [Vaccination.vaccine])
    diseases = by_child(DiseaseHistory, [DiseaseHistory.disease])
    contacts = by_child(ChildContact, [ChildContact.position, ChildContact.id])
    consents = by_child(ConsentAnswer, [ConsentAnswer.consent_id])
    registrations = by_child(Registration, [Registration.requested_at, Registration.id])
    bookings = by_child(Booking, [Booking.day, Booking.unit_id])

    def child_data(child: Child) -> dict:
        record = records.get(child.id)
        return {
            **_row(child),
            "medical_record": _row(record) if record else None,
            "vaccinations": [_row(v) for v in vaccinations[child.id]],
            "diseases": [_row(d) for d in diseases[child.id]],
            "contacts": [
                {**_row(link), "person": person_names.get(link.person_id, "")}
                for link in contacts[child.id]
            ],
            "consents": [
                {**_row(answer), "consent": consent_labels.get(answer.consent_id, "")}
                for answer in consents[child.id]
            ],
            "registrations": [
                {
                    **_row(r),
                    "activity": activities.get(r.activity_id, ""),
                    "period": periods.get(r.period_id, ""),
                }
                for r in registrations[child.id]
            ],
            "bookings": [
                {
                    **_row(b),
                    "unit": units.get(b.unit_id, ("", ""))[0],
                    "activity": units.get(b.unit_id, ("", ""))[1],
                }
                for b in bookings[child.id]
            ],
        }

    requests = session.scalars(
        select(PortalRequest)
        .where(PortalRequest.family_id == family_id)
        .order_by(PortalRequest.received_at, PortalRequest.id)
    ).all()
    request_bookings: dict[int, list[int]] = {r.id: [] for r in requests}
    if requests:
        for request_id, booking_id in session.execute(
            select(RequestBooking.request_id, RequestBooking.booking_id).where(
                RequestBooking.request_id.in_(list(request_bookings))
            )
        ):
            request_bookings[request_id].append(booking_id)
    invoices = session.scalars(
        select(Invoice)
        .where(Invoice.family_id == family_id)
        .order_by(Invoice.issue_date, Invoice.id)
    ).all()
    invoice_numbers = {i.id: i.number for i in invoices}
    lines: dict[int, list] = {i.id: [] for i in invoices}
    credit_notes: dict[int, list] = {i.id: [] for i in invoices}
    if invoices:
        for line in session.scalars(
            select(InvoiceLine)
            .where(InvoiceLine.invoice_id.in_(list(lines)))
            .order_by(InvoiceLine.invoice_id, InvoiceLine.position)
        ):
            lines[line.invoice_id].append(_row(line))
        for note in session.scalars(
            select(CreditNote).where(CreditNote.invoice_id.in_(list(lines))).order_by(CreditNote.id)
        ):
            credit_notes[note.invoice_id].append(
                {**_row(note), "lines": [_row(x) for x in note.lines]}
            )
    payments = session.scalars(
        select(Payment)
        .where(Payment.family_id == family_id)
        .order_by(Payment.received_on, Payment.id)
    ).all()
    allocations: dict[int, list] = {p.id: [] for p in payments}
    if payments:
        for allocation in session.scalars(
            select(PaymentAllocation).where(PaymentAllocation.payment_id.in_(list(allocations)))
        ):
            number = invoice_numbers.get(allocation.invoice_id) or session.scalar(
                select(Invoice.number).where(Invoice.id == allocation.invoice_id)
            )
            allocations[allocation.payment_id].append({**_row(allocation), "invoice": number})
    audit_events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.family_id == family_id)
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    data = {
        "format": EXPORT_FORMAT,
        "generated_at": utcnow().isoformat(),
        "generated_by": actor.login,
        "family": _row(family),
        "quotients": [
            _row(q)
            for q in session.scalars(
                select(FamilyQuotient)
                .where(FamilyQuotient.family_id == family_id)
                .order_by(FamilyQuotient.valid_from, FamilyQuotient.id)
            )
        ],
        "guardians": [
            _row(g)
            for g in session.scalars(
                select(Guardian).where(Guardian.family_id == family_id).order_by(Guardian.rank)
            )
        ],
        "persons": [_row(p) for p in persons],
        "children": [child_data(c) for c in children],
        "portal_requests": [
            {**_row(r), "booking_ids": sorted(request_bookings[r.id])} for r in requests
        ],
        "invoices": [
            {
                **_row(i),
                "regie": regies.get(i.regie_id, ""),
                "lines": lines[i.id],
                "credit_notes": credit_notes[i.id],
            }
            for i in invoices
        ],
        "payments": [
            {**_row(p), "regie": regies.get(p.regie_id, ""), "allocations": allocations[p.id]}
            for p in payments
        ],
        "portal_messages": [
            _row(item)
            for item in session.scalars(
                select(OutboxItem).where(OutboxItem.family_id == family_id).order_by(OutboxItem.id)
            )
        ],
        "sync_conflicts": [
            _row(c)
            for c in session.scalars(
                select(SyncConflict)
                .where(SyncConflict.family_id == family_id)
                .order_by(SyncConflict.id)
            )
        ],
        "audit_events": [_row(e) for e in audit_events],
    }
    _record_export(session, actor, family, children, records, destination)
    return data


def _record_export(session, actor, family, children, records, destination) -> None:
    now = utcnow()

    def event(action, entity, entity_id, child_id=None, new_value=None) -> AuditEvent:
        return AuditEvent(
            at=now,
            staff_user_id=actor.staff_id,
            actor=actor.login,
            action=action,
            entity=entity,
            entity_id=entity_id,
            family_id=family.id,
            child_id=child_id,
            field="",
            new_value=new_value,
        )

    where = f" vers {destination}" if destination else ""
    session.add(
        event(
            AuditAction.CREATE,
            "personal_data_export",
            family.id,
            new_value=f"Export des données personnelles (droit d'accès RGPD){where}",
        )
    )
    # The medical records were read: every access to health data is recorded.
    for child in children:
        if child.id in records:
            session.add(event(AuditAction.VIEW_MEDICAL, "medical_record", child.id, child.id))
    session.flush()
